"""Outlook outputs: tables with provenance tags, JSON, CSV, charts and an HTML report.

Every number that leaves the model carries a tag: inputs are ``sourced``,
``derived`` or ``assumed`` as their scenario says; every model output is
``derived`` (computed from those inputs), and the summary says how many of
the inputs behind it are of each kind.
"""

from __future__ import annotations

import base64
import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from distillguard.outlook import charts
from distillguard.outlook.evidence import HuntEvidence
from distillguard.outlook.model import CHANNELS, FOCUS_YEAR, OutlookResult
from distillguard.outlook.parameters import LEVER_SPECS, PARAMS

OUTPUT_TAG = "derived"


def input_mix(result: OutlookResult) -> dict[str, int]:
    c = Counter(result.scenario.params[p.name].status for p in PARAMS)
    return {k: c.get(k, 0) for k in ("sourced", "derived", "assumed")}


def year_rows(result: OutlookResult) -> list[dict[str, Any]]:
    """One row per year: compute ratio and lag with p10/p50/p90, tagged."""
    return [
        {
            "year": s.year,
            "ratio_p10": round(s.ratio.p10, 2),
            "ratio_p50": round(s.ratio.p50, 2),
            "ratio_p90": round(s.ratio.p90, 2),
            "lag_p10": round(s.lag.p10, 1),
            "lag_p50": round(s.lag.p50, 1),
            "lag_p90": round(s.lag.p90, 1),
            "discount_p50": round(s.discount.p50, 1),
            "tag": OUTPUT_TAG,
        }
        for s in result.summaries
    ]


def param_rows(result: OutlookResult) -> list[dict[str, Any]]:
    rows = []
    for spec in PARAMS:
        p = result.scenario.params[spec.name]
        rows.append({"parameter": p.name, "low": p.low, "mode": p.mode, "high": p.high,
                     "unit": p.unit, "dist": p.dist, "tag": p.status, "source": p.source})
    return rows


def lever_rows(result: OutlookResult) -> list[dict[str, Any]]:
    return [{"lever": k, "value": result.scenario.levers[k].value, "tag": "policy",
             "note": result.scenario.levers[k].note or LEVER_SPECS[k].meaning}
            for k in LEVER_SPECS]


def tornado_rows(result: OutlookResult) -> list[dict[str, Any]]:
    return [{"input": b.name, "kind": b.kind, "tag": b.status,
             "lag_at_low": round(b.lag_at_low, 2), "lag_at_high": round(b.lag_at_high, 2),
             "swing": round(b.swing, 2)} for b in result.tornado]


def summary_dict(result: OutlookResult, evidence: HuntEvidence | None = None) -> dict[str, Any]:
    """The stable, JSON-able summary (what golden tests compare)."""
    sc = result.scenario
    return {
        "scenario": sc.name,
        "title": sc.title,
        "draws": result.draws,
        "seed": result.seed,
        "input_mix": input_mix(result),
        "levers": {k: sc.levers[k].value for k in LEVER_SPECS},
        "years": [
            {
                "year": s.year,
                "tag": OUTPUT_TAG,
                "us_m_h100e": s.us.rounded(3),
                "china_m_h100e": s.china.rounded(3),
                "channels_m_h100e": {c: s.channels[c].rounded(3) for c in CHANNELS},
                "ratio": s.ratio.rounded(2),
                "compute_lag_months": s.compute_lag.rounded(2),
                "discount_months": s.discount.rounded(2),
                "lag_months": s.lag.rounded(2),
            }
            for s in result.summaries
        ],
        "tornado_year": FOCUS_YEAR,
        "tornado_baseline_lag": round(result.tornado_baseline, 2),
        "tornado": tornado_rows(result),
        "top_lever": result.top_lever.name,
        "hunt_evidence": None if evidence is None else {
            "source": evidence.source, "campaigns": evidence.campaigns,
            "accounts": evidence.accounts, "blocked_accounts": evidence.blocked_accounts,
            "harvested": evidence.harvested, "stopped": evidence.stopped,
            "weight_basis": evidence.weight_basis, "quarantined": len(evidence.quarantined),
            "curb_effect": {"low": round(evidence.low, 4), "mode": round(evidence.mode, 4),
                            "high": round(evidence.high, 4)},
        },
    }


_TEMPLATE = jinja2.Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>distillguard outlook: {{ s.title }}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
td.l,th.l{text-align:left}
.tag{font-size:11px;padding:1px 5px;border-radius:3px;background:#eee}
.sourced{background:#d4edda}.derived{background:#d6e4f0}.assumed{background:#f8e0c0}
img{max-width:100%}
</style></head><body>
<h1>{{ s.title }}</h1>
<p>{{ s.description }}</p>
<p>Scenario <code>{{ s.name }}</code> from <code>{{ s.source }}</code>;
{{ r.draws }} Monte Carlo draws, seed {{ r.seed }}. Inputs: {{ mix.sourced }} sourced,
{{ mix.derived }} derived, {{ mix.assumed }} assumed. Every output below is
<span class="tag derived">derived</span> from them.</p>
<h2>{{ focus.year }}: US lead of {{ '%.1f'|format(focus.lag.p50) }} months
(p10 {{ '%.1f'|format(focus.lag.p10) }}, p90 {{ '%.1f'|format(focus.lag.p90) }})</h2>
<table><tr><th>year</th><th>ratio p10</th><th>ratio p50</th><th>ratio p90</th>
<th>lag p10</th><th>lag p50</th><th>lag p90</th><th>discount p50</th><th>tag</th></tr>
{% for y in years %}<tr><td>{{ y.year }}</td><td>{{ y.ratio_p10 }}</td><td>{{ y.ratio_p50 }}</td>
<td>{{ y.ratio_p90 }}</td><td>{{ y.lag_p10 }}</td><td>{{ y.lag_p50 }}</td><td>{{ y.lag_p90 }}</td>
<td>{{ y.discount_p50 }}</td><td><span class="tag derived">{{ y.tag }}</span></td></tr>
{% endfor %}</table>
{% for title, img in images %}<h3>{{ title }}</h3>
<img alt="{{ title }}" src="data:image/png;base64,{{ img }}">{% endfor %}
<h2>Policy levers</h2>
<table><tr><th class="l">lever</th><th>value</th><th class="l">note</th></tr>
{% for l in levers %}<tr><td class="l">{{ l.lever }}</td><td>{{ l.value }}</td>
<td class="l">{{ l.note }}</td></tr>{% endfor %}</table>
{% if evidence %}<h2>Hunt evidence</h2><p>{{ evidence }}</p>{% endif %}
<h2>Inputs</h2>
<table><tr><th class="l">parameter</th><th>low</th><th>mode</th><th>high</th><th class="l">unit</th>
<th class="l">tag</th><th class="l">source</th></tr>
{% for p in params %}<tr><td class="l">{{ p.parameter }}</td><td>{{ p.low }}</td>
<td>{{ p.mode }}</td><td>{{ p.high }}</td><td class="l">{{ p.unit }}</td>
<td class="l"><span class="tag {{ p.tag }}">{{ p.tag }}</span></td>
<td class="l">{{ p.source }}</td></tr>{% endfor %}</table>
<p>Lag = 12 &times; ln(ratio) / ln(frontier growth) &minus; fast-follower discount;
the discount is calibrated so the reference ratio gives the observed lag, and curbing
distillation shrinks its distillation share. See docs/outlook.md.
Growth data: Epoch AI (CC BY 4.0).</p>
</body></html>
""",
    autoescape=True,
)


@dataclass(frozen=True)
class Written:
    out_dir: Path
    files: tuple[Path, ...]

    @property
    def report(self) -> Path:
        return self.out_dir / "report.html"


def write_outputs(result: OutlookResult, out_dir: Path, *, evidence: HuntEvidence | None = None,
                  formats: tuple[str, ...] = charts.FORMATS) -> Written:
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    images: list[tuple[str, str]] = []
    for stem, title, make in (
        ("lag", "Capability lag (months)", charts.lag_fan),
        ("ratio", "US : China compute ratio", charts.ratio_fan),
        ("channels", "China's compute by channel", charts.channels),
        ("tornado", f"Sensitivity of the {FOCUS_YEAR} lag", charts.tornado),
    ):
        fig = make(result)
        files += charts.save(fig, out_dir, stem, formats)
        images.append((title, base64.b64encode(charts.png_bytes(fig)).decode()))
        charts.close(fig)
    summary = summary_dict(result, evidence)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    files.append(out_dir / "summary.json")
    for name, rows in (("years.csv", year_rows(result)), ("inputs.csv", param_rows(result)),
                       ("tornado.csv", tornado_rows(result))):
        with (out_dir / name).open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        files.append(out_dir / name)
    ev_text = evidence.as_param().source if evidence is not None else ""
    html = _TEMPLATE.render(
        s=result.scenario, r=result, mix=input_mix(result), focus=result.year(FOCUS_YEAR),
        years=year_rows(result), images=images, levers=lever_rows(result),
        params=param_rows(result), evidence=ev_text,
    )
    (out_dir / "report.html").write_text(html)
    files.append(out_dir / "report.html")
    return Written(out_dir, tuple(files))
