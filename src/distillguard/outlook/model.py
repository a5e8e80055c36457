"""The outlook model: China's compute by channel, the US-China ratio and the lag.

Compute is counted as AI compute *added* each year, in millions of
H100-equivalents (M H100e/yr), the measure IFP uses for "compute gained
during 2026". Each Chinese channel starts from a 2026 level and grows at its
own rate; the levers scale the channels. The capability lag follows the
issue's formula: the months the frontier needs to grow by the compute ratio,
``12 * ln(ratio) / ln(frontier_growth)``, minus a fast-follower discount that
curbing distillation shrinks. The discount is calibrated so that today's
compute gap reproduces today's observed lag (see :mod:`distillguard.outlook.fit`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from distillguard.outlook.parameters import LEVER_SPECS, PARAMS, Param
from distillguard.outlook.scenario import Scenario

YEARS: tuple[int, ...] = (2026, 2027, 2028, 2029, 2030)
BASE_YEAR = 2026
FOCUS_YEAR = 2028
PERCENTILES = (10.0, 50.0, 90.0)
CHANNELS = ("licensed", "domestic", "smuggled", "remote")
# A floor so a scenario that closes every channel yields a huge, finite ratio.
_MIN_CHINA = 1e-9

Arr = NDArray[np.float64]


@dataclass(frozen=True)
class YearPaths:
    """Every quantity of one year, one value per draw."""

    year: int
    us: Arr
    channels: Mapping[str, Arr]
    ratio: Arr
    compute_lag: Arr
    discount: Arr
    lag: Arr

    @property
    def china(self) -> Arr:
        total: Arr = np.sum(np.stack([self.channels[c] for c in CHANNELS]), axis=0)
        return total


def simulate(values: Mapping[str, Arr], levers: Mapping[str, float],
             years: tuple[int, ...] = YEARS) -> dict[int, YearPaths]:
    """Run the model on given parameter values (arrays of equal length) and lever settings."""
    v = values
    lic_l = levers["export_licensing"]
    enf = levers["smuggling_enforcement"]
    rem = levers["remote_access_closure"]
    eqp = levers["equipment_controls"]
    dst = levers["distillation_curbs"]

    # Calibration: at the reference ratio the formula must give the observed lag.
    base_discount = np.maximum(
        0.0,
        12.0 * np.log(v["reference_ratio"]) / np.log(v["frontier_growth"])
        - v["observed_lag_months"],
    )
    discount = base_discount * (1.0 - v["distillation_share"] * dst * v["distillation_curb_effect"])
    open_ = v["licensed_open_2026"]
    closed = v["licensed_closed_2026"]
    out: dict[int, YearPaths] = {}
    for year in years:
        t = float(year - BASE_YEAR)
        us_scale = v["us_growth"] ** t
        us = v["us_compute_2026"] * us_scale
        # Blackwell-class exports track US vendors' output, so they grow with US
        # additions; under strict licensing the fixed thresholds set their own pace.
        strict = closed * v["licensed_closed_growth"] ** t
        licensed = strict + np.maximum(open_ * us_scale - strict, 0.0) * (1.0 - lic_l)
        # Equipment controls act on how fast domestic output can grow, not on 2026 stock.
        domestic = v["domestic_2026"] * v["domestic_growth"] ** (
            t * (1.0 - eqp * v["equipment_effect"]))
        smuggled = (v["smuggled_2026"] * v["smuggled_growth"] ** t
                    * (1.0 - enf * v["enforcement_effect"]))
        remote = (v["remote_2026"] * v["remote_growth"] ** t
                  * (1.0 - rem * v["remote_closure_effect"]))
        channels = {"licensed": licensed, "domestic": domestic,
                    "smuggled": smuggled, "remote": remote}
        china = np.maximum(licensed + domestic + smuggled + remote, _MIN_CHINA)
        ratio = us / china
        compute_lag = 12.0 * np.log(ratio) / np.log(v["frontier_growth"])
        out[year] = YearPaths(year, us, channels, ratio, compute_lag, discount,
                              compute_lag - discount)
    return out


def lag_months(ratio: float, frontier_growth: float, discount: float) -> float:
    """The lag formula on its own: months of frontier growth the ratio buys, less the discount."""
    return 12.0 * float(np.log(ratio)) / float(np.log(frontier_growth)) - discount


def sample(params: Mapping[str, Param], draws: int, seed: int) -> dict[str, Arr]:
    """Draw every parameter in catalogue order from one seeded generator."""
    rng = np.random.default_rng(seed)
    return {spec.name: params[spec.name].sample(rng, draws) for spec in PARAMS}


def point(params: Mapping[str, Param], override: Mapping[str, float] | None = None,
          where: str = "mode") -> dict[str, Arr]:
    vals = {spec.name: np.array([params[spec.name].at(where)]) for spec in PARAMS}
    for k, x in (override or {}).items():
        vals[k] = np.array([x])
    return vals


@dataclass(frozen=True)
class Band:
    p10: float
    p50: float
    p90: float

    @classmethod
    def of(cls, x: Arr) -> Band:
        p = np.percentile(x, PERCENTILES)
        return cls(float(p[0]), float(p[1]), float(p[2]))

    def rounded(self, nd: int = 2) -> dict[str, float]:
        return {"p10": round(self.p10, nd), "p50": round(self.p50, nd), "p90": round(self.p90, nd)}


@dataclass(frozen=True)
class YearSummary:
    year: int
    us: Band
    china: Band
    channels: Mapping[str, Band]
    ratio: Band
    compute_lag: Band
    discount: Band
    lag: Band


@dataclass(frozen=True)
class TornadoBar:
    """How far one input moves the focus-year lag between its two ends."""

    name: str
    kind: str  # "lever" or "parameter"
    status: str
    low_label: str
    high_label: str
    lag_at_low: float
    lag_at_high: float

    @property
    def swing(self) -> float:
        return abs(self.lag_at_high - self.lag_at_low)


@dataclass(frozen=True)
class OutlookResult:
    scenario: Scenario
    draws: int
    seed: int
    summaries: tuple[YearSummary, ...]
    paths: Mapping[int, YearPaths]
    tornado: tuple[TornadoBar, ...]
    tornado_baseline: float

    def year(self, year: int) -> YearSummary:
        for s in self.summaries:
            if s.year == year:
                return s
        raise KeyError(year)

    @property
    def top_lever(self) -> TornadoBar:
        return max((b for b in self.tornado if b.kind == "lever"), key=lambda b: b.swing)


def summarise(paths: Mapping[int, YearPaths]) -> tuple[YearSummary, ...]:
    return tuple(
        YearSummary(
            year=p.year, us=Band.of(p.us), china=Band.of(p.china),
            channels={c: Band.of(p.channels[c]) for c in CHANNELS},
            ratio=Band.of(p.ratio), compute_lag=Band.of(p.compute_lag),
            discount=Band.of(p.discount), lag=Band.of(p.lag),
        )
        for p in (paths[y] for y in sorted(paths))
    )


def tornado(scenario: Scenario, year: int = FOCUS_YEAR) -> tuple[tuple[TornadoBar, ...], float]:
    """One-at-a-time sensitivity of the ``year`` lag around the modes of every input.

    Levers swing between 0 (not pursued) and 1 (in full); parameters between
    their low and high ends. Bars come back widest first.
    """
    levers = {k: lv.value for k, lv in scenario.levers.items()}
    base_vals = point(scenario.params)

    def lag(vals: Mapping[str, Arr], lv: Mapping[str, float]) -> float:
        return float(simulate(vals, lv, (year,))[year].lag[0])

    baseline = lag(base_vals, levers)
    bars: list[TornadoBar] = []
    for name in LEVER_SPECS:
        lo = lag(base_vals, {**levers, name: 0.0})
        hi = lag(base_vals, {**levers, name: 1.0})
        bars.append(TornadoBar(name, "lever", "policy", "0 (not pursued)", "1 (in full)", lo, hi))
    for spec in PARAMS:
        p = scenario.params[spec.name]
        if p.fixed:
            continue
        lo = lag(point(scenario.params, {spec.name: p.low}), levers)
        hi = lag(point(scenario.params, {spec.name: p.high}), levers)
        bars.append(TornadoBar(spec.name, "parameter", p.status,
                               f"low {p.low:g}", f"high {p.high:g}", lo, hi))
    bars.sort(key=lambda b: (-b.swing, b.name))
    return tuple(bars), baseline


def run(scenario: Scenario, *, draws: int | None = None, seed: int | None = None,
        years: tuple[int, ...] = YEARS) -> OutlookResult:
    """Monte Carlo over every parameter's range, percentiles per year, and the tornado."""
    n = scenario.draws if draws is None else draws
    s = scenario.seed if seed is None else seed
    values = sample(scenario.params, n, s)
    paths = simulate(values, {k: lv.value for k, lv in scenario.levers.items()}, years)
    bars, baseline = tornado(scenario, FOCUS_YEAR if FOCUS_YEAR in years else years[0])
    return OutlookResult(scenario, n, s, summarise(paths), paths, bars, baseline)
