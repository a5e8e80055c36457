"""Fit the review flags' weights on a labelled order set, as an alternative to the
shipped hand-set weights.

The model is a logistic regression on which flags an order raised,
``P(diversion) = sigmoid(b + sum w_f x_f)``, with every weight constrained to be
non-negative (a red flag can only make diversion more likely: a fit that found a
flag protective on a few dozen orders would be learning the set, not the world)
and an L2 penalty chosen by leave-one-out log loss on the same set. The fitted
weights are written in the flag file's own units, so ``diversion check --flags``
runs them through the same decision as the shipped ones:

- weight_f = w_f / -b, so the weights of an order's flags reach 1.0 (hold)
  exactly when the fitted probability reaches 0.5;
- review from the probability ``review_p`` (0.10: a one-in-ten chance of diversion
  is worth a look), i.e. weights reaching (logit(review_p) - b) / -b.

Hold-severity flags (list hits, D:5 or Macau parents, inspection findings) stay
holds whatever their fitted weight: they are legal requirements, not evidence to
weigh. Fitting needs scipy-free numpy only (projected gradient descent).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from distillguard.schema.errors import InputError

LAMBDAS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


@dataclass(frozen=True)
class FittedWeights:
    flags: tuple[str, ...]
    coef: tuple[float, ...]  # log-odds per flag, >= 0
    intercept: float
    l2: float
    orders: int
    positives: int
    review_p: float = 0.10

    @property
    def scale(self) -> float:
        """The log-odds one unit of flag weight stands for (weights reach 1.0 at p = 0.5)."""
        return max(-self.intercept, 1e-6)

    def weights(self) -> dict[str, float]:
        return {f: round(c / self.scale, 3) for f, c in zip(self.flags, self.coef, strict=True)}

    def thresholds(self) -> tuple[float, float]:
        logit = math.log(self.review_p / (1.0 - self.review_p))
        review = max(0.0, (logit - self.intercept) / self.scale)
        return round(min(review, 1.0), 3), 1.0

    def to_yaml(self, hold_flags: Sequence[str] = ()) -> str:
        """A ``--flags`` override: fitted weights for the review flags, and thresholds."""
        review, hold = self.thresholds()
        lines = [
            f"# Weights fitted on {self.orders} labelled orders ({self.positives} diversion"
            f" patterns): non-negative logistic regression, L2 {self.l2} (leave-one-out).",
            "# Hold-severity flags keep their severity; their weights are not used.",
            "thresholds:",
            f"  review: {review}",
            f"  hold: {hold}",
            "flags:",
        ]
        for f, w in self.weights().items():
            if f not in hold_flags:
                lines += [f"  {f}:", f"    weight: {min(w, 10.0)}"]
        return "\n".join(lines) + "\n"


def _fit(x: NDArray[np.float64], y: NDArray[np.float64], l2: float,
         iters: int = 4000) -> tuple[NDArray[np.float64], float]:
    """Penalised log loss, weights projected onto w >= 0; the intercept is free and
    unpenalised. Step 1/L with L the loss's Lipschitz bound, so it cannot diverge."""
    n, k = x.shape
    w, b = np.zeros(k), 0.0
    lip = 0.25 * (np.linalg.norm(x, 2) ** 2 + n) / n + l2
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = p - y
        w = np.maximum(0.0, w - (x.T @ g / n + l2 * w) / lip)
        b -= float(g.mean()) / lip
    return w, b


def _log_loss(x: NDArray[np.float64], y: NDArray[np.float64], w: NDArray[np.float64],
              b: float) -> float:
    p = np.clip(1.0 / (1.0 + np.exp(-(x @ w + b))), 1e-9, 1 - 1e-9)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())


def fit_flag_weights(orders: Sequence[tuple[frozenset[str], bool]], flags: Sequence[str],
                     review_p: float = 0.10, lambdas: Sequence[float] = LAMBDAS
                     ) -> FittedWeights:
    """Fit on ``orders`` (the flags each raised, and whether it is a diversion pattern)."""
    if not orders or all(y for _, y in orders) or not any(y for _, y in orders):
        raise InputError("fitting flag weights needs orders of both labels")
    unknown = sorted({f for fs, _ in orders for f in fs} - set(flags))
    if unknown:
        raise InputError(f"orders raised flags not in the flag set: {', '.join(unknown)}")
    x = np.array([[f in fs for f in flags] for fs, _ in orders], dtype=float)
    y = np.array([float(lab) for _, lab in orders])
    best = (math.inf, lambdas[0])
    for lam in lambdas:
        losses = []
        for i in range(len(y)):
            keep = np.arange(len(y)) != i
            w, b = _fit(x[keep], y[keep], lam, iters=1500)
            losses.append(_log_loss(x[i:i + 1], y[i:i + 1], w, b))
        best = min(best, (float(np.mean(losses)), lam))
    w, b = _fit(x, y, best[1])
    return FittedWeights(tuple(flags), tuple(float(v) for v in w), b, best[1], len(y),
                         int(y.sum()), review_p)

