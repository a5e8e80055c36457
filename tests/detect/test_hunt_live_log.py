"""The hunt reads a gateway's log directory as it is: rotated Parquet and live JSONL."""

from __future__ import annotations

from pathlib import Path

from distillguard.detect import hunt


def test_the_hunt_reads_a_live_log_dir_without_waiting_for_rotation(
        live_log_dir: Path, tmp_path: Path) -> None:
    res = hunt(live_log_dir, None, tmp_path / "hunt")
    assert res.summary["events"] == 8
