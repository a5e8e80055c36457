"""A gateway's log directory is read as it is: rotated Parquet and the live JSONL
files of the current days, without waiting for rotation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pyarrow.parquet as pq

from distillguard.ingest import ingest, iter_event_batches, live_log_files
from distillguard.schema import Event, event_row, events_table

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _event(i: int, day: int) -> Event:
    return Event(event_id=f"e{i}", ts=T0 + timedelta(days=day, minutes=i), account_id="a",
                 endpoint="chat.completions", model="m",
                 request={"model": "m", "messages": [{"role": "user", "content": f"q{i}"}]},
                 response_text="r")


def test_live_files_are_read_with_the_rotated_ones(tmp_path: Path) -> None:
    log = tmp_path / "log"
    (log / "events" / "day=2026-05-01").mkdir(parents=True)
    pq.write_table(events_table([event_row(_event(i, 0)) for i in range(3)]),
                   log / "events" / "day=2026-05-01" / "part-r1.parquet")
    (log / "exchanges-2026-05-02.r1.jsonl").write_bytes(b"".join(
        orjson.dumps(_event(i, 1).to_json_dict()) + b"\n" for i in range(3, 7)))
    (log / "exchanges-2026-05-02.r2.jsonl").write_bytes(
        orjson.dumps(_event(7, 1).to_json_dict()) + b"\n")
    (log / "quarantine.jsonl").write_bytes(b'{"not": "an event"}\n')
    assert [p.name for p in live_log_files(log)] == [
        "exchanges-2026-05-02.r1.jsonl", "exchanges-2026-05-02.r2.jsonl"]
    assert live_log_files(log, "2026-05-03") == []
    ids = sorted(i for b in iter_event_batches(log) for i in b.column("event_id").to_pylist())
    assert ids == [f"e{i}" for i in range(8)]
    rep = ingest(log, out_dir=tmp_path / "canon")
    assert (rep.events_written, rep.events_quarantined) == (8, 0)


def test_a_log_dir_with_only_live_files(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.mkdir()
    (log / "exchanges-2026-05-01.r1.jsonl").write_bytes(
        orjson.dumps(_event(0, 0).to_json_dict()) + b"\n")
    assert sum(b.num_rows for b in iter_event_batches(log)) == 1

