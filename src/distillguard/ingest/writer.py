"""Canonical Parquet partitioned by day: ``<out>/events/day=YYYY-MM-DD/part-NNNNN.parquet``.

Rows are buffered per day and written as row groups of ``row_group_rows``;
the total buffered across days is capped (``max_buffered_rows``, the largest
day is flushed first) so memory stays bounded whatever the day spread. At most
``max_open_files`` writers stay open; a day whose writer was closed gets a new
part file when it next flushes. Output goes to a hidden staging directory and
is renamed into place at the end, so a crashed job never leaves a
half-written ``events/`` behind that later stages would take for complete.
"""

from __future__ import annotations

import os
import shutil
from collections import OrderedDict
from datetime import date
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from distillguard.schema import EVENT_SCHEMA, ConflictError

COMPRESSION = "zstd"
# Free text is nearly unique per row: dictionary-encoding it only to fall back, and
# min/max statistics over kilobyte strings, cost time and bytes for nothing. System
# prompts repeat (templates), so they keep their dictionary.
_TEXT_COLUMNS = frozenset({"event_id", "request", "response_text", "reasoning_text", "req_system",
                           "req_user"})
DICTIONARY_COLUMNS = [n for n in EVENT_SCHEMA.names
                      if n not in _TEXT_COLUMNS or n == "req_system"]
STATISTICS_COLUMNS = [n for n in EVENT_SCHEMA.names if n not in _TEXT_COLUMNS]


class PartitionedWriter:
    """Writes :data:`EVENT_SCHEMA` batches into day partitions under ``<out_dir>/events``."""

    def __init__(self, out_dir: str | Path, *, overwrite: bool = False,
                 row_group_rows: int = 65_536, max_buffered_rows: int = 131_072,
                 max_open_files: int = 32) -> None:
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
        self._writers: OrderedDict[date, pq.ParquetWriter] = OrderedDict()
        self._parts: dict[date, int] = {}
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

    def _writer(self, d: date) -> pq.ParquetWriter:
        w = self._writers.get(d)
        if w is not None:
            self._writers.move_to_end(d)
            return w
        while len(self._writers) >= self.max_open_files:
            _, old = self._writers.popitem(last=False)
            old.close()
        n = self._parts.get(d, 0)
        self._parts[d] = n + 1
        folder = self.stage / f"day={d.isoformat()}"
        folder.mkdir(exist_ok=True)
        path = folder / f"part-{n:05d}.parquet"
        self.files.append(path)
        w = pq.ParquetWriter(path, EVENT_SCHEMA, compression=COMPRESSION,
                             use_dictionary=DICTIONARY_COLUMNS,
                             write_statistics=STATISTICS_COLUMNS)
        self._writers[d] = w
        return w

    def _flush(self, d: date) -> None:
        batches = self._buffers.pop(d, [])
        self._buffered.pop(d, None)
        if not batches:
            return
        table = pa.Table.from_batches(batches, schema=EVENT_SCHEMA)
        self._writer(d).write_table(table, row_group_size=self.row_group_rows)
        self.rows_written += table.num_rows

    def close(self) -> Path:
        """Flush everything and move the partitions into ``<out_dir>/events``."""
        for d in list(self._buffers):
            self._flush(d)
        for w in self._writers.values():
            w.close()
        self._writers.clear()
        if self.final.exists():
            shutil.rmtree(self.final)
        self.stage.rename(self.final)
        self.files = [self.final / p.relative_to(self.stage) for p in self.files]
        return self.final

    def abort(self) -> None:
        for w in self._writers.values():
            w.close()
        self._writers.clear()
        shutil.rmtree(self.stage, ignore_errors=True)

    def __enter__(self) -> PartitionedWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is not None:
            self.abort()
