"""report.html renders, is self-contained and shows what an analyst needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from detect.world import build_world
from distillguard.detect import hunt
from distillguard.report import html as html_module
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
    # issue 16: each campaign's heading and evidence count the same flagged members,
    # no sign-up span that is not a burst, and a next step
    campaigns = re.findall(r"<h3>(C\d+) · (\d+) flagged accounts.*?</h3>\s*<p>active .*?</p>"
                           r"\s*<p>(.*?)</p>\s*<p><b>Next:</b>", html, re.S)
    assert campaigns and len(campaigns) == html.count("<b>Next:</b>")
    for cid, heading, evidence in campaigns:
        assert evidence.startswith(f"{heading} flagged of "), (cid, heading, evidence)
        assert "created within" not in evidence
    v = res.summary["verdicts"]
    assert f"{v['block'] + v['review']} accounts flagged (block or review)." in html


def test_report_says_where_the_accounts_it_does_not_list_are(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ev, ac, _ = build_world(tmp_path / "w")
    monkeypatch.setattr(html_module, "MAX_TOP_ACCOUNTS", 2)
    res = hunt(ev, ac, tmp_path / "out", render=render_report)
    html = (res.out_dir / "report.html").read_text()
    v = res.summary["verdicts"]
    assert f"{v['block'] + v['review']} accounts flagged (block or review); the\n2 riskiest " \
           "are listed, every one is in <code>accounts.csv</code>." in html


def test_report_of_a_world_without_events(tmp_path: Path) -> None:
    (tmp_path / "ev.jsonl").write_text("")
    (tmp_path / "ac.jsonl").write_text(
        '{"account_id": "a", "created_at": "2026-01-01T00:00:00Z"}\n')
    res = hunt(tmp_path / "ev.jsonl", tmp_path / "ac.jsonl", tmp_path / "out",
               render=render_report)
    html = (res.out_dir / "report.html").read_text()
    assert "No campaign" in html and "No events." in html
