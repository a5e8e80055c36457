"""Online account risk: a declarative table of named features with weights.

Each feature turns an account's running state into a value in [0, 1]; the
risk is the weighted mean of the values, ramped in over the account's first
``min_requests`` requests so that a handful of odd requests cannot block a new
customer. Every score carries its per-feature explanation and the thresholds
it was judged against, as the hunt's offline scores do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from distillguard.gateway.state import AccountState
from distillguard.schema import verdict_for

RATE_REFERENCE_RPM = 60.0


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    weight: float
    explanation: str  # formatted with {value} (a share or a rate)
    value: Callable[[AccountState], float]


def _share(name: str) -> Callable[[AccountState], float]:
    return lambda s: min(1.0, max(0.0, s.mean(name)))


FEATURES: tuple[Feature, ...] = (
    Feature("request_rate", 1.0, "{raw:.0f} requests in the last minute",
            lambda s: min(1.0, s.rpm / RATE_REFERENCE_RPM)),
    Feature("reasoning_coercion", 2.0, "{value:.0%} of requests coerce reasoning traces",
            _share("reasoning_coercion")),
    Feature("rubric_grading", 1.0, "{value:.0%} of requests ask for grading against a rubric",
            _share("rubric_grading")),
    Feature("synthetic_generation", 1.5,
            "{value:.0%} of requests ask for synthetic training data",
            _share("synthetic_generation")),
    Feature("eval_harness", 1.0, "{value:.0%} of requests look like benchmark harness prompts",
            _share("eval_harness")),
    Feature("reasoning_params", 1.0, "{value:.0%} of requests ask for maximal reasoning effort",
            _share("reasoning_params")),
    Feature("long_output", 0.5, "{value:.0%} of requests set max tokens >= 4096",
            _share("long_output")),
    Feature("logprobs", 0.75, "{value:.0%} of requests ask for logprobs", _share("logprobs")),
    Feature("multi_sample", 0.5, "{value:.0%} of requests sample n > 1", _share("multi_sample")),
    Feature("single_turn", 0.25, "{value:.0%} of requests are single-turn",
            _share("single_turn")),
)


@dataclass(frozen=True, slots=True)
class Contribution:
    name: str
    value: float
    weight: float
    contribution: float
    template: str
    raw: float

    @property
    def explanation(self) -> str:
        # formatted on demand: the hot path scores every request but explains few
        return self.template.format(value=self.value, raw=self.raw)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": round(self.value, 4), "weight": self.weight,
                "contribution": round(self.contribution, 4), "explanation": self.explanation}


@dataclass(frozen=True, slots=True)
class Score:
    risk: float
    verdict: str
    thresholds: Mapping[str, float]
    features: tuple[Contribution, ...]
    requests: float

    def reasons(self, top: int = 3) -> str:
        best = sorted(self.features, key=lambda c: -c.contribution)[:top]
        return "; ".join(c.explanation for c in best if c.contribution > 0)


class Scorer:
    def __init__(self, *, review: float, block: float, min_requests: int,
                 weights: Mapping[str, float] | None = None,
                 features: tuple[Feature, ...] = FEATURES) -> None:
        weights = weights or {}
        self.features = tuple(
            Feature(f.name, weights.get(f.name, f.weight), f.explanation, f.value) for f in features
        )
        self.total_weight = sum(f.weight for f in self.features) or 1.0
        self.review = review
        self.block = block
        self.min_requests = max(1, min_requests)

    def score(self, state: AccountState) -> Score:
        ramp = min(1.0, state.n / self.min_requests)
        parts = []
        total = 0.0
        for f in self.features:
            v = f.value(state)
            c = f.weight * v / self.total_weight * ramp
            total += c
            raw = state.rpm if f.name == "request_rate" else v
            parts.append(Contribution(f.name, v, f.weight, c, f.explanation, raw))
        risk = min(1.0, max(0.0, total))
        verdict = verdict_for(risk, self.review, self.block)
        return Score(risk, verdict, {"review": self.review, "block": self.block}, tuple(parts),
                     state.n)
