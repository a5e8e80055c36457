"""The exchange log: every request the gateway answers, as a canonical event
(``spec/log-format.md``), appended to a local JSON Lines file before the
answer is released.

Durability (``DISTILLGUARD_GATEWAY_FSYNC``):

- ``always``: the answer waits for an fsync covering its line. Concurrent
  requests share one fsync (group commit), so the cost is one disk flush per
  batch, not per request.
- ``batch``: the line is written (into the page cache, which survives the
  process being killed) before answering and fsynced every 200 ms, so only a
  machine crash can lose the last fraction of a second.
- ``never``: written, never fsynced (the OS decides).

Each process writes its own file (``exchanges-DAY.REPLICA.jsonl``, opened
O_APPEND) so replicas and workers never interleave partial lines. Files of
past days are rotated into canonical Parquet
(``events/day=DAY/part-REPLICA.parquet``); unreadable lines go to
``quarantine.jsonl`` with the file and line they came from.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.schema import EVENT_SCHEMA, Event, RecordError, event_row

_log = logging.getLogger("distillguard.gateway")
_NAME = re.compile(r"^exchanges-(\d{4}-\d{2}-\d{2})\.(.+)\.jsonl$")
BATCH_INTERVAL_S = 0.2
ROTATE_GRACE = timedelta(minutes=15)


def default_replica() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True, slots=True)
class RotateResult:
    day: str
    source: str
    parquet: str
    events: int
    quarantined: int


class ExchangeLog:
    def __init__(self, directory: Path, *, fsync: str = "always", replica: str = "") -> None:
        if fsync not in ("always", "batch", "never"):
            raise ValueError(f"fsync must be always, batch or never, got {fsync!r}")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.fsync = fsync
        self.replica = re.sub(r"[^A-Za-z0-9_.-]", "_", replica or default_replica())
        self._fds: dict[str, int] = {}
        self._write_gen = 0
        self._synced_gen = 0
        self._inflight: asyncio.Future[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self.written = 0
        self.stream: RedisStreamSink | None = None

    def path_for(self, day: str) -> Path:
        return self.directory / f"exchanges-{day}.{self.replica}.jsonl"

    def _fd(self, day: str) -> int:
        fd = self._fds.get(day)
        if fd is None:
            fd = os.open(self.path_for(day), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            self._fds[day] = fd
            if len(self._fds) > 2:  # keep today's and yesterday's open, close older
                for old in sorted(self._fds)[:-2]:
                    self._fsync_fd(self._fds.pop(old), close=True)
        return fd

    @staticmethod
    def _fsync_fd(fd: int, *, close: bool = False) -> None:
        try:
            os.fsync(fd)
        finally:
            if close:
                os.close(fd)

    def write(self, event: Event) -> int:
        """Append one event (one write syscall); returns its generation number."""
        return self._write_line(event, orjson.dumps(event.to_json_dict()) + b"\n")

    def _write_line(self, event: Event, line: bytes) -> int:
        day = event.ts.astimezone(UTC).strftime("%Y-%m-%d")
        os.write(self._fd(day), line)
        self._write_gen += 1
        self.written += 1
        return self._write_gen

    async def append(self, event: Event) -> None:
        """Append and return once the event is as durable as the fsync policy says
        (and, with a stream sink, once the stream has it too)."""
        line = orjson.dumps(event.to_json_dict()) + b"\n"
        gen = self._write_line(event, line)
        if self.fsync == "always":
            await self._sync_to(gen)
        elif self.fsync == "batch" and self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(self._tick())
        if self.stream is not None:
            await self.stream.add(line)

    def append_blocking(self, event: Event) -> None:
        self.write(event)
        if self.fsync == "always":
            self.sync()

    async def _sync_to(self, gen: int) -> None:
        while self._synced_gen < gen:
            if self._inflight is None:
                self._inflight = asyncio.ensure_future(self._fsync_all())
            # shield: a client that goes away must not cancel a flush others wait on
            await asyncio.shield(self._inflight)

    async def _fsync_all(self) -> None:
        target = self._write_gen
        fds = list(self._fds.values())
        try:
            await asyncio.get_running_loop().run_in_executor(None, _fsync_many, fds)
            self._synced_gen = max(self._synced_gen, target)
        finally:
            self._inflight = None

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(BATCH_INTERVAL_S)
            if self._synced_gen < self._write_gen:
                await self._sync_to(self._write_gen)

    def sync(self) -> None:
        _fsync_many(list(self._fds.values()))
        self._synced_gen = self._write_gen

    async def aclose(self) -> None:
        if self.stream is not None:
            await self.stream.aclose()
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        if self._inflight is not None:
            await asyncio.shield(self._inflight)
        self.close()

    def close(self) -> None:
        for fd in self._fds.values():
            self._fsync_fd(fd, close=True)
        self._fds.clear()
        self._synced_gen = self._write_gen

    def files(self) -> list[Path]:
        return sorted(p for p in self.directory.glob("exchanges-*.jsonl") if _NAME.match(p.name))

    def rotate(self, *, now: datetime | None = None, only_own: bool = True) -> list[RotateResult]:
        """Convert JSONL files of finished days into canonical Parquet, then remove them."""
        cutoff = ((now or datetime.now(UTC)) - ROTATE_GRACE).strftime("%Y-%m-%d")
        results = []
        for path in self.files():
            m = _NAME.match(path.name)
            assert m is not None
            day, replica = m.group(1), m.group(2)
            if day >= cutoff or (only_own and replica != self.replica):
                continue
            fd = self._fds.pop(day, None) if replica == self.replica else None
            if fd is not None:
                self._fsync_fd(fd, close=True)
            try:
                results.append(rotate_file(path, self.directory, day, replica))
            except FileNotFoundError:  # another process rotated it first
                continue
        return results


class RedisStreamSink:
    """Every event also goes to a Redis stream (``XADD stream * event <json>``), so
    replicas ship their logs to one place; consumers read it with XREAD or consumer
    groups. The local file stays the record of truth: when Redis is down the event is
    still on disk, the failure is counted and logged, and the answer is not held."""

    def __init__(self, url: str, stream: str, *, timeout_s: float = 0.5,
                 maxlen: int | None = None) -> None:
        import redis.asyncio as aioredis

        self.stream = stream
        self.maxlen = maxlen
        self.failures = 0
        self._redis: Any = aioredis.Redis.from_url(
            url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)

    async def add(self, line: bytes) -> None:
        import redis.exceptions

        try:
            await self._redis.xadd(self.stream, {"event": line.rstrip(b"\n")},
                                   maxlen=self.maxlen, approximate=True)
        except (redis.exceptions.RedisError, OSError) as exc:
            self.failures += 1
            _log.error("exchange stream %s unavailable: %s", self.stream, exc)

    async def aclose(self) -> None:
        await self._redis.aclose(close_connection_pool=True)
        # a command that timed out leaves its connection behind: close it too, or it is
        # an unclosed socket (a ResourceWarning) when collected
        await self._redis.connection_pool.disconnect()


def _fsync_many(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.fsync(fd)
        except OSError:
            # a file closed by rotation meanwhile; it was fsynced on close
            continue


def read_log(path: Path) -> Iterator[tuple[int, Event | None, dict[str, Any]]]:
    """(line number, event or None when unusable, quarantine row) for one log file."""
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                rec = orjson.loads(raw)
                yield lineno, Event.from_mapping(rec, source=str(path), line=lineno), {}
            except orjson.JSONDecodeError as exc:
                yield lineno, None, {
                    "source": str(path), "line": lineno, "reason": f"not JSON: {exc}",
                    "problems": [], "raw": raw.decode("utf-8", "replace").rstrip("\n"),
                }
            except RecordError as exc:
                yield lineno, None, {
                    "source": str(path), "line": lineno, "reason": "invalid record",
                    "problems": [{"field": p.field, "reason": p.reason} for p in exc.problems],
                    "raw": raw.decode("utf-8", "replace").rstrip("\n"),
                }


def rotate_file(path: Path, directory: Path, day: str, replica: str) -> RotateResult:
    rows: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    for _, ev, q in read_log(path):
        if ev is None:
            bad.append(q)
        else:
            rows.append(event_row(ev))
    out_dir = directory / "events" / f"day={day}"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"part-{replica}.parquet"
    if target.exists():  # a second file for the same day and replica: keep both
        n = len(list(out_dir.glob(f"part-{replica}*.parquet")))
        target = out_dir / f"part-{replica}-{n}.parquet"
    tmp = target.with_suffix(".parquet.tmp")
    pq.write_table(pa.Table.from_pylist(rows, schema=EVENT_SCHEMA), tmp, compression="zstd")
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    if bad:
        with open(directory / "quarantine.jsonl", "ab") as qf:
            for q in bad:
                qf.write(orjson.dumps(q) + b"\n")
            qf.flush()
            os.fsync(qf.fileno())
    path.unlink()
    return RotateResult(day, str(path), str(target), len(rows), len(bad))

