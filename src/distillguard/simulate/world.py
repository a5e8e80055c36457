"""Who is in the simulated world: accounts, the personas behind them, campaigns.

The world is planned up front (accounts are few; events are many and are
streamed later by :mod:`traffic`). All randomness comes from ``random.Random``
instances seeded from strings derived from the user's seed, so the same
arguments give the same world on any machine.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from distillguard.schema import Account
from distillguard.simulate import phrases
from distillguard.simulate.corpora import split_items
from distillguard.simulate.knobs import Knobs
from distillguard.simulate.network import (
    MOBILE,
    RESIDENTIAL,
    TZ,
    USER_AGENTS,
    Endpoint,
    Net,
    hex_id,
)

BENIGN_PERSONAS: Final = ("casual", "student", "app_developer", "eval_researcher", "enterprise",
                          "synthetic_data_vendor", "labelling_company", "agent_framework_user",
                          "ci_pipeline", "agentic_benchmark", "enterprise_coding",
                          "campus_student")
HARD_NEGATIVES: Final = ("app_developer", "eval_researcher", "enterprise",
                         "synthetic_data_vendor", "labelling_company", "agent_framework_user",
                         "ci_pipeline", "agentic_benchmark", "enterprise_coding",
                         "campus_student")
# The parts tactic names are made of ("hydra+reasoning_coercion" = two parts).
TACTICS: Final = ("hydra", "reasoning_coercion", "rubric_grading", "agentic_coding",
                  "new_model_pivot", "low_and_slow", "lone_enterprise", "camouflage",
                  "proxy_pool", "agent_burst", "tool_loops", "pool_rotation", "quota_keeping",
                  "reseller_mixing", "organic_dilution", "zh_harvest", "paraphrased_wrappers",
                  "low_and_slow_fleet", "lone_harvester")
COUNTRIES: Final = (("US", 25), ("IN", 10), ("DE", 6), ("GB", 6), ("FR", 5), ("BR", 6),
                     ("CN", 6), ("JP", 5), ("KR", 4), ("CA", 4), ("AU", 3), ("ES", 3), ("MX", 3),
                     ("TR", 3), ("VN", 3), ("RU", 3), ("NL", 3), ("SG", 2),
                     ("TW", 2), ("HK", 1))
CONSUMER_DOMAINS: Final = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me",
                           "hotmail.com", "qq.com", "163.com", "yandex.ru", "gmx.de",
                           "naver.com", "mail.ru")


@dataclass(frozen=True, slots=True)
class SimConfig:
    accounts: int = 2000
    days: int = 14
    seed: int = 7
    split: str = "all"
    start: datetime = datetime(2026, 5, 4, tzinfo=UTC)
    corpus_dir: str | None = None
    events_format: str = "jsonl"
    # Domain randomisation: draw tactic parameters, benign mix, corpus subsets and
    # language share from the seed (see knobs.py).
    randomize: bool = False
    # Attack tactics to keep (empty: all) and to drop; a name is a full tactic name
    # or one of its "+" parts.
    tactics: tuple[str, ...] = ()
    exclude_tactics: tuple[str, ...] = ()

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    released: datetime
    family: str = "frontier"


@dataclass(frozen=True, slots=True)
class Actor:
    account: Account
    persona: str  # a benign persona or "distiller"
    campaign: str | None
    tactic: str
    endpoint: str
    user_agents: tuple[str, ...]
    keys: tuple[str, ...]
    places: tuple[Endpoint, ...]
    tz: int
    active_from: datetime
    active_until: datetime
    daily: float  # mean sessions per active day
    p_active: float
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return "benign" if self.persona in BENIGN_PERSONAS else "distiller"


@dataclass(frozen=True, slots=True)
class World:
    config: SimConfig
    models: tuple[Model, ...]
    actors: tuple[Actor, ...]
    campaigns: Mapping[str, str]  # name -> tactic
    knobs: Knobs = field(default_factory=Knobs)
    tactics: tuple[str, ...] = ()  # attack tactics in this world
    campaign_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def base_model(self) -> Model:
        return self.models[0]

    @property
    def new_model(self) -> Model:
        return self.models[-1]


def pick(rng: random.Random, seq: Sequence[Any]) -> Any:
    return seq[rng.randrange(len(seq))]


def sample_k(rng: random.Random, pool: Sequence[str], k: int) -> tuple[str, ...]:
    """``k`` distinct items, fewer when a split left the pool smaller than ``k``."""
    return tuple(rng.sample(pool, min(k, len(pool))))


def draw_country(rng: random.Random) -> str:
    """A billing country, weighted like a global consumer customer base."""
    names, weights = zip(*COUNTRIES, strict=True)
    return str(rng.choices(names, weights)[0])


def lognormal(rng: random.Random, median: float, sigma: float, cap: float) -> float:
    return min(cap, median * math.exp(rng.gauss(0.0, sigma)))


class WorldBuilder:
    def __init__(self, cfg: SimConfig, knobs: Knobs | None = None) -> None:
        self.cfg = cfg
        self.knobs = knobs or Knobs()
        self.rng = random.Random(f"world:{cfg.seed}")
        self.actors: list[Actor] = []
        self.campaigns: dict[str, str] = {}
        self.campaign_params: dict[str, dict[str, Any]] = {}
        self.n = 0
        release = cfg.start + timedelta(days=cfg.days // 2, hours=self.rng.randint(13, 18))
        self.models = (
            Model("orion-2", cfg.start - timedelta(days=140)),
            Model("orion-2-mini", cfg.start - timedelta(days=95), "small"),
            Model("orion-3", release),
        )
        self.split = cfg.split
        # Residential proxy exits are ordinary home connections: some of the
        # addresses below are also home addresses of benign casual users.
        self.shared_homes = [Endpoint.of(self.consumer_net(), self.rng.randrange(60000))
                             for _ in range(max(40, cfg.accounts // 6))]
        self.resellers = [f"pf-{hex_id(cfg.seed, 'reseller', i)}" for i in range(4)]
        self.cgnat = {net.asn: [Endpoint.of(net, h) for h in range(10)] for net in MOBILE}

    def consumer_net(self) -> Net:
        """A residential network, weighted like the consumer customer base (residential
        proxy exits are ordinary homes, so they follow the same mix)."""
        country = draw_country(self.rng)
        nets = [n for n in RESIDENTIAL if n.country == country] or list(RESIDENTIAL)
        net: Net = pick(self.rng, nets)
        return net

    def pool(self, items: Sequence[str]) -> tuple[str, ...]:
        return split_items(items, self.split)

    def new_id(self) -> str:
        self.n += 1
        return "acct-" + hex_id(self.cfg.seed, "acct", self.n)

    def created(self, lo_days: float, hi_days: float) -> datetime:
        """A sign-up time ``lo..hi`` days before the window starts (negative: inside it)."""
        d = self.rng.uniform(lo_days, hi_days)
        return self.cfg.start - timedelta(days=d, seconds=self.rng.randrange(86400))

    def ua_set(self, family: str, k: int = 1) -> tuple[str, ...]:
        return tuple(self.rng.sample(USER_AGENTS[family], k))

    def endpoint_for(self, family: str) -> str:
        if family == "anthropic":
            return "messages"
        return "responses" if self.rng.random() < 0.3 else "chat.completions"

    def add(self, *, persona: str, campaign: str | None = None, tactic: str = "",
            created_at: datetime, country: str, places: Sequence[Endpoint], daily: float,
            p_active: float, plan: str, kyc: str, email: str, payment: str | None,
            org: str | None = None, family: str | None = None, uas: int = 1,
            active_from: datetime | None = None, active_until: datetime | None = None,
            declared: str | None = None, keys: int = 1, signup_ip: str | None = None,
            **params: Any) -> Actor:
        rng = self.rng
        fam = family or ("anthropic" if rng.random() < 0.35 else "openai")
        aid = self.new_id()
        decl = declared if declared is not None else pick(
            rng, phrases.DECLARED_USE.get(persona, phrases.DECLARED_USE["casual"]))
        acc = Account(
            account_id=aid, created_at=created_at, org_id=org, email_domain=email,
            payment_fingerprint=payment, billing_country=country,
            signup_ip=signup_ip or (places[0].ip if places else None), kyc_level=kyc, plan=plan,
            declared_use=decl or None,
        )
        start = max(created_at, self.cfg.start)
        actor = Actor(
            account=acc, persona=persona, campaign=campaign, tactic=tactic,
            endpoint=self.endpoint_for(fam), user_agents=self.ua_set(fam, uas),
            keys=tuple(f"key-{hex_id(aid, k, n=8)}" for k in range(keys)), places=tuple(places),
            tz=TZ.get(country, 0), active_from=max(start, active_from or start),
            active_until=min(self.cfg.end, active_until or self.cfg.end), daily=daily,
            p_active=p_active, params=dict(params),
        )
        self.actors.append(actor)
        return actor

    def home(self, net: Net | None = None) -> Endpoint:
        if self.rng.random() < 0.12:
            shared: Endpoint = pick(self.rng, self.shared_homes)
            return shared
        return Endpoint.of(net or pick(self.rng, RESIDENTIAL), self.rng.randrange(64000))

    def consumer_places(self, country: str | None = None) -> tuple[list[Endpoint], str]:
        nets = [n for n in RESIDENTIAL if n.country == country] or list(RESIDENTIAL)
        net = pick(self.rng, nets)
        places = [self.home(net)]
        if self.rng.random() < 0.45:  # a phone on a carrier-grade NAT
            mob = pick(self.rng, MOBILE)
            places += self.rng.sample(self.cgnat[mob.asn], self.rng.randint(2, 8))
        return places, net.country
