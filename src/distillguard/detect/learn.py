"""Fitting the scoring table: regularised logistic regression with sign constraints.

The weights of the hunt's scoring table are fitted, not hand-tuned. Each
feature is a strength in [0, 1]; its weight is constrained to the sign the
evidence can only have (common control never makes an account *less* likely
to be an operation's; a verified declared use never makes it more), left free
where either sign is plausible. The loss is the weighted logistic loss plus an
L2 penalty; the solver is a projected Newton method on the box of allowed
signs, exact enough for a few dozen features and a few hundred thousand rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Fit:
    weights: np.ndarray
    bias: float
    iterations: int
    loss: float
    converged: bool


def _loss(x: np.ndarray, y: np.ndarray, sw: np.ndarray, w: np.ndarray, b: float,
          l2: float, offset: np.ndarray) -> float:
    z = x @ w + b + offset
    # log(1 + e^z) - y z, stably.
    ll = np.logaddexp(0.0, z) - y * z
    return float(np.sum(sw * ll) / np.sum(sw) + 0.5 * l2 * float(w @ w))


def fit_logistic(x: np.ndarray, y: np.ndarray, sign: np.ndarray, *, l2: float = 1e-3,
                 sample_weight: np.ndarray | None = None, offset: np.ndarray | None = None,
                 fit_bias: bool = True, max_iter: int = 200, tol: float = 1e-9) -> Fit:
    """Minimise mean weighted log-loss + ``l2``/2 |w|^2 with ``sign[j]`` > 0 meaning
    ``w[j] >= 0``, < 0 meaning ``w[j] <= 0`` and 0 meaning free. The bias is free and
    unpenalised, or fixed at 0 (``fit_bias=False``); ``offset`` is a fixed per-row logit
    the fitted part adds to (the first pass's logit, when fitting the second)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = x.shape
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    sw = sw / sw.mean()
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=np.float64)
    sign = np.asarray(sign, dtype=np.float64)
    lo = np.where(sign > 0, 0.0, -np.inf)
    hi = np.where(sign < 0, 0.0, np.inf)
    # The bias is the last coordinate: free and not penalised.
    xa = np.hstack([x, np.ones((n, 1))])
    lo_a = np.r_[lo, -np.inf if fit_bias else 0.0]
    hi_a = np.r_[hi, np.inf if fit_bias else 0.0]
    reg = np.r_[np.full(d, l2), 0.0]
    prior = float(np.clip(np.sum(sw * y) / np.sum(sw), 1e-6, 1 - 1e-6))
    theta = np.zeros(d + 1)
    theta[-1] = np.log(prior / (1 - prior)) if fit_bias and offset is None else 0.0
    m = float(np.sum(sw))

    def full_loss(t: np.ndarray) -> float:
        return _loss(x, y, sw, t[:-1], float(t[-1]), l2, off)

    loss = full_loss(theta)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        z = xa @ theta + off
        p = 1.0 / (1.0 + np.exp(-z))
        grad = xa.T @ (sw * (p - y)) / m + reg * theta
        # Active set: coordinates at a bound whose gradient pushes them further out.
        at_lo = (theta <= lo_a) & (grad > 0)
        at_hi = (theta >= hi_a) & (grad < 0)
        free = ~(at_lo | at_hi)
        if np.max(np.abs(grad[free])) < 1e-8 if free.any() else True:
            converged = True
            break
        h = (xa[:, free] * (sw * p * (1 - p))[:, None]).T @ xa[:, free] / m
        h[np.diag_indices_from(h)] += reg[free] + 1e-10
        step = np.zeros(d + 1)
        step[free] = np.linalg.solve(h, grad[free])
        t = 1.0
        while True:
            cand = np.clip(theta - t * step, lo_a, hi_a)
            new = full_loss(cand)
            # Armijo on the projected step.
            if new <= loss - 1e-4 * float(grad @ (theta - cand)) or t < 1e-8:
                break
            t *= 0.5
        improved = loss - new
        theta, loss = cand, new
        if 0 <= improved < tol:
            converged = True
            break
    return Fit(theta[:-1].copy(), float(theta[-1]), it, loss, converged)


def logit(x: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    return np.asarray(np.asarray(x) @ weights + bias, dtype=np.float64)


def predict(x: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-logit(x, weights, bias))), dtype=np.float64)
