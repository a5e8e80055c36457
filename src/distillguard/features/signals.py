"""The per-request signal registry: each signal once, with its Python and SQL forms.

Every signal the hunt aggregates per account and the gateway accumulates online
is a row here: a name, what it means, the Python function over one normalised
request (:class:`~distillguard.schema.NormalizedRequest`, the gateway's view)
and the SQL expression over the canonical columns (the hunt's view, on DuckDB
and Spark through a :class:`~distillguard.features.plan.Dialect`). The query
plan builds its per-event columns from this table and :func:`request_signals`
evaluates it online, so the two cannot drift apart; one test proves them equal
on generated requests, on every engine.

Each value is in [0, 1]. SQL expressions may use the canonical ``req_*`` columns
and ``txt``, the matched text (:func:`distillguard.features.content.request_text`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from distillguard.features.content import (
    FAMILIES,
    HIGH_EFFORT,
    LARGE_THINKING_BUDGET,
    LONG_OUTPUT_TOKENS,
    compiled_family,
    request_text,
)
from distillguard.schema import NormalizedRequest

if TYPE_CHECKING:
    from distillguard.features.plan import Dialect

#: Turns at which an agent loop counts as deep (tool_loop is 1 from here).
DEEP_LOOP_TURNS: Final = 8


@dataclass(frozen=True)
class Signal:
    name: str
    help: str
    python: Callable[[NormalizedRequest, str], float]  # (view, matched text) -> value
    sql: Callable[[Dialect], str]


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _family(name: str, pattern: str, help_: str) -> Signal:
    rx = compiled_family(name)
    return Signal(name, help_, lambda _v, text: 1.0 if rx.search(text) else 0.0,
                  lambda d: f"CASE WHEN {d.rx('txt', pattern)} THEN 1.0E0 ELSE 0.0E0 END")


def reasoning_param_signal(enabled: bool, effort: str | None, budget: int | None) -> float:
    """1 for maximal reasoning settings, 0.5 for reasoning on at ordinary settings."""
    if (effort or "").lower() in HIGH_EFFORT or (budget or 0) >= LARGE_THINKING_BUDGET:
        return 1.0
    return 0.5 if enabled else 0.0


def _reasoning_sql(d: Dialect) -> str:
    efforts = ", ".join(_lit(e) for e in sorted(HIGH_EFFORT))
    return (f"CASE WHEN lower(coalesce(req_reasoning_effort, '')) IN ({efforts}) "
            f"OR coalesce(req_thinking_budget, 0) >= {LARGE_THINKING_BUDGET} THEN 1.0E0 "
            "WHEN coalesce(req_reasoning_enabled, false) THEN 0.5E0 ELSE 0.0E0 END")


def _tool_loop(view: NormalizedRequest, _text: str) -> float:
    return min(1.0, max(0, view.n_user_turns - 1) / (DEEP_LOOP_TURNS - 1))


SIGNALS: Final[tuple[Signal, ...]] = (
    *(_family(f.name, f.pattern, f.help) for f in FAMILIES),
    Signal("reasoning_params", "maximal reasoning effort or a large thinking budget (0.5: "
           "reasoning on at ordinary settings)",
           lambda v, _t: reasoning_param_signal(v.reasoning.enabled, v.reasoning.effort,
                                                v.reasoning.budget_tokens),
           _reasoning_sql),
    Signal("long_output", f"max_tokens of at least {LONG_OUTPUT_TOKENS}",
           lambda v, _t: 1.0 if (v.max_tokens or 0) >= LONG_OUTPUT_TOKENS else 0.0,
           lambda _d: f"CASE WHEN coalesce(req_max_tokens, 0) >= {LONG_OUTPUT_TOKENS} "
                      "THEN 1.0E0 ELSE 0.0E0 END"),
    Signal("logprobs", "token log-probabilities requested",
           lambda v, _t: 1.0 if v.logprobs else 0.0,
           lambda _d: "CASE WHEN coalesce(req_logprobs, false) THEN 1.0E0 ELSE 0.0E0 END"),
    Signal("multi_sample", "more than one sample (n > 1)",
           lambda v, _t: 1.0 if v.n > 1 else 0.0,
           lambda _d: "CASE WHEN coalesce(req_n, 1) > 1 THEN 1.0E0 ELSE 0.0E0 END"),
    Signal("single_turn", "one user turn, no conversation before it",
           lambda v, _t: 1.0 if v.n_user_turns <= 1 else 0.0,
           lambda _d: "CASE WHEN coalesce(req_n_turns, 1) <= 1 THEN 1.0E0 ELSE 0.0E0 END"),
    Signal("tool_use", "tools offered to the model",
           lambda v, _t: 1.0 if ",".join(v.tools) else 0.0,
           lambda _d: "CASE WHEN coalesce(req_tools, '') <> '' THEN 1.0E0 ELSE 0.0E0 END"),
    Signal("tool_loop", f"depth of the agent loop: turns beyond the first, full at "
           f"{DEEP_LOOP_TURNS} turns",
           _tool_loop,
           lambda _d: f"least(1.0E0, CAST(greatest(coalesce(req_n_turns, 1) - 1, 0) AS DOUBLE)"
                      f" / {DEEP_LOOP_TURNS - 1}.0E0)"),
)

NAMES: Final = tuple(s.name for s in SIGNALS)


def request_signals(view: NormalizedRequest) -> dict[str, float]:
    """Every registered signal of one request, in [0, 1] (the gateway's online view of
    what the hunt aggregates offline)."""
    text = request_text(view)
    return {s.name: s.python(view, text) for s in SIGNALS}


def sql_columns(d: Dialect) -> list[str]:
    """``<expr> AS f_<name>`` for every signal, for the plan's per-event view."""
    return [f"{s.sql(d)} AS f_{s.name}" for s in SIGNALS]
