"""Canonical Parquet partitioned by day: ``<out>/events/day=YYYY-MM-DD/part-NNNNN.parquet``.

Rows are buffered per day and written as row groups of ``row_group_rows``;
the total buffered across days is capped (``max_buffered_rows``, the largest
day is flushed first) so memory stays bounded whatever the day spread. At most
``max_open_files`` writers stay open; a day whose writer was closed gets a new
part file when it next flushes. Output goes to a hidden staging directory and
is renamed into place at the end, so a crashed job never leaves a
half-written ``events/`` behind that later stages would take for complete.

Encoding and compressing a row group is Arrow C++ work that releases the GIL,
so it runs in one background thread while the caller converts the next rows;
one write is in flight at a time (memory stays bounded) and every file
operation happens in that one thread, in submission order.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from distillguard.schema import EVENT_SCHEMA, ConflictError, InputError

COMPRESSION = "zstd"
#: Codecs ingest may write (``none`` stores pages uncompressed).
CODECS = ("zstd", "snappy", "lz4", "none")
# Free text is nearly unique per row: dictionary-encoding it only to fall back, and
# min/max statistics over kilobyte strings, cost time and bytes for nothing. System
# prompts repeat (templates), so they keep their dictionary.
_TEXT_COLUMNS = frozenset({"event_id", "request", "response_text", "reasoning_text", "req_system",
                           "req_user"})
DICTIONARY_COLUMNS = [n for n in EVENT_SCHEMA.names
                      if n not in _TEXT_COLUMNS or n == "req_system"]
STATISTICS_COLUMNS = [n for n in EVENT_SCHEMA.names if n not in _TEXT_COLUMNS]


class _Part:
    """One part file; opened, written and closed only by the writer thread."""

    def __init__(self, path: Path, compression: str = COMPRESSION) -> None:
        self.path = path
        self.compression = compression
        self.writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table, row_group_rows: int) -> None:
        if self.writer is None:
            self.path.parent.mkdir(exist_ok=True)
            self.writer = pq.ParquetWriter(self.path, EVENT_SCHEMA, compression=self.compression,
                                           use_dictionary=DICTIONARY_COLUMNS,
                                           write_statistics=STATISTICS_COLUMNS)
        self.writer.write_table(table, row_group_size=row_group_rows)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class PartitionedWriter:
    """Writes :data:`EVENT_SCHEMA` batches into day partitions under ``<out_dir>/events``."""

    def __init__(self, out_dir: str | Path, *, overwrite: bool = False,
                 row_group_rows: int = 65_536, max_buffered_rows: int = 131_072,
                 max_open_files: int = 32, compression: str = COMPRESSION) -> None:
        if compression not in CODECS:
            raise InputError(f"unknown Parquet compression {compression!r}; choose one of "
                             f"{list(CODECS)}", details={"compression": compression})
        self.compression = compression
        self.out_dir = Path(out_dir)
        self.final = self.out_dir / "events"
        if self.final.exists() and any(self.final.iterdir()) and not overwrite:
            raise ConflictError(
                f"{self.final} already holds events; choose an empty --out or pass --overwrite",
                details={"path": str(self.final)},
            )
        self.overwrite = overwrite
        self.stage = self.out_dir / f".events.staging-{os.getpid()}"
        if self.stage.exists():
            shutil.rmtree(self.stage)
        self.stage.mkdir(parents=True)
        self.row_group_rows = row_group_rows
        self.max_buffered_rows = max_buffered_rows
        self.max_open_files = max_open_files
        self._buffers: dict[date, list[pa.RecordBatch]] = {}
        self._buffered: dict[date, int] = {}
        self._open: OrderedDict[date, _Part] = OrderedDict()
        self._parts: dict[date, int] = {}
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-writer")
        self._inflight: Future[None] | None = None
        self.rows_per_day: dict[date, int] = {}
        self.rows_written = 0
        self.files: list[Path] = []

    def write(self, batch: pa.RecordBatch) -> None:
        if not batch.num_rows:
            return
        days = batch.column("day")
        uniq = pc.unique(days).to_pylist()
        for d in uniq:
            part = batch if len(uniq) == 1 else batch.filter(pc.equal(days, d))
            self._buffers.setdefault(d, []).append(part)
            self._buffered[d] = self._buffered.get(d, 0) + part.num_rows
            self.rows_per_day[d] = self.rows_per_day.get(d, 0) + part.num_rows
            if self._buffered[d] >= self.row_group_rows:
                self._flush(d)
        while sum(self._buffered.values()) > self.max_buffered_rows:
            self._flush(max(self._buffered, key=lambda k: self._buffered[k]))

    def _submit(self, fn: Callable[..., None], *args: object) -> None:
        self._wait()
        self._inflight = self._thread.submit(fn, *args)

    def _wait(self) -> None:
        if self._inflight is not None:
            done, self._inflight = self._inflight, None
            done.result()  # a failed write raises here, in the caller's thread

    def _part(self, d: date) -> _Part:
        part = self._open.get(d)
        if part is not None:
            self._open.move_to_end(d)
            return part
        while len(self._open) >= self.max_open_files:
            _, old = self._open.popitem(last=False)
            self._submit(old.close)
        n = self._parts.get(d, 0)
        self._parts[d] = n + 1
        path = self.stage / f"day={d.isoformat()}" / f"part-{n:05d}.parquet"
        self.files.append(path)
        part = self._open[d] = _Part(path, self.compression)
        return part

    def _flush(self, d: date) -> None:
        batches = self._buffers.pop(d, [])
        self._buffered.pop(d, None)
        if not batches:
            return
        table = pa.Table.from_batches(batches, schema=EVENT_SCHEMA)
        self._submit(self._part(d).write, table, self.row_group_rows)
        self.rows_written += table.num_rows

    def _close_parts(self) -> None:
        for part in self._open.values():
            self._submit(part.close)
        self._open.clear()
        self._wait()

    def close(self) -> Path:
        """Flush everything and move the partitions into ``<out_dir>/events``."""
        for d in list(self._buffers):
            self._flush(d)
        self._close_parts()
        self._thread.shutdown()
        if self.final.exists():
            shutil.rmtree(self.final)
        self.stage.rename(self.final)
        self.files = [self.final / p.relative_to(self.stage) for p in self.files]
        return self.final

    def abort(self) -> None:
        # The error that made us abort is the one to report, not a later one of the thread.
        with contextlib.suppress(Exception):
            self._wait()
        self._thread.shutdown()
        for part in self._open.values():
            with contextlib.suppress(Exception):
                part.close()
        self._open.clear()
        shutil.rmtree(self.stage, ignore_errors=True)

    def __enter__(self) -> PartitionedWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None:
            self.abort()
