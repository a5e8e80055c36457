"""Fitting the review flags' weights: non-negative whatever the data, a flag seen only
in diversions weighs more than one seen everywhere, and the fit is a --flags file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.diversion import load_flags
from distillguard.diversion.weights import fit_flag_weights
from distillguard.schema.errors import InputError

FLAGS = ["a", "b", "c"]


def _set() -> list[tuple[frozenset[str], bool]]:
    # "a" only in diversions, "b" in half of everything, "c" never.
    out = []
    for i in range(12):
        out.append((frozenset({"a"} | ({"b"} if i % 2 else set())), True))
        out.append((frozenset({"b"} if i % 2 else set()), False))
    return out


def test_informative_flag_outweighs_uninformative_one() -> None:
    fw = fit_flag_weights(_set(), FLAGS, lambdas=(0.1,))
    w = fw.weights()
    assert w["a"] > 1.0  # alone it holds (p >= 0.5)
    assert w["b"] < 0.1 and w["c"] == 0.0
    review, hold = fw.thresholds()
    assert 0.0 <= review <= hold == 1.0


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.sets(st.sampled_from(FLAGS)), st.booleans()), min_size=4,
                max_size=12).filter(lambda xs: len({y for _, y in xs}) == 2))
def test_weights_are_never_negative(data: list[tuple[set[str], bool]]) -> None:
    fw = fit_flag_weights([(frozenset(f), y) for f, y in data], FLAGS, lambdas=(0.3,))
    assert all(c >= 0.0 and math.isfinite(c) for c in fw.coef)
    assert all(w >= 0.0 for w in fw.weights().values())


def test_one_label_or_unknown_flag_is_an_error() -> None:
    with pytest.raises(InputError):
        fit_flag_weights([(frozenset({"a"}), True)] * 3, FLAGS)
    with pytest.raises(InputError, match="zzz"):
        fit_flag_weights([(frozenset({"zzz"}), True), (frozenset(), False)], FLAGS)


def test_fitted_weights_load_as_a_flag_file(tmp_path: Path) -> None:
    cfg = load_flags()
    flags = list(cfg.flags)
    data = [(frozenset({"site_power_cooling", "new_buyer_post_2022"}), True)] * 4 + [
        (frozenset({"new_buyer_post_2022"}), False)] * 4 + [(frozenset(), False)] * 4
    fw = fit_flag_weights(data, flags, lambdas=(0.1,))
    holds = [f for f, s in cfg.flags.items() if s.severity == "hold"]
    path = tmp_path / "fitted.yaml"
    path.write_text(fw.to_yaml(holds), encoding="utf-8")
    fitted = load_flags(str(path))
    assert fitted.flags["site_power_cooling"].weight == pytest.approx(
        min(fw.weights()["site_power_cooling"], 10.0))
    assert fitted.flags["listed_party"].weight == cfg.flags["listed_party"].weight
    assert fitted.review == fw.thresholds()[0]
