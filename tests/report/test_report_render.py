"""report.html renders, is self-contained and shows what an analyst needs."""

from __future__ import annotations

import re
from pathlib import Path

from detect.world import build_world
from distillguard.detect import hunt
from distillguard.report import render_report


def test_report_is_self_contained_with_campaign_pictures(tmp_path: Path) -> None:
    ev, ac, _ = build_world(tmp_path / "w")
    res = hunt(ev, ac, tmp_path / "out", render=render_report)
    html = (res.out_dir / "report.html").read_text()
    assert "Top campaigns" in html and "Activity timeline" in html
    assert "Risk distribution" in html and "What this run saw" in html
    assert "C0001" in html
    # Every image is inline; nothing is fetched from anywhere.
    assert len(re.findall(r'src="data:image/png;base64,', html)) >= 3
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "quarantined" in html and "duckdb" in html


def test_report_of_a_world_without_events(tmp_path: Path) -> None:
    (tmp_path / "ev.jsonl").write_text("")
    (tmp_path / "ac.jsonl").write_text(
        '{"account_id": "a", "created_at": "2026-01-01T00:00:00Z"}\n')
    res = hunt(tmp_path / "ev.jsonl", tmp_path / "ac.jsonl", tmp_path / "out",
               render=render_report)
    html = (res.out_dir / "report.html").read_text()
    assert "No campaign" in html and "No events." in html
