"""Scenario files: built-ins are complete and sourced; errors name file, line and field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from distillguard.outlook import ScenarioError, builtin_names, load_scenario, parse_scenario
from distillguard.outlook.parameters import LEVERS, PARAMS, Param
from distillguard.schema.errors import NotFoundError


def test_builtins_are_the_two_paper_scenarios_and_complete() -> None:
    assert builtin_names() == ["neck-and-neck", "us-leads"]
    for name in builtin_names():
        sc = load_scenario(name)
        assert set(sc.params) == {p.name for p in PARAMS}
        assert set(sc.levers) == {lv.name for lv in LEVERS}
        for p in sc.params.values():
            assert p.status in ("sourced", "derived", "assumed")
            assert p.source, p.name
            if p.status == "assumed":
                assert p.source.startswith("assumed"), p.name
            assert p.line is not None


def test_builtins_share_one_world_and_differ_only_in_levers() -> None:
    a, b = load_scenario("us-leads"), load_scenario("neck-and-neck")
    strip = lambda sc: {k: (p.low, p.mode, p.high, p.status, p.source)  # noqa: E731
                        for k, p in sc.params.items()}
    assert strip(a) == strip(b)
    assert {k: v.value for k, v in a.levers.items()} != {k: v.value for k, v in b.levers.items()}


BAD = """\
name: broken
base: us-leads
levers:
  export_licensing: 1.5
  warp_drive: 1
parameters:
  us_growth:
    low: 3
    mode: 2
    high: 2.5
    status: sourced
    source: ""
  remote_2026:
    low: 0.1
    mode: 0.2
    high: 0.3
    unit: GW
    status: guessed
extra: 1
"""


def test_errors_carry_file_line_and_field_all_at_once(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BAD)
    with pytest.raises(ScenarioError) as ei:
        load_scenario(str(path))
    err = ei.value
    got = {(p["line"], p["field"]) for p in err.details["problems"]}
    assert (4, "levers.export_licensing") in got
    assert (5, "levers.warp_drive") in got
    assert (7, "parameters.us_growth") in got  # low > mode
    assert (12, "parameters.us_growth.source") in got
    assert (17, "parameters.remote_2026.unit") in got
    assert (18, "parameters.remote_2026.status") in got
    assert (19, "extra") in got
    assert str(path) in err.message and err.details["source"] == str(path)
    assert err.to_dict()["error"]["code"] == "invalid_scenario"


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nlevers:\n  a: [1, 2\n  b: 3\n")
    with pytest.raises(ScenarioError) as ei:
        load_scenario(str(path))
    assert ei.value.problems[0].line is not None and ei.value.problems[0].line >= 3


def test_missing_parameters_and_levers_are_errors() -> None:
    with pytest.raises(ScenarioError) as ei:
        parse_scenario("name: empty\nlevers:\n  export_licensing: 1\n", "empty.yaml")
    fields = {p.field for p in ei.value.problems}
    assert "parameters.frontier_growth" in fields and "levers.distillation_curbs" in fields
    assert "levers.export_licensing" not in fields


def test_user_scenario_inherits_a_builtin_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: mine\nbase: us-leads\nseed: 5\nlevers:\n  export_licensing: 0\n"
        "parameters:\n  smuggled_2026:\n    low: 0.1\n    mode: 0.4\n    high: 1.0\n"
        "    status: assumed\n    source: 'assumed: a worse smuggling year'\n"
    )
    sc = load_scenario(str(path))
    base = load_scenario("us-leads")
    assert sc.levers["export_licensing"].value == 0.0
    assert sc.levers["smuggling_enforcement"].value == base.levers["smuggling_enforcement"].value
    assert sc.params["smuggled_2026"].mode == 0.4 and sc.seed == 5
    assert sc.params["frontier_growth"] == base.params["frontier_growth"]
    assert sc.lineage and sc.lineage[-1].endswith("us-leads.yaml")


@pytest.mark.parametrize("param,entry,needle", [
    ("smuggled_2026", "low: 0.1\n    mode: 0.4\n    high: .inf", "high: must be a finite number"),
    ("smuggled_2026", "low: .nan\n    mode: 0.4\n    high: 1.0", "low: must be a finite number"),
    ("us_compute_2026", "low: 0\n    mode: 0\n    high: 0", "low: must be >= 0.001"),
])
def test_infinite_or_zero_values_that_would_print_nan_are_errors(
        tmp_path: Path, param: str, entry: str, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"name: bad\nbase: us-leads\nparameters:\n  {param}:\n    {entry}\n"
                    "    status: assumed\n    source: 'assumed'\n")
    with pytest.raises(ScenarioError) as ei:
        load_scenario(str(path))
    assert needle in str(ei.value) and "bad.yaml:" in str(ei.value)


def test_base_cycle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("base: b.yaml\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(str(tmp_path / "a.yaml"))


def test_unknown_scenario_lists_builtins() -> None:
    with pytest.raises(NotFoundError) as ei:
        load_scenario("no-such-scenario")
    assert ei.value.details["builtins"] == ["neck-and-neck", "us-leads"]


triple = st.tuples(st.floats(0.01, 100.0), st.floats(0.01, 100.0), st.floats(0.01, 100.0)).map(
    sorted)


@given(t=triple, dist=st.sampled_from(["triangular", "log-triangular", "uniform"]),
       seed=st.integers(0, 2**32))
def test_samples_stay_in_range_and_rise_with_the_uniform(
    t: list[float], dist: str, seed: int
) -> None:
    lo, mo, hi = t
    p = Param("x", lo, mo, hi, "assumed", "assumed", dist)
    x = p.sample(np.random.default_rng(seed), 200)
    assert np.all(x >= lo * (1 - 1e-9)) and np.all(x <= hi * (1 + 1e-9))
    u = np.random.default_rng(seed).random(200)
    order = np.argsort(u)
    if lo < hi:
        assert np.all(np.diff(x[order]) >= -1e-9 * hi)


lever_values = st.floats(-1.0, 2.0, allow_nan=False)


@given(values=st.lists(lever_values, min_size=5, max_size=5))
@example(values=[1e-05, 0.5, 0.5, 0.5, 0.5])  # YAML 1.1 reads "1e-05" as a string
@settings(max_examples=40)
def test_lever_values_round_trip_or_fail_with_their_line(values: list[float]) -> None:
    names = [lv.name for lv in LEVERS]
    text = "base: us-leads\nlevers:\n" + "".join(
        f"  {n}: {v!r}\n" for n, v in zip(names, values, strict=True))
    bad = [i for i, v in enumerate(values) if not 0.0 <= v <= 1.0]
    if not bad:
        sc = parse_scenario(text, "fuzz.yaml")
        assert [sc.levers[n].value for n in names] == values
        return
    with pytest.raises(ScenarioError) as ei:
        parse_scenario(text, "fuzz.yaml")
    assert sorted(p.line for p in ei.value.problems) == [3 + i for i in bad]


@given(text=st.text(max_size=200))
def test_arbitrary_text_never_crashes_the_parser(text: str) -> None:
    try:
        parse_scenario(text, "fuzz.yaml")
    except ScenarioError as exc:
        assert exc.problems and exc.details["source"] == "fuzz.yaml"
