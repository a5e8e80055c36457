"""The hunt reads a gateway's log directory as it is: rotated Parquet and live JSONL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pyarrow.parquet as pq

from distillguard.detect import hunt
from distillguard.schema import Event, event_row, events_table

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _event(i: int, day: int) -> Event:
    return Event(event_id=f"e{i}", ts=T0 + timedelta(days=day, minutes=i), account_id="a",
                 endpoint="chat.completions", model="m",
                 request={"model": "m", "messages": [{"role": "user", "content": f"q{i}"}]},
                 response_text="r")


def test_the_hunt_reads_a_live_log_dir_without_waiting_for_rotation(tmp_path: Path) -> None:
    log = tmp_path / "log"
    (log / "events" / "day=2026-05-01").mkdir(parents=True)
    pq.write_table(events_table([event_row(_event(i, 0)) for i in range(3)]),
                   log / "events" / "day=2026-05-01" / "part-r1.parquet")
    (log / "exchanges-2026-05-02.r1.jsonl").write_bytes(b"".join(
        orjson.dumps(_event(i, 1).to_json_dict()) + b"\n" for i in range(3, 7)))
    res = hunt(log, None, tmp_path / "hunt")
    assert res.summary["events"] == 7
