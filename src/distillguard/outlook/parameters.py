"""What the outlook model is made of: uncertain parameters and policy levers.

A parameter is a range (low, mode, high) with a distribution and a provenance
(``sourced`` from a named public estimate, ``derived`` by arithmetic from such
estimates, or ``assumed``). A lever is a policy choice in [0, 1] that a
scenario sets. The catalogues below are the one place that says which
parameters and levers exist, so a scenario file missing one or naming an
unknown one is an error, not a silent default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

STATUSES = ("sourced", "derived", "assumed")
DISTS = ("triangular", "log-triangular", "uniform")


@dataclass(frozen=True)
class ParamSpec:
    """What a parameter means; the catalogue entry a scenario value must match."""

    name: str
    unit: str
    meaning: str
    lower_bound: float = 0.0
    upper_bound: float | None = None


@dataclass(frozen=True)
class LeverSpec:
    name: str
    meaning: str


@dataclass(frozen=True)
class Param:
    """One uncertain input of a scenario, with its range and where it comes from."""

    name: str
    low: float
    mode: float
    high: float
    status: str
    source: str
    dist: str = "triangular"
    unit: str = ""
    line: int | None = None

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    def sample(self, rng: np.random.Generator, n: int) -> NDArray[np.float64]:
        """Draw ``n`` values; always consumes the generator the same way for a given ``n``.

        Common random numbers matter here: two scenarios run with one seed see
        the same uniform draws, so differences between them come from the
        levers and ranges, not from sampling noise.
        """
        u = rng.random(n)
        if self.fixed:
            return np.full(n, self.low)
        if self.dist == "uniform":
            return self.low + u * (self.high - self.low)
        if self.dist == "log-triangular":
            lo, mo, hi = np.log(self.low), np.log(self.mode), np.log(self.high)
            return np.exp(_triangular_ppf(u, lo, mo, hi))
        return _triangular_ppf(u, self.low, self.mode, self.high)

    def at(self, where: str) -> float:
        return {"low": self.low, "mode": self.mode, "high": self.high}[where]


def _triangular_ppf(
    u: NDArray[np.float64], lo: float, mo: float, hi: float
) -> NDArray[np.float64]:
    """Inverse CDF of the triangular distribution (monotone in ``u``)."""
    span = hi - lo
    cut = (mo - lo) / span
    left = lo + np.sqrt(u * span * (mo - lo))
    right = hi - np.sqrt((1.0 - u) * span * (hi - mo))
    return np.where(u < cut, left, right)


@dataclass(frozen=True)
class Lever:
    """A policy choice: 0 means not pursued, 1 means pursued in full."""

    name: str
    value: float
    note: str = ""
    line: int | None = None


PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec("frontier_growth", "x/yr",
              "Yearly growth factor of frontier training compute", lower_bound=1.0001),
    # Positive: the compute ratio and its logarithm are taken of it.
    ParamSpec("us_compute_2026", "M H100e/yr", "AI compute the US adds in 2026",
              lower_bound=0.001),
    ParamSpec("us_growth", "x/yr", "Yearly growth of US AI compute additions", lower_bound=1.0),
    ParamSpec("licensed_open_2026", "M H100e/yr",
              "Licensed imports to China in 2026 if Blackwell-class exports are allowed"),
    ParamSpec("licensed_closed_2026", "M H100e/yr",
              "Licensed imports to China in 2026 under strict licensing"),
    ParamSpec("licensed_closed_growth", "x/yr",
              "Yearly growth of licensed imports under strict licensing", lower_bound=0.1),
    ParamSpec("domestic_2026", "M H100e/yr",
              "Chinese domestic AI chip output in 2026 (Huawei Ascend and others)",
              lower_bound=0.001),
    ParamSpec("domestic_growth", "x/yr", "Yearly growth of Chinese domestic AI chip output",
              lower_bound=1.0),
    ParamSpec("smuggled_2026", "M H100e/yr", "Export-controlled chips smuggled into China in 2026"),
    ParamSpec("smuggled_growth", "x/yr", "Yearly growth of smuggling absent new enforcement",
              lower_bound=1.0),
    ParamSpec("remote_2026", "M H100e/yr",
              "Overseas data-centre compute rented by Chinese labs in 2026"),
    ParamSpec("remote_growth", "x/yr", "Yearly growth of remote access", lower_bound=1.0),
    ParamSpec("enforcement_effect", "fraction",
              "Share of smuggling stopped by full enforcement", upper_bound=1.0),
    ParamSpec("remote_closure_effect", "fraction",
              "Share of remote access stopped by closing the loophole in full", upper_bound=1.0),
    ParamSpec("equipment_effect", "fraction",
              "Share of domestic output growth (in log terms) removed by full equipment controls",
              upper_bound=1.0),
    ParamSpec("reference_ratio", "x",
              "US:China compute ratio while the observed lag was measured (2023-2025)",
              lower_bound=1.0),
    ParamSpec("observed_lag_months", "months",
              "Observed capability lag of Chinese models behind the US frontier"),
    ParamSpec("distillation_share", "fraction",
              "Share of the fast-follower discount owed to distillation", upper_bound=1.0),
    ParamSpec("distillation_curb_effect", "fraction",
              "Share of distillation harvesting stopped by full curbs", upper_bound=1.0),
)

LEVERS: tuple[LeverSpec, ...] = (
    LeverSpec("export_licensing",
              "0: Blackwell-class chips licensed to China; 1: strict licensing"),
    LeverSpec("smuggling_enforcement", "Chip tracking, end-use checks, BIS enforcement capacity"),
    LeverSpec("remote_access_closure", "Know-your-customer rules for overseas data centres"),
    LeverSpec("equipment_controls", "Controls on chipmaking equipment and servicing"),
    LeverSpec("distillation_curbs", "Detecting and blocking distillation campaigns at the API"),
)

PARAM_SPECS: Mapping[str, ParamSpec] = {p.name: p for p in PARAMS}
LEVER_SPECS: Mapping[str, LeverSpec] = {lv.name: lv for lv in LEVERS}
