"""Recipes that populate the world: one function per benign persona and per
distillation tactic, and the quotas that size them for a given account count.

The knobs here are what keeps the world hard: attackers and hard negatives
share infrastructure (proxy exits are real home addresses, enterprises and
campuses sit behind NATs, resellers sell to both), account-creation bursts
happen for benign reasons too (new hires, a semester, a model launch), and
volumes overlap in both directions (low-and-slow attackers, heavy benign apps).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from distillguard.simulate import phrases
from distillguard.simulate.network import HOSTING, RESIDENTIAL, UNIVERSITY, Endpoint, hex_id
from distillguard.simulate.world import CONSUMER_DOMAINS, SimConfig, World, WorldBuilder, pick

Recipe = Callable[[WorldBuilder, int], None]

# What chat front-ends and SDK wrappers put in max_tokens (None: not sent).
CLIENT_MAX_TOKENS = (None, None, None, 1024, 2048, 4096, 4096, 8192, 16000, 32000)
COUNTRIES = (("US", 25), ("IN", 10), ("DE", 6), ("GB", 6), ("FR", 5), ("BR", 6), ("CN", 6),
             ("JP", 5), ("KR", 4), ("CA", 4), ("AU", 3), ("ES", 3), ("MX", 3), ("TR", 3),
             ("VN", 3), ("RU", 3), ("NL", 3), ("SG", 2))
UNIS = ("ox.ac.uk", "tum.de", "mit.edu", "stanford.edu", "tsinghua.edu.cn", "unimelb.edu.au",
        "kaist.ac.kr", "sorbonne-universite.fr", "berkeley.edu", "ucl.ac.uk", "pku.edu.cn",
        "utoronto.ca", "iitb.ac.in", "usp.br", "u-tokyo.ac.jp", "ethz.ch")
RESELLER_COUNTRIES = ("CN", "RU", "TR", "VN", "HK", "IN", "BR")
ADJ = ("amber", "cobalt", "silent", "velvet", "granite", "hollow", "crimson", "northern",
       "paper", "iron", "glass", "quiet", "distant", "copper", "lunar", "saffron")
NOUN = ("heron", "lattice", "harbor", "falcon", "orchard", "tide", "ember", "meridian",
        "willow", "quarry", "atlas", "comet", "delta", "signal", "prism", "cedar")
TOOL_SYNONYMS = (("read_file", "open_file", "view_file", "cat"),
                 ("write_file", "edit_file", "apply_patch", "str_replace"),
                 ("run_tests", "pytest", "exec_tests", "test_runner"),
                 ("search_code", "grep", "ripgrep", "find_symbol"),
                 ("bash", "shell", "run_command", "terminal"))


def _sample(rng: random.Random, pool: Sequence[str], k: int) -> tuple[str, ...]:
    """``k`` distinct items, fewer when a split left the pool smaller than ``k``."""
    return tuple(rng.sample(pool, min(k, len(pool))))


def _country(b: WorldBuilder) -> str:
    names, weights = zip(*COUNTRIES, strict=True)
    return str(b.rng.choices(names, weights)[0])


def _lognormal(b: WorldBuilder, median: float, sigma: float, cap: float) -> float:
    return min(cap, median * math.exp(b.rng.gauss(0.0, sigma)))


def casual(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    release = b.models[-1].released
    prev: tuple[str | None, Any] = (None, None)
    for _ in range(count):
        country = _country(b)
        places, country = b.consumer_places(country)
        r = rng.random()
        active_from = None
        if r < 0.07 and release < cfg.end:  # sign-up wave when the new model launches
            created = release + timedelta(minutes=rng.randrange(60 * 30))
            active_from = created
        elif r < 0.2:
            created = b.created(-cfg.days, 0)
        else:
            created = b.created(20, 900)
        pay_roll = rng.random()
        if pay_roll < 0.1 and prev[0]:
            payment: str | None = prev[0]
            places = [prev[1], *places[1:]]
        elif pay_roll < 0.17:
            payment = pick(rng, b.resellers)
            country = pick(rng, RESELLER_COUNTRIES)
        elif pay_roll < 0.65:
            payment = f"pf-{hex_id(cfg.seed, 'card', b.n)}"
        else:
            payment = None
        power = rng.random() < 0.1
        actor = b.add(
            persona="casual", created_at=created, country=country, places=places,
            daily=4.5 if power else _lognormal(b, 1.2, 0.5, 4), active_from=active_from,
            p_active=rng.uniform(0.6, 0.95) if power else rng.uniform(0.08, 0.6),
            plan="payg" if payment else "free", kyc="card" if payment else "email",
            email=pick(rng, CONSUMER_DOMAINS), payment=payment, uas=rng.choice((1, 1, 2)),
            step_share=rng.choice((0.0, 0.02, 0.1, 0.3)), reasoning=rng.random() < 0.2,
            new_model_rate=rng.uniform(0.05, 0.25), launch_fan=active_from is not None,
            max_tokens=rng.choice(CLIENT_MAX_TOKENS),
        )
        prev = (actor.account.payment_fingerprint, actor.places[0])


def student(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    made = 0
    while made < count:
        size = min(count - made, rng.randint(12, 40))
        uni = pick(rng, UNIVERSITY)
        campus = [Endpoint.of(uni, rng.randrange(2000)) for _ in range(rng.randint(1, 3))]
        deadlines = sorted(rng.sample(range(cfg.days), min(cfg.days, rng.randint(2, 4))))
        domain = pick(rng, UNIS)
        term_start = rng.uniform(10, 60)
        for _ in range(size):
            places, _ = b.consumer_places(uni.country)
            created = (b.created(-cfg.days, 0) if rng.random() < 0.15
                       else b.created(term_start - 3, term_start + 4))
            paid = rng.random() < 0.3
            b.add(
                persona="student", created_at=created, country=uni.country,
                places=campus + places, daily=_lognormal(b, 1.3, 0.4, 4),
                p_active=rng.uniform(0.15, 0.45), plan="education",
                kyc=rng.choice(("email", "id_verified")), email=domain,
                payment=f"pf-{hex_id(cfg.seed, 'card', b.n)}" if paid else None,
                deadlines=tuple(deadlines), reasoning=rng.random() < 0.35,
                step_share=rng.uniform(0.2, 0.7), new_model_rate=rng.uniform(0.05, 0.2),
                max_tokens=rng.choice(CLIENT_MAX_TOKENS),
            )
        made += size


def app_developer(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    for _ in range(count):
        net = pick(rng, HOSTING)
        serverless = rng.random() < 0.4
        places = [Endpoint.of(net, rng.randrange(60000))
                  for _ in range(rng.randint(15, 50) if serverless else rng.randint(1, 3))]
        product = pick(rng, phrases.PRODUCTS)
        variant = rng.choices(("template", "tools_bot", "coding_agent"), (65, 15, 20))[0]
        b.add(
            persona="app_developer", created_at=b.created(40, 700), country=net.country,
            places=places, daily=_lognormal(b, 28, 0.9, 400), p_active=0.97,
            plan=rng.choice(("payg", "startup")), kyc=rng.choice(("card", "id_verified")),
            email=product.lower().replace(" ", "") + rng.choice((".io", ".com", ".ai")),
            payment=f"pf-{hex_id(cfg.seed, 'card', b.n)}", keys=rng.randint(1, 3),
            product=product, variant=variant,
            system=pick(rng, phrases.APP_SYSTEMS).format(product=product)
            if variant == "template" else pick(rng, phrases.IDE_SYSTEMS).format(product=product),
            task=pick(rng, phrases.APP_TASKS), small_model=rng.random() < 0.7,
            temperature=rng.choice((0.0, 0.2, 0.3, None)),
            max_tokens=rng.choice((256, 512, 1024, 4096)),
            early_adopter=rng.random() < 0.15,
        )


def eval_researcher(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    release = b.models[-1].released
    for _ in range(count):
        lab = rng.random() < 0.5
        net = pick(rng, HOSTING if lab else UNIVERSITY)
        places = [Endpoint.of(net, rng.randrange(60000)) for _ in range(rng.randint(1, 2))]
        runs = [(rng.randrange(cfg.days), rng.choice(("gsm8k", "gsm8k", "safety")),
                 rng.randint(100, 420)) for _ in range(rng.randint(1, 2))]
        early = rng.random() < 0.5 and release < cfg.end
        b.add(
            persona="eval_researcher", created_at=b.created(30, 500), country=net.country,
            places=places, daily=0.8, p_active=0.25, plan=rng.choice(("research", "payg")),
            kyc="id_verified", email=pick(rng, UNIS) if not lab else
            f"lab-{hex_id(cfg.seed, 'lab', b.n, n=4)}.org",
            payment=f"pf-{hex_id(cfg.seed, 'card', b.n)}", runs=tuple(runs),
            early_run=(release + timedelta(hours=rng.uniform(2, 20))) if early else None,
            cot=pick(rng, phrases.EVAL_PROMPTS), effort=rng.choice((None, "high", "medium")),
            cot_study=pick(rng, phrases.BENIGN_REASONING_ASKS[:3]) if rng.random() < 0.3
            else None,
            max_tokens=rng.choice((2048, 4096, 8192)),
        )


def enterprise(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    made = 0
    while made < count:
        size = min(count - made, rng.randint(4, 40))
        net = pick(rng, HOSTING)
        nat = [Endpoint.of(net, rng.randrange(60000)) for _ in range(rng.randint(1, 3))]
        org = f"org-{hex_id(cfg.seed, 'org', b.n)}"
        domain = f"{pick(rng, phrases.PRODUCTS).lower().replace(' ', '')}-corp.com"
        cards = [f"pf-{hex_id(cfg.seed, 'orgcard', org, i)}" for i in range(rng.randint(1, 2))]
        onboard = rng.uniform(60, 700)
        hires_day = rng.uniform(-cfg.days + 1, -1)
        product = pick(rng, phrases.PRODUCTS)
        system = pick(rng, phrases.APP_SYSTEMS).format(product=product)
        task = pick(rng, phrases.APP_TASKS)
        max_tokens = rng.choice((1024, 4096, 8192, 16000, 32000))
        for _ in range(size):
            created = (b.created(hires_day, hires_day + 0.1) if rng.random() < 0.12
                       else b.created(onboard - 30, onboard))
            b.add(
                persona="enterprise", created_at=created, country=net.country, places=nat,
                daily=_lognormal(b, 4, 0.6, 20), p_active=rng.uniform(0.5, 0.9),
                plan="enterprise", kyc="contract", email=domain, payment=pick(rng, cards),
                org=org, system=system, task=task, tool_share=rng.uniform(0.1, 0.6),
                reasoning=rng.random() < 0.25, new_model_rate=rng.uniform(0.0, 0.08),
                max_tokens=max_tokens,
            )
        made += size


def synthetic_data_vendor(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    net = pick(rng, HOSTING)
    org = f"org-{hex_id(cfg.seed, 'vendor')}"
    card = f"pf-{hex_id(cfg.seed, 'vendorcard')}"
    for _ in range(count):
        b.add(
            persona="synthetic_data_vendor", created_at=b.created(90, 400), country=net.country,
            places=[Endpoint.of(net, rng.randrange(60000)) for _ in range(2)],
            daily=_lognormal(b, 70, 0.3, 200), p_active=0.95, plan="enterprise",
            kyc="contract", email="synthloom.ai", payment=card, org=org, keys=2,
        )


def labelling_company(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    net = pick(rng, HOSTING)
    org = f"org-{hex_id(cfg.seed, 'labelling')}"
    card = f"pf-{hex_id(cfg.seed, 'labelcard')}"
    nat = [Endpoint.of(net, rng.randrange(60000))]
    for _ in range(count):
        b.add(
            persona="labelling_company", created_at=b.created(60, 500), country=net.country,
            places=nat, daily=_lognormal(b, 35, 0.3, 90), p_active=0.9, plan="enterprise",
            kyc="contract", email="tagwise-labs.com", payment=card, org=org,
        )


# --- distillation campaigns -------------------------------------------------


def _campaign(b: WorldBuilder, tactic: str) -> str:
    while True:
        name = f"op-{pick(b.rng, ADJ)}-{pick(b.rng, NOUN)}"
        if name not in b.campaigns:
            b.campaigns[name] = tactic
            return name


def _skeleton(b: WorldBuilder) -> dict[str, Any]:
    rng = b.rng
    return {
        "openers": tuple(_sample(rng, b.pool(phrases.COERCE_OPENERS), 3)),
        "directives": tuple(_sample(rng, b.pool(phrases.COERCE_DIRECTIVES), 3)),
        "formats": tuple(_sample(rng, b.pool(phrases.COERCE_FORMATS), 2)),
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
            pool.append(Endpoint.of(pick(rng, RESIDENTIAL), rng.randrange(64000)))
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
            "max_tokens": rng.choice(((None, 4096, 16000), (8000, 32000), (None, 8192)))},
           lifetime=(2, 7), daily=(25, 90))


def rubric_harvest(b: WorldBuilder, count: int) -> None:
    rng = b.rng
    _hydra(b, count, "hydra+rubric_grading",
           {"kind": "rubric", "intros": tuple(_sample(rng, b.pool(phrases.RUBRIC_INTROS), 2)),
            "templates": rng.randint(0, 1000), "temperature": rng.choice((0.0, 0.3, 1.0)),
            "max_tokens": rng.choice(((None, 1024), (2048, 4096), (None, 3000)))},
           lifetime=(3, 9), daily=(20, 60))


def agentic_harvest(b: WorldBuilder, count: int) -> None:
    rng = b.rng
    tools = tuple(pick(rng, syn) for syn in TOOL_SYNONYMS)
    _hydra(b, count, "agentic_coding+proxy_pool",
           {"kind": "agent", "systems": tuple(_sample(rng, b.pool(phrases.AGENT_SYSTEMS), 2)),
            "tools": tools, "max_tokens": rng.choice(((8192, 16384), (4096, 32000))),
            "effort": rng.choice(("high", None))},
           lifetime=(4, 11), daily=(5, 12), hosting_share=0.6)


def pivot(b: WorldBuilder, count: int) -> None:
    rng = b.rng
    name = _campaign(b, "new_model_pivot+reasoning_coercion")
    pool = _proxy_pool(b, max(12, count * 3), 0.3)
    pays = _payments(b, name, count)
    skeleton = _skeleton(b)
    skeleton["openers"] = tuple(_sample(rng, b.pool(phrases.COERCE_OPENERS), 2))
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
            pivot_daily=rng.uniform(35, 80), effort="high",
            max_tokens=rng.choice((None, 16000, 32000)),
        )


def low_and_slow(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    name = _campaign(b, "low_and_slow+camouflage")
    skeleton = _skeleton(b)
    # The accounts were registered by one account farm before being aged.
    farm = _proxy_pool(b, max(3, count // 5), 0.3)
    family = rng.choice(("openai", "anthropic"))
    for i in range(count):
        country = _country(b)
        places, country = b.consumer_places(country)
        places = [pick(rng, b.shared_homes) if rng.random() < 0.5 else places[0], *places[1:]]
        b.add(
            persona="distiller", campaign=name, tactic="low_and_slow+camouflage",
            created_at=b.created(120, 600), country=country, places=places,
            daily=rng.uniform(2.5, 6), p_active=rng.uniform(0.7, 0.95), plan="payg", kyc="card",
            email=pick(rng, CONSUMER_DOMAINS),
            payment=f"pf-{hex_id(cfg.seed, name, 'own', i)}", kind="evol",
            skeleton=skeleton, camouflage=rng.uniform(0.6, 1.8),
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
            daily=_lognormal(b, 180, 0.4, 420), p_active=0.97, plan="enterprise", kyc="contract",
            email=f"{pick(rng, phrases.PRODUCTS).lower().replace(' ', '')}-group.com",
            payment=f"pf-{hex_id(cfg.seed, 'lone', b.n)}",
            org=f"org-{hex_id(cfg.seed, 'loneorg', b.n)}", declared=pick(
                rng, phrases.DECLARED_USE["enterprise"]), keys=rng.randint(2, 4),
            kind="coerce", skeleton=skeleton, orca=True, effort="high",
            max_tokens=rng.choice((None, 8000, 16000)),
        )


def quotas(n: int) -> list[tuple[Recipe, int]]:
    """How many accounts each recipe gets in a world of ``n`` accounts."""
    def c(share: float, minimum: int = 1) -> int:
        return max(minimum, round(n * share))

    hydra_campaigns = max(1, round(n / 1000))
    plan: list[tuple[Recipe, int]] = []
    for _ in range(hydra_campaigns):
        plan.append((hydra_coercion, c(0.034 / hydra_campaigns, 3)))
    for _ in range(max(1, round(n / 3000))):
        plan.append((rubric_harvest, c(0.015 / max(1, round(n / 3000)), 3)))
    plan += [
        (agentic_harvest, c(0.012, 3)),
        (pivot, c(0.014, 3)),
        (low_and_slow, c(0.024, 3)),
        (lone_enterprise, max(1, round(n / 800))),
        (student, c(0.13)),
        (app_developer, c(0.045)),
        (eval_researcher, c(0.025)),
        (enterprise, c(0.14)),
        (synthetic_data_vendor, c(0.004, 2)),
        (labelling_company, c(0.005, 2)),
    ]
    used = sum(k for _, k in plan)
    plan.append((casual, max(1, n - used)))
    return plan


def build_world(cfg: SimConfig) -> World:
    """Plan every account, persona and campaign of the world for ``cfg``."""
    b = WorldBuilder(cfg)
    for recipe, count in quotas(cfg.accounts):
        recipe(b, count)
    actors = sorted(b.actors, key=lambda a: a.account.account_id)
    return World(config=cfg, models=b.models, actors=tuple(actors),
                 campaigns=dict(sorted(b.campaigns.items())))
