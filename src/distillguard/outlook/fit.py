"""Growth of frontier training compute, and the fast-follower discount it implies.

Frontier models follow Epoch AI's working definition: a model is at the
frontier if, when published, it is among the ``top_n`` most compute-intensive
models published so far. ``log10(compute)`` is regressed on the publication
date (ordinary least squares); the yearly growth factor is ``10**slope`` and
its confidence interval comes from a seeded bootstrap over the frontier models.

Calibration: at each quarter since ``calibrate_since`` the most
compute-intensive Chinese model so far is placed against the frontier trend;
the months of frontier growth separating them is the *compute gap*. Chinese
models' *capability* lag is observed to be shorter (about 7 months, 4-14,
per Epoch AI's Capabilities Index), and the difference is the fast-follower
discount the outlook subtracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from distillguard.outlook.models_data import ModelRecord, ModelsData
from distillguard.schema.errors import InputError

OBSERVED_LAG = (4.0, 7.0, 14.0)
OBSERVED_LAG_SOURCE = (
    "Epoch AI, Epoch Capabilities Index (ECI): since 2023 Chinese models trail the US "
    "frontier by 7 months on average, range 4-14 (US-China ECI comparison, early 2026)"
)


@dataclass(frozen=True)
class GrowthFit:
    growth: float
    ci_low: float
    ci_high: float
    ci_level: float
    slope: float  # log10 FLOP per year
    intercept: float
    n_models: int
    since: date
    top_n: int
    bootstrap: int
    seed: int
    r2: float
    frontier: tuple[ModelRecord, ...]

    @property
    def doubling_months(self) -> float:
        return 12.0 * float(np.log(2.0) / np.log(self.growth))

    def trend_log10(self, year: float) -> float:
        return self.intercept + self.slope * year


@dataclass(frozen=True)
class GapPoint:
    quarter_end: date
    leader: str
    leader_log10: float
    gap_months: float


@dataclass(frozen=True)
class Calibration:
    since: date
    points: tuple[GapPoint, ...]
    gap_low: float
    gap_mean: float
    gap_high: float
    observed_lag: tuple[float, float, float]
    discount_mean: float

    def discount_at(self, ratio: float, growth: float) -> float:
        """The discount that makes a compute ratio ``ratio`` give the observed mean lag."""
        return max(0.0, 12.0 * float(np.log(ratio) / np.log(growth)) - self.observed_lag[1])

    @property
    def discount_range(self) -> tuple[float, float]:
        """Widest honest range: smallest gap against the longest lag, and the reverse."""
        return (max(0.0, self.gap_low - self.observed_lag[2]),
                max(0.0, self.gap_high - self.observed_lag[0]))


def frontier_models(data: ModelsData, top_n: int, since: date) -> list[ModelRecord]:
    """Models that were in the top ``top_n`` by compute when published, from ``since`` on."""
    out: list[ModelRecord] = []
    seen: list[float] = []
    for rec in data.records:  # sorted by date
        above = sum(1 for c in seen if c > rec.compute_flop)
        seen.append(rec.compute_flop)
        if above < top_n and rec.published >= since:
            out.append(rec)
    return out


def _ols(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, float]:
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (y - ym)).sum()) / sxx
    return slope, float(ym - slope * xm)


def fit_growth(data: ModelsData, *, since: date = date(2018, 1, 1), top_n: int = 10,
               bootstrap: int = 2000, seed: int = 0, ci: float = 0.95) -> GrowthFit:
    if not 0.5 <= ci < 1.0:
        raise InputError(f"confidence level must be in [0.5, 1), got {ci}", details={"ci": ci})
    if top_n < 1 or bootstrap < 100:
        raise InputError("need top_n >= 1 and bootstrap >= 100",
                         details={"top_n": top_n, "bootstrap": bootstrap})
    front = frontier_models(data, top_n, since)
    if len(front) < 5:
        raise InputError(
            f"{data.source}: only {len(front)} frontier models since {since}; need at least 5",
            details={"source": data.source, "since": since.isoformat()},
        )
    x = np.array([r.year for r in front])
    y = np.log10(np.array([r.compute_flop for r in front]))
    if float(np.ptp(x)) == 0.0:
        raise InputError(f"{data.source}: all frontier models share one date; cannot fit a trend",
                         details={"source": data.source})
    slope, intercept = _ols(x, y)
    resid = y - (intercept + slope * x)
    r2 = 1.0 - float((resid**2).sum()) / float(((y - y.mean()) ** 2).sum())
    rng = np.random.default_rng(seed)
    slopes = np.empty(bootstrap)
    n = len(front)
    for i in range(bootstrap):
        idx = rng.integers(0, n, n)
        xb = x[idx]
        # A resample with a single date has no slope; draw again rather than bias the CI.
        while float(np.ptp(xb)) == 0.0:
            idx = rng.integers(0, n, n)
            xb = x[idx]
        slopes[i] = _ols(xb, y[idx])[0]
    tail = (1.0 - ci) / 2.0 * 100.0
    lo, hi = np.percentile(slopes, [tail, 100.0 - tail])
    return GrowthFit(
        growth=float(10**slope), ci_low=float(10**lo), ci_high=float(10**hi), ci_level=ci,
        slope=slope, intercept=intercept, n_models=n, since=since, top_n=top_n,
        bootstrap=bootstrap, seed=seed, r2=r2, frontier=tuple(front),
    )


def _quarter_ends(start: date, end: date) -> list[date]:
    out = []
    y, q = start.year, (start.month - 1) // 3
    while True:
        month = 3 * (q + 1)
        last = date(y + (month == 12), 1 if month == 12 else month + 1, 1)
        qe = date.fromordinal(last.toordinal() - 1)
        if qe > end:
            break
        if qe >= start:
            out.append(qe)
        q += 1
        if q == 4:
            y, q = y + 1, 0
    return out


def calibrate(data: ModelsData, fit: GrowthFit, *, since: date = date(2023, 1, 1),
              observed_lag: tuple[float, float, float] = OBSERVED_LAG) -> Calibration:
    chinese = [r for r in data.records if r.chinese]
    if not chinese:
        raise InputError(f"{data.source}: no models from China; cannot calibrate the discount",
                         details={"source": data.source})
    last = max(r.published for r in data.records)
    points: list[GapPoint] = []
    for qe in _quarter_ends(since, last):
        upto = [r for r in chinese if r.published <= qe]
        if not upto:
            continue
        leader = max(upto, key=lambda r: r.compute_flop)
        t = qe.year + (qe.timetuple().tm_yday - 1) / 365.25
        lc = float(np.log10(leader.compute_flop))
        gap = 12.0 * (fit.trend_log10(t) - lc) / fit.slope
        points.append(GapPoint(qe, leader.name, lc, gap))
    if not points:
        raise InputError(f"{data.source}: no Chinese model published by the end of any quarter "
                         f"since {since}", details={"source": data.source})
    gaps = np.array([p.gap_months for p in points])
    mean = float(gaps.mean())
    return Calibration(since, tuple(points), float(gaps.min()), mean, float(gaps.max()),
                       observed_lag, max(0.0, mean - observed_lag[1]))
