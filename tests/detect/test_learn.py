"""The fitter: sign constraints hold, the optimum is reached, offsets add."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.detect.learn import fit_logistic, predict


def _data(seed: int, n: int = 4000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((n, 4))
    true = np.array([3.0, -2.0, 0.0, 1.5])
    y = (rng.random(n) < 1 / (1 + np.exp(-(x @ true - 1.0)))).astype(float)
    return x, y, true


def test_recovers_the_generating_weights() -> None:
    x, y, true = _data(1)
    f = fit_logistic(x, y, np.zeros(4), l2=1e-6)
    assert f.converged
    assert np.allclose(f.weights, true, atol=0.35) and abs(f.bias + 1.0) < 0.35


def test_a_sign_constraint_binds_at_zero_and_the_rest_refit() -> None:
    x, y, _ = _data(2)
    f = fit_logistic(x, y, np.array([0, 1, 0, 0]), l2=1e-6)
    assert f.weights[1] == 0.0
    assert f.weights[0] > 2.0


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.sampled_from([-1, 0, 1]), min_size=4, max_size=4),
       st.floats(1e-5, 1e-1))
def test_kkt_conditions_hold(seed: int, sign: list[int], l2: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.random((300, 4))
    y = (rng.random(300) < 0.3).astype(float)
    f = fit_logistic(x, y, np.array(sign, dtype=float), l2=l2)
    w = f.weights
    s = np.array(sign)
    assert (w[s > 0] >= 0).all() and (w[s < 0] <= 0).all()
    p = predict(x, w, f.bias)
    grad = x.T @ (p - y) / len(y) + l2 * w
    assert abs(float(np.mean(p - y))) < 1e-5  # the free bias is at its optimum
    for j in range(4):
        if w[j] == 0.0 and s[j] != 0:
            # At a bound the gradient may only push outwards.
            assert grad[j] * s[j] >= -1e-5
        else:
            assert abs(grad[j]) < 1e-5


def test_offset_without_bias_only_adds_what_the_features_explain() -> None:
    x, y, _ = _data(3)
    free = fit_logistic(x, y, np.zeros(4), l2=1e-6)
    # With the free fit's bias as a fixed offset the same weights are optimal.
    f = fit_logistic(x, y, np.zeros(4), l2=1e-6, offset=np.full(len(y), free.bias),
                     fit_bias=False)
    assert f.bias == 0.0
    assert np.allclose(f.weights, free.weights, atol=1e-4)
