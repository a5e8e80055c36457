"""Distillation operations, each run its own way, and lone actors.

Written from the threat description only (issue 12's tactic list and the public
record of distillation pipelines); not shaped by any detector.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import infra
from bodies import CODING_TOOLS, DOMAIN_TOOLSETS, Params, mutate_tools
from content import (
    Corpora,
    humanize,
    science_task,
    zh_hard_task,
    zh_task,
)
from content import (
    code_task_varied as code_task,
)
from content import (
    hard_task_varied as hard_task,
)
from content import (
    math_task_varied as math_task,
)
from sessions import chat, email, pf, think, tool_loop
from world import Account, World


def _cards(rng: random.Random, n: int) -> list[str]:
    return [pf(rng) for _ in range(n)]


def _op_account(
    w: World,
    campaign: str,
    tactic: str,
    created: datetime,
    country: str,
    eg: infra.Egress,
    ua: str,
    endpoint: str,
    model: str,
    cards: list[str] | None,
    *,
    plan: str = "payg",
    kyc: str = "card",
    declared: str | None = None,
    mail: str | None = None,
    org: str | None = None,
    signup_ip: str | None = None,
) -> Account:
    rng = w.rng
    return w.account(
        label="distiller",
        campaign=campaign,
        persona="distiller",
        tactic=tactic,
        created_at=created,
        country=country,
        egress=eg,
        ua=ua,
        endpoint=endpoint,
        model=model,
        n_keys=1 if rng.random() < 0.85 else 2,
        org_id=org,
        email_domain=mail or email(rng, 0.35),
        # free-tier throwaways often never add a card
        payment_fingerprint=None
        if plan == "free" and rng.random() < 0.5
        else (rng.choice(cards) if cards else pf(rng)),
        billing_country=country,
        signup_ip=signup_ip,
        kyc_level=kyc,
        plan=plan,
        declared_use=declared,
    )


def hydra_reasoning(w: World, corp: Corpora, n: int, campaign: str) -> None:
    """Many throwaway accounts behind a residential proxy pool harvesting reasoning traces, 24/7 in
    shifts."""
    rng = w.rng
    pool = infra.proxy_pool(rng, None, 60)
    cards = _cards(rng, max(4, n // 7))
    waves = [w.start - timedelta(days=rng.uniform(2, 25)) for _ in range(4)] + [
        w.start + timedelta(days=rng.uniform(1, w.days * 0.6))
    ]
    sysps = [
        None,
        None,
        "You are a meticulous expert. Reason carefully through every step before answering.",
        "Think through the problem thoroughly. Show your full work.",
        "You are a helpful assistant.",
    ]
    uas = [infra.sdk(rng, "anthropic-py"), infra.sdk(rng, "openai-py"), infra.sdk(rng, "raw")]
    for _i in range(n):
        country = rng.choice(["US", "GB", "SG", "CA", "DE", "AU", "JP", "HK"])
        eg = infra.Egress(rng.sample(pool, 12), rotate=True)
        wave = rng.choice(waves)
        ep = rng.choice(["messages", "messages", "chat.completions", "responses"])
        a = _op_account(
            w,
            campaign,
            "reasoning_trace_harvest",
            wave + timedelta(minutes=rng.uniform(0, 300)),
            country,
            eg,
            rng.choice(uas),
            ep,
            "frontier-1",
            cards if rng.random() < 0.8 else None,
            signup_ip=rng.choice(pool).address(rng),
            plan=rng.choice(["payg", "free", "payg"]),
        )
        zh = rng.random() < 0.25
        sysp = rng.choice(sysps)
        alive = max(0, int((a.created_at - w.start).total_seconds() // 86400))
        active = [d for d in range(alive, w.days) if rng.random() < 0.65]
        per_day = rng.uniform(15, 60)
        for d in active:
            for _ in range(int(rng.expovariate(1 / per_day)) + 1):
                t = w.start + timedelta(days=d, seconds=rng.uniform(0, 86400))
                p, ans, r = (zh_hard_task if zh else hard_task)(rng)
                eff = rng.choice(["high", "high", "medium"])
                params = Params(
                    effort=eff if ep != "messages" else None,
                    thinking_budget=rng.choice([8000, 16000, 24000, 32000])
                    if ep == "messages"
                    else None,
                    max_tokens=rng.choice([16000, 32000, 64000]),
                    stream=rng.random() < 0.5,
                )
                mdl = (
                    "frontier-2"
                    if t > w.release + timedelta(hours=rng.uniform(6, 72))
                    else "frontier-1"
                )
                pairs = [(p, ans)] + (
                    [("Double-check each step and state the final answer again.", ans)]
                    if rng.random() < 0.1
                    else []
                )
                chat(
                    w,
                    a,
                    t,
                    pairs,
                    system=sysp,
                    params=params,
                    model=mdl,
                    gap=(5, 40),
                    reasoning=lambda r=r: think(rng, r, 3.0),
                )


def agentic_harvest(w: World, corp: Corpora, n: int, campaign: str) -> None:
    """Bursty batch runs of long tool loops over many synthetic environments from a few datacenter
    subnets."""
    rng = w.rng
    nets = [infra.pick(infra.CLOUD[5:12], "cloud", rng) for _ in range(3)]
    prefixes = [(nt, nt.prefix24(rng)) for nt in nets for _ in range(2)]
    cards = _cards(rng, 5)
    accts: list[Account] = []
    bursts = [w.start - timedelta(days=rng.uniform(3, 30)) for _ in range(2)]
    ua = infra.sdk(rng, "openai-py")
    for _i in range(n):
        nt, pre = rng.choice(prefixes)
        eg = infra.Egress([nt], [nt.address(rng, pre) for _ in range(3)])
        accts.append(
            _op_account(
                w,
                campaign,
                "agentic_tool_harvest",
                rng.choice(bursts) + timedelta(minutes=rng.uniform(0, 600)),
                rng.choice(["US", "SG", "DE", "GB"]),
                eg,
                ua if rng.random() < 0.7 else infra.sdk(rng, "litellm"),
                rng.choice(["responses", "chat.completions"]),
                "frontier-1",
                cards if rng.random() < 0.6 else None,
                plan=rng.choice(["payg", "startup"]),
                mail=f"{infra.hexid(rng, 6)}.ai" if rng.random() < 0.3 else None,
                declared=rng.choice(
                    [None, "building AI agents", "agent platform", "workflow automation"]
                ),
            )
        )
    sets = list(DOMAIN_TOOLSETS.items()) + [("coding", CODING_TOOLS)]
    for d in range(w.days):
        for _ in range(rng.choice([0, 1, 2, 2, 3])):
            t0 = w.start + timedelta(days=d, seconds=rng.uniform(0, 86400))
            workers = rng.sample(accts, max(3, int(len(accts) * rng.uniform(0.2, 0.6))))
            for a in workers:
                t = t0 + timedelta(seconds=rng.uniform(0, 120))
                for _ in range(rng.randint(1, 3)):
                    dom, base = rng.choice(sets)
                    tools = mutate_tools(rng, base + rng.choice(sets)[1][:1])
                    task = (
                        f"[env {dom}-{rng.randrange(10**5)}] " if rng.random() < 0.2 else ""
                    ) + rng.choice(
                        [
                            f"A user wants help with {dom}: {rng.choice(corp.nouns)} related "
                            f"request #{rng.randrange(10**4)}. Complete it end to end using the "
                            "tools.",
                            f"Complete the following {dom} task using the available tools, "
                            f"verifying each result: {rng.choice(corp.seed_instr)}",
                            f"Goal: {code_task(rng)[0]} Use tools to explore, implement and test.",
                        ]
                    )
                    eff = rng.random() < 0.4
                    t = tool_loop(
                        w,
                        a,
                        t,
                        rng.choice(
                            [
                                None,
                                "You are an agent. Use tools to accomplish the user's goal. Think "
                                "before each call.",
                            ]
                        ),
                        task,
                        tools,
                        rng.randint(8, 26),
                        synthetic=rng.random() < 0.7,
                        step_gap=(0.8, 6),
                        params=Params(
                            effort="medium" if eff else None,
                            temperature=None if eff else rng.choice([0.7, 1.0]),
                            tool_choice="auto",
                        ),
                        reasoning=(lambda: think(rng, "decide the next tool", 1.0))
                        if eff
                        else None,
                        max_history=30,
                        model="frontier-2" if t0 > w.release + timedelta(hours=30) else None,
                    )


RUBRICS = [
    "Rate the assistant reply below from 1 to 10 for correctness, helpfulness and clarity. Return "
    'JSON {{"score": int, "rationale": str}}.\n\nQuestion:\n{q}\n\nReply:\n{a}',
    "You are a strict grader. Read the conversation and the candidate answer. Give a score 0-100 "
    "and list every flaw.\n\n<question>{q}</question>\n<candidate>{a}</candidate>",
    "Compare the two answers to the user request. Which one would an expert prefer, and by how "
    "much (1-7 Likert)? Explain.\n\nRequest: {q}\n\nAnswer 1: {a}\n\nAnswer 2: {b}",
    "Score how well the response follows the instruction on each axis: accuracy, completeness, "
    "concision, harmlessness (1-5 each), then an overall score.\n\nInstruction: {q}\nResponse: {a}",
    "请对以下回答进行打分（1-10分），并给出详细理由。\n问题：{q}\n回答：{a}",
]


def rubric_grading(w: World, corp: Corpora, n: int, campaign: str) -> None:
    """Reward-model labels: many samples of judgements over candidate answers, via VPN exits, in
    work bursts."""
    rng = w.rng
    vpn = [infra.pick(infra.VPN, "vpn", rng) for _ in range(4)]
    cards = _cards(rng, max(3, n // 4))
    for _i in range(n):
        eg = infra.Egress(rng.sample(vpn, 2), rotate=True)
        a = _op_account(
            w,
            campaign,
            "rubric_grading",
            w.start - timedelta(days=rng.uniform(5, 90)),
            rng.choice(["US", "SG", "HK", "GB", "MY"]),
            eg,
            infra.sdk(rng, rng.choice(["openai-py", "openai-py", "raw"])),
            "chat.completions",
            "frontier-1",
            cards,
            plan=rng.choice(["payg", "startup"]),
            declared=rng.choice([None, "evaluation of our chatbot", "research", "QA automation"]),
        )
        for d in range(w.days):
            if rng.random() > 0.6:
                continue
            t = w.local_time(d, "SG", (9, 20), rng)
            for _ in range(int(rng.expovariate(1 / 70))):
                t += timedelta(seconds=rng.expovariate(1 / 25))
                q, reps = rng.choice(corp.oasst)
                body = rng.choice(RUBRICS).format(
                    q=q[:1200],
                    a=(rng.choice(reps) or rng.choice(corp.oasst_replies))[:1500],
                    b=rng.choice(corp.oasst_replies)[:1500],
                )
                k = rng.random()
                params = Params(
                    temperature=1.0 if k < 0.5 else 0.0,
                    n=rng.choice([4, 8]) if k < 0.3 else None,
                    logprobs=k > 0.8,
                    response_format="json_object" if "JSON" in body else None,
                    max_tokens=800,
                )
                w.emit(
                    a,
                    t,
                    [("user", body)],
                    f'{{"score": {rng.randint(1, 10)}, '
                    '"rationale": "The reply is partially correct; it omits ..."}',
                    params=params,
                )


def low_and_slow(w: World, corp: Corpora, n: int, campaign: str) -> None:
    """Hundreds of aged, quiet accounts; each takes its own disjoint slice of one task bank, a few
    a day."""
    rng = w.rng
    bank = [hard_task(rng) for _ in range(n * 30)]
    rng.shuffle(bank)
    slices = [bank[i::n] for i in range(n)]
    uas = [infra.sdk(rng, f) for f in ("openai-py", "openai-node", "anthropic-py", "browser-app")]
    wrappers = [
        "{p}",
        "{p}",
        "Could you help me with this? {p}",
        "{p} Please explain your reasoning.",
        "Homework question: {p}",
        "{p} (be thorough)",
    ]
    for i in range(n):
        eg = infra.home_egress(rng, mobile_share=0.4)
        c = eg.nets[0].country
        ep = rng.choice(["chat.completions", "messages", "responses"])
        a = _op_account(
            w,
            campaign,
            "low_and_slow",
            w.start - timedelta(days=rng.uniform(20, 120)),
            c,
            eg,
            rng.choice(uas),
            ep,
            "frontier-1",
            None if rng.random() < 0.9 else _cards(rng, 1),
            plan=rng.choice(["payg", "free"]),
            declared=rng.choice([None, None, "learning", "personal assistant"]),
        )
        work = slices[i]
        for d in range(w.days):
            if rng.random() > rng.uniform(0.3, 0.6) or not work:
                continue
            for _ in range(rng.randint(1, 3)):
                if not work:
                    break
                p, ans, r = work.pop()
                t = w.local_time(d, c, (9, 23), rng)
                eff = rng.random() < 0.7
                params = Params(
                    effort="high" if eff and ep != "messages" else None,
                    thinking_budget=rng.choice([6000, 10000]) if eff and ep == "messages" else None,
                    max_tokens=8000,
                )
                q = rng.choice(wrappers).format(p=p)
                chat(
                    w,
                    a,
                    t,
                    [(humanize(rng, q) if rng.random() < 0.5 else q, ans)],
                    params=params,
                    reasoning=(lambda r=r: think(rng, r, 2.0)) if eff else None,
                )


def rotation_pool(w: World, corp: Corpora, n: int, campaign: str) -> None:
    """Long harvesting conversations; on HTTP 429 the same conversation continues on the next
    account."""
    rng = w.rng
    nets = [infra.pick(infra.CLOUD, "cloud", rng) for _ in range(2)]
    cards = _cards(rng, 4)
    pool = []
    for _i in range(n):
        nt = rng.choice(nets)
        pool.append(
            _op_account(
                w,
                campaign,
                "rate_limit_rotation",
                w.start - timedelta(days=rng.uniform(1, 40)),
                rng.choice(["US", "IN", "SG", "AE"]),
                infra.fixed_egress(nt, rng, 2),
                infra.sdk(rng, "openai-py"),
                "chat.completions",
                "frontier-1",
                cards,
                plan=rng.choice(["free", "payg"]),
            )
        )
    limit = {a.account_id: rng.randint(25, 60) for a in pool}  # requests per hour before 429
    for d in range(w.days):
        used: dict[str, int] = {}
        for _ in range(rng.randint(4, 12)):
            t = w.start + timedelta(days=d, seconds=rng.uniform(0, 80000))
            idx = rng.randrange(n)
            p, ans, r = rng.choice([math_task, code_task, science_task])(rng)
            turns: list[Any] = [("user", p)]
            reply = ans
            for _step in range(rng.randint(10, 40)):
                a = pool[idx]
                hour_key = f"{a.account_id}{t.hour}"
                used[hour_key] = used.get(hour_key, 0) + 1
                if used[hour_key] > limit[a.account_id]:
                    w.emit(a, t, list(turns), "", status=429, params=Params(temperature=0.8))
                    idx = (
                        idx + rng.randint(1, 3)
                    ) % n  # the harness fails over and resends the same history
                    t += timedelta(seconds=rng.uniform(0.5, 5))
                    a = pool[idx]
                rtxt, rt = think(rng, r, 1.0)
                w.emit(
                    a,
                    t,
                    list(turns),
                    reply,
                    params=Params(temperature=0.8, effort="high"),
                    reasoning=rtxt,
                    reasoning_tokens=rt,
                )
                turns.append(("assistant", reply))
                turns.append(
                    (
                        "user",
                        rng.choice(
                            [
                                "Continue.",
                                "Give three harder variants and solve each.",
                                "Now solve it a different way.",
                                "Write a new problem of the same type and solve it fully.",
                                "Explain the most common mistake here.",
                            ]
                        ),
                    )
                )
                reply = "Here is the next part: " + rng.choice([math_task, code_task])(rng)[1]
                if len(turns) > 24:
                    turns = turns[:1] + turns[-20:]
                t += timedelta(seconds=rng.uniform(3, 25))


def reseller(w: World, corp: Corpora, n: int, campaign: str) -> None:
    """An API resale gateway: real customers' traffic with harvesting mixed in, on startup
    accounts."""
    rng = w.rng
    net = infra.pick(infra.CLOUD, "cloud", rng)
    card, org = pf(rng), f"org_{infra.hexid(rng, 10)}"
    for i in range(n):
        a = _op_account(
            w,
            campaign,
            "reseller_mixing",
            w.start - timedelta(days=rng.uniform(30, 200)),
            "HK",
            infra.fixed_egress(net, rng, 4),
            infra.sdk(rng, "litellm"),
            "chat.completions",
            "frontier-1",
            [card] if i < n - 1 else None,
            plan="startup",
            declared="API gateway for our SaaS customers in Asia",
            mail=f"{infra.hexid(rng, 6)}-cloud.com",
            org=org if i < 2 else None,
        )
        share = rng.uniform(0.2, 0.45)
        for d in range(w.days):
            for _ in range(int(rng.expovariate(1 / 120))):
                t = w.local_time(d, "CN", (8, 25), rng)
                user = f"cust_{rng.randrange(4000)}"
                if rng.random() < share:
                    p, ans, r = (zh_hard_task if rng.random() < 0.5 else hard_task)(rng)
                    chat(
                        w,
                        a,
                        t,
                        [(p, ans)],
                        params=Params(effort="high", max_tokens=32000, user=user, stream=True),
                        reasoning=lambda r=r: think(rng, r, 3.0),
                    )
                else:
                    x = rng.random()
                    if x < 0.4:
                        p, ans, _ = zh_task(rng)
                        pairs = [(p, ans)]
                    elif x < 0.7:
                        dlg = rng.choice(corp.hh)[:2]
                        pairs = [(h, r2) for h, r2 in dlg]
                    else:
                        p, ans, _ = code_task(rng)
                        pairs = [(p, ans)]
                    chat(
                        w,
                        a,
                        t,
                        pairs,
                        params=Params(stream=True, user=user, temperature=rng.choice([None, 0.7])),
                    )


def new_model_pivot(w: World, corp: Corpora, n: int, campaign: str) -> None:
    """Accounts that idle on the old model and move to the new one within hours of its release."""
    rng = w.rng
    nets = [infra.pick(infra.CLOUD + infra.VPN, "cloud", rng) for _ in range(3)]
    cards = _cards(rng, 3)
    for _i in range(n):
        created = (
            w.release - timedelta(days=rng.uniform(0.2, 6))
            if rng.random() < 0.6
            else w.start - timedelta(days=rng.uniform(10, 100))
        )
        a = _op_account(
            w,
            campaign,
            "new_model_pivot",
            created,
            rng.choice(["US", "SG", "GB", "CA"]),
            infra.fixed_egress(rng.choice(nets), rng, 2),
            infra.sdk(rng, rng.choice(["openai-py", "anthropic-py"])),
            rng.choice(["chat.completions", "messages"]),
            "frontier-1",
            cards if rng.random() < 0.7 else None,
            plan="payg",
        )
        for d in range(w.days):  # a trickle before release to look alive
            if rng.random() < 0.15:
                p, ans, _ = zh_task(rng) if rng.random() < 0.3 else code_task(rng)
                chat(
                    w,
                    a,
                    w.local_time(d, a.country, (9, 22), rng),
                    [(p, ans)],
                    params=Params(temperature=0.7),
                )
        t = w.release + timedelta(hours=rng.uniform(1, 20))
        while t < w.end:
            for _ in range(rng.randint(20, 90)):
                t += timedelta(seconds=rng.expovariate(1 / 40))
                p, ans, r = rng.choice([math_task, code_task, science_task, zh_hard_task])(rng)
                eff = a.endpoint != "messages"
                chat(
                    w,
                    a,
                    t,
                    [(p, ans)],
                    model="frontier-2",
                    params=Params(
                        effort="high" if eff else None,
                        thinking_budget=None if eff else 16000,
                        max_tokens=16000,
                    ),
                    reasoning=lambda r=r: think(rng, r, 2.5),
                )
            t += timedelta(hours=rng.uniform(2, 10))


def lone_actors(w: World, corp: Corpora, n: int) -> None:
    """Single accounts, each with its own method: self-instruct expansion, evol-instruct rewriting,
    code harvest, Chinese reasoning harvest, plain high-volume Q&A."""
    rng = w.rng
    for _i in range(n):
        style = rng.choice(["self_instruct", "evol", "code", "zh", "qa"])
        eg = (
            infra.home_egress(rng)
            if rng.random() < 0.5
            else infra.fixed_egress(infra.pick(infra.CLOUD, "cloud", rng), rng, 2)
        )
        c = eg.nets[0].country
        a = w.account(
            label="distiller",
            campaign="",
            persona="distiller",
            tactic=f"lone_{style}",
            created_at=w.start - timedelta(days=rng.uniform(1, 200)),
            country=c,
            egress=eg,
            ua=infra.sdk(rng, rng.choice(["openai-py", "raw", "anthropic-py"])),
            endpoint=rng.choice(["chat.completions", "messages"]),
            model="frontier-1",
            email_domain=email(rng, 0.1),
            payment_fingerprint=pf(rng),
            billing_country=c,
            kyc_level="card",
            plan=rng.choice(["payg", "startup", "research"]),
            declared_use=rng.choice(
                [None, "research", "building a dataset for my startup", "education app"]
            ),
        )
        per_day = rng.uniform(20, 150)
        for d in range(w.days):
            if rng.random() < 0.25:
                continue
            t = w.local_time(d, c, (0, 24), rng)
            for _ in range(int(rng.expovariate(1 / per_day))):
                t += timedelta(seconds=rng.expovariate(1 / 20))
                if style == "self_instruct":
                    seeds = rng.sample(corp.seed_instr, 3)
                    p = (
                        "Come up with 20 new, diverse task instructions. Here are examples:\n"
                        + "\n".join(f"{j + 1}. {s}" for j, s in enumerate(seeds))
                        + "\n4."
                    )
                    chat(
                        w,
                        a,
                        t,
                        [
                            (
                                p,
                                "\n".join(
                                    f"{j}. {rng.choice(corp.seed_instr)}" for j in range(4, 12)
                                ),
                            )
                        ],
                        params=Params(temperature=1.0, top_p=1.0, max_tokens=3000),
                    )
                elif style == "evol":
                    p = (
                        rng.choice(corp.evol)
                        .replace("<PROMPT>", rng.choice(corp.seed_instr))
                        .replace("{}", "Add one more constraint.")
                    )
                    chat(
                        w,
                        a,
                        t,
                        [(p, "Rewritten: " + rng.choice(corp.seed_instr))],
                        params=Params(temperature=0.9, max_tokens=2048),
                    )
                elif style == "code":
                    p, ans, r = code_task(rng)
                    chat(w, a, t, [(p, ans)], params=Params(temperature=0.2, max_tokens=8000))
                else:
                    p, ans, r = (zh_hard_task if style == "zh" else hard_task)(rng)
                    eff = a.endpoint != "messages"
                    chat(
                        w,
                        a,
                        t,
                        [(p, ans)],
                        params=Params(
                            effort="high" if eff else None, thinking_budget=None if eff else 12000
                        ),
                        reasoning=lambda r=r: think(rng, r, 2.5),
                    )
