"""Charts of the report, drawn with matplotlib's object API (no global pyplot state)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

COLORS = {"allow": "#4c9a6a", "review": "#e0a030", "block": "#c0392b"}


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def risk_histogram(risk: np.ndarray, verdicts: Sequence[str], review: float,
                   block: float) -> str:
    fig = Figure(figsize=(7, 3))
    ax = fig.add_subplot()
    bins = [i / 40 for i in range(41)]
    v = np.asarray(verdicts)
    data = [risk[v == name] for name in COLORS]
    ax.hist(data, bins=bins, stacked=True, color=list(COLORS.values()), label=list(COLORS))
    # Counts span a few flagged accounts and thousands of ordinary ones: a log axis, with
    # the thresholds named and the legend below the plot, not over the bars.
    ax.set_yscale("log")
    ax.set_ylim(bottom=0.8)
    ax.axvline(review, color="#e0a030", linestyle="--", linewidth=1, label=f"review {review}")
    ax.axvline(block, color="#c0392b", linestyle="--", linewidth=1, label=f"block {block}")
    ax.set_xlim(0, 1)
    ax.set_xlabel("risk")
    ax.set_ylabel("accounts (log scale)")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=5,
              fontsize=8)
    return _png(fig)


def timeline(days: Sequence[str], series: dict[str, np.ndarray]) -> str:
    fig = Figure(figsize=(9, 3))
    ax = fig.add_subplot()
    x = np.arange(len(days))
    bottom = np.zeros(len(days))
    for name, color in COLORS.items():
        y = series.get(name, np.zeros(len(days)))
        ax.bar(x, y, bottom=bottom, color=color, label=f"{name} accounts", width=0.9)
        bottom = bottom + y
    step = max(1, len(days) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels([d for d in days][::step], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("events per day")
    ax.legend(frameon=False, fontsize=8, loc="upper left")  # "best" warns when slow
    return _png(fig)


#: Edge colour by what a tie is made of (the strongest part of it).
TIE_COLORS = {"infrastructure": "#8e44ad", "scaffolding": "#2471a3", "timing": "#17a589",
              "other": "#999999"}


def campaign_graph(n: int, edges: Sequence[tuple[int, int, float, str]], risk: np.ndarray,
                   title: str, labels: Sequence[str] = ()) -> str:
    """Members as nodes (colour = risk, labelled with a short id when few), ties as edges
    (colour = what the tie is made of, width = weight), with a legend."""
    import igraph as ig

    g = ig.Graph(n=n, edges=[(a, b) for a, b, _, _ in edges])
    coords = np.asarray(g.layout_fruchterman_reingold(niter=300, seed=None).coords) \
        if edges else np.column_stack([np.cos(np.arange(n)), np.sin(np.arange(n))])
    fig = Figure(figsize=(3.6, 3.2))
    ax = fig.add_subplot()
    wmax = max((w for _, _, w, _ in edges), default=1.0)
    if edges:
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D

        segs = [((coords[a, 0], coords[a, 1]), (coords[b, 0], coords[b, 1]))
                for a, b, _, _ in edges]
        ax.add_collection(LineCollection(
            segs, colors=[TIE_COLORS.get(k, TIE_COLORS["other"]) for *_, k in edges],
            alpha=0.6, zorder=1, linewidths=[0.3 + 1.5 * w / wmax for _, _, w, _ in edges]))
        seen = [k for k in TIE_COLORS if any(e[3] == k for e in edges)]
        ax.legend([Line2D([0], [0], color=TIE_COLORS[k]) for k in seen],
                  [f"tie: {k}" for k in seen], loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  ncol=2, fontsize=7, frameon=False)
    sc = ax.scatter(coords[:, 0], coords[:, 1], c=risk, cmap="RdYlGn_r", vmin=0, vmax=1,
                    s=40, edgecolors="black", linewidths=0.4, zorder=2)
    if labels and n <= 30:
        for i, text in enumerate(labels[:n]):
            ax.annotate(text, (coords[i, 0], coords[i, 1]), fontsize=6, xytext=(3, 3),
                        textcoords="offset points", zorder=3)
    fig.colorbar(sc, ax=ax, fraction=0.046, pad=0.02, label="account risk")
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()
    return _png(fig)
