"""Sessions of the agentic, scripted and rotating clients (attack and benign).

Planning and building for: bursty agent-loop operations, agent-framework
users, CI pipelines, agentic benchmark runs, enterprise IDE agents, campus
students, pool rotation across accounts, reseller mixing, Chinese-language and
paraphrased harvests and the quiet fleet. :class:`~traffic.Traffic` inherits
these; every draw still comes from the per-plan or per-session generator.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from distillguard.simulate import paraphrase, phrases, zh
from distillguard.simulate.agents import PUBLIC_FRAMEWORKS, Scaffold, trajectory
from distillguard.simulate.bodies import Call, Msg
from distillguard.simulate.content import first_sentences, pick
from distillguard.simulate.corpora import split_items
from distillguard.simulate.network import hex_id

if TYPE_CHECKING:
    from collections.abc import Sequence

    from distillguard.simulate.content import Author
    from distillguard.simulate.traffic import Exchange, Session
    from distillguard.simulate.world import Actor, World

Built = list[tuple[float, Call, "str | None"]]
FRAMEWORKS: Final = {s.name: s for s in PUBLIC_FRAMEWORKS}
HARVEST_FOLLOWUPS: Final = (
    "Now solve a harder variant of the same problem.", "Give an alternative approach.",
    "Generalise this and answer again.", "What changes if the numbers are doubled?",
    "Turn this into a new question with a different answer and answer it.",
    "Rewrite the answer for an expert audience.", "Continue.", "Give two more examples.",
)


def _poisson(rng: random.Random, lam: float) -> int:
    from distillguard.simulate.traffic import _poisson as p

    return p(rng, lam)


def max_tokens_of(rng: random.Random, value: Any) -> int | None:
    """An account's max tokens: one value, or a choice per request from a tuple."""
    if isinstance(value, tuple):
        return pick(rng, value)  # type: ignore[no-any-return]
    return value if isinstance(value, int) else None


def scaffold_of(a: Actor) -> Scaffold:
    sc = a.params["scaffold"]
    return FRAMEWORKS[sc] if isinstance(sc, str) else sc


#: Instructions a self-instruct script appends to a passage.
EXPAND: Final = ("Write three questions about this passage and answer them.",
                 "Explain this to a beginner, step by step.", "Summarise this in two sentences.",
                 "Continue this text.", "What are the key claims here? Answer in detail.",
                 "Rewrite this more clearly.", "Turn this into a quiz with answers.")


class LoopSessions:
    """Mixin of :class:`Traffic`: planning and building for the kinds listed above."""

    # Provided by Traffic.
    world: World
    w: Author
    seed: int
    index: dict[str, int]

    if TYPE_CHECKING:
        # Provided by Traffic; declared for the type checker only.
        def _at(self, rng: random.Random, day0: datetime, tz: int,
                profile: Sequence[float]) -> datetime: ...

        def _model(self, a: Actor, ts: datetime, rng: random.Random,
                   small: bool = False) -> str: ...

        def _s_casual(self, a: Actor, s: Session, rng: random.Random) -> Built: ...

        def _s_coerce(self, a: Actor, s: Session, rng: random.Random) -> Built: ...

        def _s_evol(self, a: Actor, s: Session, rng: random.Random) -> Built: ...

    # --- planning ---------------------------------------------------------------------

    def plan_special(self, idx: int, a: Actor, day: int, day0: datetime,
                     rng: random.Random) -> list[Session] | None:
        from distillguard.simulate.traffic import FLAT, HUMAN, WORK, Session

        kind = a.params.get("kind", a.persona)
        p = a.params
        weekend = day0.weekday() >= 5
        out: list[Session] = []
        if kind == "agentburst":
            brng = random.Random(f"burst:{self.seed}:{a.campaign}:{day}")
            for b in range(_poisson(brng, p["bursts_per_day"])):
                start = day0 + timedelta(hours=brng.uniform(0, 24))
                width = brng.uniform(600, 3600)
                if rng.random() >= p["join"]:
                    continue
                for k in range(max(1, _poisson(rng, p["concurrency"]))):
                    out.append(Session(start + timedelta(seconds=rng.uniform(0, width)), idx,
                                       kind, 1000 * b + k))
            return out
        if kind == "ci":
            runs: list[datetime] = []
            if not weekend:
                runs += [self._at(rng, day0, a.tz, WORK) for _ in range(_poisson(rng, p["pushes"]))]
            runs.append(day0 + timedelta(hours=p["cron_hour"], minutes=p["cron_minute"],
                                         seconds=rng.uniform(0, 90)))
            for r, start in enumerate(runs):
                for t in range(p["suite"]):
                    out.append(Session(start + timedelta(seconds=rng.uniform(0, p["spread"])),
                                       idx, kind, 1000 * r + t, t))
            return out
        if kind == "benchmark":
            for n, (rday, tasks, conc) in enumerate(p["runs"]):
                if rday != day:
                    continue
                start = self._at(rng, day0, a.tz, WORK)
                for t in range(tasks):
                    wave = t // conc
                    out.append(Session(start + timedelta(seconds=wave * rng.uniform(60, 240)
                                                         + rng.uniform(0, 20)),
                                       idx, kind, 1000 * n + t, t))
            return out
        if kind == "pool":
            if not p["leader"]:
                return []
            return [Session(self._at(rng, day0, 0, FLAT), idx, kind, k)
                    for k in range(p["shifts"])]
        if kind == "fleet":
            frng = random.Random(f"slots:{self.seed}:{a.campaign}:{day}")
            slots = [day0 + timedelta(hours=frng.choice(range(24)), minutes=frng.randrange(60))
                     for _ in range(p["slots"])]
            mine = [s for k, s in enumerate(slots)
                    if int(hex_id(a.account.account_id, day, k, n=4), 16) % p["slots"] == 0]
            for k, s in enumerate(mine):
                if rng.random() < p["harvest_daily"]:
                    out.append(Session(s + timedelta(seconds=rng.uniform(0, 600)), idx, kind, k))
            for k in range(_poisson(rng, p["camouflage"])):
                out.append(Session(self._at(rng, day0, a.tz, HUMAN), idx, "casual", 500 + k))
            return out
        return None

    # --- agent loops ------------------------------------------------------------------

    def loop(self, a: Actor, rng: random.Random, scaffold: Scaffold, domain: str,
             steps: int, *, gap: tuple[float, float] = (1.5, 9.0), max_tokens: int | None = None,
             effort: str | None = None, temperature: float | None = None,
             p429: float = 0.0, model: str | None = None) -> Built:
        """One agent loop: tool calls, tool results fed back, then the final answer."""
        task, plan, final = trajectory(self.w, rng, scaffold, domain, steps)
        msgs = [Msg("user", task)]
        out: Built = []
        prefix = "toolu_" if a.endpoint == "messages" else "call_"
        for i in range(len(plan) + 1):
            last = i == len(plan)
            talk = "" if last else plan[i][0]
            wait = 0.0 if i == 0 else rng.uniform(*gap)
            call = Call(scaffold.system, list(msgs), final if last else talk,
                        first_sentences(final, 2) if effort else None, temperature=temperature,
                        max_tokens=max_tokens, effort=effort, tools=scaffold.tools)
            if p429 and rng.random() < p429:  # rate limited: back off and send it again
                out.append((wait, replace(call, status=429), model))
                wait = rng.uniform(1.0, 8.0)
            out.append((wait, call, model))
            if last:
                break
            _talk, role, args, result = plan[i]
            tool = scaffold.tool(role)
            cid = prefix + hex_id(a.account.account_id, rng.random(), n=20)
            msgs += [Msg("assistant", talk, (cid, tool.name, args)),
                     Msg("tool", result, (cid, tool.name, None))]
        return out

    def _effort(self, a: Actor, rng: random.Random) -> str | None:
        share = float(a.params.get("reasoning_share", 0.0))
        return rng.choice(("medium", "high")) if rng.random() < share else None

    def _s_agentburst(self, a: Actor, s: Session, rng: random.Random) -> Built:
        p = a.params
        sc = scaffold_of(a)
        return self.loop(a, rng, sc, pick(rng, p["domains"]), rng.randint(3, 9),
                         gap=(0.8, 6.0), max_tokens=max_tokens_of(rng, p["max_tokens"]),
                         effort=self._effort(a, rng), temperature=p["temperature"],
                         p429=p["p429"])

    def _s_framework(self, a: Actor, s: Session, rng: random.Random) -> Built:
        sc = scaffold_of(a)
        out: Built = []
        for k in range(1 + int(rng.expovariate(1.5))):
            part = self.loop(a, rng, sc, pick(rng, sc.domains), rng.randint(2, 10),
                             gap=(2.0, 20.0), max_tokens=a.params["max_tokens"],
                             effort=self._effort(a, rng), temperature=a.params["temperature"])
            if k:
                part[0] = (rng.uniform(60, 900), part[0][1], part[0][2])
            out += part
        return out

    def _s_idecoding(self, a: Actor, s: Session, rng: random.Random) -> Built:
        sc = scaffold_of(a)
        return self.loop(a, rng, sc, "coding", rng.randint(1, 6), gap=(2.0, 30.0),
                         max_tokens=a.params["max_tokens"], effort=self._effort(a, rng))

    def _s_benchmark(self, a: Actor, s: Session, rng: random.Random) -> Built:
        p = a.params
        return self.loop(a, rng, scaffold_of(a), "coding", rng.randint(6, 24), gap=(2.0, 15.0),
                         max_tokens=p["max_tokens"], effort=p.get("effort"), temperature=0.0,
                         p429=0.02)

    def _s_ci(self, a: Actor, s: Session, rng: random.Random) -> Built:
        p = a.params
        # The same fixture every run: a test's input never changes between runs.
        trng = random.Random(f"ci:{a.account.account_id}:{s.arg}")
        if s.arg % 5 == 4:
            return self.loop(a, trng, scaffold_of(a), "research", 2, gap=(0.5, 2.0),
                             max_tokens=p["max_tokens"], temperature=0.0)
        prompt, answer, is_json = self.w.app_task(trng, pick(trng, phrases.APP_TASKS))
        return [(0.0, Call(p["system"], [Msg("user", prompt)], answer, temperature=0.0,
                           max_tokens=p["max_tokens"], json_mode=is_json), None)]

    def _s_campus(self, a: Actor, s: Session, rng: random.Random) -> Built:
        """Homework; a course's students share one problem set (campus students)."""
        p = a.params
        assignment = p.get("assignment") or (rng.randrange(len(self.w.c.math)),)
        item = self.w.c.math[pick(rng, assignment) % len(self.w.c.math)]
        if p.get("zh", True):
            trad = bool(p.get("traditional", False))
            prob = zh.word_problem(random.Random(item.question), item.question)
            ask = zh.script(pick(rng, zh.STUDENT_ASKS).format(q=prob.question), trad)
            answer = zh.script(f"{prob.steps}\n答案：{prob.answer}", trad)
        else:
            ask = pick(rng, phrases.STUDENT_ASKS).format(q=item.question)
            answer = f"{item.solution}\n\nSo the answer is {item.final}."
        return [(0.0, Call("", [Msg("user", ask)], answer, max_tokens=p.get("max_tokens")), None)]

    # --- harvests -----------------------------------------------------------------------

    def zh_item(self, rng: random.Random, mix: tuple[int, int, int], trad: bool
                ) -> tuple[str, str, str]:
        """(Chinese prompt, answer, reasoning): re-templated math, wrapped prompts or code."""
        kind = rng.choices(("math", "prompt", "code"), mix)[0]
        if kind == "math" and self.w.c.math:
            prob = zh.word_problem(rng, pick(rng, self.w.c.math).question)
            return (zh.script(prob.question, trad), str(prob.answer), zh.script(prob.steps, trad))
        prompt, answer, reasoning = self.w.harvest_item(rng, (0, 1, 0) if kind == "prompt"
                                                        else (0, 0, 1))
        wrappers = split_items(zh.GENERAL_WRAPPERS if kind == "prompt" else zh.CODE_WRAPPERS,
                               self.world.config.split)
        return zh.script(pick(rng, wrappers).format(q=prompt), trad), answer, reasoning

    def _s_zh(self, a: Actor, s: Session, rng: random.Random) -> Built:
        p = a.params
        trad = rng.random() < p["traditional"]
        prompt, answer, reasoning = self.zh_item(rng, p["mix"], trad)
        system, user = "", prompt
        if rng.random() < p["coerce_share"]:
            sk = p.get("zh_skeleton", p["skeleton"])
            opener = zh.script(pick(rng, sk["openers"]), trad)
            directive = zh.script(pick(rng, sk["directives"]), trad)
            fmt = zh.script(pick(rng, sk["formats"]), trad)
            if rng.random() < 0.5:
                system, user = f"{opener}{directive}\n{fmt}", prompt
            else:
                system, user = opener, f"{prompt}\n\n{directive}{fmt}"
        effort = self._effort(a, rng)
        response = zh.script(f"{reasoning}\n\n答案：{answer}", trad) if reasoning else answer
        return [(0.0, Call(system, [Msg("user", user)], response, reasoning if effort else None,
                           temperature=rng.choice((None, 0.6, 1.0)),
                           max_tokens=max_tokens_of(rng, p["max_tokens"]), effort=effort), None)]

    def _s_paraphrase(self, a: Actor, s: Session, rng: random.Random) -> Built:
        p = a.params
        prompt, answer, reasoning = self.w.harvest_item(rng, p["mix"])
        system, user = paraphrase.wrap(rng, prompt, p["trace_share"], self.world.config.split)
        effort = self._effort(a, rng)
        return [(0.0, Call(system, [Msg("user", user)], f"{reasoning}\n\n{answer}",
                           reasoning if effort else None, temperature=rng.choice((None, 0.7)),
                           max_tokens=max_tokens_of(rng, p["max_tokens"]), effort=effort), None)]

    def _s_fleet(self, a: Actor, s: Session, rng: random.Random) -> Built:
        p = a.params
        prompt, answer, reasoning = self.w.harvest_item(rng, p["mix"])
        r = rng.random()
        if r < p["bare_share"]:  # the item alone: the answer is what is harvested
            system, user, response = "", prompt, answer
        else:
            system, user = paraphrase.wrap(rng, prompt, 0.5, self.world.config.split)
            response = f"{reasoning}\n\n{answer}"
        effort = self._effort(a, rng)
        return [(0.0, Call(system, [Msg("user", user)], response, reasoning if effort else None,
                           temperature=rng.choice((None, 0.7, 1.0)),
                           max_tokens=a.params["max_tokens"], effort=effort), None)]

    def _s_lone(self, a: Actor, s: Session, rng: random.Random) -> Built:
        p = a.params
        prompt, answer, reasoning = self.w.harvest_item(rng, p["mix"])
        if rng.random() < p["expand_share"]:
            # Self-instruct expansion: a passage cut from a larger text and an instruction
            # about it, so the script's tasks stay distinct beyond the seed dataset's size.
            words = pick(rng, self.w.c.answers).split()
            at = rng.randrange(max(1, len(words) - 20))
            prompt = f"{' '.join(words[at:at + rng.randint(20, 60)])}\n\n{pick(rng, EXPAND)}"
            answer = first_sentences(pick(rng, self.w.c.answers), 4)
        system, user = "", prompt
        if rng.random() < p["wrap_share"]:
            system, user = paraphrase.wrap(rng, prompt, 0.3, self.world.config.split)
        effort = self._effort(a, rng)
        return [(0.0, Call(system, [Msg("user", user)], answer, reasoning if effort else None,
                           temperature=rng.choice((None, 0.0, 0.7)),
                           max_tokens=max_tokens_of(rng, p["max_tokens"]), effort=effort), None)]

    def _s_reseller(self, a: Actor, s: Session, rng: random.Random) -> Built:
        p = a.params
        if rng.random() < p["camouflage"]:  # one of the reseller's real customers
            r = rng.random()
            if r < 0.45:
                return self._s_casual(a, s, rng)
            if r < 0.65:
                q, ans = zh.chat_turn(rng)
                return [(0.0, Call("", [Msg("user", q)], ans), None)]
            if r < 0.85:
                prompt, answer, is_json = self.w.app_task(rng, pick(rng, phrases.APP_TASKS))
                return [(0.0, Call("", [Msg("user", prompt)], answer, json_mode=is_json,
                                   temperature=0.3), None)]
            return self.loop(a, rng, FRAMEWORKS["pairdev"], "coding", rng.randint(2, 5),
                             max_tokens=4096)
        r = rng.random()
        if r < 0.4:
            return self._s_coerce(a, s, rng)
        if r < 0.6:
            return self._s_evol(a, s, rng)
        if r < 0.8:
            return self._s_zh(a, s, rng)
        return self._s_paraphrase(a, s, rng)

    # --- pool rotation ------------------------------------------------------------------

    def pool_run(self, a: Actor, s: Session, rng: random.Random) -> list[Exchange]:
        """A shift of the pool: conversations move to the next account on a 429 or a
        ban, and no account goes over its quota."""
        from distillguard.simulate.traffic import Exchange

        p = a.params
        members = [self.index[m] for m in p["pool"]]
        members = [m for m in members if self.world.actors[m].active_from <= s.start]
        # A ban lands during the first shift of its day: the account answers 403 once it
        # has served part of its quota, the pool drops it and never uses it again.
        today = (s.start - self.world.config.start) // timedelta(days=1)
        ban_day = {m: self.world.actors[m].params.get("banned_day") for m in members}
        members = [m for m in members if (d := ban_day[m]) is None or d > today
                   or (d == today and s.number == 0)]
        if not members:
            return []
        used = dict.fromkeys(members, 0)
        quota = {m: max(1, round(self.world.actors[m].params["quota"] / p["shifts"]))
                 for m in members}
        ban_after = {m: rng.randrange(quota[m]) for m in members if ban_day[m] == today}
        ptr = rng.randrange(len(members))
        out: list[Exchange] = []
        lanes = [(s.start + timedelta(seconds=rng.uniform(0, 120)), k) for k in range(p["lanes"])]
        dead: set[int] = set()
        cool: dict[int, datetime] = {}  # a rate-limited account rests for a few minutes

        def current(now: datetime) -> int | None:
            nonlocal ptr
            for _ in range(len(members)):
                m = members[ptr % len(members)]
                if m not in dead and used[m] < quota[m] and cool.get(m, now) <= now:
                    return m
                ptr += 1
            return None

        # Lanes run concurrently: always advance the lane whose next request is earliest.
        heap = [(t, k, 0) for t, k in lanes]
        convs: dict[int, tuple[list[tuple[str, str]], int, list[Msg]]] = {}
        end = s.start + timedelta(hours=p["shift_hours"])
        step = 0
        while heap:
            ts, k, _ = heapq.heappop(heap)
            if ts > end:
                continue
            acct = current(ts)
            if acct is None:
                resting = [t for m, t in cool.items() if t > ts and m not in dead
                           and used[m] < quota[m]]
                if resting:  # only resting accounts left: wait for the first one
                    heapq.heappush(heap, (min(resting), k, step))
                continue
            if k not in convs:
                # New work only while the pool can still finish it: conversations in
                # flight keep a reserve of capacity to move to.
                spare = sum(quota[m] - used[m] for m in members if m not in dead)
                if spare < 8 * p["lanes"]:
                    continue
            turns, i, history = convs.get(k) or (self.pool_conversation(rng, p), 0, [])
            user, answer = turns[i]
            msgs = [*history, Msg("user", user)]
            call = Call(p["system"], msgs, answer, max_tokens=p["max_tokens"],
                        temperature=p["temperature"])
            actor = self.world.actors[acct]
            status: int | None = None
            if acct in ban_after and used[acct] >= ban_after[acct]:
                status = 403
                dead.add(acct)
            elif rng.random() < 0.025 + 0.1 * (used[acct] / quota[acct]) ** 8:
                # Per-minute limits bite at random; the pool's quota keeps daily use low.
                status = 429
            out.append(Exchange(ts, "", call, pick(rng, actor.places),
                                pick(rng, actor.user_agents), pick(rng, actor.keys), step,
                                actor=acct, status=status))
            step += 1
            used[acct] += 1
            if status is None:
                convs[k] = (turns, i + 1, [*msgs, Msg("assistant", answer)]) \
                    if i + 1 < len(turns) else ([], 0, [])
                if not convs[k][0]:
                    del convs[k]
                heapq.heappush(heap, (ts + timedelta(seconds=rng.uniform(*p["gap"])), k, step))
            else:
                # Rotate: the same conversation goes on from the next account.
                cool[acct] = ts + timedelta(seconds=rng.uniform(60, 600))
                ptr += 1
                convs[k] = (turns, i, history)
                heapq.heappush(heap, (ts + timedelta(seconds=rng.uniform(0.3, 4.0)), k, step))
        for ex in out:
            ex.model = ex.model or self._model(self.world.actors[ex.actor or 0], ex.ts, rng)
        return out

    def pool_conversation(self, rng: random.Random, p: Any) -> list[tuple[str, str]]:
        if rng.random() < 0.5:
            thread = self.w.chat_thread(rng)
            return list(thread[: rng.randint(2, 6)])
        prompt, answer, reasoning = self.w.harvest_item(rng, p["mix"])
        turns = [(prompt, f"{reasoning}\n\n{answer}" if reasoning else answer)]
        for _ in range(rng.randint(1, 4)):
            turns.append((pick(rng, HARVEST_FOLLOWUPS), first_sentences(
                self.w.c.answers[rng.randrange(len(self.w.c.answers))], 3)))
        return turns
