"""JSONL conversion spread over worker processes, order and accounting preserved.

The parent reads blocks of whole lines (decompression, line numbering,
lines too long to hold and truncated streams are handled there) and hands
each block to a worker: for an uncompressed file only its offset and length
(the worker reads it again from the page cache, which is cheaper than
pickling it through a pipe), else the bytes. A worker splits, parses,
validates and builds one Arrow batch per block, collecting its quarantine
rows instead of writing them. The
parent takes results back in submission order, replays the quarantine rows,
deduplicates and writes, so the output and the quarantine are the same as a
serial run's (up to the order of quarantine rows within a chunk). At most
``2 * workers`` blocks are in flight, so memory stays bounded however large
the file.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from distillguard.ingest.blocks import prepare_block
from distillguard.ingest.convert import Prepared
from distillguard.ingest.quarantine import Quarantine
from distillguard.ingest.sources import iter_blocks_at
from distillguard.opener import sniff

# A few thousand rows a block: small enough for a worker's rows to stay in cache while it
# builds the block's columns, large enough that the per-task overhead does not show.
BLOCK_BYTES = 2 * 1024 * 1024


def prepare_range(source: str, first: int, offset: int, length: int,
                  max_line_bytes: int, native: bool = False) -> Prepared:
    """Worker side: a block of an uncompressed file, read from the file itself."""
    fd = os.open(source, os.O_RDONLY)
    try:
        block = os.pread(fd, length, offset)
    finally:
        os.close(fd)
    return prepare_block(source, first, block, max_line_bytes, native)


def _context() -> Any:
    # fork shares the already-imported modules (no second start-up cost); elsewhere spawn.
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def parallel_records(paths: list[Path], quarantine: Quarantine | None, workers: int, *,
                     max_line_bytes: int, block_bytes: int | None = None,
                     native: bool = False) -> Iterator[Prepared]:
    """Prepared batches of JSONL ``paths`` converted by ``workers`` processes, in order."""
    size = block_bytes or BLOCK_BYTES
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        pending: deque[Future[Prepared]] = deque()
        for path in paths:
            source = str(path)
            plain = sniff(path) == "plain"
            for first, offset, block in iter_blocks_at(path, quarantine,
                                                       max_line_bytes=max_line_bytes,
                                                       block_bytes=size):
                if plain:
                    task = pool.submit(prepare_range, source, first, offset, len(block),
                                       max_line_bytes, native)
                else:
                    task = pool.submit(prepare_block, source, first, block, max_line_bytes,
                                       native)
                pending.append(task)
                while len(pending) >= 2 * workers:
                    yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
