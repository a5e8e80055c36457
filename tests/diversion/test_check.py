"""The batch check end to end: decisions.csv in input order, the same with one
or two workers, and the CLI verbs with the one JSON error shape."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.diversion import DECISIONS_HEADER, PartyScreen, check_orders

REPO = Path(__file__).resolve().parents[2]
SETS = REPO / "bench" / "diversion_orders"


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "decisions.csv").open() as fh:
        return list(csv.DictReader(fh))


def test_batch_is_the_same_with_two_workers(
    tmp_path: Path, cfg: Any, party_screen: PartyScreen
) -> None:
    src = tmp_path / "orders.jsonl"
    lines = (SETS / "dev.jsonl").read_text().splitlines() * 300  # > one chunk of 5,000
    src.write_text("\n".join(lines) + "\n")
    one = check_orders(cfg, src, tmp_path / "one", screen=party_screen, workers=1)
    two = check_orders(cfg, src, tmp_path / "two", screen=party_screen, workers=2)
    assert (tmp_path / "one" / "decisions.csv").read_bytes() == (
        tmp_path / "two" / "decisions.csv"
    ).read_bytes()
    assert one.orders == two.orders == len(lines)
    assert one.flag_counts == two.flag_counts
    rows = _rows(tmp_path / "one")
    assert list(rows[0]) == list(DECISIONS_HEADER)
    assert [int(r["line"]) for r in rows] == list(range(1, len(lines) + 1))


def test_every_flagged_labelled_order_names_its_flags(
    tmp_path: Path, cfg: Any, party_screen: PartyScreen
) -> None:
    for name in ("dev", "holdout"):
        check_orders(cfg, SETS / f"{name}.jsonl", tmp_path / name, screen=party_screen)
        with (tmp_path / name / "flags.csv").open() as fh:
            sources = {r["flag"]: r["source"] for r in csv.DictReader(fh)}
        assert set(sources) == set(cfg.flags) and all(sources.values())
        for r in _rows(tmp_path / name):
            assert (r["decision"] == "clear") or r["flags"], r
            for flag in filter(None, r["flags"].split(";")):
                assert f"{flag}: " in r["reasons"]


def test_dev_set_diversion_patterns_are_all_held(
    tmp_path: Path, cfg: Any, party_screen: PartyScreen
) -> None:
    # The in-sample set the flags were checked against (bench/diversion.py reports
    # the held-out figures too); a regression in any check shows up here.
    check_orders(cfg, SETS / "dev.jsonl", tmp_path / "dev", screen=party_screen)
    truth = {
        json.loads(line)["order_id"]: json.loads(line)["label"]
        for line in (SETS / "dev.jsonl").read_text().splitlines()
    }
    rows = _rows(tmp_path / "dev")
    assert all(r["decision"] == "hold" for r in rows if truth[r["order_id"]] == "divert")


def test_cli_check_and_flags(tmp_path: Path, settings: Any) -> None:
    runner = CliRunner()
    res = runner.invoke(
        cli,
        ["diversion", "check", "--orders", str(SETS / "holdout.jsonl"), "--out",
         str(tmp_path / "out"), "--format", "json", "--workers", "1"],
        obj=settings,
        env={"DISTILLGUARD_DATA_DIR": str(tmp_path / "var")},
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["orders"] == len(_rows(tmp_path / "out")) > 0
    assert report["hold"] + report["review"] + report["clear"] == report["orders"]
    res = runner.invoke(cli, ["diversion", "flags", "--format", "csv"])
    assert res.exit_code == 0 and "15 CFR 732 Supplement No. 3" in res.stdout


def test_cli_errors_are_one_json_shape(tmp_path: Path) -> None:
    bad = tmp_path / "flags.yaml"
    bad.write_text("thresholds:\n  review: 2\n  hold: 1\n")
    res = CliRunner().invoke(
        cli, ["diversion", "check", "--orders", str(tmp_path / "missing.csv"), "--out",
              str(tmp_path / "o"), "--no-screen"],
    )
    assert res.exit_code == 1
    assert json.loads(res.stderr.strip().splitlines()[-1])["error"]["code"] == "not_found"
    res = CliRunner().invoke(cli, ["diversion", "flags", "--flags", str(bad)])
    err = json.loads(res.stderr.strip().splitlines()[-1])["error"]
    assert res.exit_code == 1 and err["code"] == "config_error"
    assert err["details"]["line"] == 2 and str(bad) in err["message"]
