"""The everyday benign personas (the agentic and scripted ones are in
developers.py; roster.py sizes every recipe).

The choices here are what keeps the world hard: hard negatives share
infrastructure with attackers (enterprises and campuses sit behind NATs,
resellers sell to both), account-creation bursts happen for benign reasons too
(new hires, a semester, a model launch), and volumes overlap in both directions
(heavy benign apps, low-and-slow attackers).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from distillguard.simulate import phrases
from distillguard.simulate.network import HOSTING, UNIVERSITY, Endpoint, hex_id
from distillguard.simulate.world import (
    CONSUMER_DOMAINS,
    WorldBuilder,
    draw_country,
    lognormal,
    pick,
)

# What chat front-ends and SDK wrappers put in max_tokens (None: not sent).
CLIENT_MAX_TOKENS = (None, None, None, 1024, 2048, 4096, 4096, 8192, 16000, 32000)
UNIS = ("ox.ac.uk", "tum.de", "mit.edu", "stanford.edu", "tsinghua.edu.cn", "unimelb.edu.au",
        "kaist.ac.kr", "sorbonne-universite.fr", "berkeley.edu", "ucl.ac.uk", "pku.edu.cn",
        "utoronto.ca", "iitb.ac.in", "usp.br", "u-tokyo.ac.jp", "ethz.ch")
RESELLER_COUNTRIES = ("CN", "RU", "TR", "VN", "HK", "IN", "BR")


def casual(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    release = b.models[-1].released
    prev: tuple[str | None, Any] = (None, None)
    for _ in range(count):
        country = draw_country(b.rng)
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
            daily=4.5 if power else lognormal(b.rng, 1.2, 0.5, 4), active_from=active_from,
            p_active=rng.uniform(0.6, 0.95) if power else rng.uniform(0.08, 0.6),
            plan="payg" if payment else "free", kyc="card" if payment else "email",
            email=pick(rng, CONSUMER_DOMAINS), payment=payment, uas=rng.choice((1, 1, 2)),
            step_share=rng.choice((0.0, 0.02, 0.1, 0.3)), reasoning=rng.random() < 0.3,
            new_model_rate=rng.uniform(0.05, 0.25), launch_fan=active_from is not None,
            max_tokens=rng.choice(CLIENT_MAX_TOKENS), **zh_params(b, country),
        )
        prev = (actor.account.payment_fingerprint, actor.places[0])


ZH_REGIONS = {"CN": 2.0, "TW": 2.0, "HK": 2.0, "SG": 1.0, "MY": 0.6}


def zh_params(b: WorldBuilder, country: str) -> dict[str, Any]:
    """Whether a user in ``country`` writes Chinese, and how often."""
    rng = b.rng
    p_user = min(0.95, b.knobs.zh_share * ZH_REGIONS.get(country, 0.03))
    if rng.random() >= p_user:
        return {}
    return {"zh_share": rng.uniform(0.5, 1.0),
            "traditional": country in ("TW", "HK") or rng.random() < 0.05}


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
                places=campus + places, daily=lognormal(b.rng, 1.3, 0.4, 4),
                p_active=rng.uniform(0.15, 0.45), plan="education",
                kyc=rng.choice(("email", "id_verified")), email=domain,
                payment=f"pf-{hex_id(cfg.seed, 'card', b.n)}" if paid else None,
                deadlines=tuple(deadlines), reasoning=rng.random() < 0.35,
                step_share=rng.uniform(0.2, 0.7), new_model_rate=rng.uniform(0.05, 0.2),
                max_tokens=rng.choice(CLIENT_MAX_TOKENS), **zh_params(b, uni.country),
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
            places=places, daily=lognormal(b.rng, 28, 0.9, 400), p_active=0.97,
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
            # Classifier-style apps read token probabilities as a confidence score.
            logprobs=rng.random() < 0.25,
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
                daily=lognormal(b.rng, 4, 0.6, 20), p_active=rng.uniform(0.5, 0.9),
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
            daily=lognormal(b.rng, 70, 0.3, 200), p_active=0.95, plan="enterprise",
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
            places=nat, daily=lognormal(b.rng, 35, 0.3, 90), p_active=0.9, plan="enterprise",
            kyc="contract", email="tagwise-labs.com", payment=card, org=org,
        )
