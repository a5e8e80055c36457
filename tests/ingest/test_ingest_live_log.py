"""A gateway's log directory is read as it is: rotated Parquet and the live JSONL
files of the current days, without waiting for rotation."""

from __future__ import annotations

import shutil
from pathlib import Path

from distillguard.ingest import ingest, iter_event_batches, live_log_files


def test_live_files_are_read_with_the_rotated_ones(live_log_dir: Path, tmp_path: Path) -> None:
    log = live_log_dir
    assert [p.name for p in live_log_files(log)] == [
        "exchanges-2026-05-02.r1.jsonl", "exchanges-2026-05-02.r2.jsonl"]
    assert live_log_files(log, "2026-05-03") == []
    ids = sorted(i for b in iter_event_batches(log) for i in b.column("event_id").to_pylist())
    assert ids == [f"e{i}" for i in range(8)]
    rep = ingest(log, out_dir=tmp_path / "canon")
    assert (rep.events_written, rep.events_quarantined) == (8, 0)


def test_a_log_dir_with_only_live_files(live_log_dir: Path) -> None:
    shutil.rmtree(live_log_dir / "events")
    assert sum(b.num_rows for b in iter_event_batches(live_log_dir)) == 5
