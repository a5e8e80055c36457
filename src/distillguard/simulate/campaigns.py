"""Distillation campaigns: one recipe per tactic, each with its own wrapper
skeleton, infrastructure and schedule.

Campaigns hide in the same places benign users live: proxy exits are partly
real home addresses, payment goes partly through resellers that also sell to
benign customers, and SDK user agents come from the common pools. What ties a
campaign together is the combination (skeleton wording, shared exits, sign-up
waves or an account farm, timing), never one field.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from distillguard.simulate import phrases
from distillguard.simulate.network import HOSTING, Endpoint, hex_id
from distillguard.simulate.world import (
    CONSUMER_DOMAINS,
    WorldBuilder,
    draw_country,
    lognormal,
    pick,
    sample_k,
)

ADJ = ("amber", "cobalt", "silent", "velvet", "granite", "hollow", "crimson", "northern",
       "paper", "iron", "glass", "quiet", "distant", "copper", "lunar", "saffron")
NOUN = ("heron", "lattice", "harbor", "falcon", "orchard", "tide", "ember", "meridian",
        "willow", "quarry", "atlas", "comet", "delta", "signal", "prism", "cedar")
TOOL_SYNONYMS = (("read_file", "open_file", "view_file", "cat"),
                 ("write_file", "edit_file", "apply_patch", "str_replace"),
                 ("run_tests", "pytest", "exec_tests", "test_runner"),
                 ("search_code", "grep", "ripgrep", "find_symbol"),
                 ("bash", "shell", "run_command", "terminal"))


def _campaign(b: WorldBuilder, tactic: str) -> str:
    while True:
        name = f"op-{pick(b.rng, ADJ)}-{pick(b.rng, NOUN)}"
        if name not in b.campaigns:
            b.campaigns[name] = tactic
            return name


def _skeleton(b: WorldBuilder) -> dict[str, Any]:
    rng = b.rng
    return {
        "openers": tuple(sample_k(rng, b.pool(phrases.COERCE_OPENERS), 3)),
        "directives": tuple(sample_k(rng, b.pool(phrases.COERCE_DIRECTIVES), 3)),
        "formats": tuple(sample_k(rng, b.pool(phrases.COERCE_FORMATS), 2)),
        "placement": rng.choice(("system", "user_prefix", "user_suffix", "mixed")),
        "mix": rng.choice(((6, 3, 1), (3, 6, 1), (4, 4, 2))),  # math, prompts, code
    }


def _proxy_pool(b: WorldBuilder, size: int, hosting_share: float) -> list[Endpoint]:
    rng = b.rng
    pool = []
    for _ in range(size):
        r = rng.random()
        if r < hosting_share:
            pool.append(Endpoint.of(pick(rng, HOSTING), rng.randrange(60000)))
        elif r < hosting_share + 0.5 * (1 - hosting_share):
            pool.append(pick(rng, b.shared_homes))
        else:
            pool.append(Endpoint.of(b.consumer_net(), rng.randrange(64000)))
    return pool


def _payments(b: WorldBuilder, name: str, size: int) -> list[str]:
    rng, seed = b.rng, b.cfg.seed
    cards = [f"pf-{hex_id(seed, name, 'vcard', i)}" for i in range(max(1, size // 3))]
    out = []
    for i in range(size):
        r = rng.random()
        out.append(pick(rng, b.resellers) if r < 0.35 else pick(rng, cards) if r < 0.6
                   else f"pf-{hex_id(seed, name, 'own', i)}")
    return out


def _hydra(b: WorldBuilder, count: int, tactic: str, extra: dict[str, Any],
           lifetime: tuple[float, float], daily: tuple[float, float],
           hosting_share: float = 0.2) -> None:
    rng, cfg = b.rng, b.cfg
    k = b.knobs.tactic(tactic)
    daily = (daily[0] * k.rate, daily[1] * k.rate)
    name = _campaign(b, tactic)
    pool = _proxy_pool(b, max(12, count * 3), hosting_share)
    pays = _payments(b, name, count)
    waves = max(1, count // rng.randint(5, 9))
    wave_times = sorted(cfg.start + timedelta(days=rng.uniform(-3, cfg.days - 2))
                        for _ in range(waves))
    for i in range(count):
        born = wave_times[i % waves] + timedelta(minutes=rng.randrange(180))
        life = timedelta(days=rng.uniform(*lifetime))
        places = rng.sample(pool, min(len(pool), rng.randint(3, 14)))
        country = rng.choice(("US", "SG", "HK", "GB", "DE", "JP", "CA", "MY", "AE"))
        pay = pays[i]
        mine = dict(extra)
        mine["max_tokens"] = rng.choice(extra["max_tokens"])
        if k.reasoning is not None:
            mine["effort"] = "high" if rng.random() < k.reasoning else None
        b.add(
            persona="distiller", campaign=name, tactic=tactic, created_at=born, country=country,
            places=places, daily=rng.uniform(*daily), p_active=0.95, active_until=born + life,
            plan=rng.choice(("free", "payg", "payg", "startup")),
            kyc=rng.choice(("email", "card", "card")), email=pick(rng, CONSUMER_DOMAINS),
            payment=pay, uas=rng.choice((1, 1, 2)), **mine,
        )


def hydra_coercion(b: WorldBuilder, count: int) -> None:
    rng = b.rng
    _hydra(b, count, "hydra+reasoning_coercion",
           {"kind": "coerce", "skeleton": _skeleton(b),
            "effort": rng.choice(("high", "high", None)),
            # Some operations also harvest token distributions for logit distillation.
            "logprobs": rng.random() < 0.4,
            "max_tokens": rng.choice(((None, 4096, 16000), (8000, 32000), (None, 8192)))},
           lifetime=(2, 7), daily=(25, 90))


def rubric_harvest(b: WorldBuilder, count: int) -> None:
    rng = b.rng
    _hydra(b, count, "hydra+rubric_grading",
           {"kind": "rubric", "intros": tuple(sample_k(rng, b.pool(phrases.RUBRIC_INTROS), 2)),
            "templates": rng.randint(0, 1000), "temperature": rng.choice((0.0, 0.3, 1.0)),
            "max_tokens": rng.choice(((None, 1024), (2048, 4096), (None, 3000)))},
           lifetime=(3, 9), daily=(20, 60))


def agentic_harvest(b: WorldBuilder, count: int) -> None:
    rng = b.rng
    tools = tuple(pick(rng, syn) for syn in TOOL_SYNONYMS)
    _hydra(b, count, "agentic_coding+proxy_pool",
           {"kind": "agent", "systems": tuple(sample_k(rng, b.pool(phrases.AGENT_SYSTEMS), 2)),
            "tools": tools, "max_tokens": rng.choice(((8192, 16384), (4096, 32000))),
            "effort": rng.choice(("high", None))},
           lifetime=(4, 11), daily=(5, 12), hosting_share=0.6)


def pivot(b: WorldBuilder, count: int) -> None:
    rng = b.rng
    k = b.knobs.tactic("new_model_pivot+reasoning_coercion")
    name = _campaign(b, "new_model_pivot+reasoning_coercion")
    pool = _proxy_pool(b, max(12, count * 3), 0.3)
    pays = _payments(b, name, count)
    skeleton = _skeleton(b)
    skeleton["openers"] = tuple(sample_k(rng, b.pool(phrases.COERCE_OPENERS), 2))
    delay = rng.uniform(1, 14)
    wave = rng.uniform(5, 25)
    for i in range(count):
        b.add(
            persona="distiller", campaign=name, tactic="new_model_pivot+reasoning_coercion",
            created_at=b.created(wave, wave + 0.2), country=rng.choice(("US", "SG", "HK", "JP")),
            places=rng.sample(pool, min(len(pool), rng.randint(4, 12))),
            daily=rng.uniform(3, 8), p_active=0.45, plan=rng.choice(("payg", "startup")),
            kyc="card", email=pick(rng, CONSUMER_DOMAINS), payment=pays[i],
            uas=rng.choice((1, 2)), kind="coerce", skeleton=skeleton, orca=True,
            pivot_after=b.models[-1].released + timedelta(hours=delay + rng.uniform(0, 4)),
            pivot_daily=rng.uniform(35, 80) * k.rate,
            effort="high" if rng.random() < k.pick("reasoning", 1.0) else None,
            max_tokens=rng.choice((None, 16000, 32000)),
        )


def low_and_slow(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    k = b.knobs.tactic("low_and_slow+camouflage")
    name = _campaign(b, "low_and_slow+camouflage")
    skeleton = _skeleton(b)
    # The accounts were registered by one account farm before being aged.
    farm = _proxy_pool(b, max(3, count // 5), 0.3)
    family = rng.choice(("openai", "anthropic"))
    for i in range(count):
        country = draw_country(b.rng)
        places, country = b.consumer_places(country)
        places = [pick(rng, b.shared_homes) if rng.random() < 0.5 else places[0], *places[1:]]
        b.add(
            persona="distiller", campaign=name, tactic="low_and_slow+camouflage",
            created_at=b.created(120, 600), country=country, places=places,
            daily=rng.uniform(2.5, 6) * k.rate, p_active=rng.uniform(0.7, 0.95), plan="payg",
            kyc="card",
            email=pick(rng, CONSUMER_DOMAINS),
            payment=f"pf-{hex_id(cfg.seed, name, 'own', i)}", kind="evol",
            skeleton=skeleton, camouflage=rng.uniform(0.6, 1.8) * k.pick("camouflage", 0.5) * 2,
            effort=rng.choice((None, "medium", "high")),
            max_tokens=rng.choice((None, 2048, 4096, 8192)),
            step_share=0.1, reasoning=False, new_model_rate=0.1, family=family,
            signup_ip=pick(rng, farm).ip,
        )


def lone_enterprise(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    for _ in range(count):
        net = pick(rng, HOSTING)
        skeleton = _skeleton(b)
        b.add(
            persona="distiller", campaign=None, tactic="lone_enterprise",
            created_at=b.created(200, 700), country=net.country,
            places=[Endpoint.of(net, rng.randrange(60000)) for _ in range(rng.randint(1, 2))],
            daily=lognormal(b.rng, 180, 0.4, 420), p_active=0.97, plan="enterprise", kyc="contract",
            email=f"{pick(rng, phrases.PRODUCTS).lower().replace(' ', '')}-group.com",
            payment=f"pf-{hex_id(cfg.seed, 'lone', b.n)}",
            org=f"org-{hex_id(cfg.seed, 'loneorg', b.n)}", declared=pick(
                rng, phrases.DECLARED_USE["enterprise"]), keys=rng.randint(2, 4),
            kind="coerce", skeleton=skeleton, orca=True, effort="high",
            max_tokens=rng.choice((None, 8000, 16000)),
        )
