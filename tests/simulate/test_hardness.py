"""Best single-signal F1: hand-computed cases, invariants, and the bound on a real world."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from distillguard.simulate import BOUND, SIGNALS, SimConfig, best_f1, simulate


def test_perfect_separation_scores_one() -> None:
    f1, thr, direction, prec, rec = best_f1([1, 2, 10, 11], [False, False, True, True])
    assert (f1, thr, direction, prec, rec) == (1.0, 10, ">=", 1.0, 1.0)


def test_lower_is_positive_direction() -> None:
    f1, thr, direction, _, _ = best_f1([0.5, 1, 30, 40], [True, True, False, False])
    assert (f1, thr, direction) == (1.0, 1, "<=")


def test_hand_computed_mixed_case() -> None:
    # values 4,3,2,1 labelled +,-,+,-: best is threshold 2 (tp=2, fp=1, fn=0): F1 = 4/5.
    f1, thr, direction, prec, rec = best_f1([4, 3, 2, 1], [True, False, True, False])
    assert abs(f1 - 0.8) < 1e-12 and thr == 2 and direction == ">="
    assert abs(prec - 2 / 3) < 1e-12 and rec == 1.0


def test_ties_cannot_be_split() -> None:
    f1, *_ = best_f1([1, 1, 1, 1], [True, False, True, False])
    assert abs(f1 - 2 * 2 / (2 * 2 + 2)) < 1e-12


@given(st.lists(st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.booleans()),
                min_size=1, max_size=60))
def test_f1_is_bounded_and_order_free(rows: list[tuple[float, bool]]) -> None:
    values = [v for v, _ in rows]
    labels = [b for _, b in rows]
    f1, *_ = best_f1(values, labels)
    assert 0.0 <= f1 <= 1.0
    if any(labels):
        # Flagging everything is always a candidate rule.
        assert f1 >= 2 * sum(labels) / (sum(labels) + len(labels)) - 1e-12
    rev = best_f1(values[::-1], labels[::-1])[0]
    assert abs(rev - f1) < 1e-12


def test_small_world_stays_hard(tmp_path: Path) -> None:
    report = simulate(SimConfig(accounts=300, days=5, seed=5), tmp_path)
    hard = report.hardness
    assert [s["signal"] for s in hard["signals"]] == list(SIGNALS)
    worst = max(hard["signals"], key=lambda s: s["best_f1"])
    assert worst["best_f1"] < BOUND, worst
    assert hard["all_below_bound"]
    assert hard["distillers_with_traffic"] >= 25
