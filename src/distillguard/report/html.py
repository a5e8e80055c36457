"""Render ``report.html`` from a hunt's result: summary, campaigns, timeline, risk."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import numpy as np

from distillguard.detect.config import HuntConfig
from distillguard.detect.judgement import CampaignRow, HuntOutputs, Judgement
from distillguard.graph.kinds import family
from distillguard.report import charts

MAX_CAMPAIGNS = 8
MAX_NODES = 150
MAX_TOP_ACCOUNTS = 500



def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("distillguard.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )


def _timeline(result: Judgement) -> str | None:
    daily = result.daily
    if daily.num_rows == 0:
        return None
    verdict_of = dict(zip(result.universe, result.verdicts, strict=True))
    per: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for acc, day, n in zip(daily["account_id"].to_pylist(), daily["day"].to_pylist(),
                           daily["n"].to_pylist(), strict=True):
        per[str(day)][verdict_of.get(acc, "allow")] += float(n)
    days = sorted(per)
    series = {v: np.array([per[d].get(v, 0.0) for d in days]) for v in ("allow", "review",
                                                                          "block")}
    return charts.timeline(days, series)


def _campaign_pictures(result: Judgement, campaigns: list[CampaignRow]) -> dict[str, str]:
    edges = result.edges
    risk = result.final.risk
    index = {a: i for i, a in enumerate(result.universe)}
    pics = {}
    # The strongest part of each edge names what the tie is made of (vectorised: edges
    # run to millions in a large hunt).
    best = np.full(edges.size, -1, dtype=np.int64)
    if edges.part_edge.size:
        order = np.lexsort((edges.part_weight, edges.part_edge))
        last = np.r_[edges.part_edge[order][1:] != edges.part_edge[order][:-1], True]
        best[edges.part_edge[order][last]] = edges.part_kind[order][last]
    for c in campaigns[:MAX_CAMPAIGNS]:
        members = [index[a] for a in c.members][:MAX_NODES]
        local = np.full(len(index), -1, dtype=np.int64)
        local[members] = np.arange(len(members))
        keep = (local[edges.src] >= 0) & (local[edges.dst] >= 0)
        idx = np.flatnonzero(keep)
        sel = [(int(local[edges.src[e]]), int(local[edges.dst[e]]), float(edges.weight[e]),
                family(edges.kinds[best[e]]) if best[e] >= 0 else "other")
               for e in idx.tolist()]
        shown = len(members)
        title = (f"{c.cluster_id}: {c.size} flagged accounts"
                 + (f" (first {shown} drawn)" if shown < c.size else ""))
        pics[c.cluster_id] = charts.campaign_graph(
            shown, sel, risk[members], title, [result.universe[i][-6:] for i in members])
    return pics


def render_report(out: Path, result: Judgement, written: HuntOutputs, cfg: HuntConfig) -> Path:
    """Write ``out/report.html`` (self-contained) and return its path."""
    s = result.summary
    risk = result.final.risk
    flagged = [r for r in written.rows if r.verdict != "allow"]
    top = flagged[:MAX_TOP_ACCOUNTS]
    html = _env().get_template("report.html.j2").render(
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        summary=s,
        span=(_fmt(s.get("first_event_ms")), _fmt(s.get("last_event_ms"))),
        campaigns=written.campaigns[:MAX_CAMPAIGNS],
        n_campaigns=len(written.campaigns),
        pictures=_campaign_pictures(result, written.campaigns),
        timeline=_timeline(result),
        histogram=charts.risk_histogram(risk, result.verdicts, cfg.review, cfg.block)
        if risk.size else None,
        top=top,
        n_flagged=len(flagged),
        features=cfg.features,
        bias=cfg.bias,
    )
    path = out / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def _fmt(ms: Any) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(float(ms) / 1000.0, tz=UTC).strftime("%Y-%m-%d %H:%M")
