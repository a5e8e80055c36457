"""The attestation drawn on a plain longitude/latitude plot: landmarks, each
landmark's distance bound as a geodesic circle, the feasible region, the
declared site and (when known, as in trials) the true site. No basemap: the
picture must be drawable offline, and the circles are what matter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from distillguard.diversion.attest import Attestation
from distillguard.diversion.geo import HALF_CIRCUMFERENCE_KM, destination

_COLOURS = {"consistent": "tab:green", "impossible": "tab:red", "unverifiable": "tab:orange"}


def draw(
    result: Attestation,
    path: Path,
    *,
    true_site: tuple[float, float] | None = None,
    title: str = "",
    circles: int = 12,
) -> Path:
    """Write the picture of ``result`` to ``path`` (PNG or SVG by extension)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=110)
    lat0, lon0 = result.declared
    tight = sorted(result.constraints, key=lambda c: c.bound_km)[:circles]
    span = 15.0
    for c in tight:
        r = min(c.bound_km, HALF_CIRCUMFERENCE_KM)
        la, lo = destination(
            c.landmark.lat, c.landmark.lon, np.linspace(0, 360, 181), np.full(181, r)
        )
        # Break the line where it wraps around the antimeridian.
        lo = np.where(np.abs(np.diff(lo, prepend=lo[0])) > 180, np.nan, lo)
        ax.plot(lo, la, lw=0.8, alpha=0.6, color="tab:blue")
        ax.plot(c.landmark.lon, c.landmark.lat, "^", color="tab:blue", ms=5)
        ax.annotate(
            f"{c.landmark.id} {c.rtt_ms:.1f} ms",
            (c.landmark.lon, c.landmark.lat),
            fontsize=6,
            xytext=(3, 3),
            textcoords="offset points",
        )
    if not result.region.empty:
        ax.scatter(
            result.region.lon,
            result.region.lat,
            s=2,
            color="tab:purple",
            alpha=0.35,
            label="feasible region",
        )
        span = max(
            span, float(np.ptp(result.region.lon)) / 2 + 5, float(np.ptp(result.region.lat)) / 2 + 5
        )
    ax.plot(
        lon0,
        lat0,
        "*",
        ms=14,
        color=_COLOURS.get(result.verdict, "k"),
        markeredgecolor="k",
        label=f"declared site: {result.verdict}",
    )
    if true_site is not None:
        ax.plot(true_site[1], true_site[0], "x", ms=10, color="k", label="true site")
        span = max(span, abs(true_site[1] - lon0) + 5, abs(true_site[0] - lat0) + 5)
    if result.estimate is not None:
        ax.plot(
            result.estimate[1],
            result.estimate[0],
            "o",
            ms=6,
            mfc="none",
            color="k",
            label="estimate (region centre)",
        )
    ax.set_xlim(max(-180, lon0 - span), min(180, lon0 + span))
    ax.set_ylim(max(-90, lat0 - span * 0.6), min(90, lat0 + span * 0.6))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect(1.0 / max(0.2, np.cos(np.radians(lat0))))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=7)
    ax.set_title(
        title or f"{result.verdict}: region within {result.radius_km:,.0f} km of the declared site"
        if result.verdict != "impossible"
        else title or "impossible: answers too fast for the declared site",
        fontsize=9,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
