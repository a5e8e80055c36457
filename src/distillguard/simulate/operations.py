"""The harder distillation operations: bursty agent loops, pool rotation,
reseller mixing, Chinese-language harvest, paraphrased wrappers, a large
quiet fleet and lone harvesters on ordinary accounts.

None of them carries reasoning, rubric or synthetic-data phrasing as its
mark; each is tied together by what an operation cannot avoid leaving:
shared infrastructure (proxy pools, account farms, payment), shared tooling
(scaffolds, schedulers) and timing (creation waves, synchronised bursts, quota
keeping). Every size and rate is scaled by the world's knobs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from distillguard.simulate import phrases, zh
from distillguard.simulate.agents import PUBLIC_FRAMEWORKS, custom_scaffold
from distillguard.simulate.campaigns import _campaign, _payments, _proxy_pool, _skeleton
from distillguard.simulate.network import HOSTING, RESIDENTIAL, Endpoint, hex_id
from distillguard.simulate.world import (
    CONSUMER_DOMAINS,
    WorldBuilder,
    draw_country,
    pick,
    sample_k,
)

AGENT_BURST = "agent_burst+tool_loops"
POOL_ROTATION = "pool_rotation+quota_keeping"
RESELLER = "reseller_mixing+organic_dilution"
ZH_HARVEST = "zh_harvest+reasoning_coercion"
PARAPHRASED = "paraphrased_wrappers+proxy_pool"
FLEET = "low_and_slow_fleet"
LONE = "lone_harvester"


def _waves(b: WorldBuilder, count: int, lo_days: float, hi_days: float) -> list[Any]:
    """Creation times in a few tight waves (an account farm registers in batches)."""
    rng, cfg = b.rng, b.cfg
    # Each batch takes from one to several hours (captcha solving, SMS verification).
    waves = [(cfg.start - timedelta(days=rng.uniform(lo_days, hi_days)), rng.uniform(60, 480))
             for _ in range(max(2, count // rng.randint(5, 12)))]
    out = []
    for _ in range(count):
        at, span = pick(rng, waves)
        out.append(at + timedelta(minutes=rng.uniform(0, span)))
    return out


def agent_burst(b: WorldBuilder, count: int) -> None:
    """Many accounts run agent loops in synchronised concurrent bursts."""
    rng = b.rng
    k = b.knobs.tactic(AGENT_BURST)
    name = _campaign(b, AGENT_BURST)
    public = rng.random() < 0.4
    scaffold: Any = pick(rng, PUBLIC_FRAMEWORKS).name if public \
        else custom_scaffold(rng, f"{name}-harness")
    domains: tuple[str, ...] = ("coding", "research", "data")
    if public:
        domains = next(s.domains for s in PUBLIC_FRAMEWORKS if s.name == scaffold)
    pool = _proxy_pool(b, max(10, count), rng.uniform(0.3, 0.8))
    pays = _payments(b, name, count)
    born = _waves(b, count, -b.cfg.days / 2, 20)
    params = {"bursts_per_day": 1.6 * k.rate, "concurrency": 2.2 * k.burst,
              "reasoning_share": k.pick("reasoning", 0.0), "domains": domains,
              "scaffold": scaffold if public else "custom",
              "tools": [t.name for t in (scaffold.tools if not public else [])]}
    b.campaign_params[name] = params
    for i in range(count):
        b.add(
            persona="distiller", campaign=name, tactic=AGENT_BURST, created_at=born[i],
            country=rng.choice(("US", "SG", "HK", "DE", "JP", "GB", "CA")),
            places=rng.sample(pool, min(len(pool), rng.randint(2, 8))), daily=1.0,
            p_active=1.0, plan=rng.choice(("payg", "payg", "startup")),
            kyc=rng.choice(("card", "card", "email")), email=pick(rng, CONSUMER_DOMAINS),
            payment=pays[i], uas=1, kind="agentburst", scaffold=scaffold,
            bursts_per_day=params["bursts_per_day"], concurrency=params["concurrency"],
            join=rng.uniform(0.5, 0.9), domains=domains,
            max_tokens=rng.choice(((4096, 8192), (16384,), (2048, 4096, 8192))),
            temperature=rng.choice((None, 0.0, 0.2)), p429=0.02 + 0.02 * k.burst,
            reasoning_share=params["reasoning_share"],
        )


def pool_rotation(b: WorldBuilder, count: int) -> None:
    """A pool that keeps every account under a quota and moves a conversation to
    the next account when one is rate limited or banned."""
    rng, cfg = b.rng, b.cfg
    k = b.knobs.tactic(POOL_ROTATION)
    name = _campaign(b, POOL_ROTATION)
    pool = _proxy_pool(b, max(10, count * 2), 0.25)
    pays = _payments(b, name, count)
    born = _waves(b, count, 5, 60)
    ids: list[str] = []
    shifts = rng.randint(1, 3)
    params = {"quota": round(rng.uniform(18, 40) * k.rate), "shifts": shifts,
              "lanes": max(1, round(rng.randint(2, 5) * k.burst)),
              "ban_share": rng.uniform(0.05, 0.25)}
    b.campaign_params[name] = params
    skeleton = _skeleton(b)
    system = pick(rng, ("", "", "You are a helpful assistant.",
                        pick(rng, b.pool(phrases.COERCE_OPENERS))))
    first = len(b.actors)
    for i in range(count):
        banned = rng.randrange(cfg.days) if rng.random() < params["ban_share"] else None
        actor = b.add(
            persona="distiller", campaign=name, tactic=POOL_ROTATION, created_at=born[i],
            country=rng.choice(("US", "SG", "HK", "GB", "JP", "MY")),
            places=rng.sample(pool, min(len(pool), rng.randint(1, 4))), daily=1.0,
            p_active=1.0, plan=rng.choice(("free", "payg")), kyc=rng.choice(("email", "card")),
            email=pick(rng, CONSUMER_DOMAINS), payment=pays[i], uas=1, kind="pool",
            leader=i == 0, pool=(), quota=round(params["quota"] * rng.uniform(0.8, 1.1)),
            banned_day=banned, shifts=shifts, lanes=params["lanes"],
            shift_hours=rng.uniform(3, 10), gap=(4.0, 40.0), mix=skeleton["mix"],
            system=system, max_tokens=rng.choice((None, 4096, 8192)),
            temperature=rng.choice((None, 0.7)),
        )
        ids.append(actor.account.account_id)
    # Every member knows the pool (the leader's plan drives it).
    for j in range(first, len(b.actors)):
        b.actors[j].params["pool"] = tuple(ids)  # type: ignore[index]


def reseller(b: WorldBuilder, count: int) -> None:
    """A reseller's accounts: real customers' traffic with a distiller's mixed in."""
    rng, cfg = b.rng, b.cfg
    k = b.knobs.tactic(RESELLER)
    name = _campaign(b, RESELLER)
    net = pick(rng, HOSTING)
    gateway = [Endpoint.of(net, rng.randrange(60000)) for _ in range(rng.randint(2, 5))]
    shop = pick(rng, b.resellers)
    camo = k.pick("camouflage", rng.uniform(0.5, 0.8))
    b.campaign_params[name] = {"camouflage": camo, "gateway_addresses": len(gateway)}
    skeleton = _skeleton(b)
    zh_sk = {"openers": sample_k(rng, b.pool(zh.OPENERS), 3),
             "directives": sample_k(rng, b.pool(zh.DIRECTIVES), 3),
             "formats": sample_k(rng, b.pool(zh.FORMATS), 2)}
    for i in range(count):
        b.add(
            persona="distiller", campaign=name, tactic=RESELLER,
            created_at=b.created(30, 400), country=pick(rng, ("HK", "SG", "CN", "TR", "VN")),
            places=gateway, daily=rng.uniform(20, 60) * k.rate, p_active=0.97,
            plan=rng.choice(("startup", "payg")), kyc=rng.choice(("card", "id_verified")),
            email=f"api-{hex_id(cfg.seed, name, n=5)}.{pick(rng, ('com', 'net', 'io'))}",
            payment=shop if rng.random() < 0.6 else f"pf-{hex_id(cfg.seed, name, 'own', i)}",
            uas=rng.randint(3, 5), keys=rng.randint(3, 8), kind="reseller", camouflage=camo,
            skeleton=skeleton, zh_skeleton=zh_sk, mix=skeleton["mix"],
            traditional=0.3, coerce_share=0.6, trace_share=0.6,
            max_tokens=rng.choice((None, 4096, 8192)),
            reasoning_share=k.pick("reasoning", 0.3), effort="high",
        )


def zh_harvest(b: WorldBuilder, count: int) -> None:
    """Short-lived accounts harvesting with Chinese prompts and coercion wrappers."""
    rng = b.rng
    k = b.knobs.tactic(ZH_HARVEST)
    name = _campaign(b, ZH_HARVEST)
    skeleton = {"openers": sample_k(rng, b.pool(zh.OPENERS), 3),
                "directives": sample_k(rng, b.pool(zh.DIRECTIVES), 3),
                "formats": sample_k(rng, b.pool(zh.FORMATS), 2)}
    trad = rng.choice((0.0, b.knobs.traditional_share, 1.0))
    mix = rng.choice(((6, 3, 1), (3, 5, 2), (8, 1, 1)))
    pool = _proxy_pool(b, max(12, count * 3), 0.35)
    pays = _payments(b, name, count)
    born = _waves(b, count, -b.cfg.days + 2, 3)
    b.campaign_params[name] = {"traditional": trad, "mix": mix,
                               "coerce_share": k.pick("camouflage", 0.2)}
    for i in range(count):
        b.add(
            persona="distiller", campaign=name, tactic=ZH_HARVEST, created_at=born[i],
            country=rng.choice(("SG", "HK", "MY", "US", "JP", "TW")),
            places=rng.sample(pool, min(len(pool), rng.randint(3, 10))),
            daily=rng.uniform(15, 50) * k.rate, p_active=0.95,
            active_until=max(born[i], b.cfg.start) + timedelta(days=rng.uniform(3, 9)),
            plan=rng.choice(("free", "payg")), kyc=rng.choice(("email", "card")),
            email=pick(rng, CONSUMER_DOMAINS), payment=pays[i], uas=rng.choice((1, 2)),
            kind="zh", skeleton=skeleton, traditional=trad, mix=mix,
            coerce_share=1.0 - k.pick("camouflage", 0.2),
            reasoning_share=k.pick("reasoning", 0.5),
            max_tokens=rng.choice(((None, 4096), (8192, 16000), (2048,))),
        )


def paraphrased(b: WorldBuilder, count: int) -> None:
    """Every request's wrapper paraphrased anew: nothing textual links the accounts."""
    rng = b.rng
    k = b.knobs.tactic(PARAPHRASED)
    name = _campaign(b, PARAPHRASED)
    pool = _proxy_pool(b, max(12, count * 3), 0.2)
    pays = _payments(b, name, count)
    born = _waves(b, count, -b.cfg.days + 2, 10)
    trace = rng.uniform(0.4, 0.9)
    mix = rng.choice(((6, 3, 1), (3, 6, 1), (4, 4, 2)))
    b.campaign_params[name] = {"trace_share": trace, "mix": mix}
    for i in range(count):
        b.add(
            persona="distiller", campaign=name, tactic=PARAPHRASED, created_at=born[i],
            country=rng.choice(("US", "SG", "HK", "GB", "DE", "CA")),
            places=rng.sample(pool, min(len(pool), rng.randint(3, 12))),
            daily=rng.uniform(15, 50) * k.rate, p_active=0.9,
            active_until=max(born[i], b.cfg.start) + timedelta(days=rng.uniform(3, 10)),
            plan=rng.choice(("free", "payg", "startup")), kyc=rng.choice(("email", "card")),
            email=pick(rng, CONSUMER_DOMAINS), payment=pays[i], uas=rng.choice((1, 2)),
            kind="paraphrase", trace_share=trace, mix=mix,
            reasoning_share=k.pick("reasoning", 0.5),
            max_tokens=rng.choice(((None, 4096), (8192, 16000), (None, 2048))),
        )


def fleet(b: WorldBuilder, count: int) -> None:
    """Many aged, quiet accounts, each under every per-account threshold, fed by one
    scheduler (shared time slots) and registered by one farm."""
    rng = b.rng
    k = b.knobs.tactic(FLEET)
    name = _campaign(b, FLEET)
    farm = _proxy_pool(b, max(3, count // 8), 0.3)
    # Aged accounts: some registered in farm batches, others bought one by one.
    created = [w if rng.random() < 0.5 else b.created(90, 700)
               for w in _waves(b, count, 90, 500)]
    slots = max(4, round(count / rng.uniform(4, 10)))
    family = rng.choice(("openai", "anthropic"))
    harvest = min(1.0, rng.uniform(0.5, 0.9) * k.rate)
    b.campaign_params[name] = {"slots_per_day": slots, "harvest_per_slot": harvest,
                               "camouflage_sessions": k.pick("camouflage", 0.5) * 2}
    mix = rng.choice(((6, 3, 1), (2, 7, 1), (3, 4, 3)))
    for i in range(count):
        country = draw_country(rng)
        net = pick(rng, [n for n in RESIDENTIAL if n.country == country] or list(RESIDENTIAL))
        home = pick(rng, b.shared_homes) if rng.random() < 0.4 else \
            Endpoint.of(net, rng.randrange(64000))
        b.add(
            persona="distiller", campaign=name, tactic=FLEET,
            country=net.country, places=[home], daily=1.0, p_active=1.0, plan="payg",
            kyc="card", email=pick(rng, CONSUMER_DOMAINS), created_at=created[i],
            payment=f"pf-{hex_id(b.cfg.seed, name, 'own', b.n)}", family=family,
            kind="fleet", slots=slots, harvest_daily=harvest,
            camouflage=k.pick("camouflage", 0.5) * 2, mix=mix,
            bare_share=rng.uniform(0.3, 0.8), reasoning_share=k.pick("reasoning", 0.15),
            max_tokens=rng.choice((None, 2048, 4096)), step_share=0.05,
            signup_ip=pick(rng, farm).ip,
        )


def lone_harvester(b: WorldBuilder, count: int) -> None:
    """One ordinary consumer or start-up account per actor, a script sending dataset items
    one by one for days: distinct single-turn tasks at sustained volume, no wrapper, no
    partner account, nothing shared. What marks it is usage shaped like a harvest, not
    phrasing; an evaluation run looks alike for an afternoon, not for a week."""
    rng = b.rng
    k = b.knobs.tactic(LONE)
    for _ in range(count):
        places, country = b.consumer_places(draw_country(rng))
        if rng.random() < 0.4:  # run from a rented server instead of home
            net = pick(rng, HOSTING)
            places, country = [Endpoint.of(net, rng.randrange(60000))], net.country
        b.add(
            persona="distiller", campaign=None, tactic=LONE,
            created_at=b.created(-3, 700), country=country, places=places,
            daily=rng.uniform(25, 220) * k.rate, p_active=rng.uniform(0.6, 0.95),
            plan=rng.choice(("free", "payg", "payg", "startup")),
            kyc=rng.choice(("email", "card", "card")), email=pick(rng, CONSUMER_DOMAINS),
            payment=f"pf-{hex_id(b.cfg.seed, LONE, b.n)}" if rng.random() < 0.7 else None,
            uas=1, kind="lone", mix=rng.choice(((6, 3, 1), (1, 3, 6), (2, 6, 2), (1, 1, 1))),
            wrap_share=rng.choice((0.0, 0.0, 0.2)), expand_share=rng.choice((0.0, 0.5, 0.8)),
            reasoning_share=k.pick("reasoning", 0.3),
            max_tokens=rng.choice((None, 2048, 4096, 8192)),
            profile=rng.choice(("flat", "flat", "human", "work")),
        )
