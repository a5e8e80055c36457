"""Who is in a world and how many: the registry of attack tactics and benign
personas, their shares of accounts, and the selection flags.

Shares are for the default world; the world's knobs scale them (domain
randomisation), ``--tactics`` / ``--exclude-tactics`` keep a subset of attack
tactics (their accounts go to casual users instead), and every count has a
floor so that small worlds still hold every selected tactic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from distillguard.schema import InputError
from distillguard.simulate import campaigns, cohorts, developers, operations
from distillguard.simulate.knobs import Knobs, draw_knobs
from distillguard.simulate.world import BENIGN_PERSONAS, SimConfig, World, WorldBuilder

Recipe = Callable[[WorldBuilder, int], None]


@dataclass(frozen=True, slots=True)
class Tactic:
    name: str
    recipe: Recipe
    share: float  # of all accounts, default world
    minimum: int
    description: str
    split_every: int = 0  # one campaign per this many accounts of the world (0: one)
    lone: bool = False  # one actor per account, no campaign


TACTIC_REGISTRY: Final = (
    Tactic("hydra+reasoning_coercion", campaigns.hydra_coercion, 0.024, 3,
           "short-lived accounts in creation waves on residential proxies, prompts wrapped "
           "with instructions to write out full reasoning", split_every=1000),
    Tactic("hydra+rubric_grading", campaigns.rubric_harvest, 0.010, 3,
           "UltraFeedback rating templates with four candidates (reward-model data)",
           split_every=3000),
    Tactic("agentic_coding+proxy_pool", campaigns.agentic_harvest, 0.010, 3,
           "coding tasks with tool loops, narrating reasoning before every call"),
    Tactic("new_model_pivot+reasoning_coercion", campaigns.pivot, 0.010, 3,
           "quiet on the old model, switches to the new one within hours of its release"),
    Tactic("low_and_slow+camouflage", campaigns.low_and_slow, 0.015, 3,
           "aged accounts on home addresses, a few harvest requests a day among organic chat"),
    Tactic("lone_enterprise", campaigns.lone_enterprise, 0.00125, 1,
           "one contract account per actor, high volume, no cluster", lone=True),
    Tactic(operations.AGENT_BURST, operations.agent_burst, 0.020, 3,
           "agent loops (tool calls and results, coding, web research, data analysis) in "
           "synchronised concurrent bursts; shared scaffold, proxy pool, creation waves; no "
           "reasoning, rubric or synthetic phrasing"),
    Tactic(operations.POOL_ROTATION, operations.pool_rotation, 0.010, 2,
           "a pool that keeps every account under a quota and continues a conversation on "
           "the next account after a 429 or a ban (same message prefix)"),
    Tactic(operations.RESELLER, operations.reseller, 0.004, 2,
           "a reseller's accounts mixing real customers' traffic with distillation traffic"),
    Tactic(operations.ZH_HARVEST, operations.zh_harvest, 0.012, 3,
           "Chinese prompts and coercion wrappers (simplified or traditional), re-templated "
           "GSM8K numbers"),
    Tactic(operations.PARAPHRASED, operations.paraphrased, 0.010, 3,
           "every request's wrapper paraphrased anew: no reused skeleton"),
    Tactic(operations.LONE, operations.lone_harvester, 0.002, 1,
           "one ordinary account per actor sending dataset items one by one for days: "
           "distinct single-turn tasks, no wrapper, nothing shared", lone=True),
    Tactic(operations.FLEET, operations.fleet, 0.050, 6,
           "many aged quiet accounts under every per-account threshold, one scheduler, one "
           "sign-up farm"),
)
TACTIC_NAMES: Final = tuple(t.name for t in TACTIC_REGISTRY)

BENIGN_REGISTRY: Final[tuple[tuple[str, Recipe, float, int], ...]] = (
    # persona, recipe, share, minimum; casual users take the rest
    ("student", cohorts.student, 0.12, 1),
    ("app_developer", cohorts.app_developer, 0.04, 1),
    ("eval_researcher", cohorts.eval_researcher, 0.02, 1),
    ("enterprise", cohorts.enterprise, 0.12, 1),
    ("synthetic_data_vendor", cohorts.synthetic_data_vendor, 0.004, 2),
    ("labelling_company", cohorts.labelling_company, 0.005, 2),
    ("agent_framework_user", developers.agent_framework_user, 0.03, 1),
    ("ci_pipeline", developers.ci_pipeline, 0.004, 1),
    ("agentic_benchmark", developers.agentic_benchmark, 0.0015, 1),
    ("enterprise_coding", developers.enterprise_coding, 0.02, 1),
    ("campus_student", developers.campus_student, 0.05, 1),
)
MAX_NON_CASUAL: Final = 0.8
# Randomised sizes could otherwise make distillers a third of the world or more, where
# "flag everyone" alone scores a high F1.
MAX_ATTACK: Final = 0.3
PERSONA_DESCRIPTIONS: Final = {
    "casual": "multi-turn chat, diurnal rhythm, home and mobile addresses (the rest of the "
              "accounts)",
    "student": "homework with 'explain step by step', campus NAT per course, deadline bursts",
    "app_developer": "one templated prompt thousands of times, support bots, IDE agents",
    "eval_researcher": "a public benchmark once, chain-of-thought instructions",
    "enterprise": "organisations sharing org id, payment and NAT; business hours",
    "synthetic_data_vendor": "licensed synthetic data generation, 24/7, high volume",
    "labelling_company": "LLM-as-judge grading with distilabel templates",
    "agent_framework_user": "unrelated developers running a public agent framework's default "
                            "system prompt and tool schemas",
    "ci_pipeline": "one repository's tests on every push and a nightly cron: bursty, "
                   "identical prompts, fresh runner addresses",
    "agentic_benchmark": "a SWE-bench-style run once: hundreds of concurrent tool loops",
    "enterprise_coding": "one organisation's engineers on the same IDE agent from the office "
                         "NAT",
    "campus_student": "a large course behind one university NAT, signed up in one lecture, "
                      "same problem set, weekly lab hours together",
}


def catalogue() -> list[dict[str, object]]:
    """Every attack tactic and benign persona with its default share and a description."""
    rows: list[dict[str, object]] = [
        {"name": t.name, "kind": "attack tactic", "default_share": t.share,
         "description": t.description} for t in TACTIC_REGISTRY]
    shares = {p: share for p, _, share, _ in BENIGN_REGISTRY}
    rows += [{"name": p, "kind": "benign persona", "default_share": shares.get(p),
              "description": PERSONA_DESCRIPTIONS[p]} for p in BENIGN_PERSONAS]
    return rows


def select_tactics(keep: Sequence[str], drop: Sequence[str]) -> tuple[str, ...]:
    """Tactic names selected by ``keep`` (empty: all) minus ``drop``; a name given may be
    a full tactic name or one of its "+" parts. Unknown names are an input error."""
    def matches(token: str) -> list[str]:
        return [t for t in TACTIC_NAMES if token == t or token in t.split("+")]

    unknown = [t for t in (*keep, *drop) if not matches(t)]
    if unknown:
        raise InputError(f"unknown tactic(s) {', '.join(unknown)}; see --list-tactics",
                         details={"field": "tactics", "unknown": unknown,
                                  "known": list(TACTIC_NAMES)})
    chosen = {m for t in keep for m in matches(t)} if keep else set(TACTIC_NAMES)
    chosen -= {m for t in drop for m in matches(t)}
    return tuple(t for t in TACTIC_NAMES if t in chosen)


def quotas(n: int, knobs: Knobs, tactics: Sequence[str]) -> list[tuple[Recipe, int]]:
    """How many accounts each recipe gets in a world of ``n`` accounts."""
    plan: list[tuple[Recipe, int]] = []
    shares: list[tuple[Recipe, float, int, int]] = []
    attack = sum(t.share * knobs.tactic(t.name).size for t in TACTIC_REGISTRY
                 if t.name in tactics)
    attack_scale = min(1.0, MAX_ATTACK / attack) if attack else 1.0
    for t in TACTIC_REGISTRY:
        if t.name not in tactics:
            continue
        share = t.share * knobs.tactic(t.name).size * attack_scale
        parts = max(1, round(n / t.split_every)) if t.split_every else 1
        if t.lone:
            shares.append((t.recipe, share, t.minimum, 1))
        else:
            shares += [(t.recipe, share / parts, t.minimum, 1)] * parts
    for persona, recipe, share, minimum in BENIGN_REGISTRY:
        shares.append((recipe, share * knobs.benign_share(persona), minimum, 1))
    total = sum(s for _, s, _, _ in shares)
    scale = min(1.0, MAX_NON_CASUAL / total) if total else 1.0
    for recipe, share, minimum, _ in shares:
        plan.append((recipe, max(minimum, round(n * share * scale))))
    used = sum(k for _, k in plan)
    plan.append((cohorts.casual, max(1, n - used)))
    return plan


def build_world(cfg: SimConfig) -> World:
    """Plan every account, persona and campaign of the world for ``cfg``."""
    tactics = select_tactics(cfg.tactics, cfg.exclude_tactics)
    knobs = draw_knobs(cfg.seed, cfg.randomize, tactics, BENIGN_PERSONAS)
    b = WorldBuilder(cfg, knobs)
    for recipe, count in quotas(cfg.accounts, knobs, tactics):
        recipe(b, count)
    actors = sorted(b.actors, key=lambda a: a.account.account_id)
    return World(config=cfg, models=b.models, actors=tuple(actors),
                 campaigns=dict(sorted(b.campaigns.items())), knobs=knobs, tactics=tactics,
                 campaign_params={k: dict(v) for k, v in sorted(b.campaign_params.items())})
