"""Per-account feature values, their weighted contributions and the calibrated risk.

Raw values come from the engine's per-account aggregates (shares, rates,
entropies) and from the account records; :class:`~distillguard.detect.config.Feature`
turns each into a strength in [0, 1]; risk is the logistic of the bias plus
the weighted strengths. Every number that enters the risk is kept so the
evidence file can show it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from distillguard.detect.config import KYC_RISK, PLAN_RISK, Feature, HuntConfig
from distillguard.schema import Account, verdict_for

#: Minimum events before a distributional feature (entropy, regularity) is trusted.
MIN_EVENTS_SHAPE: Final = 20
MIN_EVENTS_DIURNAL: Final = 48
MIN_EVENTS_SHARE: Final = 3
DAY_MS: Final = 86_400_000.0
ACCOUNTABLE_KYC: Final = frozenset({"contract", "id_verified"})
#: Declared uses that legitimately explain a content family (phrasing families, not strings).
DECLARED_USE: Final = {
    "synthetic_generation": re.compile(
        r"(?i)(synthetic|training data|fine-?tun|data ?set (generation|creation)|data generation"
        r"|licensed (data|outputs?))"),
    "rubric_grading": re.compile(
        r"(?i)(judge|grading|grader|annotat|label|rating|quality (control|assurance)|\bqa\b"
        r"|evaluat|review)"),
}


@dataclass(frozen=True)
class Scored:
    values: dict[str, np.ndarray]
    strengths: dict[str, np.ndarray]
    contributions: dict[str, np.ndarray]
    logit: np.ndarray
    risk: np.ndarray


def _col(table: Mapping[str, np.ndarray], name: str, n: int) -> np.ndarray:
    v = table.get(name)
    return np.full(n, np.nan) if v is None else v.astype(np.float64)


def feature_values(
    agg: Mapping[str, np.ndarray],
    accounts: Sequence[Account | None],
    template_reuse: np.ndarray,
    pivot_value: np.ndarray,
    busiest_bin: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Raw value of every non-graph feature per account (NaN where not measurable)."""
    n = len(accounts)
    ev = np.nan_to_num(_col(agg, "n_events", n), nan=0.0)
    has = ev >= MIN_EVENTS_SHARE
    shaped = ev >= MIN_EVENTS_SHAPE

    def share(name: str) -> np.ndarray:
        return np.where(has, _col(agg, name, n), np.nan)

    vals: dict[str, np.ndarray] = {}
    for name in ("reasoning_coercion", "rubric_grading", "synthetic_generation", "eval_harness",
                 "reasoning_params", "long_output", "logprobs", "multi_sample", "single_turn"):
        vals[name] = share(name)
    vals["capability_concentration"] = np.where(
        shaped, 1.0 - _col(agg, "topic_entropy", n), np.nan)
    pt = _col(agg, "prompt_tokens", n)
    ct = _col(agg, "completion_tokens", n)
    vals["output_input_ratio"] = np.where(has & (pt > 0), ct / np.maximum(pt, 1.0), np.nan)
    days = np.maximum(np.nan_to_num(_col(agg, "n_days", n), nan=1.0), 1.0)
    vals["volume"] = np.where(ev > 0, np.log10(np.maximum(ev, 1.0) / days), np.nan)
    mean = _col(agg, "gap_mean", n)
    sd = _col(agg, "gap_sd", n)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(mean > 0, sd / mean, np.nan)
    vals["regularity"] = np.where(shaped, cv, np.nan)
    vals["batch_run"] = vals["regularity"]
    # Hours from first to last request, once there are enough requests to call it a run.
    last = _col(agg, "last_ms", n)
    vals["one_sitting"] = np.where(shaped, (last - _col(agg, "first_ms", n)) / 3_600_000.0,
                                   np.nan)
    vals["diurnal_flatness"] = np.where(ev >= MIN_EVENTS_DIURNAL, _col(agg, "hour_entropy", n),
                                        np.nan)
    vals["template_reuse"] = np.where(has, template_reuse, np.nan)
    vals["param_uniformity"] = np.where(shaped, _col(agg, "param_uniformity", n), np.nan)
    vals["model_pivot"] = pivot_value
    # Harvest as behaviour: agent loops (tools, depth), many distinct tasks, throttling,
    # concurrency. Signs are learned: agentic benchmarks and CI share some of these.
    vals["tool_use"] = share("tool_use")
    vals["tool_loop"] = share("tool_loop")
    vals["prompt_diversity"] = np.where(shaped, _col(agg, "distinct_tasks", n)
                                        / np.maximum(ev, 1.0), np.nan)
    vals["burstiness"] = (np.where(shaped, busiest_bin / np.maximum(ev, 1.0), np.nan)
                          if busiest_bin is not None else np.full(n, np.nan))
    first = _col(agg, "first_ms", n)
    created = np.array([a.created_at.timestamp() * 1000.0 if a else np.nan for a in accounts])
    vals["account_age"] = np.where(np.isfinite(first), (first - created) / DAY_MS, np.nan)
    vals["kyc_plan"] = np.array([_kyc_plan(a) for a in accounts])
    vals["declared_use_match"] = np.array(
        [_declared_match(a, vals["synthetic_generation"][i], vals["rubric_grading"][i])
         for i, a in enumerate(accounts)])
    vals["enterprise_contract"] = np.array(
        [1.0 if a and (a.kyc_level == "contract" or a.plan == "enterprise") else 0.0
         for a in accounts])
    return vals


def _declared_match(a: Account | None, synth: float, rubric: float) -> float:
    """Share of traffic the account's verified, declared use explains (licensed vendors,
    LLM-as-judge QA): accountable customers doing what their contract says."""
    if a is None or not a.declared_use or a.kyc_level not in ACCOUNTABLE_KYC:
        return 0.0
    best = 0.0
    for family, share in (("synthetic_generation", synth), ("rubric_grading", rubric)):
        if math.isfinite(share) and DECLARED_USE[family].search(a.declared_use):
            best = max(best, share)
    return best


def _kyc_plan(a: Account | None) -> float:
    if a is None:
        return math.nan
    k = KYC_RISK.get(a.kyc_level or "", 0.5)
    p = PLAN_RISK.get(a.plan or "", 0.5)
    return 0.5 * (k + p)


def score(values: Mapping[str, np.ndarray], cfg: HuntConfig, n: int, *,
          include_graph: bool = True) -> Scored:
    """Risk from the feature table, or (``include_graph=False``) the first pass: the
    account on its own. The group's values are added on top of the first pass; the
    baseline of any grouped account (``group_member``, fitted negative) means a group
    that shows nothing else lowers its members, and one declared organisation or a
    group of accountable customers explains the rest away."""
    logit = np.full(n, cfg.bias)
    strengths: dict[str, np.ndarray] = {}
    contribs: dict[str, np.ndarray] = {}

    def add(features: Sequence[Feature]) -> None:
        nonlocal logit
        for f in features:
            v = values.get(f.name)
            if v is None:
                continue
            strengths[f.name] = strength(f, v)
            contribs[f.name] = f.weight * strengths[f.name]
            logit = logit + contribs[f.name]

    add([f for f in cfg.features if not f.graph])
    if include_graph:
        # The account's own evidence counts no lower than ordinary traffic's when its
        # group's evidence is added (see HuntConfig.own_floor).
        lift = np.maximum(cfg.own_floor - logit, 0.0)
        if lift.any():
            contribs["own_floor"] = lift
            strengths["own_floor"] = (lift > 0).astype(np.float64)
            logit = logit + lift
        add([f for f in cfg.features if f.graph])
    # Rounded so engines whose float sums differ in the last bits agree on verdicts.
    risk = np.round(1.0 / (1.0 + np.exp(-logit)), 6)
    vals = dict(values)
    if "own_floor" in contribs:
        vals["own_floor"] = contribs["own_floor"]
    return Scored(vals, strengths, contribs, logit, risk)


def strength(f: Feature, v: np.ndarray) -> np.ndarray:
    """Raw values -> strengths in [0, 1] (0 where not measured)."""
    if f.hi == f.lo:
        s = (v >= f.hi).astype(np.float64)
    else:
        with np.errstate(invalid="ignore"):
            s = np.clip((v - f.lo) / (f.hi - f.lo), 0.0, 1.0)
    return np.asarray(np.nan_to_num(s, nan=0.0), dtype=np.float64)


def verdicts(risk: np.ndarray, cfg: HuntConfig) -> list[str]:
    return [verdict_for(float(r), cfg.review, cfg.block) for r in risk]


def explain(cfg: HuntConfig, scored: Scored, i: int,
            ctx: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The evidence rows of account ``i``: every feature with value, weight, contribution."""
    return explain_rows(cfg, columns(scored), i, ctx)


def columns(scored: Scored) -> dict[str, tuple[list[float], list[float], list[float]]]:
    """Plain-list columns (value, strength, contribution) so per-account access is cheap."""
    return {name: (scored.values[name].tolist(), scored.strengths[name].tolist(),
                   scored.contributions[name].tolist()) for name in scored.contributions}


def explain_rows(cfg: HuntConfig, cols: Mapping[str, tuple[list[float], list[float],
                                                           list[float]]],
                 i: int, ctx: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    fmt = dict(ctx)
    for f in cfg.features:
        col = cols.get(f.name)
        if col is None:
            continue
        v = col[0][i]
        contrib = col[2][i]
        if math.isnan(v):
            text = "not measured (too little data)"
            value: float | None = None
        else:
            value = round(v, 4)
            fmt["value"] = v
            fmt["pct"] = f"{v:.0%}"
            try:
                text = f.explain.format(**fmt)
            except (KeyError, ValueError, IndexError):
                text = f"{f.name} = {v:.3g}"
        rows.append({"name": f.name, "group": f.group, "value": value, "weight": f.weight,
                     "strength": round(col[1][i], 4), "contribution": round(contrib, 4),
                     "explanation": text})
    lift = cols.get("own_floor")
    if lift is not None and lift[2][i] > 0:
        rows.append({"name": "own_floor", "group": "coordination", "value": round(lift[0][i], 4),
                     "weight": 1.0, "strength": 1.0, "contribution": round(lift[2][i], 4),
                     "explanation": "its own traffic looks cleaner than ordinary traffic; counted "
                     f"as ordinary (logit {cfg.own_floor:.1f}) while its group's evidence is "
                     "weighed"})
    return rows


def reasons(evidence: Sequence[Mapping[str, Any]], limit: int = 3) -> str:
    """The strongest positive evidence as one short sentence list."""
    top = sorted((e for e in evidence if e["contribution"] > 0.05),
                 key=lambda e: -float(e["contribution"]))[:limit]
    if not top:
        return "no notable signal"
    return "; ".join(str(e["explanation"]) for e in top)
