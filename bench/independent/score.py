"""Score a hunt's accounts.csv against this world's labels, independently of the project's evaluate.

    python bench/independent/score.py WORLD_DIR [HUNT_DIR]   (HUNT_DIR defaults to WORLD_DIR/hunt)
    python bench/independent/score.py WORLD_DIR --evaluate-personas OUT.csv
        (writes the input for `distillguard evaluate --personas`)

Measures (all at verdict == block):
- precision / recall over distiller accounts;
- hard-negative block rate: blocked share of the benign personas in benign.HARD
  (eval researchers, CI pipelines, agent-framework users, enterprise coding seats,
  university students, labelling vendors, app developers);
- recall per tactic;
- campaign completeness: per campaign, the largest share of its accounts that sit
  in one predicted cluster AND are blocked; averaged over campaigns (equal weight).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benign import HARD  # noqa: E402


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def score(world: Path, hunt: Path) -> dict[str, object]:
    labels = {r["account_id"]: r for r in _rows(world / "labels.csv")}
    personas = {r["account_id"]: r for r in _rows(world / "personas.csv")}
    pred = {r["account_id"]: r for r in _rows(hunt / "accounts.csv")}
    missing = [a for a in labels if a not in pred]
    if missing:
        raise SystemExit(
            f"{hunt / 'accounts.csv'}: {len(missing)} labelled accounts have no row (e.g. "
            f"{missing[0]})"
        )
    blocked = {a for a, r in pred.items() if r["verdict"] == "block"}
    reviewed = {a for a, r in pred.items() if r["verdict"] == "review"}
    dist = {a for a, r in labels.items() if r["label"] == "distiller"}
    tp = len(blocked & dist)
    hard = {a for a, p in personas.items() if p["persona"] in HARD}
    by_persona: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for a, p in personas.items():
        key = p["tactic"] if labels[a]["label"] == "distiller" else p["persona"]
        by_persona[key][0] += 1
        by_persona[key][1] += a in blocked
        by_persona[key][2] += a in reviewed
    camps: dict[str, list[str]] = defaultdict(list)
    for a, r in labels.items():
        if r["campaign"]:
            camps[r["campaign"]].append(a)
    completeness = {}
    for c, members in sorted(camps.items()):
        clusters = Counter(
            pred[a]["cluster_id"] for a in members if a in blocked and pred[a]["cluster_id"]
        )
        completeness[c] = (clusters.most_common(1)[0][1] / len(members)) if clusters else 0.0
    return {
        "accounts": len(labels),
        "distillers": len(dist),
        "blocked": len(blocked),
        "precision_block": round(tp / len(blocked), 4) if blocked else None,
        "recall_block": round(tp / len(dist), 4),
        "recall_block_or_review": round(len((blocked | reviewed) & dist) / len(dist), 4),
        "hard_negative_block_rate": round(len(blocked & hard) / len(hard), 4),
        "hard_negatives": len(hard),
        "benign_block_rate": round(len(blocked - dist) / (len(labels) - len(dist)), 4),
        "per_persona_or_tactic": {
            k: {"n": v[0], "block": round(v[1] / v[0], 3), "review": round(v[2] / v[0], 3)}
            for k, v in sorted(by_persona.items())
        },
        "campaign_completeness": {c: round(v, 3) for c, v in completeness.items()},
        "campaign_completeness_mean": round(sum(completeness.values()) / len(completeness), 4)
        if completeness
        else None,
    }


def evaluate_personas(world: Path, out: Path) -> None:
    """The project's `evaluate --personas` wants account_id,persona,campaign,tactic; the world keeps
    campaign names only in labels.csv, so the joined file is written outside the world."""
    camp = {r["account_id"]: r["campaign"] for r in _rows(world / "labels.csv")}
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "persona", "campaign", "tactic"])
        for r in _rows(world / "personas.csv"):
            w.writerow([r["account_id"], r["persona"], camp[r["account_id"]], r["tactic"]])


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[2] == "--evaluate-personas":
        evaluate_personas(Path(sys.argv[1]), Path(sys.argv[3]))
        raise SystemExit(0)
    w = Path(sys.argv[1])
    print(json.dumps(score(w, Path(sys.argv[2]) if len(sys.argv) > 2 else w / "hunt"), indent=1))
