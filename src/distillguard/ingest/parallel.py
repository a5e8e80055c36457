"""JSONL conversion spread over worker processes, order and accounting preserved.

The parent reads blocks of whole lines (decompression, line numbering,
lines too long to hold and truncated streams are handled there) and hands
each block, one bytes object, to a worker; a worker splits, parses, validates
and builds one Arrow batch per block, collecting its quarantine rows instead
of writing them. The
parent takes results back in submission order, replays the quarantine rows,
deduplicates and writes, so the output and the quarantine are the same as a
serial run's (up to the order of quarantine rows within a chunk). At most
``2 * workers`` blocks are in flight, so memory stays bounded however large
the file.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from distillguard.ingest.quarantine import Quarantine
from distillguard.ingest.readers import Prepared, build_rows, convert_record
from distillguard.ingest.sources import decode_json_line, iter_blocks, split_block

BLOCK_BYTES = 8 * 1024 * 1024


def convert_block(source: str, first: int, block: bytes, max_line_bytes: int) -> Prepared:
    """Worker side: one block of raw lines to a :class:`Prepared` batch."""
    q = Quarantine(memory_rows=None)
    rows: list[tuple[Any, ...]] = []
    where: list[tuple[str, int | None]] = []
    ooo = 0
    prev: int | None = None
    for lineno, line in split_block(source, first, block, q, max_line_bytes=max_line_bytes):
        obj = decode_json_line(source, lineno, line, q)
        if obj is None:
            continue
        row = convert_record((source, lineno, obj, line), q)
        if row is None:
            continue
        if prev is not None and row[1] < prev:
            ooo += 1
        prev = row[1]
        rows.append(row)
        where.append((source, lineno))
    batch, where = build_rows(rows, where, q)
    first_ms: int | None = rows[0][1] if rows else None
    return Prepared(batch, where, q.rows, ooo, first_ms, prev)


def _context() -> Any:
    # fork shares the already-imported modules (no second start-up cost); elsewhere spawn.
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def parallel_records(paths: list[Path], quarantine: Quarantine | None, workers: int, *,
                     max_line_bytes: int, block_bytes: int | None = None) -> Iterator[Prepared]:
    """Prepared batches of JSONL ``paths`` converted by ``workers`` processes, in order."""
    size = block_bytes or BLOCK_BYTES
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        pending: deque[Future[Prepared]] = deque()
        for path in paths:
            source = str(path)
            for first, block in iter_blocks(path, quarantine, max_line_bytes=max_line_bytes,
                                            block_bytes=size):
                pending.append(pool.submit(convert_block, source, first, block,
                                           max_line_bytes))
                while len(pending) >= 2 * workers:
                    yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
