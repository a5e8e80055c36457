"""How hard the world is: naive single signals and their best possible F1.

Each signal is what a first-day analyst would threshold on. For each we scan
every threshold in both directions and report the best F1 for "distiller"
against "benign". A world is only useful for judging a detector when every one
of them stays below :data:`BOUND`: otherwise a one-line rule would already win.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from distillguard.simulate.world import World

BOUND: Final = 0.8
STEP_MARKERS: Final = ("step by step", "step-by-step")

SIGNALS: Final = {
    "volume": "requests sent in the window",
    "step_by_step_share": "share of requests whose prompt says 'step by step'",
    "accounts_per_ip": "most accounts seen on any one address the account used",
    "shared_payment": "accounts sharing the account's payment fingerprint",
    "account_age_days": "days from sign-up to first request",
    "reasoning_share": "share of requests asking for reasoning or thinking",
    "mean_max_tokens": "mean requested max tokens",
    "distinct_ips": "distinct addresses used",
    "signup_burst": "accounts created within an hour either side of this one",
    "new_model_first_day": "share of requests to the new model within 24 h of its release",
}


@dataclass(frozen=True, slots=True)
class SignalResult:
    name: str
    description: str
    best_f1: float
    threshold: float
    direction: str  # ">=" or "<="
    precision: float
    recall: float

    def as_dict(self) -> dict[str, Any]:
        return {"signal": self.name, "best_f1": round(self.best_f1, 4),
                "threshold": round(self.threshold, 4), "direction": self.direction,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "description": self.description}


def best_f1(values: list[float], positive: list[bool]) -> tuple[float, float, str, float, float]:
    """Best F1 of the rule ``value >= t`` or ``value <= t`` over every threshold ``t``.

    Returns (f1, threshold, direction, precision, recall).
    """
    total_pos = sum(positive)
    best = (0.0, 0.0, ">=", 0.0, 0.0)
    if not values or total_pos == 0:
        return best
    for sign, direction in ((1.0, ">="), (-1.0, "<=")):
        order = sorted(range(len(values)), key=lambda i: -sign * values[i])
        tp = fp = 0
        i = 0
        while i < len(order):
            v = values[order[i]]
            # Take every item tied at this value: a threshold cannot split ties.
            while i < len(order) and values[order[i]] == v:
                if positive[order[i]]:
                    tp += 1
                else:
                    fp += 1
                i += 1
            f1 = 2 * tp / (2 * tp + fp + (total_pos - tp))
            if f1 > best[0]:
                best = (f1, v, direction, tp / (tp + fp), tp / total_pos)
    return best


class SignalStats:
    """Per-account aggregates collected while the events stream past."""

    def __init__(self, world: World) -> None:
        self.world = world
        n = len(world.actors)
        self.count = [0] * n
        self.step = [0] * n
        self.reasoning = [0] * n
        self.max_tokens = [0] * n
        self.new_first_day = [0] * n
        self.first: list[datetime | None] = [None] * n
        self.ips: list[set[str]] = [set() for _ in range(n)]
        self.ip_accounts: dict[str, set[int]] = defaultdict(set)
        self.release = world.new_model.released
        self.new_name = world.new_model.name

    def observe(self, idx: int, ts: datetime, ip: str, model: str, prompt: str,
                reasoning: bool, max_tokens: int | None) -> None:
        self.count[idx] += 1
        low = prompt.lower()
        if any(m in low for m in STEP_MARKERS):
            self.step[idx] += 1
        if reasoning:
            self.reasoning[idx] += 1
        self.max_tokens[idx] += max_tokens or 0
        if model == self.new_name and ts < self.release + timedelta(days=1):
            self.new_first_day[idx] += 1
        first = self.first[idx]
        if first is None or ts < first:
            self.first[idx] = ts
        self.ips[idx].add(ip)
        self.ip_accounts[ip].add(idx)

    def table(self) -> dict[str, list[float]]:
        actors = self.world.actors
        payments: dict[str, int] = defaultdict(int)
        for a in actors:
            if a.account.payment_fingerprint:
                payments[a.account.payment_fingerprint] += 1
        created = sorted(a.account.created_at for a in actors)
        cols: dict[str, list[float]] = {k: [] for k in SIGNALS}
        cols["_distiller"] = []
        for i, a in enumerate(actors):
            n = self.count[i]
            if n == 0:
                continue
            pay = a.account.payment_fingerprint
            c = a.account.created_at
            first = self.first[i]
            assert first is not None
            hour = timedelta(hours=1)
            cols["volume"].append(n)
            cols["step_by_step_share"].append(self.step[i] / n)
            cols["accounts_per_ip"].append(max(len(self.ip_accounts[ip]) for ip in self.ips[i]))
            cols["shared_payment"].append(payments[pay] if pay else 0)
            cols["account_age_days"].append(max(0.0, (first - c).total_seconds() / 86400))
            cols["reasoning_share"].append(self.reasoning[i] / n)
            cols["mean_max_tokens"].append(self.max_tokens[i] / n)
            cols["distinct_ips"].append(len(self.ips[i]))
            cols["signup_burst"].append(bisect.bisect_right(created, c + hour)
                                        - bisect.bisect_left(created, c - hour) - 1)
            cols["new_model_first_day"].append(self.new_first_day[i] / n)
            cols["_distiller"].append(1.0 if a.label == "distiller" else 0.0)
        return cols

    def results(self) -> list[SignalResult]:
        cols = self.table()
        positive = [v > 0 for v in cols["_distiller"]]
        out = []
        for name, desc in SIGNALS.items():
            f1, thr, direction, prec, rec = best_f1(cols[name], positive)
            out.append(SignalResult(name, desc, f1, thr, direction, prec, rec))
        return out


def hardness_report(stats: SignalStats) -> dict[str, Any]:
    results = stats.results()
    cols = stats.table()
    return {
        "bound": BOUND,
        "accounts_with_traffic": len(cols["_distiller"]),
        "distillers_with_traffic": int(sum(cols["_distiller"])),
        "all_below_bound": all(r.best_f1 < BOUND for r in results),
        "signals": [r.as_dict() for r in results],
    }
