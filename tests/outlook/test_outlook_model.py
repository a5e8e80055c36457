"""Model invariants: enforcement never shortens the lag, ratio 1 leaves the discount, seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.outlook import YEARS, lag_months, load_scenario, run, simulate
from distillguard.outlook.model import point, sample
from distillguard.outlook.parameters import LEVERS

LEVER_NAMES = [lv.name for lv in LEVERS]
unit = st.floats(0.0, 1.0, allow_nan=False)


@given(growth=st.floats(1.01, 20.0), discount=st.floats(0.0, 60.0))
def test_ratio_one_leaves_only_the_discount_formula(growth: float, discount: float) -> None:
    assert lag_months(1.0, growth, discount) == pytest.approx(-discount, abs=1e-9)


@given(ratio=st.floats(1.0, 1e4), growth=st.floats(1.01, 20.0))
def test_lag_without_discount_is_months_of_frontier_growth(ratio: float, growth: float) -> None:
    # After the lag, the frontier has grown by exactly the ratio.
    months = lag_months(ratio, growth, 0.0)
    assert growth ** (months / 12.0) == pytest.approx(ratio, rel=1e-9)


@given(levers=st.lists(unit, min_size=5, max_size=5))
@settings(max_examples=30)
def test_ratio_one_in_the_full_model_leaves_only_the_discount(levers: list[float]) -> None:
    sc = load_scenario("us-leads")
    lv = dict(zip(LEVER_NAMES, levers, strict=True))
    vals = point(sc.params)
    china_2026 = simulate(vals, lv, (2026,))[2026].china
    vals["us_compute_2026"] = china_2026
    p = simulate(vals, lv, (2026,))[2026]
    assert p.ratio[0] == pytest.approx(1.0)
    assert p.lag[0] == pytest.approx(-p.discount[0], abs=1e-9)


@given(
    low=st.lists(unit, min_size=5, max_size=5),
    bump=st.lists(unit, min_size=5, max_size=5),
    seed=st.integers(0, 2**32),
    name=st.sampled_from(["us-leads", "neck-and-neck"]),
)
@settings(max_examples=40)
def test_more_enforcement_never_shortens_the_lag(
    low: list[float], bump: list[float], seed: int, name: str
) -> None:
    sc = load_scenario(name)
    vals = sample(sc.params, 300, seed)
    a = dict(zip(LEVER_NAMES, low, strict=True))
    b = {k: min(1.0, a[k] + d) for k, d in zip(LEVER_NAMES, bump, strict=True)}
    pa, pb = simulate(vals, a), simulate(vals, b)
    for y in YEARS:
        # Draw by draw, not just in the percentiles: the same world with more policy.
        assert np.all(pb[y].lag >= pa[y].lag - 1e-9)
        assert np.all(pb[y].ratio >= pa[y].ratio * (1 - 1e-12))
        for q in (10, 50, 90):
            assert np.percentile(pb[y].lag, q) >= np.percentile(pa[y].lag, q) - 1e-9


@pytest.mark.parametrize("lever", LEVER_NAMES)
def test_each_lever_alone_lengthens_the_2028_lag_in_both_scenarios(lever: str) -> None:
    for name in ("us-leads", "neck-and-neck"):
        sc = load_scenario(name)
        off = run(sc.with_levers(**{lever: 0.0}), draws=500, seed=3).year(2028).lag.p50
        on = run(sc.with_levers(**{lever: 1.0}), draws=500, seed=3).year(2028).lag.p50
        assert on > off, (name, lever)


def test_same_seed_same_result_and_other_seed_differs() -> None:
    sc = load_scenario("us-leads")
    a, b = run(sc, draws=1000, seed=7), run(sc, draws=1000, seed=7)
    c = run(sc, draws=1000, seed=8)
    for y in YEARS:
        assert np.array_equal(a.paths[y].lag, b.paths[y].lag)
        assert np.array_equal(a.paths[y].ratio, b.paths[y].ratio)
    assert not np.array_equal(a.paths[2028].lag, c.paths[2028].lag)
    assert a.summaries == b.summaries


def test_percentiles_are_ordered_and_the_us_lead_scenario_leads() -> None:
    us = run(load_scenario("us-leads"), draws=2000, seed=1)
    nn = run(load_scenario("neck-and-neck"), draws=2000, seed=1)
    for r in (us, nn):
        for s in r.summaries:
            assert s.lag.p10 <= s.lag.p50 <= s.lag.p90
            assert s.ratio.p10 <= s.ratio.p50 <= s.ratio.p90
    # Same draws, stronger policy: every year's whole band sits higher.
    for a, b in zip(us.summaries, nn.summaries, strict=True):
        assert a.lag.p10 > b.lag.p10 and a.lag.p90 > b.lag.p90


def test_discount_is_calibrated_to_the_observed_lag() -> None:
    sc = load_scenario("neck-and-neck")
    vals = point(sc.params)
    lv = {k: 0.0 for k in LEVER_NAMES}
    p = simulate(vals, lv, (2026,))[2026]
    ref = float(vals["reference_ratio"][0])
    g = float(vals["frontier_growth"][0])
    # At the reference ratio the formula reproduces the observed lag.
    assert lag_months(ref, g, float(p.discount[0])) == pytest.approx(
        float(vals["observed_lag_months"][0]))
    assert 12 * math.log(ref) / math.log(g) > float(vals["observed_lag_months"][0])


def test_tornado_names_a_lever_and_the_baseline_matches_the_modes() -> None:
    r = run(load_scenario("us-leads"), draws=200, seed=0)
    assert r.top_lever.kind == "lever"
    widths = [b.swing for b in r.tornado]
    assert widths == sorted(widths, reverse=True)
    sc = r.scenario
    modes = simulate(point(sc.params), {k: v.value for k, v in sc.levers.items()}, (2028,))
    assert r.tornado_baseline == pytest.approx(float(modes[2028].lag[0]))
