"""``distillguard evaluate``: score a hunt's verdicts against the ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from distillguard.evaluate.inputs import read_predictions, read_truth, resolve_pred
from distillguard.evaluate.metrics import (
    BLOCK,
    BLOCK_OR_REVIEW,
    classification,
    completeness,
    persona_fpr,
    pr_auc,
    purity,
    weighted_mean,
)
from distillguard.evaluate.replay import replay_summary

# Benign personas whose traffic resembles an attack (see docs/simulate.md); a
# detector is judged on them separately.
HARD_NEGATIVES: Final = ("app_developer", "eval_researcher", "enterprise",
                         "synthetic_data_vendor", "labelling_company", "agent_framework_user",
                         "ci_pipeline", "agentic_benchmark", "enterprise_coding",
                         "campus_student")


def evaluate(labels: Path | str, pred: Path | str, personas: Path | str | None = None,
             replay: Path | str | None = None) -> dict[str, Any]:
    """The evaluation report as a JSON-ready dict (stable key and row order)."""
    labels_p, pred_p = Path(labels), Path(pred)
    personas_p = Path(personas) if personas else None
    truth = read_truth(labels_p, personas_p)
    predictions, unlabelled = read_predictions(pred_p, truth)
    campaigns = completeness(truth, predictions)
    clusters = purity(truth, predictions)
    report: dict[str, Any] = {
        "inputs": {"labels": str(labels_p), "pred": str(resolve_pred(pred_p)),
                   "personas": str(personas_p) if personas_p else None,
                   "replay": str(replay) if replay else None},
        "counts": {
            "accounts": len(truth),
            "distillers": sum(1 for t in truth.values() if t.distiller),
            "benign": sum(1 for t in truth.values() if not t.distiller),
            "campaigns": len(campaigns),
            "predicted_clusters": len(clusters),
            "unlabelled_predictions": len(unlabelled),
        },
        "at_block": classification(truth, predictions, BLOCK),
        "at_review": classification(truth, predictions, BLOCK_OR_REVIEW),
        "pr_auc": pr_auc(truth, predictions),
        "false_positive_rate": persona_fpr(truth, predictions, HARD_NEGATIVES),
        "campaigns": campaigns,
        "completeness_mean": weighted_mean(campaigns, "completeness", "accounts"),
        "clusters": clusters,
        "purity_mean": weighted_mean(clusters, "purity", "size"),
    }
    if replay:
        report["replay"] = replay_summary(Path(replay), truth)
    return report


def summary_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline figures as (metric, value) rows for the terminal table."""
    rows: list[dict[str, Any]] = []
    for cut in ("at_block", "at_review"):
        r = report[cut]
        name = "block" if cut == "at_block" else "block+review"
        rows += [{"metric": f"precision @ {name}", "value": r["precision"]},
                 {"metric": f"recall @ {name}", "value": r["recall"]},
                 {"metric": f"F1 @ {name}", "value": r["f1"]}]
    rows += [{"metric": "PR-AUC of risk", "value": report["pr_auc"]},
             {"metric": "campaign completeness (mean)", "value": report["completeness_mean"]},
             {"metric": "cluster purity (mean)", "value": report["purity_mean"]}]
    return rows
