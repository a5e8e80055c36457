"""The scoring kernel: the own-evidence floor applies to the group's pass only."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from distillguard.detect.config import default_config
from distillguard.detect.scoring import score


def _cfg(floor: float):
    cfg = default_config()
    feats = tuple(replace(f, weight=1.0 if f.name in ("group_member", "single_turn") else 0.0)
                  for f in cfg.features)
    return replace(cfg, features=feats, bias=-8.0, own_floor=floor)


def test_an_account_cleaner_than_ordinary_is_judged_with_its_group_from_ordinary() -> None:
    values = {"single_turn": np.array([0.0, 1.0]), "group_member": np.array([1.0, 1.0])}
    cfg = _cfg(-3.0)
    first = score(values, cfg, 2, include_graph=False)
    assert np.allclose(first.logit, [-8.0, -7.0])  # the first pass is the account alone
    final = score(values, cfg, 2)
    assert np.allclose(final.logit, [-2.0, -2.0])  # both floored at -3, then +1 for the group
    assert np.allclose(final.contributions["own_floor"], [5.0, 4.0])
    # Without a floor the account's own evidence is all it has.
    assert np.allclose(score(values, _cfg(float("-inf")), 2).logit, [-7.0, -6.0])


@given(st.floats(-10, 5), st.floats(0, 1), st.floats(0, 1))
def test_the_floor_never_lowers_a_risk(floor: float, own: float, group: float) -> None:
    values = {"single_turn": np.array([own]), "group_member": np.array([group])}
    with_floor = score(values, _cfg(floor), 1).risk[0]
    without = score(values, _cfg(float("-inf")), 1).risk[0]
    assert with_floor >= without


def test_the_floor_is_explained_in_words() -> None:
    from distillguard.detect.scoring import explain

    values = {"single_turn": np.array([0.0]), "group_member": np.array([1.0])}
    cfg = _cfg(-3.0)
    rows = explain(cfg, score(values, cfg, 1), 0, {"size": 5})
    floor = [r for r in rows if r["name"] == "own_floor"]
    assert floor and floor[0]["contribution"] == 5.0
    assert "ordinary" in floor[0]["explanation"]
