"""Pure metric functions: classification at a verdict cut, PR-AUC, per-persona
false-positive rates, campaign completeness and cluster purity.

Everything takes plain mappings keyed by account id so that the functions do
not care how the inputs were read, and every result is independent of row
order (the property tests check that).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

BLOCK = frozenset({"block"})
BLOCK_OR_REVIEW = frozenset({"block", "review"})


@dataclass(frozen=True, slots=True)
class Prediction:
    account_id: str
    risk: float
    verdict: str
    cluster_id: str  # "" when none


@dataclass(frozen=True, slots=True)
class Truth:
    account_id: str
    distiller: bool
    campaign: str  # "" for benign accounts and lone actors
    persona: str = ""
    tactic: str = ""


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def classification(truth: Mapping[str, Truth], pred: Mapping[str, Prediction],
                   flagged_verdicts: frozenset[str]) -> dict[str, Any]:
    """Precision, recall and F1 of "verdict in ``flagged_verdicts``" for distillers."""
    tp = fp = fn = tn = 0
    for aid, t in truth.items():
        flagged = aid in pred and pred[aid].verdict in flagged_verdicts
        if t.distiller:
            tp, fn = (tp + 1, fn) if flagged else (tp, fn + 1)
        else:
            fp, tn = (fp + 1, tn) if flagged else (fp, tn + 1)
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn,
            "tn": tn, "flagged": tp + fp}


def pr_auc(truth: Mapping[str, Truth], pred: Mapping[str, Prediction]) -> float | None:
    """Average precision of ``risk`` (the step-wise area under the PR curve).

    Tied scores form one step, so the result does not depend on row order.
    Accounts without a prediction score 0.
    """
    positives = sum(1 for t in truth.values() if t.distiller)
    if positives == 0:
        return None
    by_score: dict[float, list[bool]] = defaultdict(list)
    for aid, t in truth.items():
        by_score[pred[aid].risk if aid in pred else 0.0].append(t.distiller)
    tp = fp = 0
    ap = 0.0
    prev_recall = 0.0
    for score in sorted(by_score, reverse=True):
        group = by_score[score]
        tp += sum(group)
        fp += len(group) - sum(group)
        recall = tp / positives
        ap += (recall - prev_recall) * (tp / (tp + fp))
        prev_recall = recall
    return ap


def persona_fpr(truth: Mapping[str, Truth], pred: Mapping[str, Prediction],
                hard_negatives: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """False-positive rate of each benign persona at block and at block+review."""
    hard = tuple(hard_negatives)
    groups: dict[str, list[str]] = defaultdict(list)
    for aid, t in truth.items():
        if not t.distiller:
            groups[t.persona or "benign"].append(aid)

    def row(persona: str, ids: list[str]) -> dict[str, Any]:
        blocked = sum(1 for a in ids if a in pred and pred[a].verdict in BLOCK)
        flagged = sum(1 for a in ids if a in pred and pred[a].verdict in BLOCK_OR_REVIEW)
        return {"persona": persona, "accounts": len(ids), "blocked": blocked,
                "fpr_block": _ratio(blocked, len(ids)), "flagged": flagged,
                "fpr_review": _ratio(flagged, len(ids))}

    ordered = sorted(groups, key=lambda p: (hard.index(p) if p in hard else len(hard), p))
    return {
        "hard_negatives": [row(p, groups[p]) for p in ordered if p in hard],
        "other_benign": [row(p, groups[p]) for p in ordered if p not in hard],
    }


def completeness(truth: Mapping[str, Truth], pred: Mapping[str, Prediction]
                 ) -> list[dict[str, Any]]:
    """Per true campaign: the largest share of its members inside one predicted cluster."""
    members: dict[str, list[str]] = defaultdict(list)
    for aid, t in truth.items():
        if t.distiller and t.campaign:
            members[t.campaign].append(aid)
    out = []
    for campaign in sorted(members):
        ids = members[campaign]
        clusters = Counter(pred[a].cluster_id for a in ids if a in pred and pred[a].cluster_id)
        best, count = min(clusters.items(), key=lambda kv: (-kv[1], kv[0])) if clusters \
            else ("", 0)
        blocked = sum(1 for a in ids if a in pred and pred[a].verdict in BLOCK)
        flagged = sum(1 for a in ids if a in pred and pred[a].verdict in BLOCK_OR_REVIEW)
        tactics = sorted({truth[a].tactic for a in ids if truth[a].tactic})
        out.append({"campaign": campaign, "tactic": "/".join(tactics), "accounts": len(ids),
                    "recall_block": blocked / len(ids), "recall_review": flagged / len(ids),
                    "best_cluster": best, "completeness": count / len(ids)})
    return out


def purity(truth: Mapping[str, Truth], pred: Mapping[str, Prediction]) -> list[dict[str, Any]]:
    """Per predicted cluster: the share of its members from its majority campaign.

    Benign members count as one class ``benign``; a lone actor is its own class,
    so a cluster that lumps lone actors together is not pure.
    """
    clusters: dict[str, list[str]] = defaultdict(list)
    for aid, p in pred.items():
        if p.cluster_id and aid in truth:
            clusters[p.cluster_id].append(aid)

    def klass(t: Truth) -> str:
        if not t.distiller:
            return "benign"
        return t.campaign or f"lone:{t.account_id}"

    out = []
    for cid in sorted(clusters):
        ids = clusters[cid]
        counts = Counter(klass(truth[a]) for a in ids)
        major, n = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append({"cluster_id": cid, "size": len(ids), "majority": major,
                    "purity": n / len(ids)})
    return out


def weighted_mean(rows: Iterable[Mapping[str, Any]], value: str, weight: str) -> float | None:
    total = 0.0
    den = 0
    for r in rows:
        total += float(r[value]) * int(r[weight])
        den += int(r[weight])
    return total / den if den else None
