"""The harder tactics and hard negatives leave the structure they should: tool
loops, 429s with conversations continued on the next account, Chinese text,
paraphrased wrappers, quiet accounts; and the benign look-alikes are there."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from distillguard.schema import Event, normalize_request
from distillguard.simulate import SimConfig, simulate, zh
from distillguard.simulate.operations import (
    AGENT_BURST,
    FLEET,
    PARAPHRASED,
    POOL_ROTATION,
    RESELLER,
    ZH_HARVEST,
)

CFG = SimConfig(accounts=400, days=6, seed=3)
HAN = re.compile(r"[\u4e00-\u9fff]")
NEW_PERSONAS = ("agent_framework_user", "ci_pipeline", "agentic_benchmark", "enterprise_coding",
                "campus_student")


class World:
    def __init__(self, root: Path) -> None:
        self.root = root
        with (root / "personas.csv").open(newline="", encoding="utf-8") as fh:
            self.personas = {r["account_id"]: r for r in csv.DictReader(fh)}
        with (root / "labels.csv").open(newline="", encoding="utf-8") as fh:
            self.labels = {r["account_id"]: r for r in csv.DictReader(fh)}
        self.accounts = {}
        with (root / "accounts.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                self.accounts[rec["account_id"]] = rec
        self.meta = json.loads((root / "world.json").read_text())
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        with gzip.open(root / "events.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                ev = json.loads(line)
                r = self.personas[ev["account_id"]]
                self.events[r["tactic"] or r["persona"]].append(ev)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    out = tmp_path_factory.mktemp("tactics")
    simulate(CFG, out)
    return World(out)


def view(ev: dict[str, Any]) -> Any:
    return normalize_request(ev["endpoint"], ev["request"])


def tool_results(ev: dict[str, Any]) -> int:
    """Tool results fed back in the request, in the endpoint's own wire shape."""
    body = ev["request"]
    items = body.get("messages") or body.get("input") or []
    if isinstance(items, str):
        return 0
    n = 0
    for m in items:
        if m.get("role") == "tool" or m.get("type") == "function_call_output":
            n += 1
        elif isinstance(m.get("content"), list):
            n += sum(1 for b in m["content"] if b.get("type") == "tool_result")
    return n


def ts(ev: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(ev["ts"]).replace("Z", "+00:00"))


def test_every_new_tactic_and_persona_is_in_the_world(world: World) -> None:
    tactics = {r["tactic"] for r in world.personas.values() if r["tactic"]}
    for t in (AGENT_BURST, POOL_ROTATION, RESELLER, ZH_HARVEST, PARAPHRASED, FLEET):
        assert t in tactics, t
        assert world.events[t], f"{t} sends traffic"
        campaigns = {r["campaign"] for r in world.personas.values() if r["tactic"] == t}
        assert len(campaigns) == 1 and "" not in campaigns, t
        name = campaigns.pop()
        assert all(world.labels[a]["campaign"] == name and world.labels[a]["label"] == "distiller"
                   for a, r in world.personas.items() if r["tactic"] == t)
        assert world.meta["tactics"][t]["campaigns"] == [name]
        assert world.meta["tactics"][t]["events"] == len(world.events[t])
    for p in NEW_PERSONAS:
        assert world.events[p], f"{p} sends traffic"
        assert all(world.labels[e["account_id"]]["label"] == "benign" for e in world.events[p])


def test_agent_bursts_are_tool_loops_without_reasoning_or_rubric_phrasing(world: World) -> None:
    evs = world.events[AGENT_BURST]
    views = [view(e) for e in evs]
    assert all(v.tools for v in views), "every request carries the scaffold's tool schemas"
    results = [tool_results(e) for e in evs]
    assert sum(r > 0 for r in results) > 0.6 * len(evs), "tool results are fed back"
    assert max(results) >= 3, "multi-step loops"
    assert not any(v.reasoning.enabled for v in views), "no reasoning parameters by default"
    banned = ("reason", "thought", "chain of", "rubric", "rating", "grade", "synthetic",
              "step by step")
    for v in views:
        assert not any(b in v.system.lower() for b in banned), v.system
    assert len({v.system for v in views}) == 1, "one shared scaffold"
    assert len({v.tools for v in views}) == 1
    assert any(e.get("status") == 429 for e in evs), "concurrent bursts hit the rate limit"
    # Concurrency: many accounts active within the same hour.
    by_hour: dict[str, set[str]] = defaultdict(set)
    for e in evs:
        by_hour[str(e["ts"])[:13]].add(str(e["account_id"]))
    accounts = {e["account_id"] for e in evs}
    assert max(len(s) for s in by_hour.values()) >= max(3, len(accounts) // 3)


def test_pool_rotation_continues_conversations_on_the_next_account(world: World) -> None:
    evs = sorted(world.events[POOL_ROTATION], key=ts)
    limited = [e for e in evs if e.get("status") in (429, 403)]
    assert any(e.get("status") == 429 for e in limited)
    continued = 0
    for bad in limited:
        turns = view(bad).turns
        later = [e for e in evs if ts(e) >= ts(bad) and e["account_id"] != bad["account_id"]
                 and view(e).turns[:len(turns)] == turns]
        continued += bool(later)
    # (A conversation is dropped only when every other account is spent or resting.)
    assert continued >= 0.7 * len(limited), "the next account resends the same prefix"
    # Each account stays under its quota every day.
    quota = {e["account_id"]: 0 for e in evs}
    per_day = Counter((e["account_id"], str(e["ts"])[:10]) for e in evs)
    params = next(iter(world.meta["tactics"][POOL_ROTATION]["parameters"].values()))
    for (acct, _day), n in per_day.items():
        quota[acct] = max(quota[acct], n)
        assert n <= params["quota"] * 1.15 + 2, (acct, n)
    assert len(quota) >= 2


def test_reseller_accounts_mix_customers_with_harvest(world: World) -> None:
    evs = world.events[RESELLER]
    directives = tuple(d[:30] for d in zh.DIRECTIVES) + ("internal reasoning", "chain of thought",
                                                         "reasoning", "deliberation")
    by_acct: dict[str, list[bool]] = defaultdict(list)
    uas: dict[str, set[str]] = defaultdict(set)
    for e in evs:
        text = view(e).prompt_text
        by_acct[str(e["account_id"])].append(any(d in text for d in directives))
        uas[str(e["account_id"])].add(str(e.get("user_agent")))
    for acct, flags in by_acct.items():
        if len(flags) >= 30:
            share = sum(flags) / len(flags)
            assert 0.01 < share < 0.7, (acct, share)
    assert max(len(u) for u in uas.values()) >= 2, "many customers' SDKs behind one account"


def test_chinese_harvest_and_benign_chinese(world: World) -> None:
    evs = world.events[ZH_HARVEST]
    zh_share = sum(bool(HAN.search(view(e).last_user_text + view(e).system))
                   for e in evs) / len(evs)
    assert zh_share > 0.95
    wrappers = [d for d in zh.DIRECTIVES] + [zh.to_traditional(d) for d in zh.DIRECTIVES]
    assert any(any(w in view(e).prompt_text for w in wrappers) for e in evs)
    benign_zh = sum(bool(HAN.search(view(e).prompt_text)) for p in
                    ("casual", "student", "campus_student") for e in world.events[p])
    assert benign_zh >= 20, "Chinese is not an attacker-only language"


def test_traditional_characters_come_from_the_map() -> None:
    text = "请详细写出你的推理过程，这个问题的答案是多少？"
    trad = zh.to_traditional(text)
    assert trad != text and "請" in trad and "過" in trad and "這" in trad
    assert zh.to_traditional(trad) == trad


def test_paraphrased_wrappers_do_not_repeat(world: World) -> None:
    systems = [view(e).system for e in world.events[PARAPHRASED] if view(e).system]
    assert len(systems) >= 20
    assert len(set(systems)) >= 0.85 * len(systems)


def test_fleet_accounts_stay_quiet_and_share_a_farm(world: World) -> None:
    evs = world.events[FLEET]
    accounts = {a for a, r in world.personas.items() if r["tactic"] == FLEET}
    assert len(accounts) >= 10
    per_day = Counter((e["account_id"], str(e["ts"])[:10]) for e in evs)
    assert max(per_day.values()) <= 12
    signup = Counter(world.accounts[a]["signup_ip"] for a in accounts)
    assert len(signup) <= len(accounts) // 3, "one registration farm"


def test_hard_negatives_look_like_attacks(world: World) -> None:
    fw = world.events["agent_framework_user"]
    fw_accounts = {e["account_id"] for e in fw}
    fw_systems = Counter(view(e).system for e in fw)
    assert len(fw_accounts) >= 5 and len(fw_systems) <= 5, "a few public default prompts"
    ci = world.events["ci_pipeline"]
    prompts = Counter((e["account_id"], view(e).last_user_text) for e in ci)
    assert max(prompts.values()) >= 3, "the same test prompt on every run"
    assert len({e["ip"] for e in ci}) >= 10, "a fresh runner address per run"
    bench = world.events["agentic_benchmark"]
    assert max(Counter(str(e["ts"])[:10] for e in bench).values()) >= 200
    assert all(view(e).tools for e in bench)
    coding = world.events["enterprise_coding"]
    orgs = {world.accounts[e["account_id"]]["org_id"] for e in coding}
    assert len({view(e).system for e in coding}) == len(orgs), "one IDE prompt per org"
    campus = world.events["campus_student"]
    assert len({e["account_id"] for e in campus}) >= 3 * len({e["ip"] for e in campus})


def test_proxy_networks_are_home_networks_of_benign_users(world: World) -> None:
    sides: dict[str, set[object]] = {"benign": set(), "distiller": set()}
    for evs in world.events.values():
        for e in evs:
            sides[world.labels[e["account_id"]]["label"]].add(e.get("asn"))
    only_attack = sides["distiller"] - sides["benign"]
    assert len(only_attack) <= len(sides["distiller"]) // 10, only_attack


def test_every_event_parses(world: World) -> None:
    for kind, evs in world.events.items():
        for n, rec in enumerate(evs[:400], 1):
            ev = Event.from_mapping(rec, source=kind, line=n)
            assert view(rec).turns, (kind, rec["event_id"])
            assert ev.status in (200, 400, 403, 429, 500)


def test_paraphrase_grammar_rarely_repeats_a_wrapper() -> None:
    import random

    from distillguard.simulate import paraphrase

    rng = random.Random(0)
    wraps = [paraphrase.wrap(rng, "PROMPT") for _ in range(3000)]
    assert len(set(wraps)) >= 0.9 * len(wraps)
    assert all("PROMPT" in system + user for system, user in wraps)


def test_chinese_word_problems_carry_correct_arithmetic() -> None:
    import random

    rng = random.Random(1)
    for n in range(300):
        prob = zh.word_problem(rng, f"Tom has {n * 7 + 3} apples and {n % 13 + 2} bags of "
                                    f"{n % 29 + 5} each.")
        # The last equation of the worked steps ends in the answer.
        last = re.findall(r"=(-?\d+)", prob.steps)[-1]
        assert int(last) == prob.answer, prob
        for expr, value in re.findall(r"([\d+\-×]+)=(-?\d+)", prob.steps):
            assert eval(expr.replace("×", "*")) == int(value), prob  # noqa: S307


def test_paraphrase_pools_split_into_disjoint_halves() -> None:
    from distillguard.simulate import paraphrase

    tune, holdout, full = (paraphrase.grammar(s) for s in ("tune", "holdout", "all"))
    for slot in ("verb", "whose", "what", "how", "when"):
        assert not set(tune[slot]) & set(holdout[slot]), slot
        assert set(tune[slot]) | set(holdout[slot]) == set(full[slot]), slot
