"""Domain randomisation: the parameters a world is drawn with.

A default world uses fixed knobs (every multiplier 1, each tactic's own
defaults). ``randomize`` draws them from the seed instead, so that worlds differ
in more than the seed: operation sizes, request rates, burstiness, camouflage,
use of reasoning parameters, the benign mix, which part of every corpus is in
play and how much benign traffic is in Chinese. A learned detector trained on
many such worlds cannot fit one generator's constants. The knobs are written to
``world.json`` so every world says what it was drawn with.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class TacticKnobs:
    """Per-tactic parameters. ``None`` means: the tactic's own default."""

    size: float = 1.0  # multiplier on the tactic's share of accounts
    rate: float = 1.0  # multiplier on requests per account per day
    burst: float = 1.0  # multiplier on concurrency / burst size
    camouflage: float | None = None  # share of organic (non-harvest) traffic
    reasoning: float | None = None  # probability that a request sets reasoning parameters

    def as_dict(self) -> dict[str, Any]:
        return {"size": round(self.size, 4), "rate": round(self.rate, 4),
                "burst": round(self.burst, 4),
                "camouflage": None if self.camouflage is None else round(self.camouflage, 4),
                "reasoning": None if self.reasoning is None else round(self.reasoning, 4)}

    def pick(self, name: str, default: float) -> float:
        value = getattr(self, name)
        return default if value is None else float(value)


@dataclass(frozen=True, slots=True)
class Knobs:
    randomized: bool = False
    tactics: Mapping[str, TacticKnobs] = field(default_factory=dict)
    benign: Mapping[str, float] = field(default_factory=dict)  # persona -> share multiplier
    corpus_fraction: float = 1.0  # share of every corpus kept (by a salted stable hash)
    zh_share: float = 0.3  # share of Chinese-region benign users who write in Chinese
    traditional_share: float = 0.3  # share of Chinese text in traditional characters

    def tactic(self, name: str) -> TacticKnobs:
        return self.tactics.get(name, TacticKnobs())

    def benign_share(self, persona: str) -> float:
        return self.benign.get(persona, 1.0)

    def as_dict(self) -> dict[str, Any]:
        return {"randomized": self.randomized,
                "tactics": {k: v.as_dict() for k, v in sorted(self.tactics.items())},
                "benign_share_multipliers": {k: round(v, 4) for k, v in
                                             sorted(self.benign.items())},
                "corpus_fraction": round(self.corpus_fraction, 4),
                "zh_share": round(self.zh_share, 4),
                "traditional_share": round(self.traditional_share, 4)}


def _log_uniform(rng: random.Random, lo: float, hi: float) -> float:
    # Sizes and rates vary by ratios, so draw them uniformly on a log scale.
    return float(lo * (hi / lo) ** rng.random())


def draw_knobs(seed: int, randomize: bool, tactics: Sequence[str],
               personas: Sequence[str]) -> Knobs:
    """The fixed default knobs, or knobs drawn from ``seed`` when ``randomize``."""
    if not randomize:
        return Knobs(tactics={t: TacticKnobs() for t in tactics})
    rng = random.Random(f"knobs:{seed}")
    drawn = {}
    for t in tactics:
        drawn[t] = TacticKnobs(
            size=_log_uniform(rng, 0.4, 2.5), rate=_log_uniform(rng, 0.4, 2.5),
            burst=_log_uniform(rng, 0.4, 3.0), camouflage=rng.uniform(0.0, 0.85),
            reasoning=rng.choice((0.0, rng.uniform(0.0, 1.0), 1.0)))
    benign = {p: _log_uniform(rng, 0.4, 2.5) for p in personas if p != "casual"}
    return Knobs(randomized=True, tactics=drawn, benign=benign,
                 corpus_fraction=rng.uniform(0.45, 1.0), zh_share=rng.uniform(0.02, 0.7),
                 traditional_share=rng.uniform(0.0, 0.7))
