"""Shapes of activity shared by people and operators: a chat, a tool loop, a sweep."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bodies import Params, Turn, tool_output
from infra import hexid
from world import Account, World

EMAIL_CONSUMER = [
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "hotmail.com",
    "proton.me",
    "gmx.de",
    "qq.com",
    "163.com",
    "naver.com",
    "yandex.ru",
    "mail.com",
]
# Privacy and throwaway mail: skewed towards operators, but ordinary people use them too.
EMAIL_PRIVATE = ["mailinator.com", "tutanota.com", "gmx.com", "yandex.com", "cock.li", "tuta.io"]


def email(rng: random.Random, private: float = 0.05) -> str:
    return rng.choice(EMAIL_PRIVATE if rng.random() < private else EMAIL_CONSUMER)


def pf(rng: random.Random) -> str:
    return f"pf_{hexid(rng, 16)}"


def think(rng: random.Random, reasoning: str, effort_scale: float) -> tuple[str, int]:
    """Returned reasoning (a summary) and the billed reasoning tokens."""
    steps = " ".join(
        f"Step {i + 1}: {reasoning}" if i == 0 else f"Step {i + 1}: check the intermediate result."
        for i in range(rng.randint(2, 6))
    )
    return steps, int(rng.lognormvariate(6.5, 0.6) * effort_scale)


def chat(
    w: World,
    a: Account,
    t: datetime,
    pairs: list[tuple[str, str]],
    *,
    system: str | None = None,
    params: Params | None = None,
    gap: tuple[float, float] = (20, 300),
    reasoning: Callable[[], tuple[str, int]] | None = None,
    model: str | None = None,
    endpoint: str | None = None,
) -> datetime:
    """A multi-turn conversation; each turn resends the whole history (stateless APIs)."""
    turns: list[Turn] = [("system", system)] if system else []
    for user, reply in pairs:
        turns.append(("user", user))
        r, rt = reasoning() if reasoning else (None, None)
        w.emit(
            a,
            t,
            list(turns),
            reply,
            params=params,
            reasoning=r,
            reasoning_tokens=rt,
            model=model,
            endpoint=endpoint,
        )
        turns.append(("assistant", reply))
        t += timedelta(seconds=w.rng.uniform(*gap))
    return t


def tool_loop(
    w: World,
    a: Account,
    t: datetime,
    system: str | None,
    task: str,
    tools: list[dict[str, Any]],
    steps: int,
    *,
    params: Params | None = None,
    synthetic: bool = False,
    step_gap: tuple[float, float] = (2, 30),
    final: str = "Done. Summary of the changes above.",
    model: str | None = None,
    endpoint: str | None = None,
    reasoning: Callable[[], tuple[str, int]] | None = None,
    max_history: int = 14,
) -> datetime:
    """An agent run: one exchange per model call; the model calls tools until it answers.
    History beyond max_history items is truncated by the agent (context management)."""
    rng = w.rng
    turns: list[Turn] = ([("system", system)] if system else []) + [("user", task)]
    for i in range(steps):
        last = i == steps - 1
        r, rt = reasoning() if reasoning else (None, None)
        if last:
            w.emit(
                a,
                t,
                list(turns),
                final,
                params=params,
                tools=tools,
                reasoning=r,
                reasoning_tokens=rt,
                model=model,
                endpoint=endpoint,
            )
            break
        calls = []
        for _ in range(1 if rng.random() < 0.8 else 2):
            tl = rng.choice(tools)
            args = {
                k: (
                    rng.choice(["src", "lib", "app"])
                    + "/"
                    + rng.choice(["io", "core", "api", "util"])
                    + ".py"
                    if "path" in k
                    else rng.choice(
                        ["status", "north", "sku-7781", "SELECT 1", "pytest -q", "EUR", "main"]
                    )
                )
                for k in tl["parameters"]["properties"]
            }
            calls.append((f"call_{hexid(rng, 12)}", tl["name"], args))
        preamble = rng.choice(
            [
                "",
                "",
                "Let me check that.",
                "I'll look at the relevant code first.",
                "Next I will verify the result.",
            ]
        )
        w.emit(
            a,
            t,
            list(turns),
            preamble,
            params=params,
            tools=tools,
            reasoning=r,
            reasoning_tokens=rt,
            completion_tokens=rng.randint(20, 160),
            model=model,
            endpoint=endpoint,
        )
        turns.append(("calls", calls))
        for cid, name, _ in calls:
            turns.append(("result", cid, name, tool_output(rng, name, synthetic)[:1500]))
        if len(turns) > max_history:
            head = turns[:2] if system else turns[:1]
            turns = head + turns[-(max_history - len(head)) :]
            while turns[len(head)][0] == "result":  # never start with an orphan tool result
                turns.pop(len(head))
        t += timedelta(seconds=rng.uniform(*step_gap))
    return t


def poisson_days(
    w: World, rate: float, p_active: float, rng: random.Random, weekdays_only: bool = False
) -> list[tuple[int, int]]:
    """(day, number of sessions) for days the account is used."""
    out = []
    for d in range(w.days):
        if weekdays_only and w.weekday(d) >= 5 and rng.random() < 0.85:
            continue
        if rng.random() < p_active:
            k = max(1, int(rng.expovariate(1 / rate) + 0.5))
            out.append((d, k))
    return out
