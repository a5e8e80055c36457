"""When and how each actor talks to the API: daily schedules and sessions.

A day of an actor is planned cheaply (session start times only); a session is
materialised into exchanges when the writer reaches its start time. Each plan
and each session has its own RNG seeded from (seed, account, day, session), so
output does not depend on iteration order and any day can be regenerated alone.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from distillguard.simulate import phrases, zh
from distillguard.simulate.bodies import Call, Msg
from distillguard.simulate.content import Author, first_sentences, pick, tool_args, tool_defs
from distillguard.simulate.corpora import Corpora
from distillguard.simulate.loops import LoopSessions
from distillguard.simulate.network import Endpoint, hex_id
from distillguard.simulate.world import Actor, World

HUMAN: Final = (1, .6, .4, .3, .3, .4, .8, 1.5, 2.5, 3.5, 4, 4, 3.5, 3.8, 4, 4, 3.8, 3.5, 3.5,
                4, 4.2, 4, 3, 2)
WORK: Final = (.1, .1, .1, .1, .1, .1, .2, 1, 3, 5, 5, 5, 4, 5, 5, 5, 4, 2, 1, .5, .3, .3, .2, .1)
EVENING: Final = (2, 1.5, 1, .5, .2, .2, .3, .8, 1.5, 2, 2, 2.5, 2.5, 3, 3, 3, 3.5, 4, 4, 4.5,
                  5, 5, 4.5, 3.5)
FLAT: Final = (3, 3, 3, 2.8, 2.8, 2.8, 3, 3, 3.2, 3.2, 3.2, 3.2, 3.2, 3.2, 3.2, 3.2, 3, 3, 3, 3,
               3, 3, 3, 3)
SERVER: Final = tuple(h + 2.0 for h in HUMAN)
#: Profiles a recipe may name in its ``profile`` parameter (a script's operator's hours).
NAMED_PROFILES: Final = {"human": HUMAN, "work": WORK, "flat": FLAT}
PROFILE: Final = {"casual": HUMAN, "student": EVENING, "app_developer": SERVER,
                  "eval_researcher": WORK, "enterprise": WORK, "synthetic_data_vendor": FLAT,
                  "labelling_company": WORK, "agent_framework_user": HUMAN,
                  "enterprise_coding": WORK, "campus_student": EVENING}
HOURS: Final = tuple(range(24))
CASUAL_STEP_ASKS: Final = ("Explain step by step.", "Think step by step.",
                           "Walk me through it step-by-step.")


@dataclass(slots=True)
class Exchange:
    ts: datetime
    model: str
    call: Call
    place: Endpoint
    user_agent: str
    key: str
    step: int
    # A pool that rotates accounts sends a session's turns from several accounts.
    actor: int | None = None
    status: int | None = None  # forced HTTP status (429, 403), else drawn by the writer


@dataclass(frozen=True, slots=True)
class Session:
    start: datetime
    actor: int  # index into world.actors
    kind: str
    number: int
    arg: int = 0


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Traffic(LoopSessions):
    def __init__(self, world: World, corpora: Corpora) -> None:
        self.world = world
        self.w = Author(corpora)
        self.seed = world.config.seed
        self.release = world.new_model.released
        self.index = {a.account.account_id: i for i, a in enumerate(world.actors)}

    # --- planning -----------------------------------------------------------------

    def _at(self, rng: random.Random, day0: datetime, tz: int, profile: Sequence[float]
            ) -> datetime:
        hour = rng.choices(HOURS, profile)[0]
        return day0 + timedelta(hours=hour - tz, milliseconds=rng.randrange(3_600_000))

    def plan(self, idx: int, day: int) -> list[Session]:
        """Session start times of actor ``idx`` on window day ``day``."""
        a = self.world.actors[idx]
        cfg = self.world.config
        day0 = cfg.start + timedelta(days=day)
        if day0 + timedelta(days=1) <= a.active_from or day0 >= a.active_until:
            return []
        rng = random.Random(f"plan:{self.seed}:{a.account.account_id}:{day}")
        special = self.plan_special(idx, a, day, day0, rng)
        if special is not None:
            return [s for s in special if a.active_from <= s.start < a.active_until]
        weekend = day0.weekday() >= 5
        out: list[Session] = []
        p, lam = a.p_active, a.daily
        kind = a.params.get("kind", a.persona)
        profile = NAMED_PROFILES.get(a.params.get("profile", ""), PROFILE.get(a.persona, FLAT))
        if a.persona in ("enterprise", "labelling_company", "enterprise_coding"):
            p = p * 0.15 if weekend else p
        elif a.persona == "student" and (day in a.params["deadlines"]
                                         or day + 1 in a.params["deadlines"]):
            p, lam = 0.9, lam * 3
        elif a.persona == "eval_researcher":
            for n, (rday, _bench, _items) in enumerate(a.params["runs"]):
                if rday == day:
                    out.append(Session(self._at(rng, day0, a.tz, WORK), idx, "run", 100 + n, n))
            early = a.params.get("early_run")
            if early is not None and day0 <= early < day0 + timedelta(days=1):
                out.append(Session(early, idx, "run", 99, -1))
            kind = "casual"
        elif kind == "coerce" and a.params.get("pivot_after") is not None:
            pivot = a.params["pivot_after"]
            if day0 + timedelta(days=1) > pivot:
                p, lam = 0.97, a.params["pivot_daily"]
        elif kind == "campus":
            # A course's lab hours: a room of students at work at the same time, from one
            # NAT; a benign shared schedule that an operator's scheduler must be told from.
            for n, (weekday, hour) in enumerate(a.params.get("labs", ())):
                if day0.weekday() == weekday and rng.random() < a.params["attend"]:
                    start = day0 + timedelta(hours=hour - a.tz)
                    for k in range(1 + _poisson(rng, 1.0)):
                        out.append(Session(start + timedelta(seconds=rng.uniform(0, 5400)),
                                           idx, kind, 300 + 10 * n + k))
        elif kind == "evol":
            profile = HUMAN
            for k in range(_poisson(rng, a.params["camouflage"])):
                out.append(Session(self._at(rng, day0, a.tz, HUMAN), idx, "casual", 500 + k))
        if rng.random() < p:
            for k in range(_poisson(rng, lam)):
                out.append(Session(self._at(rng, day0, a.tz, profile), idx, kind, k))
        return [s for s in out if a.active_from <= s.start < a.active_until]

    # --- sessions -------------------------------------------------------------------

    def _model(self, a: Actor, ts: datetime, rng: random.Random, small: bool = False) -> str:
        base, mini, new = (m.name for m in self.world.models)
        if ts >= self.release:
            if a.params.get("launch_fan"):
                return new if rng.random() < 0.7 else base
            pivot = a.params.get("pivot_after")
            if pivot is not None and ts >= pivot:
                return new
            days = (ts - self.release).total_seconds() / 86400
            rate = a.params.get("new_model_rate", 0.02)
            early = a.params.get("early_adopter", False)
            if rng.random() < min(0.6, (0.5 if early else 0.0) + rate * days):
                return new
        if small or (a.persona == "casual" and rng.random() < 0.25):
            return mini
        return base

    def run(self, s: Session) -> list[Exchange]:
        a = self.world.actors[s.actor]
        rng = random.Random(f"sess:{self.seed}:{a.account.account_id}:{s.start.isoformat()}:"
                            f"{s.number}")
        if s.kind == "pool":
            return self.pool_run(a, s, rng)
        build = getattr(self, "_s_" + s.kind)
        calls: list[tuple[float, Call, str | None]] = build(a, s, rng)
        out: list[Exchange] = []
        ts = s.start
        place = pick(rng, a.places)
        ua = pick(rng, a.user_agents)
        key = pick(rng, a.keys)
        rotating = a.label == "distiller" and a.params.get("kind") != "evol"
        for step, (gap, call, model) in enumerate(calls):
            ts = ts + timedelta(seconds=gap)
            if rotating or a.persona == "app_developer":
                place = pick(rng, a.places)
            out.append(Exchange(ts, model or self._model(a, ts, rng), call, place, ua, key, step,
                                status=call.status))
        return out

    def _s_casual(self, a: Actor, s: Session, rng: random.Random) -> list[tuple[float, Call,
                                                                                  str | None]]:
        if rng.random() < a.params.get("zh_share", 0.0):
            return self.zh_chat(a, rng)
        thread = self.w.chat_thread(rng)
        turns = min(len(thread), 1 + int(rng.expovariate(0.9)))
        history: list[Msg] = []
        out: list[tuple[float, Call, str | None]] = []
        effort = (rng.choice(("medium", "high")) if a.params.get("reasoning")
                  and rng.random() < 0.75 else None)
        temp = rng.choice((None, None, 0.7, 1.0))
        for i in range(turns):
            user, answer = thread[i]
            if i == 0 and rng.random() < a.params.get("step_share", 0.0):
                user = f"{user}\n\n{pick(rng, CASUAL_STEP_ASKS)}"
            elif i > 0 and rng.random() < 0.2:
                user = pick(rng, phrases.CASUAL_FOLLOWUPS)
            elif i > 0 and rng.random() < 0.04:
                user = pick(rng, phrases.BENIGN_REASONING_ASKS[3:])
            msgs = [*history, Msg("user", user)]
            out.append((0.0 if i == 0 else rng.uniform(20, 300),
                        Call("", msgs, answer, first_sentences(answer, 2) if effort else None,
                             temperature=temp, effort=effort, max_tokens=a.params.get("max_tokens"),
                             stream=a.persona == "casual" and rng.random() < 0.4), None))
            history = [*msgs, Msg("assistant", answer)]
        return out

    def zh_chat(self, a: Actor, rng: random.Random) -> list[tuple[float, Call, str | None]]:
        """A Chinese-speaking user's chat: everyday asks or translating an English text."""
        trad = rng.random() < a.params.get("traditional", 0.0)
        if rng.random() < 0.7:
            q, ans = zh.chat_turn(rng)
        else:
            text = first_sentences(self.w.c.answers[rng.randrange(len(self.w.c.answers))], 2)
            q, ans = pick(rng, zh.TRANSLATE).format(text=text), "翻译如下：" + text
        return [(0.0, Call("", [Msg("user", zh.script(q, trad))], zh.script(ans, trad),
                           temperature=rng.choice((None, 0.7)),
                           max_tokens=a.params.get("max_tokens"),
                           stream=rng.random() < 0.4), None)]

    def _s_student(self, a: Actor, s: Session, rng: random.Random) -> list[tuple[float, Call,
                                                                                   str | None]]:
        if rng.random() < a.params.get("zh_share", 0.0):
            return self._s_campus(a, s, rng)
        ask, answer, reasoning = self.w.homework(rng)
        if rng.random() < a.params.get("step_share", 0.3) and "step" not in ask:
            ask += " Please explain step by step."
        elif rng.random() < 0.05:
            ask += " " + pick(rng, phrases.BENIGN_REASONING_ASKS[2:5])
        effort = "medium" if a.params.get("reasoning") and rng.random() < 0.6 else None
        msgs = [Msg("user", ask)]
        out: list[tuple[float, Call, str | None]] = [
            (0.0, Call("", msgs, answer, reasoning or None if effort else None, effort=effort,
                       max_tokens=a.params.get("max_tokens")), None)]
        for _ in range(int(rng.expovariate(1.2))):
            msgs = [*msgs, Msg("assistant", answer), Msg("user", pick(
                rng, phrases.STUDENT_FOLLOWUPS))]
            answer = first_sentences(answer, 2) or "Sure."
            out.append((rng.uniform(30, 400), Call("", msgs, answer, effort=effort,
                                                   max_tokens=a.params.get("max_tokens")), None))
        return out

    def _s_app_developer(self, a: Actor, s: Session, rng: random.Random
                         ) -> list[tuple[float, Call, str | None]]:
        p = a.params
        small = bool(p["small_model"])
        if p["variant"] == "template":
            prompt, answer, is_json = self.w.app_task(rng, p["task"])
            call = Call(p["system"], [Msg("user", prompt)], answer, temperature=p["temperature"],
                        max_tokens=p["max_tokens"], json_mode=is_json,
                        user=f"u-{hex_id(a.account.account_id, rng.randrange(5000), n=6)}",
                        logprobs=bool(p.get("logprobs")))
            return [(0.0, call, None if not small else self.world.models[1].name)]
        if p["variant"] == "tools_bot":
            thread = self.w.chat_thread(rng)
            tools = tool_defs(("lookup_order", "create_ticket", "search_help_center"))
            call = Call(p["system"], [Msg("user", thread[0][0])], thread[0][1],
                        temperature=p["temperature"], max_tokens=p["max_tokens"], tools=tools)
            return [(0.0, call, None)]
        return self._agent_loop(a, rng, p["system"], ("read_file", "search_code"),
                                rng.randint(1, 3), p["max_tokens"], None, narrate=False)

    def _agent_loop(self, a: Actor, rng: random.Random, system: str, tools_names: Sequence[str],
                    steps: int, max_tokens: int, effort: str | None, narrate: bool
                    ) -> list[tuple[float, Call, str | None]]:
        task, final = self.w.code_task(rng)
        tools = tool_defs(tools_names)
        msgs = [Msg("user", task)]
        out: list[tuple[float, Call, str | None]] = []
        path = pick(rng, phrases.CODE_FILES)
        for i in range(steps):
            last = i == steps - 1
            tool = pick(rng, tools)
            talk = (f"Let me reason about this carefully. Step {i + 1}: I need to inspect "
                    f"{path} and check how it behaves before changing anything."
                    if narrate else "")
            response = final if last else talk
            out.append((0.0 if i == 0 else rng.uniform(2, 25),
                        Call(system, list(msgs), response, talk if effort else None,
                             max_tokens=max_tokens, effort=effort, tools=tools), None))
            if last:
                break
            cid = "call_" + hex_id(a.account.account_id, rng.random(), n=16)
            msgs += [Msg("assistant", talk, (cid, tool.name, tool_args(rng, tool, path))),
                     Msg("tool", first_sentences(self.w.c.answers[rng.randrange(
                         len(self.w.c.answers))], 3), (cid, tool.name, None))]
        return out

    def _s_run(self, a: Actor, s: Session, rng: random.Random) -> list[tuple[float, Call,
                                                                               str | None]]:
        p = a.params
        if s.arg < 0:
            bench, items, model = "gsm8k", rng.randint(80, 250), self.world.new_model.name
        else:
            _day, bench, items = p["runs"][s.arg]
            model = self.world.base_model.name
        offset = rng.randrange(100000)
        out: list[tuple[float, Call, str | None]] = []
        for i in range(items):
            system, user, answer, reasoning = self.w.eval_item(rng, bench, p["cot"], offset + i)
            if p.get("cot_study"):
                system = f"{p['cot_study']}\n{system}".strip()
            out.append((0.0 if i == 0 else rng.uniform(1.5, 6.0),
                        Call(system, [Msg("user", user)], answer,
                             reasoning or None if p["effort"] else None, temperature=0.0,
                             max_tokens=p["max_tokens"], effort=p["effort"]), model))
        return out

    def _s_enterprise(self, a: Actor, s: Session, rng: random.Random
                      ) -> list[tuple[float, Call, str | None]]:
        p = a.params
        r = rng.random()
        if r < 0.45:
            return self._s_casual(a, s, rng)
        if r < 0.45 + 0.55 * p["tool_share"]:
            thread = self.w.chat_thread(rng)
            tools = tool_defs(("search_wiki", "get_document", "create_ticket"))
            return [(0.0, Call(p["system"], [Msg("user", thread[0][0])], thread[0][1],
                               tools=tools, max_tokens=p["max_tokens"]), None)]
        out: list[tuple[float, Call, str | None]] = []
        for i in range(rng.randint(1, 5)):
            prompt, answer, is_json = self.w.app_task(rng, p["task"])
            out.append((0.0 if i == 0 else rng.uniform(5, 120),
                        Call(p["system"], [Msg("user", prompt)], answer, json_mode=is_json,
                             temperature=0.2, max_tokens=p["max_tokens"]), None))
        return out

    def _s_synthetic_data_vendor(self, a: Actor, s: Session, rng: random.Random
                                 ) -> list[tuple[float, Call, str | None]]:
        return [(0.0, self.w.vendor_call(rng), None)]

    def _s_labelling_company(self, a: Actor, s: Session, rng: random.Random
                             ) -> list[tuple[float, Call, str | None]]:
        return [(0.0, self.w.judge_call(rng), None)]

    def _s_coerce(self, a: Actor, s: Session, rng: random.Random
                  ) -> list[tuple[float, Call, str | None]]:
        p = a.params
        system, user, response, reasoning = self.w.coerce(rng, p["skeleton"], p.get("orca", False))
        effort = p.get("effort")
        call = Call(system, [Msg("user", user)], response, reasoning if effort else None,
                    temperature=rng.choice((None, 0.6, 1.0)), max_tokens=p["max_tokens"],
                    effort=effort, logprobs=bool(p.get("logprobs")) and rng.random() < 0.7)
        return [(0.0, call, None)]

    def _s_evol(self, a: Actor, s: Session, rng: random.Random
                ) -> list[tuple[float, Call, str | None]]:
        p = a.params
        system, user, response, reasoning = self.w.evolve(rng, p["skeleton"])
        effort = p.get("effort")
        return [(0.0, Call(system, [Msg("user", user)], response,
                           reasoning or None if effort else None,
                           temperature=rng.choice((None, 0.7)), max_tokens=p["max_tokens"],
                           effort=effort), None)]

    def _s_rubric(self, a: Actor, s: Session, rng: random.Random
                  ) -> list[tuple[float, Call, str | None]]:
        p = a.params
        templates = self.w.c.rubric_templates
        mine = [templates[(p["templates"] + k) % len(templates)] for k in range(2)]
        return [(0.0, self.w.rubric(rng, pick(rng, p["intros"]), mine, None, p["temperature"],
                                    p["max_tokens"]), None)]

    def _s_agent(self, a: Actor, s: Session, rng: random.Random
                 ) -> list[tuple[float, Call, str | None]]:
        p = a.params
        return self._agent_loop(a, rng, pick(rng, p["systems"]), p["tools"], rng.randint(3, 8),
                                p["max_tokens"], p.get("effort"), narrate=True)
