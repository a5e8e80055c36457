"""Hunt quality on what the model was not fitted on: leave-one-tactic-out.

Fits the scoring model (:mod:`distillguard.detect.train`) on the training worlds
with every account of one attack tactic left out, then scores held-out worlds
and reports, for that tactic's accounts only, recall at block and campaign
completeness, next to precision at block over the whole held-out world and the
hard-negative block rate. The in-sample row (fitted on everything, scored on
the training worlds) and the all-tactics held-out row are printed beside it.

Worlds are directories written by ``distillguard simulate`` (simulated if
missing, at default scale, with ``--randomize`` when the simulator has it)::

    .venv/bin/python bench/hunt_loto.py --train var/w/tune7,var/w/tune8,var/w/tune9 \\
        --holdout var/w/holdout101,var/w/holdout102
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from distillguard.detect.config import HuntConfig, default_config, load_model, with_model
from distillguard.detect.train import LabelledWorld, fit_model, load_simulated, predict_world
from distillguard.evaluate import HARD_NEGATIVES


def _source_hash() -> str:
    """Hash of the code that prepares a world (a cached world is stale when it changes)."""
    import hashlib

    import distillguard

    root = Path(distillguard.__file__).parent
    h = hashlib.sha256()
    for sub in ("features", "graph", "detect"):
        for f in sorted((root / sub).rglob("*.py")) if (root / sub).is_dir() else [root / sub]:
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def load(path: Path, cache: Path | None) -> LabelledWorld:
    if cache is None:
        return load_simulated(path)
    import pickle

    cache.mkdir(parents=True, exist_ok=True)
    key = cache / f"{path.resolve().as_posix().replace('/', '_')}-{_source_hash()}.pkl"
    if key.exists():
        with key.open("rb") as fh:
            world: LabelledWorld = pickle.load(fh)
            return world
    world = load_simulated(path)
    with key.open("wb") as fh:
        pickle.dump(world, fh)
    return world


def _metrics(worlds: list[LabelledWorld], cfg: HuntConfig,
             tactic: str | None) -> dict[str, Any]:
    tp = fp = pos = 0
    t_pos = t_hit = 0
    hard_n = hard_blocked = 0
    camp: dict[str, list[str]] = defaultdict(list)
    for w in worlds:
        v = predict_world(w, cfg)
        campaigns = w.info.get("campaign", {})
        for i, a in enumerate(v.accounts):
            y = int(w.y[i])
            if y < 0:
                continue
            blocked = v.verdicts[i] == "block"
            if y == 1:
                pos += 1
                tp += blocked
            else:
                fp += blocked
                if w.persona[i] in HARD_NEGATIVES:
                    hard_n += 1
                    hard_blocked += blocked
            if y == 1 and (tactic is None or w.tactic[i] == tactic):
                t_pos += 1
                t_hit += blocked
                if campaigns.get(a):
                    camp[f"{w.name}/{campaigns[a]}"].append(v.cluster_ids[i])
    comp = []
    for ids in camp.values():
        named = [c for c in ids if c]
        best = max((named.count(c) for c in set(named)), default=0)
        comp.append(best / len(ids))
    return {"precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": t_hit / t_pos if t_pos else float("nan"), "accounts": t_pos,
            "hard_blocked": f"{hard_blocked}/{hard_n}",
            "completeness": float(np.mean(comp)) if comp else float("nan")}


def _row(label: str, m: dict[str, Any]) -> str:
    return (f"| {label} | {m['accounts']} | {m['recall']:.3f} | {m['precision']:.3f} | "
            f"{m['hard_blocked']} | {m['completeness']:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--train", default="", help="comma-separated world directories")
    ap.add_argument("--holdout", required=True, help="comma-separated world directories")
    ap.add_argument("--tactics", default="", help="only these tactics (default: every one seen)")
    ap.add_argument("--l2", type=float, default=1e-3)
    ap.add_argument("--blind-weight", type=float, default=0.5,
                    help="weight of the blind copies of campaign members (0: none)")
    ap.add_argument("--floor-quantile", type=float, default=0.5,
                    help="benign quantile of the own logit used as its floor (-1: none)")
    ap.add_argument("--model", type=Path, default=None,
                    help="score the held-out worlds with this fitted model (per tactic) "
                    "instead of fitting leave-one-tactic-out")
    ap.add_argument("--cache", type=Path, default=None,
                    help="keep prepared worlds here (invalidated when the code changes)")
    args = ap.parse_args()
    print(f"# {' '.join(sys.argv)}")
    started = time.time()
    train = [load(Path(p), args.cache) for p in args.train.split(",") if p]
    hold = [load(Path(p), args.cache) for p in args.holdout.split(",") if p]
    print(f"# loaded {len(train)} training and {len(hold)} held-out worlds in "
          f"{time.time() - started:.0f} s")
    base = default_config()
    if args.model is not None:
        cfg = with_model(base, load_model(args.model), str(args.model))
        print("| held-out world (tactic) | accounts | recall @ block | precision @ block (all) "
              "| hard negatives blocked | completeness |")
        print("| --- | --- | --- | --- | --- | --- |")
        for w in hold:
            print(_row(f"{w.name}: all tactics", _metrics([w], cfg, None)))
        print(_row("all held-out worlds: all tactics", _metrics(hold, cfg, None)))
        for t in sorted({t for w in hold for i, t in enumerate(w.tactic) if t and w.y[i] == 1}):
            print(_row(t, _metrics(hold, cfg, t)))
        print(f"# {time.time() - started:.0f} s")
        return
    tactics = [t for t in args.tactics.split(",") if t] or sorted(
        {t for w in train + hold for i, t in enumerate(w.tactic) if t and w.y[i] == 1})
    print("| fold (tactic) | accounts | recall @ block | precision @ block (all) | "
          "hard negatives blocked | completeness |")
    print("| --- | --- | --- | --- | --- | --- |")
    full = with_model(base, fit_model(train, l2=args.l2, blind_weight=args.blind_weight,
                    floor_quantile=args.floor_quantile), "bench")
    print(_row("in-sample: all tactics, training worlds", _metrics(train, full, None)))
    print(_row("held-out worlds: all tactics", _metrics(hold, full, None)))
    for t in tactics:
        cfg = with_model(base, fit_model(train, exclude_tactics=[t], l2=args.l2,
                                              blind_weight=args.blind_weight,
                    floor_quantile=args.floor_quantile), "bench")
        print(_row(f"leave out {t} (in-sample fit: {_metrics(hold, full, t)['recall']:.3f})",
                   _metrics(hold, cfg, t)), flush=True)
    print(f"# {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
