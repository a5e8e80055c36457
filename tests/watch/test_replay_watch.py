"""`replay --watch` on the tiny world: the continuous hunt runs on the in-process
gateway's own log, and campaign traffic after the first cycles is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from detect.world import build_world
from distillguard.cli.main import cli


@pytest.mark.slow
def test_replay_watch_cuts_the_campaign_off(tmp_path: Path) -> None:
    ev, acc, truth = build_world(tmp_path / "world")
    labels = tmp_path / "labels.csv"
    labels.write_text("account_id,label,campaign\n" + "".join(
        f"{a},{t},{'hydra' if a.startswith('hydra') else ''}\n" for a, t in truth.items()))
    out = tmp_path / "report.json"
    res = CliRunner().invoke(cli, [
        "replay", "--events", str(ev), "--accounts", str(acc), "--labels", str(labels),
        "--watch", "--cycle-every", "12h", "--window", "7d", "--work", str(tmp_path / "w"),
        "--concurrency", "4", "--out", str(out), "--format", "json"],
        # FORCE_COLOR: stderr drawn as on a terminal, where progress shows
        env={"DISTILLGUARD_DATA_DIR": str(tmp_path / "var"), "FORCE_COLOR": "1"})
    assert res.exit_code == 0, res.output
    # progress: each cycle a line that stays, the count sent on the status line
    assert "cycle v1 at 2026-05-01" in res.stderr and " sent, up to " in res.stderr, res.stderr
    rep = json.loads(out.read_text())
    assert rep["mode"] == "watch" and rep["cycles"]
    assert rep["cycles"][0]["version"] == 1
    h = rep["headline"]
    assert h["measured_from"].startswith("2026-05-02")
    (hydra,) = [c for c in rep["campaigns"] if c["campaign"] == "hydra"]
    assert hydra["cut_off"] is True and hydra["share_served"] < 0.1
    assert h["benign_refused"] == 0
    # the gateway logged every replayed exchange on the world's clock
    logs = sorted(p.name for p in (tmp_path / "w" / "log").glob("exchanges-*.jsonl"))
    assert logs[0].startswith("exchanges-2026-05-01")
