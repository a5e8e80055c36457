"""Fitting the hunt's scoring model from labelled traffic.

Training data is any set of labelled worlds: simulated ones (``distillguard
simulate`` with randomised tactics, sizes and benign mixes) or a provider's own
logs with an analyst's ``labels.csv``. Each world goes through the same query
plan and graph as a hunt (:func:`distillguard.detect.hunt.prepare`), so the
model sees exactly the values it will score.

Two tables are fitted, as the hunt scores in two passes: the account on its own
(``base_weight``), then with the evidence of its group (``weight``). The group
evidence of a world is computed from first-pass risks *cross-fitted* on the
other worlds, so the second pass learns how much to trust group evidence as it
will be at hunt time, not as an overfitted first pass would paint it. The
thresholds are chosen on out-of-fold risks of the second pass.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from distillguard.detect.campaigns import analyse, assign_ids
from distillguard.detect.config import MODEL_PATH, Feature, HuntConfig, default_config
from distillguard.detect.hunt import Prepared, judge_values, prepare, prepare_events, run_plan
from distillguard.detect.learn import fit_logistic, logit
from distillguard.detect.scoring import score, strength, verdicts
from distillguard.features.engine import make_engine
from distillguard.schema import InputError

Progress = Callable[[str], None]
#: Precision the block threshold is chosen for, on out-of-fold risks.
BLOCK_PRECISION = 0.975
#: Precision at which review starts.
REVIEW_PRECISION = 0.8
MODEL_VERSION = 3


@dataclass(frozen=True)
class LabelledWorld:
    """One world's prepared values and ground truth (``y``: 1 distiller, 0 benign,
    -1 unlabelled)."""

    name: str
    prepared: Prepared
    y: np.ndarray
    tactic: list[str]
    persona: list[str]
    info: dict[str, Any] = field(default_factory=dict)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_world(events: Sequence[Path], accounts: Path | None, labels: Path,
               *, personas: Path | None = None, name: str | None = None,
               cfg: HuntConfig | None = None, work: Path | None = None) -> LabelledWorld:
    """Prepare one labelled world (events as the hunt takes them) on DuckDB."""
    from distillguard.ingest import Quarantine, read_accounts

    cfg = cfg or default_config()
    if not labels.exists():
        raise InputError(f"{labels}: labels file not found", details={"source": str(labels)})
    work = work or (labels.parent / "train-work")
    work.mkdir(parents=True, exist_ok=True)
    stats: dict[str, Any] = {}
    with Quarantine(work / "quarantine.jsonl") as q:
        files = prepare_events(list(events), work / "events", q, stats)
        acc = read_accounts(accounts, q) if accounts else []
    eng = make_engine("duckdb", temp_directory=work / "duckdb")
    try:
        tables = run_plan(eng, files)
    finally:
        eng.close()
    p = prepare(tables, acc, cfg)
    truth = {r["account_id"]: r for r in _read_csv(labels)}
    y = np.array([1 if truth.get(a, {}).get("label") == "distiller" else
                  0 if truth.get(a, {}).get("label") == "benign" else -1 for a in p.universe])
    tactic = [""] * p.n
    persona = [""] * p.n
    campaign = {a: r.get("campaign") or "" for a, r in truth.items()}
    if personas is not None and personas.exists():
        who = {r["account_id"]: r for r in _read_csv(personas)}
        for i, a in enumerate(p.universe):
            r = who.get(a)
            if r:
                tactic[i] = r.get("tactic") or ""
                persona[i] = r.get("persona") or ""
    wname = name or labels.parent.name
    info: dict[str, Any] = {"name": wname, "accounts": p.n, "campaign": campaign,
            "distillers": int((y == 1).sum()), "benign": int((y == 0).sum()),
            "tactics": sorted({t for t in tactic if t})}
    return LabelledWorld(wname, p, y, tactic, persona, info)


def load_simulated(world: Path, cfg: HuntConfig | None = None) -> LabelledWorld:
    """A world written by ``distillguard simulate`` (events, accounts, labels, personas)."""
    events = [world / "events.parquet"] if (world / "events.parquet").exists() \
        else [world / "events.jsonl.gz"]
    return load_world(events, world / "accounts.jsonl", world / "labels.csv",
                      personas=world / "personas.csv", name=world.name, cfg=cfg,
                      work=world / "train-work")


def _matrix(features: Sequence[Feature], values: dict[str, np.ndarray], n: int) -> np.ndarray:
    cols = [strength(f, values[f.name]) if f.name in values else np.zeros(n) for f in features]
    return np.stack(cols, axis=1) if cols else np.zeros((n, 0))


def _rows(w: LabelledWorld, excluded: frozenset[str]) -> np.ndarray:
    return np.asarray((w.y >= 0) & np.array([t not in excluded for t in w.tactic]), dtype=bool)


def _fit(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray], sign: np.ndarray, l2: float,
         offsets: Sequence[np.ndarray] | None = None,
         weights: Sequence[np.ndarray] | None = None) -> tuple[np.ndarray, float]:
    x = np.vstack(xs)
    y = np.concatenate(ys)
    if y.size == 0 or y.min() == y.max():
        raise InputError("training needs both distillers and benign accounts in its labels",
                         details={"rows": int(y.size), "distillers": int(y.sum())})
    sw = np.concatenate(weights) if weights is not None else None
    if offsets is None:
        f = fit_logistic(x, y, sign, l2=l2, sample_weight=sw)
    else:
        f = fit_logistic(x, y, sign, l2=l2, offset=np.concatenate(offsets), fit_bias=False,
                         sample_weight=sw)
    return f.weights, f.bias


def _threshold(risk: np.ndarray, y: np.ndarray, precision: float) -> float:
    """Smallest threshold (a 0.01 grid, from the top) down to which precision on these
    risks stays at least ``precision``."""
    best = 0.99
    for t in np.round(np.arange(0.99, 0.049, -0.01), 2):
        sel = risk >= t
        if sel.sum() == 0:
            continue
        if float(y[sel].mean()) >= precision:
            best = float(t)
        else:
            break
    return best


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(np.round(1.0 / (1.0 + np.exp(-z)), 6), dtype=np.float64)


def _others(k: int, items: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [v for j, v in enumerate(items) if j != k]


def fit_model(worlds: Sequence[LabelledWorld], *, exclude_tactics: Sequence[str] = (),
              l2: float = 1e-3, blind_weight: float = 0.5, floor_quantile: float = 0.5,
              cfg: HuntConfig | None = None,
              progress: Progress | None = None) -> dict[str, Any]:
    """Fit the table and the thresholds; return the model as saved by :func:`save_model`.

    First pass: the account's own features and the bias. Second pass: the graph
    features on top of the first pass's logit (no new bias): what the group shares is
    weighed against the baseline of any grouped account (``group_member``) and the
    benign explanations (a declared organisation, accountable customers).
    Accounts of ``exclude_tactics`` are left out of training (leave-one-tactic-out)."""
    say = progress or (lambda _m: None)
    cfg = cfg or default_config()
    excluded = frozenset(exclude_tactics)
    own = [f for f in cfg.features if not f.graph]
    graph = [f for f in cfg.features if f.graph]
    sign1 = np.array([f.sign for f in own], dtype=np.float64)
    sign2 = np.array([f.sign for f in graph], dtype=np.float64)
    x1 = [_matrix(own, w.prepared.values, w.prepared.n) for w in worlds]
    rows = [_rows(w, excluded) for w in worlds]
    ys = [w.y[r].astype(np.float64) for w, r in zip(worlds, rows, strict=True)]
    k_worlds = len(worlds)
    say(f"first pass: {sum(int(r.sum()) for r in rows):,} labelled accounts in "
        f"{k_worlds} worlds, {len(own)} features")
    x1r = [x[r] for x, r in zip(x1, rows, strict=True)]
    w1, b1 = _fit(x1r, ys, sign1, l2)
    # Cross-fitted first-pass logit per world (in-sample when there is one world): the
    # group evidence is learned as it will look at hunt time, not as an overfit paints it.
    fold1 = [_fit(_others(k, x1r), _others(k, ys), sign1, l2) if k_worlds > 1 else (w1, b1)
             for k in range(k_worlds)]
    # The cross-fitted first pass feeds the group values; floored at what ordinary traffic
    # shows on its own (a quantile of the benign accounts' logits), it is the offset.
    raw = [logit(x1[k], *fold1[k]) for k in range(k_worlds)]
    floor = float(np.quantile(np.concatenate([z[w.y == 0] for z, w in zip(raw, worlds,
                                                                         strict=True)]),
                              floor_quantile)) if floor_quantile >= 0 else -math.inf
    x2 = [_matrix(graph, judge_values(w.prepared, _sigmoid(z)), w.prepared.n)
          for w, z in zip(worlds, raw, strict=True)]
    x2r = [x[r] for x, r in zip(x2, rows, strict=True)]
    off = [np.maximum(z, floor)[r] for z, r in zip(raw, rows, strict=True)]
    sw = [np.ones(int(r.sum())) for r in rows]
    ys2 = list(ys)
    blind_of: list[int] = []
    if blind_weight > 0:
        # Blind copies of campaign members: the same world as it would look if every
        # member of the operation hid each per-account signal (no harvest content, no
        # odd behaviour: ordinary traffic on its own, as a low-and-slow fleet keeps it).
        # Only what the group shares is left to tell them apart, so the second pass
        # learns to weigh common control itself, instead of leaning on whatever content
        # or behaviour the training tactics happen to show.
        for k, w in enumerate(worlds):
            camp = w.info.get("campaign", {})
            member = np.array([bool(camp.get(a)) for a in w.prepared.universe])
            sel = rows[k] & (w.y == 1) & member
            benign = w.y == 0
            if not sel.any() or not benign.any():
                continue
            ordinary = float(np.median(raw[k][benign]))
            zb = np.where(member & (w.y == 1), np.minimum(raw[k], ordinary), raw[k])
            blind = replace(w.prepared, harvest=np.where(member, 0.0, w.prepared.harvest))
            xb = _matrix(graph, judge_values(blind, _sigmoid(zb)), w.prepared.n)
            x2r.append(xb[sel])
            off.append(np.maximum(zb, floor)[sel])
            ys2.append(np.ones(int(sel.sum())))
            sw.append(np.full(int(sel.sum()), blind_weight))
            blind_of.append(k)
    say(f"second pass: {len(graph)} group features on top of the first pass "
        f"({sum(x.shape[0] for x in x2r):,} rows with content-blind copies)")
    w2, _ = _fit(x2r, ys2, sign2, l2, off, sw)
    oof_r: list[np.ndarray] = []
    n_real = len(worlds)
    for k in range(k_worlds):
        # Out of fold: fitted without world k (its real rows and its blind copies).
        keep = [j for j in range(len(x2r))
                if j != k and not (j >= n_real and blind_of[j - n_real] == k)]
        wk, _ = _fit([x2r[j] for j in keep], [ys2[j] for j in keep], sign2, l2,
                     [off[j] for j in keep], [sw[j] for j in keep]) if k_worlds > 1 \
            else (w2, 0.0)
        oof_r.append(1.0 / (1.0 + np.exp(-(off[k] + x2r[k] @ wk))))
    risk = np.concatenate(oof_r)
    yy = np.concatenate(ys)
    block = _threshold(risk, yy, BLOCK_PRECISION)
    review = min(_threshold(risk, yy, REVIEW_PRECISION), round(block - 0.05, 2))
    sel = risk >= block
    oof = {"precision_at_block": round(float(yy[sel].mean()) if sel.any() else math.nan, 4),
           "recall_at_block": round(float(sel[yy == 1].mean()) if (yy == 1).any() else 0.0, 4),
           "note": "out-of-fold by world: each world scored by a model fitted on the others"}
    say(f"thresholds: review {review:.2f}, block {block:.2f}; out-of-fold precision "
        f"{oof['precision_at_block']}, recall {oof['recall_at_block']}")
    weight = {f.name: float(w) for f, w in zip(own, w1, strict=True)}
    weight.update({f.name: float(w) for f, w in zip(graph, w2, strict=True)})
    return {
        "version": MODEL_VERSION,
        "bias": round(b1, 6),
        "own_floor": round(floor, 6) if math.isfinite(floor) else None,
        "thresholds": {"review": review, "block": block},
        "features": [
            {"name": f.name, "group": f.group, "sign": f.sign, "lo": f.lo, "hi": f.hi,
             "weight": round(weight[f.name], 6)} for f in cfg.features],
        "manifest": {
            "worlds": [{k: v for k, v in w.info.items() if k != "campaign"} for w in worlds],
            "excluded_tactics": sorted(excluded),
            "l2": l2, "blind_weight": blind_weight,
            "floor_quantile": floor_quantile,
            "block_precision_target": BLOCK_PRECISION,
            "out_of_fold": oof,
        },
    }


def save_model(model: dict[str, Any], path: Path = MODEL_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(model, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
                     + b"\n")
    return path


def weights_table(model: dict[str, Any]) -> list[dict[str, Any]]:
    """The fitted table, strongest first, for printing."""
    rows = [{"feature": f["name"], "group": f["group"], "weight": f["weight"]}
            for f in model["features"]]
    return sorted(rows, key=lambda r: -abs(float(r["weight"])))


@dataclass(frozen=True)
class WorldVerdicts:
    accounts: list[str]
    risk: np.ndarray
    verdicts: list[str]
    cluster_ids: list[str]


def predict_world(w: LabelledWorld, cfg: HuntConfig) -> WorldVerdicts:
    """The hunt's verdicts and campaign ids for a prepared world under ``cfg`` (the same
    two passes and attribution as :func:`distillguard.detect.hunt`, without the files)."""
    p = w.prepared
    base = score(p.values, cfg, p.n, include_graph=False)
    final = score(judge_values(p, base.risk), cfg, p.n, include_graph=True)
    verdict = verdicts(final.risk, cfg)
    clusters = analyse(p.labels, p.edges, p.accounts)
    ids, _ = assign_ids(clusters, final.risk, cfg.review, p.n)
    return WorldVerdicts(list(p.universe), final.risk, verdict, ids)
