"""Streaming readers of events, accounts and labels (the ingest public API).

Every reader accepts JSON Lines (plain, gzip or zstd, recognised by magic
bytes) and Parquet, and never holds a whole file: JSONL is read line by line,
Parquet a record batch at a time. With a :class:`Quarantine` every unusable
row is written there and counted and reading carries on; without one (the
strict mode, for inputs that are expected to be clean) the first unusable row
raises an :class:`InputError` naming file, line and field.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, TypeAlias

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.ingest.blocks import convert_block
from distillguard.ingest.convert import (
    Prepared,
    Record,
    build_rows,
    convert_record,
    order_stats,
)
from distillguard.ingest.dedup import SeenIds, digests
from distillguard.ingest.quarantine import (
    DUPLICATE_EVENT_ID,
    UNREADABLE_FILE,
    Quarantine,
    dump_raw,
    quarantine_error,
    reject,
)
from distillguard.ingest.sources import DEFAULT_MAX_LINE_BYTES, iter_blocks, iter_json_records
from distillguard.opener import check_file, sniff
from distillguard.schema import (
    EVENT_FIELDS,
    EVENT_SCHEMA,
    Event,
    InputError,
    NotFoundError,
    RecordError,
    format_ts,
)

PARQUET_ROWS = 8192
# Bytes of JSONL converted at a time in-process: a few thousand rows, so the row objects
# of a block are still in cache when its Arrow columns are built.
BLOCK_BYTES = 512 * 1024
# The native engine's fixed costs per block (Arrow arrays for 34 columns, merging in the
# rows Python converted) shrink with fewer, larger blocks; memory is still a few blocks.
NATIVE_BLOCK_BYTES = 4 * 1024 * 1024
ENGINES: Final = ("auto", "native", "blocks", "records")


def resolve_engine(engine: str) -> str:
    """``auto`` is ``native`` where the C scanner is built, else ``blocks``; an unknown
    engine, or ``native`` without the scanner, is a clear error."""
    from distillguard.ingest import native

    if engine not in ENGINES:
        raise InputError(f"unknown ingest engine {engine!r}; choose one of {list(ENGINES)}",
                         details={"engine": engine})
    if engine == "auto":
        return "native" if native.AVAILABLE else "blocks"
    if engine == "native" and not native.AVAILABLE:
        raise InputError("the native ingest engine is not built (the package was built with "
                         "DISTILLGUARD_NO_NATIVE=1 or without a C compiler); use engine "
                         "'blocks'", details={"engine": engine})
    return engine


Source: TypeAlias = "Record | pa.RecordBatch | Prepared"
__all__ = ["ENGINES", "Prepared", "ReadStats", "Record", "build_rows", "convert_record",
           "event_sources", "expand_paths", "iter_event_batches", "iter_events", "iter_records"]


@dataclass
class ReadStats:
    """Running counts of one read (mutable: readers update it as they go)."""

    files: int = 0
    events: int = 0
    duplicates: int = 0
    out_of_order: int = 0


#: A gateway's live exchange-log files (``exchanges-DAY.REPLICA.jsonl``), not yet rotated.
LIVE_LOG_GLOB = "exchanges-????-??-??.*.jsonl"


def live_log_files(directory: Path, since_day: str = "") -> list[Path]:
    """The gateway's live JSONL files in ``directory`` (of ``since_day`` and later)."""
    return sorted(f for f in directory.glob(LIVE_LOG_GLOB)
                  if f.is_file() and f.name[len("exchanges-"):][:10] >= since_day)


def expand_paths(paths: str | Path | Iterable[str | Path], *,
                 layout_entry: str = "events") -> list[Path]:
    """Files named by ``paths``; a directory means every Parquet file under it, or under
    its ``layout_entry`` (``events`` or ``accounts.parquet``) when it is an ingest output.
    A gateway's log directory also contributes its live JSONL files (the current days,
    not rotated yet), so its latest exchanges are read without waiting for rotation."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    out: list[Path] = []
    for p in map(Path, items):
        if p.is_dir():
            entry = p / layout_entry
            if entry.is_file():
                out.append(entry)
                continue
            root = entry if entry.is_dir() else p
            files = sorted(
                f for f in root.rglob("*.parquet")
                if not any(part.startswith((".", "_")) for part in f.relative_to(root).parts)
            )
            if layout_entry == "events":
                files += live_log_files(p)
            if not files:
                raise NotFoundError(f"{p}: directory holds no Parquet files",
                                    details={"path": str(p)})
            out.extend(files)
        else:
            check_file(p)
            out.append(p)
    return out


def _unreadable(quarantine: Quarantine | None, path: Path, exc: Exception) -> None:
    why = f"cannot read file ({type(exc).__name__}: {exc})"
    reject(quarantine, str(path), None, UNREADABLE_FILE, "<file>", why, b"")


def _parquet_rows(path: Path, quarantine: Quarantine | None) -> Iterator[Record]:
    """Rows of a Parquet file as mappings; the row number (1-based) stands in for the line."""
    source = str(path)
    try:
        pf = pq.ParquetFile(path)
        n = 0
        for batch in pf.iter_batches(batch_size=PARQUET_ROWS):
            for row in batch.to_pylist():
                n += 1
                yield source, n, row, b""
    except (OSError, pa.ArrowException) as exc:
        _unreadable(quarantine, path, exc)


def iter_records(path: Path, quarantine: Quarantine | None, *,
                 max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[Record]:
    """Every decodable record of a JSONL or Parquet file, with where it came from."""
    if sniff(path) == "parquet":
        yield from _parquet_rows(path, quarantine)
        return
    source = str(path)
    for lineno, obj, raw in iter_json_records(path, quarantine, max_line_bytes=max_line_bytes):
        yield source, lineno, obj, raw


def _is_canonical(schema: pa.Schema) -> bool:
    names = set(schema.names)
    return all(n in names for n in EVENT_SCHEMA.names)


def _validate(rec: Record, quarantine: Quarantine | None) -> Event | None:
    source, line, obj, raw = rec
    try:
        return Event.from_mapping(obj, source=source, line=line)
    except RecordError as err:
        quarantine_error(quarantine, err, raw, obj)
        return None


def iter_events(path: str | Path, quarantine: Quarantine | None = None, *,
                max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[Event]:
    """Validated :class:`Event` objects from one file (duplicate ids quarantined)."""
    seen = SeenIds()
    for file in expand_paths(path):
        for rec in iter_records(file, quarantine, max_line_bytes=max_line_bytes):
            ev = _validate(rec, quarantine)
            if ev is None:
                continue
            if seen.add(hash(ev.event_id)):
                _duplicate(quarantine, rec[0], rec[1], ev.event_id, rec[3])
                continue
            yield ev


def _duplicate(quarantine: Quarantine | None, source: str, line: int | None, event_id: str,
               raw: bytes | str) -> None:
    why = f"event_id {event_id!r} was already seen (first occurrence kept)"
    reject(quarantine, source, line, DUPLICATE_EVENT_ID, "event_id", why, raw)


def _row_json(row: dict[str, Any]) -> bytes:
    """A canonical row back in the JSONL shape (rows no longer held raw, e.g. duplicates)."""
    out: dict[str, Any] = {}
    for k in EVENT_FIELDS:
        v = row.get(k)
        if v is None:
            continue
        if k == "ts" and isinstance(v, datetime):
            v = format_ts(v)
        elif k == "request" and isinstance(v, str):
            with contextlib.suppress(orjson.JSONDecodeError):
                v = orjson.loads(v)
        out[k] = v
    return dump_raw(out)


class _Batcher:
    """Collects row tuples; each flush builds a batch and drops ids already seen."""

    def __init__(self, quarantine: Quarantine | None, stats: ReadStats) -> None:
        self.quarantine = quarantine
        self.stats = stats
        self.seen = SeenIds()
        self.rows: list[tuple[Any, ...]] = []
        self.where: list[tuple[str, int | None]] = []
        self.raws: list[bytes | str | None] = []
        self.prev_ms: int | None = None

    def add(self, rec: Record) -> None:
        row = convert_record(rec, self.quarantine)
        if row is None:
            return
        self.rows.append(row)
        self.where.append((rec[0], rec[1]))
        self.raws.append(rec[3])

    def add_prepared(self, p: Prepared) -> pa.RecordBatch:
        for row in p.quarantined:
            if self.quarantine is None:
                prob = row["problems"][0] if row["problems"] else {"field": "", "reason": ""}
                raise InputError(f"{row['source']}:{row['line']}: {prob['field']}: "
                                 f"{prob['reason']}", details=row)
            self.quarantine.add_row(row)
        self._order(p.out_of_order, p.first_ms, p.last_ms)
        out = self.dedup(p.batch,
                         lambda i: (p.source, p.lines[i]))
        self.stats.events += out.num_rows
        return out

    def _order(self, out_of_order: int, first_ms: int | None, last_ms: int | None) -> None:
        """Out-of-order timestamps among the rows built (before de-duplication), across
        batches and blocks alike."""
        self.stats.out_of_order += out_of_order
        if self.prev_ms is not None and first_ms is not None and first_ms < self.prev_ms:
            self.stats.out_of_order += 1
        if last_ms is not None:
            self.prev_ms = last_ms

    def dedup(self, batch: pa.RecordBatch,
              where: Callable[[int], tuple[str, int | None]] | None) -> pa.RecordBatch:
        ids = batch.column(0)
        dup = self.seen.add_many(digests(ids))
        if not dup.any():
            return batch
        for i in dup.nonzero()[0].tolist():
            src, line = where(i) if where is not None else ("<parquet>", i + 1)
            self.stats.duplicates += 1
            _duplicate(self.quarantine, src, line, ids[i].as_py(),
                       _row_json(batch.slice(i, 1).to_pylist()[0]))
        return batch.filter(pa.array(~dup))

    def flush(self) -> pa.RecordBatch | None:
        if not self.rows:
            return None
        rows, where, raws = self.rows, self.where, self.raws
        self.rows, self.where, self.raws = [], [], []
        batch, where = build_rows(rows, where, self.quarantine, raws)
        self._order(*order_stats(batch))
        out = self.dedup(batch, where.__getitem__)
        self.stats.events += out.num_rows
        return out


class _Coalesce:
    """Joins the small batches of converted blocks into batches of ``size`` rows."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.parts: list[pa.RecordBatch] = []
        self.rows = 0

    def add(self, batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        if batch.num_rows:
            self.parts.append(batch)
            self.rows += batch.num_rows
        if self.rows >= self.size:
            yield from self.drain(keep_partial=True)

    def drain(self, keep_partial: bool = False) -> Iterator[pa.RecordBatch]:
        if not self.parts:
            return
        if len(self.parts) == 1:
            whole = self.parts[0]
        else:
            whole = pa.Table.from_batches(self.parts).combine_chunks().to_batches()[0]
        self.parts, self.rows = [], 0
        start = 0
        while whole.num_rows - start >= self.size:
            yield whole.slice(start, self.size)
            start += self.size
        if start < whole.num_rows:
            rest = whole.slice(start)
            if keep_partial:
                self.parts, self.rows = [rest], rest.num_rows
            else:
                yield rest


def iter_event_batches(
    paths: str | Path | Iterable[str | Path],
    batch_size: int = 50_000,
    quarantine: Quarantine | None = None,
    *,
    records: Iterable[Source] | None = None,
    stats: ReadStats | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    workers: int = 1,
    engine: str = "auto",
    coalesce: bool = True,
) -> Iterator[pa.RecordBatch]:
    """Record batches of :data:`EVENT_SCHEMA` from JSONL, Parquet or canonical directories.

    Canonical Parquet (as ``distillguard ingest`` writes it) is passed through
    batch by batch; anything else is validated row by row. Duplicate event ids
    (across all inputs) go to the quarantine. ``records`` lets an adapter feed
    already-converted records (or canonical batches) instead of reading ``paths``.
    ``workers`` > 1 converts JSONL in that many processes (same output).
    ``engine`` (:data:`ENGINES`): ``native`` converts blocks of lines with the C
    scanner, ``blocks`` in Python, ``records`` a record at a time (the slowest,
    kept for comparison); ``auto`` is ``native`` where it is built. Same output.
    Batches hold at most ``batch_size`` rows; with ``coalesce=False`` converted
    blocks are passed on as they come (fewer copies, for a consumer that does not care).
    """
    engine = resolve_engine(engine)
    st = stats if stats is not None else ReadStats()
    b = _Batcher(quarantine, st)
    sources: Iterable[Source] = (
        records if records is not None
        else event_sources(expand_paths(paths), quarantine, batch_size, max_line_bytes, st,
                           workers, engine)
    )
    joined = _Coalesce(batch_size)
    for item in sources:
        if isinstance(item, Prepared):
            if (out := b.flush()) is not None and out.num_rows:
                yield out
            out = b.add_prepared(item)
            if coalesce:
                yield from joined.add(out)
            elif out.num_rows:
                yield out
            continue
        yield from joined.drain()
        if isinstance(item, pa.RecordBatch):
            if (out := b.flush()) is not None and out.num_rows:
                yield out
            batch = b.dedup(item, None)
            st.events += batch.num_rows
            if batch.num_rows:
                yield batch
            continue
        b.add(item)
        if len(b.rows) >= batch_size and (out := b.flush()) is not None and out.num_rows:
            yield out
    yield from joined.drain()
    if (out := b.flush()) is not None and out.num_rows:
        yield out


_REQUIRED = ("event_id", "ts", "account_id", "endpoint", "model", "request", "response_text",
             "day")


def _canonical_batches(path: Path, pf: pq.ParquetFile, batch_size: int) -> Iterator[Source]:
    """Canonical Parquet passes through; rows lacking a required value (a file that only
    looks canonical) go through validation instead, and so to the quarantine."""
    import pyarrow.compute as pc

    offset = 0
    for raw in pf.iter_batches(batch_size=batch_size, columns=EVENT_SCHEMA.names):
        batch = pa.RecordBatch.from_arrays(
            [raw.column(n).cast(f.type) for n, f in
             zip(EVENT_SCHEMA.names, EVENT_SCHEMA, strict=True)],
            schema=EVENT_SCHEMA,
        )
        bad = None
        for name in _REQUIRED:
            col = batch.column(name)
            if col.null_count:
                nulls = pc.is_null(col)
                bad = nulls if bad is None else pc.or_(bad, nulls)
        if bad is None:
            yield batch
        else:
            yield batch.filter(pc.invert(bad))
            for i in pc.indices_nonzero(bad).to_pylist():
                row = batch.slice(i, 1).to_pylist()[0]
                yield str(path), offset + i + 1, {k: row[k] for k in EVENT_FIELDS}, b""
        offset += batch.num_rows


def _jsonl_blocks(path: Path, quarantine: Quarantine | None,
                  max_line_bytes: int, native: bool) -> Iterator[Prepared]:
    """A JSONL file converted a block at a time in this process."""
    source = str(path)
    for first, block in iter_blocks(path, quarantine, max_line_bytes=max_line_bytes,
                                    block_bytes=NATIVE_BLOCK_BYTES if native else BLOCK_BYTES):
        batch, lines, ooo, first_ms, last_ms = convert_block(source, first, block, quarantine,
                                                             max_line_bytes=max_line_bytes,
                                                             native=native)
        yield Prepared(batch, source, lines, [], ooo, first_ms, last_ms)


def event_sources(files: list[Path], quarantine: Quarantine | None, batch_size: int,
                  max_line_bytes: int, stats: ReadStats, workers: int = 1,
                  engine: str = "auto") -> Iterator[Source]:
    engine = resolve_engine(engine)
    for path in files:
        stats.files += 1
        if sniff(path) == "parquet":
            try:
                pf = pq.ParquetFile(path)
                canonical = _is_canonical(pf.schema_arrow)
            except (OSError, pa.ArrowException) as exc:
                _unreadable(quarantine, path, exc)
                continue
            if canonical:
                try:
                    yield from _canonical_batches(path, pf, batch_size)
                except (OSError, pa.ArrowException) as exc:
                    _unreadable(quarantine, path, exc)
                continue
        elif engine == "records":
            pass
        elif workers > 1:
            from distillguard.ingest.parallel import parallel_records

            yield from parallel_records([path], quarantine, workers,
                                        max_line_bytes=max_line_bytes,
                                        native=engine == "native")
            continue
        else:
            yield from _jsonl_blocks(path, quarantine, max_line_bytes, engine == "native")
            continue
        yield from iter_records(path, quarantine, max_line_bytes=max_line_bytes)
