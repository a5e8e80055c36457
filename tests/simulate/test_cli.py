"""`distillguard simulate` end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from distillguard.cli.main import cli


def test_simulate_prints_the_hardness_table(tmp_path: Path) -> None:
    out = tmp_path / "w"
    res = CliRunner().invoke(cli, ["simulate", "--out", str(out), "--accounts", "70",
                                   "--days", "2", "--seed", "4", "--split", "tune"])
    assert res.exit_code == 0, res.output
    assert "best_f1" in res.output and "step_by_step_share" in res.output
    assert "wrote" in res.output
    hard = json.loads((out / "hardness.json").read_text())
    assert len(hard["signals"]) >= 5
    world = json.loads((out / "world.json").read_text())
    assert world["split"] == "tune" and world["seed"] == 4


def test_simulate_json_format_holdout(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["simulate", "--out", str(tmp_path), "--accounts", "70",
                                   "--days", "1", "--start", "2026-01-05", "--split", "holdout",
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["accounts"] == 70 and doc["events"] > 0
    assert (tmp_path / "events.jsonl.gz").is_file()


def test_bad_arguments_give_the_json_error_shape(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["simulate", "--out", str(tmp_path), "--accounts", "10",
                                   "--days", "0"])
    assert res.exit_code == 1
    err = json.loads(res.output.strip().splitlines()[-1])["error"]
    assert err["code"] == "invalid_input"
    fields = {p["field"] for p in err["details"]["problems"]}
    assert fields == {"accounts", "days"}
    res = CliRunner().invoke(cli, ["simulate", "--out", str(tmp_path), "--start", "May 4"])
    assert res.exit_code == 1 and "--start" in res.output
