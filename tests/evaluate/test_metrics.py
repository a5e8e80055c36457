"""Evaluation metrics against a hand-computed tiny case (golden JSON) and
property-based invariants."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from distillguard.evaluate import (
    Prediction,
    Truth,
    classification,
    completeness,
    evaluate,
    pr_auc,
    purity,
)
from distillguard.evaluate.metrics import BLOCK, BLOCK_OR_REVIEW

DATA = Path(__file__).resolve().parent / "data"


def _tiny() -> dict[str, object]:
    return evaluate(DATA / "labels.csv", DATA / "accounts.csv", DATA / "personas.csv",
                    DATA / "replay.jsonl")


def test_tiny_case_matches_the_golden_file() -> None:
    report = _tiny()
    report.pop("inputs")
    report["replay"].pop("file")  # type: ignore[attr-defined]
    golden = json.loads((DATA / "golden_tiny.json").read_text())
    assert json.loads(json.dumps(report, sort_keys=True)) == golden


def test_tiny_case_hand_computed_figures() -> None:
    r = _tiny()
    blk, rev = r["at_block"], r["at_review"]
    # block: a1, a2, b2 flagged -> tp 2, fp 1, fn 2 (a3 review, a4 allow).
    assert (blk["tp"], blk["fp"], blk["fn"], blk["tn"]) == (2, 1, 2, 3)
    assert abs(blk["precision"] - 2 / 3) < 1e-12 and blk["recall"] == 0.5
    assert abs(blk["f1"] - 4 / 7) < 1e-12
    # block+review adds a3 and b3.
    assert (rev["tp"], rev["fp"], rev["fn"]) == (3, 2, 1)
    assert abs(rev["f1"] - 2 / 3) < 1e-12
    # Steps: .95+ .90+ (R .5, P 1), .70- , .60 tie {+,-} (R .75, P 3/5), .40+ (R 1, P 4/6).
    assert abs(r["pr_auc"] - (0.5 + 0.25 * 0.6 + 0.25 * 4 / 6)) < 1e-12
    hard = {x["persona"]: x for x in r["false_positive_rate"]["hard_negatives"]}
    assert hard["app_developer"]["fpr_block"] == 1.0
    assert hard["eval_researcher"]["fpr_block"] == 0.0
    assert hard["eval_researcher"]["fpr_review"] == 1.0
    assert [x["persona"] for x in r["false_positive_rate"]["other_benign"]] == ["casual"]
    assert r["completeness_mean"] == 1.0
    c1 = next(c for c in r["clusters"] if c["cluster_id"] == "c1")
    assert c1["majority"] == "op-x" and abs(c1["purity"] - 2 / 3) < 1e-12
    assert r["purity_mean"] == 0.75
    replay = {c["campaign"]: c for c in r["replay"]["campaigns"]}
    assert replay["op-x"]["served_before_first_block"] == 2
    assert replay["op-x"]["served"] == 3
    assert replay["op-y"]["first_block"] is None
    assert replay["lone:a4"]["served_before_first_block"] == 0
    assert r["replay"]["unreadable_lines"] == 2
    assert r["replay"]["unknown_accounts"] == 1
    assert r["replay"]["benign"]["blocked"] == 1


VERDICT = st.sampled_from(("allow", "review", "block"))


@st.composite
def worlds(draw: st.DrawFn) -> tuple[dict[str, Truth], dict[str, Prediction]]:
    n = draw(st.integers(2, 30))
    truth: dict[str, Truth] = {}
    pred: dict[str, Prediction] = {}
    for i in range(n):
        aid = f"a{i}"
        dist = draw(st.booleans())
        camp = draw(st.sampled_from(("", "op-a", "op-b"))) if dist else ""
        truth[aid] = Truth(aid, dist, camp)
        pred[aid] = Prediction(aid, draw(st.floats(0, 1)), draw(VERDICT),
                               draw(st.sampled_from(("", "c1", "c2", "c3"))))
    return truth, pred


def _perfect(truth: dict[str, Truth]) -> dict[str, Prediction]:
    return {a: Prediction(a, 1.0 if t.distiller else 0.0, "block" if t.distiller else "allow",
                          t.campaign or (f"solo-{a}" if t.distiller else ""))
            for a, t in truth.items()}


@given(worlds())
def test_perfect_prediction_scores_one(w: tuple[dict[str, Truth], dict[str, Prediction]]
                                       ) -> None:
    truth, _ = w
    pred = _perfect(truth)
    if any(t.distiller for t in truth.values()):
        for cut in (BLOCK, BLOCK_OR_REVIEW):
            r = classification(truth, pred, cut)
            assert r["precision"] == r["recall"] == r["f1"] == 1.0
        assert pr_auc(truth, pred) == 1.0
    assert all(c["completeness"] == 1.0 for c in completeness(truth, pred))
    assert all(c["purity"] == 1.0 for c in purity(truth, pred))


@given(worlds(), st.randoms(use_true_random=False))
def test_metrics_do_not_depend_on_row_order(
        w: tuple[dict[str, Truth], dict[str, Prediction]], rnd: object) -> None:
    truth, pred = w
    keys = list(truth)
    rnd.shuffle(keys)  # type: ignore[attr-defined]
    truth2 = {k: truth[k] for k in keys}
    pred2 = {k: pred[k] for k in reversed(keys)}
    for cut in (BLOCK, BLOCK_OR_REVIEW):
        assert classification(truth, pred, cut) == classification(truth2, pred2, cut)
    a, b = pr_auc(truth, pred), pr_auc(truth2, pred2)
    assert a == b or (a is not None and b is not None and abs(a - b) < 1e-12)
    assert completeness(truth, pred) == completeness(truth2, pred2)
    assert purity(truth, pred) == purity(truth2, pred2)


@given(worlds())
def test_metric_ranges(w: tuple[dict[str, Truth], dict[str, Prediction]]) -> None:
    truth, pred = w
    auc = pr_auc(truth, pred)
    assert auc is None or 0.0 <= auc <= 1.0 + 1e-12
    r = classification(truth, pred, BLOCK)
    assert r["tp"] + r["fp"] + r["fn"] + r["tn"] == len(truth)
    wider = classification(truth, pred, BLOCK_OR_REVIEW)
    # Widening the cut never loses a true positive.
    assert wider["tp"] >= r["tp"] and wider["fp"] >= r["fp"]
    for c in completeness(truth, pred):
        assert 0.0 <= c["completeness"] <= 1.0
    for c in purity(truth, pred):
        assert 0.0 < c["purity"] <= 1.0
