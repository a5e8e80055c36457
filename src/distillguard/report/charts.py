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
    ax.axvline(review, color="#e0a030", linestyle="--", linewidth=1)
    ax.axvline(block, color="#c0392b", linestyle="--", linewidth=1)
    ax.set_yscale("symlog")
    ax.set_xlabel("risk")
    ax.set_ylabel("accounts")
    ax.legend(frameon=False)
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
    ax.legend(frameon=False, fontsize=8)
    return _png(fig)


def campaign_graph(n: int, edges: Sequence[tuple[int, int, float]], risk: np.ndarray,
                   title: str) -> str:
    """Members as nodes (colour = risk), shared-attribute ties as edges (width = weight)."""
    import igraph as ig

    g = ig.Graph(n=n, edges=[(a, b) for a, b, _ in edges])
    coords = np.asarray(g.layout_fruchterman_reingold(niter=300, seed=None).coords) \
        if edges else np.column_stack([np.cos(np.arange(n)), np.sin(np.arange(n))])
    fig = Figure(figsize=(3.6, 3.2))
    ax = fig.add_subplot()
    wmax = max((w for _, _, w in edges), default=1.0)
    if edges:
        from matplotlib.collections import LineCollection

        segs = [((coords[a, 0], coords[a, 1]), (coords[b, 0], coords[b, 1])) for a, b, _ in edges]
        ax.add_collection(LineCollection(segs, colors="#888888", alpha=0.5, zorder=1,
                                         linewidths=[0.3 + 1.5 * w / wmax for _, _, w in edges]))
    sc = ax.scatter(coords[:, 0], coords[:, 1], c=risk, cmap="RdYlGn_r", vmin=0, vmax=1,
                    s=40, edgecolors="black", linewidths=0.4, zorder=2)
    fig.colorbar(sc, ax=ax, fraction=0.046, pad=0.02, label="risk")
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()
    return _png(fig)
