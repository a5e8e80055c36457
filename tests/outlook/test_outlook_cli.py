"""`distillguard outlook run|fit|scenarios` through click."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from distillguard.cli.main import cli


def _invoke(args: list[str], cwd: Path) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, args)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr


def test_run_prints_each_year_with_tags(tmp_path: Path) -> None:
    code, out, _ = _invoke(["outlook", "run", "us-leads", "--no-files", "--draws", "500"],
                           tmp_path)
    assert code == 0, out
    for year in ("2026", "2027", "2028", "2029", "2030"):
        assert year in out
    assert "derived" in out and "sourced" in out and "assumed" in out
    assert "2028 lag: p10" in out and "export_licensing" in out
    assert not list(tmp_path.iterdir())


def test_run_json_and_default_output_dir(tmp_path: Path) -> None:
    code, out, err = _invoke(["outlook", "run", "neck-and-neck", "--draws", "300", "--charts",
                              "svg", "--format", "json"], tmp_path)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["scenario"] == "neck-and-neck" and len(doc["years"]) == 5
    assert (tmp_path / "outlook-neck-and-neck" / "lag.svg").exists()
    assert not (tmp_path / "outlook-neck-and-neck" / "lag.png").exists()
    assert "report.html" in err


def test_run_with_hunt_evidence(tmp_path: Path) -> None:
    hunt = tmp_path / "hunt"
    hunt.mkdir()
    (hunt / "accounts.csv").write_text(
        "account_id,risk,verdict,cluster_id,reasons\n"
        + "".join(f"a{i},0.9,block,c1,x\n" for i in range(8)) + "b,0.5,review,c1,x\n")
    code, out, _ = _invoke(["outlook", "run", "us-leads", "--no-files", "--draws", "300",
                            "--hunt-evidence", str(hunt), "--format", "json"], tmp_path)
    assert code == 0
    ev = json.loads(out)["hunt_evidence"]
    assert ev["campaigns"] == 1 and ev["blocked_accounts"] == 8


def test_bad_scenario_is_a_json_error_with_line(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("base: us-leads\nlevers:\n  export_licensing: 2\n")
    code, _, err = _invoke(["outlook", "run", "s.yaml", "--no-files"], tmp_path)
    assert code == 1
    doc = json.loads(err.strip().splitlines()[-1])
    assert doc["error"]["code"] == "invalid_scenario"
    assert doc["error"]["details"]["problems"][0]["line"] == 3


def test_fit_and_scenarios(tmp_path: Path) -> None:
    code, out, err = _invoke(["outlook", "fit", "--bootstrap", "200", "--format", "json",
                              "--out", "f"], tmp_path)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["ci_low"] < doc["growth_per_year"] < doc["ci_high"]
    assert doc["attribution"].startswith("Data: Epoch AI")
    assert (tmp_path / "f" / "fit.png").exists() and (tmp_path / "f" / "fit.svg").exists()
    code, out, _ = _invoke(["outlook", "scenarios", "--format", "json"], tmp_path)
    assert code == 0
    assert [r["name"] for r in json.loads(out)] == ["neck-and-neck", "us-leads"]


def test_compare_puts_both_scenarios_on_one_chart(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["outlook", "compare", "us-leads", "neck-and-neck", "--out",
                                   str(tmp_path / "cmp"), "--draws", "500", "--seed", "3",
                                   "--charts", "svg", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {r["scenario"] for r in rows} == {"us-leads", "neck-and-neck"}
    by = {(r["scenario"], r["year"]): r for r in rows}
    # The paper's claim, visible in the numbers the chart draws: the scenarios part ways.
    assert by[("us-leads", 2028)]["lag_p50"] > by[("neck-and-neck", 2028)]["lag_p50"] + 5
    svg = (tmp_path / "cmp" / "compare.svg").read_text()
    assert "The US holds" in svg and "Neck and neck" in svg


def test_ratio_chart_names_its_anchors_in_plain_multiples(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["outlook", "run", "us-leads", "--out", str(tmp_path / "o"),
                                   "--draws", "500", "--charts", "svg"])
    assert res.exit_code == 0, res.output
    svg = (tmp_path / "o" / "ratio.svg").read_text()
    assert "31x: US 2026 advantage" in svg and "4x: the same with B30A" in svg
    assert "10^" not in svg and "times 10" not in svg
    tornado = (tmp_path / "o" / "tornado.svg").read_text()
    assert "not pursued" in tornado and "in full" in tornado and "export licensing" in tornado
