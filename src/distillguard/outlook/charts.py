"""Charts of the outlook and the growth fit (matplotlib, Agg backend, PNG and SVG)."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from distillguard.outlook.fit import Calibration, GrowthFit  # noqa: E402
from distillguard.outlook.model import CHANNELS, FOCUS_YEAR, OutlookResult  # noqa: E402
from distillguard.outlook.models_data import ATTRIBUTION, ModelsData  # noqa: E402

FORMATS = ("png", "svg")
_COLOURS = {"licensed": "#4c72b0", "domestic": "#dd8452", "smuggled": "#c44e52",
            "remote": "#8172b3"}


def save(fig: Figure, out_dir: Path, stem: str, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        p = out_dir / f"{stem}.{fmt}"
        # No creation date in the files, so reruns with one seed give identical charts.
        meta: dict[str, str | None] = {"Date": None} if fmt == "svg" else {"Software": None}
        # SVG element ids are salted at random unless a salt is set: fixed, so the
        # same seed gives byte-identical SVG too.
        with matplotlib.rc_context({"svg.hashsalt": "distillguard"}):
            fig.savefig(p, format=fmt, dpi=120, bbox_inches="tight", metadata=meta)
        paths.append(p)
    return paths


def png_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def lag_fan(result: OutlookResult) -> Figure:
    years = [s.year for s in result.summaries]
    fig, ax = plt.subplots(figsize=(7, 4))
    p10 = [s.lag.p10 for s in result.summaries]
    p50 = [s.lag.p50 for s in result.summaries]
    p90 = [s.lag.p90 for s in result.summaries]
    ax.fill_between(years, p10, p90, alpha=0.25, color="#4c72b0", label="p10-p90")
    ax.plot(years, p50, marker="o", color="#4c72b0", label="median")
    ax.axhspan(12, 24, color="#55a868", alpha=0.08, label="12-24 month lead")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(years)
    ax.set_ylabel("US lead over China (months)")
    ax.set_title(f"Capability lag: {result.scenario.title}")
    ax.legend(loc="upper left", fontsize=8)
    fig.text(0.01, -0.02, f"{result.draws} draws, seed {result.seed}; derived from the "
             "scenario's sourced and assumed inputs", fontsize=7)
    return fig


#: The compute-ratio anchors the paper's argument turns on (Institute for Progress,
#: 2025; docs/outlook.md): the US 2026 advantage without, and with, Blackwell exports.
RATIO_ANCHORS = ((31.0, "31x: US 2026 advantage, no Blackwell exports (IFP 2025)"),
                 (4.0, "4x: the same with B30A-class exports (IFP 2025)"))


def _times(value: float, _pos: int) -> str:
    return f"{value:g}x"


def ratio_fan(result: OutlookResult) -> Figure:
    years = [s.year for s in result.summaries]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(years, [s.ratio.p10 for s in result.summaries],
                    [s.ratio.p90 for s in result.summaries], alpha=0.25, color="#dd8452",
                    label="p10-p90")
    ax.plot(years, [s.ratio.p50 for s in result.summaries], marker="o", color="#dd8452",
            label="median")
    ax.set_yscale("log")
    ax.axhline(1, color="black", lw=0.8)
    for value, label in RATIO_ANCHORS:
        ax.axhline(value, color="#555555", lw=0.8, ls="--")
        ax.annotate(label, (years[0], value), xytext=(2, 2), textcoords="offset points",
                    fontsize=7, color="#555555")
    # Plain multiples on the log axis ("4x", "30x"), not "4x10^0".
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(_times))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda _v, _p: ""))
    ax.set_xticks(years)
    ax.set_ylabel("US : China AI compute added per year")
    ax.set_title(f"Compute ratio: {result.scenario.title}")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def channels(result: OutlookResult) -> Figure:
    years = [s.year for s in result.summaries]
    fig, ax = plt.subplots(figsize=(7, 4))
    bottom = np.zeros(len(years))
    for c in CHANNELS:
        vals = np.array([s.channels[c].p50 for s in result.summaries])
        ax.bar(years, vals, bottom=bottom, label=c, color=_COLOURS[c])
        bottom += vals
    ax.set_ylabel("China, M H100e added per year (medians)")
    ax.set_title("China's AI compute by channel")
    ax.legend(fontsize=8)
    ax.set_xticks(years)
    return fig


def tornado(result: OutlookResult, top: int = 12) -> Figure:
    bars = list(result.tornado[:top])[::-1]
    base = result.tornado_baseline
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(bars) + 1.5))
    for i, b in enumerate(bars):
        lo, hi = sorted((b.lag_at_low, b.lag_at_high))
        colour = "#c44e52" if b.kind == "lever" else "#8c8c8c"
        ax.barh(i, hi - lo, left=lo, color=colour, alpha=0.85)
        # Which end of the input gives which lag, at that end of the bar.
        for x, text in ((b.lag_at_low, b.low_label), (b.lag_at_high, b.high_label)):
            right = x >= max(b.lag_at_low, b.lag_at_high)
            ax.annotate(f"{text}: {x:.1f}", (x, i), xytext=(3 if right else -3, 0),
                        textcoords="offset points", va="center",
                        ha="left" if right else "right", fontsize=6.5)
    ax.set_yticks(range(len(bars)))
    ax.set_yticklabels([f"{b.name.replace('_', ' ')} [{b.status}]" for b in bars], fontsize=8)
    # Room at both ends for the end labels.
    ends = [x for b in bars for x in (b.lag_at_low, b.lag_at_high)] + [base]
    span = (max(ends) - min(ends)) or 1.0
    ax.set_xlim(min(ends) - 0.3 * span, max(ends) + 0.2 * span)
    ax.axvline(base, color="black", lw=1)
    ax.set_xlabel(f"{FOCUS_YEAR} lag (months); line = all inputs at their modes ({base:.1f})")
    ax.set_title(f"What moves the {FOCUS_YEAR} lag (red: policy levers 0 to 1; "
                 "grey: parameter low to high)", fontsize=9)
    return fig


def compare(results: list[OutlookResult]) -> Figure:
    """The scenarios on one chart: each one's lag, median and p10-p90, year by year (the
    difference the levers make is the paper's whole claim)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    palette = ("#4c72b0", "#c44e52", "#55a868", "#8172b3", "#dd8452")
    for k, r in enumerate(results):
        years = [s.year for s in r.summaries]
        colour = palette[k % len(palette)]
        ax.fill_between(years, [s.lag.p10 for s in r.summaries],
                        [s.lag.p90 for s in r.summaries], alpha=0.18, color=colour)
        ax.plot(years, [s.lag.p50 for s in r.summaries], marker="o", color=colour,
                label=f"{r.scenario.title} (median, band p10-p90)")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks([s.year for s in results[0].summaries])
    ax.set_ylabel("US lead over China (months)")
    ax.set_title("Capability lag by scenario")
    ax.legend(loc="upper left", fontsize=8)
    fig.text(0.01, -0.02, ", ".join(f"{r.scenario.name}: {r.draws} draws, seed {r.seed}"
                                    for r in results), fontsize=7)
    return fig


def fit_chart(data: ModelsData, fit: GrowthFit, calibration: Calibration | None) -> Figure:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    allx = [r.year for r in data.records if r.published >= fit.since]
    ally = [np.log10(r.compute_flop) for r in data.records if r.published >= fit.since]
    ax.scatter(allx, ally, s=6, color="#bbbbbb", label="notable models")
    ax.scatter([r.year for r in fit.frontier], [np.log10(r.compute_flop) for r in fit.frontier],
               s=14, color="#4c72b0", label=f"frontier (top {fit.top_n} when published)")
    cn = [r for r in data.records if r.chinese and r.published >= fit.since]
    ax.scatter([r.year for r in cn], [np.log10(r.compute_flop) for r in cn], s=10,
               marker="x", color="#c44e52", label="models from China")
    xs = np.linspace(min(allx), max(allx), 50)
    mid = (xs.min() + xs.max()) / 2
    y_mid = fit.trend_log10(mid)
    ax.plot(xs, fit.trend_log10(0) + fit.slope * xs, color="black",
            label=f"fit {fit.growth:.2f}x/yr (95% CI {fit.ci_low:.2f}-{fit.ci_high:.2f})")
    for g in (fit.ci_low, fit.ci_high):
        ax.plot(xs, y_mid + np.log10(g) * (xs - mid), color="black", ls=":", lw=0.8)
    if calibration is not None:
        qx = [p.quarter_end.year + (p.quarter_end.timetuple().tm_yday - 1) / 365.25
              for p in calibration.points]
        ax.step(qx, [p.leader_log10 for p in calibration.points], where="post",
                color="#c44e52", lw=1, label="leading Chinese model so far")
    ax.set_ylabel("training compute (log10 FLOP)")
    ax.set_xlabel("publication date")
    ax.set_title("Growth of frontier training compute")
    ax.legend(fontsize=7, loc="upper left")
    fig.text(0.01, -0.02, ATTRIBUTION, fontsize=7)
    return fig


def close(fig: Figure) -> None:
    plt.close(fig)
