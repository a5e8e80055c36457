"""The exchange log: durable appends, group commit, rotation to canonical
Parquet with unreadable lines quarantined."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

from distillguard.gateway.exchange_log import ExchangeLog, read_log
from distillguard.schema import EVENT_SCHEMA, Event


def _event(i: int, ts: datetime) -> Event:
    return Event(event_id=f"e{i}", ts=ts, account_id=f"a{i % 3}", endpoint="chat.completions",
                 model="m", request={"model": "m", "messages": [{"role": "user",
                                                                 "content": f"q{i}"}]},
                 response_text=f"r{i}", status=200 if i % 5 else 429)


@pytest.mark.parametrize("fsync", ["always", "batch", "never"])
def test_concurrent_appends_are_all_written(tmp_path: Path, fsync: str) -> None:
    log = ExchangeLog(tmp_path, fsync=fsync, replica="r1")
    now = datetime.now(UTC)

    async def go() -> None:
        await asyncio.gather(*(log.append(_event(i, now)) for i in range(200)))
        await log.aclose()

    asyncio.run(go())
    (path,) = log.files()
    ids = [ev.event_id for _, ev, _ in read_log(path) if ev is not None]
    assert sorted(ids) == sorted(f"e{i}" for i in range(200))


def test_rotation_writes_canonical_parquet_and_quarantines(tmp_path: Path) -> None:
    log = ExchangeLog(tmp_path, fsync="always", replica="r1")
    old = datetime(2026, 5, 2, 13, 0, tzinfo=UTC)
    for i in range(10):
        log.append_blocking(_event(i, old + timedelta(minutes=i)))
    today = datetime.now(UTC)
    log.append_blocking(_event(99, today))
    path = log.path_for("2026-05-02")
    with open(path, "ab") as fh:  # a torn last line and a record missing fields
        fh.write(orjson.dumps({"event_id": "x", "ts": "2026-05-02T14:00:00Z"}) + b"\n")
        fh.write(b'{"event_id": "torn", "ts": "2026-05-')
    results = log.rotate()
    assert [(r.day, r.events, r.quarantined) for r in results] == [("2026-05-02", 10, 2)]
    assert not path.exists() and log.path_for(today.strftime("%Y-%m-%d")).exists()
    table = pq.read_table(tmp_path / "events" / "day=2026-05-02" / "part-r1.parquet")
    assert table.schema.equals(EVENT_SCHEMA) and table.num_rows == 10
    assert sorted(table.column("status").to_pylist()).count(429) == 2
    rows = [orjson.loads(line) for line in (tmp_path / "quarantine.jsonl").read_bytes().split(
        b"\n") if line]
    assert {r["line"] for r in rows} == {11, 12}
    assert any(p["field"] == "account_id" for r in rows for p in r["problems"])
    assert all(r["source"] == str(path) and "raw" in r for r in rows)
    log.close()
