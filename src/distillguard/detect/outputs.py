"""The hunt's files: accounts.csv (the contract), clusters.csv, evidence.jsonl, summary.json."""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from distillguard.detect.campaigns import assign_ids
from distillguard.detect.config import HuntConfig
from distillguard.detect.decisions import Decision, apply_decisions
from distillguard.detect.judgement import AccountRow, CampaignRow, HuntOutputs, Judgement
from distillguard.detect.scoring import columns, explain_rows, reasons
from distillguard.schema import ACCOUNTS_CSV_HEADER

CLUSTERS_CSV_HEADER = ("cluster_id", "size", "risk", "first_seen", "last_seen", "evidence")
CONTENT = ("reasoning_coercion", "rubric_grading", "synthetic_generation")


def _ts(ms: float | None) -> str:
    if ms is None or not math.isfinite(ms):
        return ""
    dt = datetime.fromtimestamp(ms / 1000.0, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def build(result: Judgement, cfg: HuntConfig) -> HuntOutputs:
    """The account rows, their evidence and the campaigns of a judgement."""
    universe = result.universe
    n = len(universe)
    final = result.final
    agg = result.agg
    accounts = result.accounts
    ids, chosen = assign_ids(result.clusters, final.risk, cfg.review, n)
    size_of = {cid: int(m.size) for cid, _, m in chosen}
    n_events = np.nan_to_num(agg.get("n_events", np.zeros(n)), nan=0.0)
    days = np.maximum(np.nan_to_num(agg.get("n_days", np.ones(n)), nan=1.0), 1.0)
    labels = result.labels
    label_size = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.zeros(1)
    cols = columns(final)
    rows: list[AccountRow] = []
    evidence: list[dict[str, Any]] = []
    for i, acc_id in enumerate(universe):
        a = accounts[i]
        ctx = {
            "n": f"{int(n_events[i]):,}", "rate": float(n_events[i] / days[i]),
            "delay_h": float(np.nan_to_num(result.delay_h[i], nan=0.0)),
            "kyc": (a.kyc_level if a and a.kyc_level else "unknown"),
            "plan": (a.plan if a and a.plan else "unknown"),
            "linked_on": result.linked_on[i] or "nothing",
            "peers": int(result.peers[i]),
            "cluster": ids[i] or "(unattributed)",
            "size": size_of.get(ids[i], int(label_size[labels[i]]) if labels[i] >= 0 else 1),
        }
        ev = explain_rows(cfg, cols, i, ctx)
        risk = float(final.risk[i])
        verdict = result.verdicts[i]
        rows.append(AccountRow(acc_id, round(risk, 4), verdict, ids[i], reasons(ev)))
        evidence.append({"account_id": acc_id, "risk": round(risk, 6), "verdict": verdict,
                         "cluster_id": ids[i] or None,
                         "base_risk": round(float(result.base.risk[i]), 6),
                         "thresholds": {"review": cfg.review, "block": cfg.block},
                         "features": ev})
    first = agg.get("first_ms", np.full(n, np.nan))
    last = agg.get("last_ms", np.full(n, np.nan))
    cluster_rows: list[CampaignRow] = []
    for cid, cl, members in chosen:
        content = []
        for name in CONTENT:
            share = float(np.nanmean(result.values[name][members])) \
                if np.isfinite(result.values[name][members]).any() else 0.0
            if share >= 0.1:
                content.append(f"{name.replace('_', ' ')} {share:.0%}")
        desc = cl.describe(int(members.size))
        if content:
            desc += "; content: " + ", ".join(content)
        f = first[members]
        la = last[members]
        cluster_rows.append(CampaignRow(
            cluster_id=cid, size=int(members.size),
            risk=round(float(np.median(final.risk[members])), 4),
            first_seen=_ts(float(np.nanmin(f)) if np.isfinite(f).any() else None),
            last_seen=_ts(float(np.nanmax(la)) if np.isfinite(la).any() else None),
            evidence=desc, members=tuple(universe[i] for i in members.tolist())))
    rows.sort(key=lambda r: (-r.risk, r.account_id))
    result.summary["clusters"] = len(cluster_rows)
    result.summary["top_campaigns"] = [
        {"cluster_id": c.cluster_id, "size": c.size, "risk": c.risk, "evidence": c.evidence}
        for c in cluster_rows[:5]]
    return HuntOutputs(rows, evidence, cluster_rows)


def write_all(out: Path, result: Judgement, cfg: HuntConfig,
              decisions: Mapping[str, Decision] | None = None) -> HuntOutputs:
    built = build(result, cfg)
    if decisions:
        built = apply_decisions(built, decisions)
        counts = {"block": 0, "review": 0, "allow": 0}
        for r in built.rows:
            counts[r.verdict] = counts.get(r.verdict, 0) + 1
        result.summary["verdicts"] = counts
        result.summary["analyst_decisions"] = {
            "applied": sum(1 for r in built.rows if r.account_id in decisions),
            "in_file": len(decisions)}
    with (out / "accounts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ACCOUNTS_CSV_HEADER)
        for r in built.rows:
            w.writerow([r.account_id, f"{r.risk:.4f}", r.verdict, r.cluster_id, r.reasons])
    with (out / "clusters.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(CLUSTERS_CSV_HEADER)
        for c in built.campaigns:
            w.writerow([c.cluster_id, c.size, f"{c.risk:.4f}", c.first_seen, c.last_seen,
                        c.evidence])
    with (out / "evidence.jsonl").open("wb") as fh:
        for e in built.evidence:
            fh.write(orjson.dumps(e) + b"\n")
    (out / "summary.json").write_bytes(
        orjson.dumps(result.summary, option=orjson.OPT_INDENT_2, default=str))
    return built
