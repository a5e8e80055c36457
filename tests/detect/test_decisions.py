"""Analysts' decisions override the hunt's verdicts, every run, the file named per line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from distillguard.detect import HuntResult, hunt
from distillguard.detect.decisions import read_decisions
from distillguard.schema import InputError, NotFoundError
from distillguard.settings import Settings


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "accounts.csv").open() as fh:
        return {r["account_id"]: r for r in csv.DictReader(fh)}


def test_a_false_positive_is_allowed_and_a_confirmed_account_blocked(
        tiny_hunt: HuntResult, tiny_world: tuple[Path, Path, dict[str, str]],
        tmp_path: Path) -> None:
    before = _rows(tiny_hunt.out_dir)
    assert before["hydra-0"]["verdict"] == "block" and before["hydra-0"]["cluster_id"]
    assert before["lone-1"]["verdict"] == "review"
    labels = tmp_path / "labels.csv"
    labels.write_text("account_id,label,campaign\nhydra-0,benign,\nlone-1,distiller,\n")
    ev, ac, _ = tiny_world
    # Through the setting, as the continuous hunt reads it.
    res = hunt(ev, ac, tmp_path / "out", engine="duckdb",
               settings=Settings(hunt_decisions=str(labels)))
    after = _rows(res.out_dir)
    assert after["hydra-0"]["verdict"] == "allow" and after["hydra-0"]["cluster_id"] == ""
    assert after["hydra-0"]["risk"] == before["hydra-0"]["risk"]  # the evidence stays
    assert after["hydra-0"]["reasons"].startswith("analyst decision: false positive")
    assert after["lone-1"]["verdict"] == "block"
    assert res.summary["analyst_decisions"] == {"applied": 2, "in_file": 2}
    cid = before["hydra-0"]["cluster_id"]
    with (res.out_dir / "clusters.csv").open() as fh:
        sizes = {r["cluster_id"]: int(r["size"]) for r in csv.DictReader(fh)}
    with (tiny_hunt.out_dir / "clusters.csv").open() as fh:
        old = {r["cluster_id"]: int(r["size"]) for r in csv.DictReader(fh)}
    assert sizes[cid] == old[cid] - 1
    ev_rows = {e["account_id"]: e for e in map(
        json.loads, (res.out_dir / "evidence.jsonl").read_text().splitlines())}
    assert ev_rows["hydra-0"]["analyst"] == "benign"
    assert ev_rows["hydra-0"]["hunt_verdict"] == "block"
    # Everything else is what the hunt said.
    for acct, r in before.items():
        if acct not in ("hydra-0", "lone-1"):
            assert after[acct]["verdict"] == r["verdict"], acct


@pytest.mark.parametrize(("text", "line", "field"), [
    ("account_id,label\nx,maybe\n", 2, "label"),
    ("account_id,label\nx,benign\n,benign\n", 3, "account_id"),
])
def test_a_bad_decision_names_its_line_and_field(tmp_path: Path, text: str, line: int,
                                                 field: str) -> None:
    p = tmp_path / "labels.csv"
    p.write_text(text)
    with pytest.raises(InputError) as err:
        read_decisions(p)
    assert f"{p}:{line}" in str(err.value)
    assert err.value.details["field"] == field


def test_missing_columns_and_a_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "labels.csv"
    p.write_text("account,verdict\nx,benign\n")
    with pytest.raises(InputError, match="missing account_id, label"):
        read_decisions(p)
    with pytest.raises(NotFoundError):
        read_decisions(tmp_path / "nope.csv")
