"""`distillguard hunt` prints a summary and writes the outputs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from distillguard.cli.main import cli


def test_cli_json_summary(tiny_world: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    ev, ac, truth = tiny_world
    r = CliRunner().invoke(cli, ["hunt", "--events", str(ev), "--accounts", str(ac),
                                 "--out", str(tmp_path / "o"), "--format", "json", "--no-report"],
                           env={"FORCE_COLOR": "1"})  # stderr drawn as on a terminal
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    # each engine step is told as it ends, with the rows it produced
    assert f"done account features: {len(truth)} rows (" in r.stderr, r.stderr
    assert "done starting duckdb (" in r.stderr
    assert s["accounts"] == len(truth) and s["verdicts"]["block"] >= 6
    assert (tmp_path / "o" / "clusters.csv").exists()
    assert not (tmp_path / "o" / "report.html").exists()


def test_cli_table_and_bad_config(tiny_world: tuple[Path, Path, dict[str, str]],
                                  tmp_path: Path) -> None:
    ev, ac, _ = tiny_world
    bad = tmp_path / "c.yaml"
    bad.write_text("nonsense: 1\n")
    r = CliRunner().invoke(cli, ["hunt", "--events", str(ev), "--out", str(tmp_path / "o"),
                                 "--config", str(bad)])
    assert r.exit_code == 1
    assert '"code": "config_error"' in r.output and "c.yaml:1" in r.output
