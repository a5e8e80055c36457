"""Judge a hunt against ground truth: classification at each verdict cut, PR-AUC,
false positives per benign persona, campaign completeness and cluster purity,
and (with a gateway replay log) what each campaign was served before its first
block."""

from distillguard.evaluate.evaluation import HARD_NEGATIVES, evaluate, summary_rows
from distillguard.evaluate.inputs import read_predictions, read_truth
from distillguard.evaluate.metrics import (
    Prediction,
    Truth,
    classification,
    completeness,
    persona_fpr,
    pr_auc,
    purity,
)
from distillguard.evaluate.replay import BLOCKED_STATUSES, replay_summary

__all__ = [
    "BLOCKED_STATUSES", "HARD_NEGATIVES", "Prediction", "Truth", "classification",
    "completeness", "evaluate", "persona_fpr", "pr_auc", "purity", "read_predictions",
    "read_truth", "replay_summary", "summary_rows",
]
