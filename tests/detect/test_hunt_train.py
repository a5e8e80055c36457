"""`distillguard hunt train`: fitted from labelled logs, used through --config; the shipped
model is complete and says what it was fitted on."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.detect.config import FEATURE_SPECS, MODEL_PATH, load_model


def _labels(truth: dict[str, str], path: Path) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "label", "campaign"])
        for a, label in sorted(truth.items()):
            w.writerow([a, label, "op" if a.startswith("hydra") else ""])
    return path


def test_train_from_analyst_labels_then_hunt_with_it(
        tiny_world: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    ev, ac, truth = tiny_world
    model = tmp_path / "model.json"
    r = CliRunner().invoke(cli, ["hunt", "train", "--events", str(ev), "--accounts", str(ac),
                                 "--labels", str(_labels(truth, tmp_path / "labels.csv")),
                                 "--out", str(model), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["model"] == str(model) and out["weights"]
    # as a table, the fit's thresholds and out-of-fold figures are in the output itself
    # (into a pipe nothing else is printed: progress is drawn on a terminal only)
    r = CliRunner().invoke(cli, ["hunt", "train", "--events", str(ev), "--accounts", str(ac),
                                 "--labels", str(tmp_path / "labels.csv"),
                                 "--out", str(tmp_path / "m2.json")])
    assert r.exit_code == 0 and r.stderr == "", r.output
    th = out["thresholds"]
    assert f"review {th['review']:.2f}, block {th['block']:.2f}; out-of-fold precision" \
        in r.stdout
    m = load_model(model)
    assert m["manifest"]["worlds"][0]["distillers"] == sum(
        1 for v in truth.values() if v == "distiller")
    # Signs hold in what was fitted.
    for f in m["features"]:
        assert f["sign"] == 0 or f["weight"] * f["sign"] >= 0, f
    r = CliRunner().invoke(cli, ["hunt", "--events", str(ev), "--accounts", str(ac),
                                 "--out", str(tmp_path / "h"), "--config", str(model),
                                 "--format", "json", "--no-report"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["config"] == str(model)
    # Fitted on this very world: every distiller it labelled is flagged.
    with (tmp_path / "h" / "accounts.csv").open() as fh:
        rows = {row["account_id"]: row for row in csv.DictReader(fh)}
    assert all(rows[a]["verdict"] != "allow" for a, v in truth.items() if v == "distiller")


def test_train_needs_labels_with_events_and_something_to_train_on(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["hunt", "train", "--out", str(tmp_path / "m.json")])
    assert r.exit_code == 1 and "nothing to train on" in r.output
    r = CliRunner().invoke(cli, ["hunt", "train", "--events", str(tmp_path),
                                 "--out", str(tmp_path / "m.json")])
    assert r.exit_code == 1 and "--labels" in r.output
    r = CliRunner().invoke(cli, ["hunt", "train", "--world", str(tmp_path),
                                 "--out", str(tmp_path / "m.json")])
    assert r.exit_code == 1 and "not a labelled world" in r.output


def test_hunt_without_events_is_a_usage_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["hunt", "--out", str(tmp_path)])
    assert r.exit_code != 0 and "--events" in r.output


def test_shipped_model_covers_every_feature_and_carries_its_manifest() -> None:
    m = load_model(MODEL_PATH)
    assert {f["name"] for f in m["features"]} == {f.name for f in FEATURE_SPECS}
    assert 0 < m["thresholds"]["review"] < m["thresholds"]["block"] < 1
    worlds = m["manifest"]["worlds"]
    assert worlds and all(w["distillers"] > 0 and w["benign"] > 0 for w in worlds)
    assert m["manifest"]["out_of_fold"]["precision_at_block"] >= 0.95
    for f in m["features"]:
        assert f["sign"] == 0 or f["weight"] * f["sign"] >= 0, f
