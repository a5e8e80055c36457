"""Benign personas, including the hard look-alikes (HARD below)."""

from __future__ import annotations

import random
from datetime import timedelta

import infra
from bodies import CODING_TOOLS, DOMAIN_TOOLSETS, Params, mutate_tools
from content import (
    APP_TEMPLATES,
    Corpora,
    app_prompt,
    code_task_varied,
    hard_task_varied,
    humanize,
    math_task_varied,
    mcq,
    zh_task,
)
from sessions import chat, email, pf, poisson_days, think, tool_loop
from world import World

HARD = {
    "eval_researcher",
    "ci_pipeline",
    "agent_framework_user",
    "enterprise_coding",
    "university_student",
    "labelling_vendor",
    "app_developer",
    "reseller_legit",
}

# A popular open-source agent framework's default system prompt (written for this world).
FRAMEWORK_PROMPT = (
    "You are Pathfinder, an autonomous software engineering agent running inside the user's "
    "repository. "
    "You can read and write files and run commands through the provided tools. Work step by step: "
    "explore the "
    "codebase, form a plan, make minimal changes, run the tests, and report what you changed. "
    "Never push to remote "
    "branches. If a command fails, read the error carefully before retrying. Respond concisely."
)


def _created(w: World, rng: random.Random, lo_days: float = 400, hi_days: float = 1) -> object:
    return w.start - timedelta(days=rng.uniform(hi_days, lo_days))


def casual(w: World, corp: Corpora, n: int) -> None:
    rng = w.rng
    for _ in range(n):
        eg = infra.home_egress(rng)
        c = eg.nets[0].country
        a = w.account(
            label="benign",
            campaign="",
            persona="casual_chat",
            tactic="",
            created_at=_created(w, rng, 700, -w.days * 0.8),
            country=c,
            egress=eg,
            ua=infra.sdk(rng, rng.choice(["browser-app", "openai-py", "openai-node", "raw"])),
            endpoint=rng.choice(["chat.completions"] * 3 + ["messages", "responses"]),
            model=rng.choice(["frontier-1", "frontier-1-mini"]),
            email_domain=email(rng),
            payment_fingerprint=pf(rng) if rng.random() < 0.6 else None,
            billing_country=c,
            kyc_level=rng.choice(["email", "card", "card"]),
            plan=rng.choice(["free", "free", "payg"]),
            declared_use=rng.choice(
                [None, "personal assistant", "learning", "writing help", "hobby project"]
            ),
        )
        evening = rng.random() < 0.6
        for d, k in poisson_days(w, 1.3, rng.uniform(0.08, 0.5), rng):
            for _ in range(k):
                t = w.local_time(d, c, (18, 24) if evening else (8, 23), rng)
                if rng.random() < 0.55:
                    dlg = rng.choice(corp.hh)[: rng.randint(1, 4)]
                    pairs = [(h, r or "I'm not sure I can help with that.") for h, r in dlg]
                else:
                    pr, rep = rng.choice(corp.oasst)
                    pairs = [(pr, rng.choice(rep) or "Sure.")]
                    if rng.random() < 0.3:
                        pairs.append(
                            (
                                rng.choice(
                                    [
                                        "thanks! can you make it shorter?",
                                        "why?",
                                        "give me an example",
                                        "ok and in French?",
                                    ]
                                ),
                                rng.choice(corp.oasst_replies)[:800],
                            )
                        )
                chat(
                    w,
                    a,
                    t,
                    pairs,
                    params=Params(
                        stream=rng.random() < 0.7, temperature=rng.choice([None, 0.7, 1.0])
                    ),
                    gap=(15, 240),
                    model="frontier-2" if t > w.release and rng.random() < 0.2 else None,
                )


def chinese_users(w: World, corp: Corpora, n: int) -> None:
    rng = w.rng
    for _ in range(n):
        c = rng.choice(["CN", "CN", "HK", "TW", "SG", "US", "CA"])
        if c == "CN":  # reaching the API through a VPN or cloud relay
            net = infra.pick(infra.VPN + infra.CLOUD, "vpn", rng)
            eg = infra.fixed_egress(net, rng, rng.randint(1, 3))
        elif c in ("HK", "TW", "SG"):
            eg = infra.fixed_egress(infra.pick(infra.CN_HOME, "residential", rng, c), rng, 2)
        else:
            eg = infra.home_egress(rng, c)
        a = w.account(
            label="benign",
            campaign="",
            persona="chinese_user",
            tactic="",
            created_at=_created(w, rng, 500, -w.days * 0.5),
            country=c,
            egress=eg,
            ua=infra.sdk(rng, rng.choice(["openai-py", "browser-app", "litellm", "openai-node"])),
            endpoint="chat.completions",
            model=rng.choice(["frontier-1", "frontier-1-mini"]),
            email_domain=rng.choice(
                ["qq.com", "163.com", "gmail.com", "outlook.com", "foxmail.com"]
            ),
            payment_fingerprint=pf(rng),
            billing_country=rng.choice([c, "HK", "SG", "US"]),
            kyc_level="card",
            plan=rng.choice(["payg", "free"]),
            declared_use=rng.choice([None, "个人学习", "开发测试", "writing"]),
        )
        dev = rng.random() < 0.4
        for d, k in poisson_days(w, 2.0, rng.uniform(0.15, 0.7), rng):
            for _ in range(k):
                t = w.local_time(d, "CN", (9, 24), rng)
                pairs = []
                for _ in range(rng.randint(1, 4)):
                    p, ans, _r = (
                        code_task_varied(rng) if dev and rng.random() < 0.4 else zh_task(rng)
                    )
                    pairs.append((p, ans))
                eff = rng.random() < 0.25
                chat(
                    w,
                    a,
                    t,
                    pairs,
                    params=Params(stream=True, effort="medium" if eff else None),
                    reasoning=(lambda: think(rng, "先理解问题", 0.5)) if eff else None,
                )


def app_developers(w: World, corp: Corpora, n: int) -> None:
    """HARD: one fixed template, thousands of near-identical requests from a cloud server."""
    rng = w.rng
    while n > 0:
        k = min(n, rng.choice([1, 1, 1, 2, 3]))  # an app may use a dev and a prod account
        n -= k
        tmpl = rng.choice(APP_TEMPLATES)
        net = infra.pick(infra.CLOUD, "cloud", rng)
        eg = infra.fixed_egress(net, rng, rng.randint(1, 6))
        org, card, c = (
            f"org_{infra.hexid(rng, 10)}",
            pf(rng),
            rng.choice(["US", "GB", "DE", "IN", "BR", "FR", "NL", "SG"]),
        )
        dom = f"{infra.hexid(rng, 6)}.{rng.choice(['io', 'com', 'app', 'dev', 'co'])}"
        volume = rng.lognormvariate(2.5, 0.9)
        sys_prompt = rng.choice(
            [
                None,
                "You are a helpful assistant for an e-commerce platform.",
                "Answer only with the requested output.",
            ]
        )
        for j in range(k):
            a = w.account(
                label="benign",
                campaign="",
                persona="app_developer",
                tactic="",
                created_at=_created(w, rng, 600, 5),
                country=c,
                egress=eg,
                ua=infra.sdk(rng, rng.choice(["openai-node", "openai-py", "litellm"])),
                model=rng.choice(["frontier-1-mini", "frontier-1"]),
                endpoint=rng.choice(["chat.completions", "responses"]),
                n_keys=rng.randint(1, 3),
                org_id=org,
                email_domain=dom,
                payment_fingerprint=card,
                billing_country=c,
                kyc_level="card",
                plan=rng.choice(["payg", "startup"]),
                declared_use=rng.choice(
                    [
                        None,
                        "SaaS feature",
                        "customer support automation",
                        "content generation in our app",
                        "workflow automation",
                        "evaluation of our chatbot",
                    ]
                ),
            )
            vol = volume if j == 0 else volume * 0.1
            for d in range(w.days):
                nreq = (
                    int(rng.expovariate(1 / vol))
                    if w.weekday(d) < 5
                    else int(rng.expovariate(1 / (vol * 0.6)))
                )
                for _ in range(nreq):
                    t = w.local_time(d, c, (7, 23), rng)
                    turns = [("system", sys_prompt)] if sys_prompt else []
                    turns.append(("user", app_prompt(rng, tmpl)))
                    w.emit(
                        a,
                        t,
                        turns,
                        rng.choice(corp.oasst_replies)[:400],
                        params=Params(
                            temperature=0.7,
                            max_tokens=rng.choice([256, 300]),
                            user=f"u_{infra.hexid(rng, 8)}" if rng.random() < 0.5 else None,
                        ),
                    )


def agent_framework_users(w: World, corp: Corpora, n: int) -> None:
    """HARD: thousands of unrelated users share one public system prompt and tool schema."""
    rng = w.rng
    for _ in range(n):
        eg = (
            infra.home_egress(rng)
            if rng.random() < 0.7
            else infra.fixed_egress(infra.pick(infra.CLOUD, "cloud", rng), rng)
        )
        c = eg.nets[0].country
        a = w.account(
            label="benign",
            campaign="",
            persona="agent_framework_user",
            tactic="",
            created_at=_created(w, rng, 300, -w.days * 0.5),
            country=c,
            egress=eg,
            ua=infra.sdk(rng, rng.choice(["openai-py", "openai-node", "anthropic-py", "litellm"])),
            endpoint=rng.choice(["chat.completions", "messages", "responses"]),
            model="frontier-1",
            email_domain=email(rng) if rng.random() < 0.9 else "company.com",
            payment_fingerprint=pf(rng),
            billing_country=c,
            kyc_level="card",
            plan=rng.choice(["payg", "payg", "startup"]),
            declared_use=rng.choice(
                [None, "coding agent", "side project", "building AI agents", "agent platform"]
            ),
        )
        for d, k in poisson_days(w, 1.5, rng.uniform(0.15, 0.6), rng):
            for _ in range(k):
                t = w.local_time(d, c, (9, 26), rng)
                task = (
                    humanize(rng, code_task_varied(rng)[0])
                    + " "
                    + rng.choice(["Tests are in tests/.", "", "Keep the public API."])
                )
                tool_loop(
                    w,
                    a,
                    t,
                    FRAMEWORK_PROMPT,
                    task,
                    CODING_TOOLS,
                    rng.randint(3, 18),
                    params=Params(temperature=0.0, stream=rng.random() < 0.5),
                    step_gap=(3, 60),
                    model="frontier-2"
                    if t > w.release + timedelta(days=1) and rng.random() < 0.4
                    else None,
                )


def enterprise_coding(w: World, corp: Corpora, n_accounts: int) -> None:
    """HARD: one company's seats -- shared card and contract, corporate egress, one internal prompt
    and tools."""
    rng = w.rng
    sizes = [int(n_accounts * 0.65), n_accounts - int(n_accounts * 0.65)]
    for size in sizes:
        org, card, c = f"org_{infra.hexid(rng, 10)}", pf(rng), rng.choice(["US", "DE", "GB"])
        dom = f"{infra.hexid(rng, 5)}corp.com"
        net = infra.pick(infra.CORPORATE_EGRESS, "corporate", rng)
        prefix = net.prefix24(rng)
        eg = infra.Egress([net], [net.address(rng, prefix) for _ in range(8)])
        tools = mutate_tools(random.Random(rng.random()), CODING_TOOLS + DOMAIN_TOOLSETS["devops"])
        sysp = (
            f"You are the internal coding assistant of {dom.split('.')[0].upper()}. Follow the "
            "engineering handbook, "
            "prefer existing libraries, never include secrets in code. Use tools to inspect the "
            "monorepo."
        )
        onboard = w.start - timedelta(days=rng.uniform(20, 200))
        ua = infra.sdk(rng, "openai-py")
        for _ in range(size):
            a = w.account(
                label="benign",
                campaign="",
                persona="enterprise_coding",
                tactic="",
                created_at=onboard
                + timedelta(
                    hours=rng.uniform(0, 72) if rng.random() < 0.7 else rng.uniform(0, 150 * 24)
                ),
                country=c,
                egress=eg,
                ua=ua,
                endpoint="chat.completions",
                model="frontier-1",
                org_id=org,
                email_domain=dom,
                payment_fingerprint=card,
                billing_country=c,
                kyc_level="contract",
                plan="enterprise",
                declared_use="internal developer productivity (IDE assistant)",
            )
            keen = rng.lognormvariate(0, 0.8)  # seats differ in how much they lean on the assistant
            for d, k in poisson_days(w, 2.5 * keen, min(0.95, 0.6 * keen), rng, weekdays_only=True):
                for _ in range(k):
                    t = w.local_time(d, c, (9, 18.5), rng)
                    tool_loop(
                        w,
                        a,
                        t,
                        sysp,
                        humanize(rng, code_task_varied(rng)[0]),
                        tools,
                        rng.randint(2, 12),
                        params=Params(temperature=0.2, stream=True),
                        step_gap=(2, 25),
                    )


def university_students(w: World, corp: Corpora, n_accounts: int) -> None:
    """HARD: a class behind one campus NAT, accounts created together, homework math/code, deadline
    bursts."""
    rng = w.rng
    sizes = [int(n_accounts * 0.6), n_accounts - int(n_accounts * 0.6)]
    for size in sizes:
        c = rng.choice(["US", "GB", "DE", "IN", "SG"])
        net = infra.Net(rng.choice([3, 32, 25, 786, 680, 2152, 55824, 7575]), c, "university")
        prefix = net.prefix24(rng)
        nat = infra.Egress([net], [net.address(rng, prefix) for _ in range(3)])
        dom = rng.choice(["uni-", "college-", "tech-"]) + infra.hexid(rng, 4) + ".edu"
        term = w.start - timedelta(days=rng.uniform(1, 10))
        deadlines = sorted(rng.sample(range(2, w.days), 2))
        for _ in range(size):
            home = infra.home_egress(rng, c)
            eg = infra.Egress(nat.nets + home.nets, nat.addresses + home.addresses[:1])
            a = w.account(
                label="benign",
                campaign="",
                persona="university_student",
                tactic="",
                created_at=term + timedelta(hours=rng.uniform(0, 48)),
                country=c,
                egress=eg,
                ua=infra.sdk(rng, rng.choice(["openai-py", "openai-py", "browser-app"])),
                model="frontier-1-mini",
                email_domain=dom,
                billing_country=c,
                kyc_level="email",
                plan="education",
                declared_use=rng.choice(["coursework", "CS101 course account", None]),
            )
            keen = rng.lognormvariate(0, 0.9)  # people differ: a few heavy users, many light ones
            for d in range(w.days):
                busy = any(0 <= dl - d <= 1 for dl in deadlines)
                if rng.random() > min(0.95, (0.6 if busy else 0.15) * keen):
                    continue
                for _ in range(rng.randint(1, max(1, round((4 if busy else 1.5) * keen)))):
                    t = w.local_time(d, c, (13, 26), rng)
                    if rng.random() < 0.5:
                        g = rng.choice(corp.gsm)
                        pairs = [
                            (
                                g["question"]
                                + rng.choice(["", " Explain step by step.", " show working pls"]),
                                g["answer"].replace("<<", "").split("####")[0],
                            )
                        ]
                    else:
                        p, ans, _ = (math_task_varied if rng.random() < 0.5 else code_task_varied)(
                            rng
                        )
                        pairs = [(humanize(rng, p), ans)]
                    if rng.random() < 0.4:
                        pairs.append(
                            (
                                rng.choice(
                                    [
                                        "I don't get step 2",
                                        "can you check my answer: 42",
                                        "why that formula?",
                                    ]
                                ),
                                "Good question. " + pairs[0][1][:200],
                            )
                        )
                    eff = rng.random() < 0.3
                    chat(
                        w,
                        a,
                        t,
                        pairs,
                        params=Params(effort="high" if eff else None),
                        reasoning=(lambda: think(rng, "restate the problem", 1.0)) if eff else None,
                    )


def eval_researchers(w: World, corp: Corpora, n_accounts: int) -> None:
    """HARD: benchmark sweeps -- hundreds of items in minutes, temperature 0, reasoning on, new
    model on launch day."""
    rng = w.rng
    labs = []
    left = n_accounts
    while left > 0:
        k = min(left, rng.choice([1, 2, 4, 6, 10]))
        labs.append(k)
        left -= k
    for size in labs:
        c = rng.choice(["US", "GB", "CH", "CA", "DE", "SG"])
        org, card = f"org_{infra.hexid(rng, 10)}", pf(rng)
        net = (
            infra.Net(rng.choice([3, 32, 25, 786, 680]), c, "university")
            if rng.random() < 0.6
            else infra.pick(infra.CLOUD, "cloud", rng)
        )
        eg = infra.fixed_egress(net, rng, rng.randint(2, 10))
        dom = (
            rng.choice(["lab-", "ai-", "nlp-"])
            + infra.hexid(rng, 4)
            + rng.choice([".edu", ".ac.uk", ".org", ".ai"])
        )
        for _ in range(size):
            a = w.account(
                label="benign",
                campaign="",
                persona="eval_researcher",
                tactic="",
                created_at=_created(w, rng, 400, 3),
                country=c,
                egress=eg,
                ua=infra.sdk(rng, rng.choice(["openai-py", "anthropic-py", "litellm"])),
                endpoint=rng.choice(["chat.completions", "messages"]),
                model="frontier-1",
                n_keys=rng.randint(1, 4),
                org_id=org,
                email_domain=dom,
                payment_fingerprint=card,
                billing_country=c,
                kyc_level=rng.choice(["id_verified", "contract"]),
                plan="research",
                declared_use=rng.choice(
                    [
                        "academic evaluation of LLM reasoning",
                        "benchmarking for a paper",
                        "safety evals",
                    ]
                ),
            )
            sweep_days = rng.sample(range(w.days), rng.randint(1, 4))
            rel_day = int((w.release - w.start).total_seconds() // 86400)
            if rng.random() < 0.7:
                sweep_days.append(
                    rel_day + (1 if rng.random() < 0.5 else 0)
                )  # everyone evaluates the new model at once
            for d in sweep_days:
                t = w.local_time(d, c, (10, 22), rng)
                new = t > w.release
                mdl = "frontier-2" if new else "frontier-1"
                kind = rng.choice(["gsm", "mcq", "code", "agentic"])
                eff = rng.choice([None, "high", "medium"])
                p = Params(
                    temperature=0.0 if not eff else None,
                    effort=eff,
                    max_tokens=rng.choice([2048, 8192, 16000]),
                    thinking_budget=8000 if (eff and a.endpoint == "messages") else None,
                )
                tmpl = rng.choice(
                    [
                        "Solve the following problem. End with 'Answer: <number>'.\n\n{q}",
                        "{q}\nLet's think step by step.",
                        "Question: {q}\nAnswer:",
                    ]
                )
                for _ in range(rng.randint(80, 500) if kind != "agentic" else rng.randint(8, 30)):
                    t += timedelta(seconds=rng.expovariate(1 / 1.2))  # async client, concurrency ~8
                    rfn = (lambda: think(rng, "parse the question", 1.5)) if eff else None
                    if kind == "gsm":
                        g = rng.choice(corp.gsm)
                        chat(
                            w,
                            a,
                            t,
                            [
                                (
                                    tmpl.format(q=g["question"]),
                                    "Answer: " + g["answer"].split("####")[-1].strip(),
                                )
                            ],
                            params=p,
                            model=mdl,
                            reasoning=rfn,
                        )
                    elif kind == "mcq":
                        q, ans = mcq(rng, corp)
                        chat(
                            w,
                            a,
                            t,
                            [("Answer with the letter only.\n\n" + q, ans)],
                            params=p,
                            model=mdl,
                            reasoning=rfn,
                        )
                    elif kind == "code":
                        pr, ans, _ = code_task_varied(rng)
                        chat(
                            w,
                            a,
                            t,
                            [(pr + "\nReturn only the code.", ans)],
                            params=p,
                            model=mdl,
                            reasoning=rfn,
                        )
                    else:  # SWE-bench style agentic runs with a standard harness prompt
                        tool_loop(
                            w,
                            a,
                            t,
                            "You are solving a GitHub issue in the repository checked out at "
                            "/testbed. Use the tools; when done, reply DONE.",
                            "Issue: " + code_task_varied(rng)[0],
                            CODING_TOOLS,
                            rng.randint(10, 40),
                            params=p,
                            model=mdl,
                            step_gap=(1, 8),
                            reasoning=rfn,
                        )


def ci_pipelines(w: World, corp: Corpora, n: int) -> None:
    """HARD: the same handful of prompts on every commit, from rotating CI runner addresses."""
    rng = w.rng
    for _ in range(n):
        c = rng.choice(["US", "DE", "GB", "IN", "FR"])
        runners = [
            infra.Net(8075, "US", "cloud"),
            infra.Net(16509, "US", "cloud"),
            infra.Net(8075, "NL", "cloud"),
        ]
        eg = infra.Egress(runners, rotate=True)
        fixtures = [
            hard_task_varied(rng)[0]
            if rng.random() < 0.4
            else app_prompt(rng, rng.choice(APP_TEMPLATES))
            for _ in range(rng.randint(3, 12))
        ]
        a = w.account(
            label="benign",
            campaign="",
            persona="ci_pipeline",
            tactic="",
            created_at=_created(w, rng, 500, 10),
            country=c,
            egress=eg,
            ua=infra.sdk(rng, rng.choice(["openai-py", "anthropic-py", "raw"])),
            endpoint=rng.choice(["chat.completions", "messages", "responses"]),
            model=rng.choice(["frontier-1", "frontier-1-mini"]),
            org_id=f"org_{infra.hexid(rng, 10)}",
            email_domain=f"{infra.hexid(rng, 6)}.dev",
            payment_fingerprint=pf(rng),
            billing_country=c,
            kyc_level="card",
            plan=rng.choice(["payg", "startup"]),
            declared_use=rng.choice(
                [None, "integration tests", "regression tests of prompts", "QA automation"]
            ),
        )
        rate = rng.uniform(2, 15)
        for d in range(w.days):
            runs = int(rng.expovariate(1 / rate)) if w.weekday(d) < 5 else int(rng.random() < 0.3)
            for _ in range(runs):
                t = w.local_time(d, c, (8, 20), rng)
                for fx in fixtures:
                    t += timedelta(seconds=rng.uniform(0.3, 4))
                    w.emit(
                        a,
                        t,
                        [("user", fx)],
                        "OK: " + fx[:60],
                        params=Params(temperature=0.0, max_tokens=512, extra={"seed": 1234}),
                    )


def labelling_vendors(w: World, corp: Corpora, n_accounts: int) -> None:
    """HARD: a declared evaluation vendor grades model outputs with a public rubric template at
    volume."""
    rng = w.rng
    sizes = [int(n_accounts * 0.6), n_accounts - int(n_accounts * 0.6)]
    for size in sizes:
        c = rng.choice(["PH", "KE", "IN", "US"])
        org, card = f"org_{infra.hexid(rng, 10)}", pf(rng)
        eg = infra.fixed_egress(infra.pick(infra.CLOUD, "cloud", rng), rng, 4)
        for _ in range(size):
            a = w.account(
                label="benign",
                campaign="",
                persona="labelling_vendor",
                tactic="",
                created_at=_created(w, rng, 300, 20),
                country=c,
                egress=eg,
                ua=infra.sdk(rng, "openai-py"),
                endpoint="chat.completions",
                model="frontier-1",
                org_id=org,
                email_domain=f"{infra.hexid(rng, 5)}-annotate.com",
                payment_fingerprint=card,
                billing_country=c,
                kyc_level="contract",
                plan="enterprise",
                declared_use=(
                    "data labelling vendor: LLM-assisted quality review of our clients' "
                    "chatbot transcripts (pre-labelling for human annotators)"
                ),
            )
            for d, k in poisson_days(w, 60, 0.7, rng, weekdays_only=True):
                t = w.local_time(d, c, (8, 17), rng)
                for _ in range(k):
                    t += timedelta(seconds=rng.uniform(2, 40))
                    pr, reps = rng.choice(corp.oasst)
                    if rng.random() < 0.7:
                        body = (
                            corp.prometheus_abs.replace("{{ instruction }}", pr)
                            .replace("{{ generation }}", rng.choice(reps)[:1500])
                            .replace(
                                "{{ rubric }}",
                                "Is the response helpful, factually accurate and polite? Score 1 "
                                "(not at all) to 5 (fully).",
                            )
                        )
                        out = "Feedback: The response addresses the request. [RESULT] " + str(
                            rng.randint(1, 5)
                        )
                    else:
                        body = (
                            corp.prometheus_rel.replace("{{ instruction }}", pr)
                            .replace("{{ generations[0] }}", rng.choice(reps)[:1000])
                            .replace("{{ generations[1] }}", rng.choice(corp.oasst_replies)[:1000])
                            .replace(
                                "{{ rubric }}",
                                "Which response follows the client's style guide better?",
                            )
                        )
                        out = f"Feedback: Response A is more complete. [RESULT] {rng.choice('AB')}"
                    w.emit(
                        a, t, [("user", body)], out, params=Params(temperature=0.0, max_tokens=400)
                    )


def power_writers(w: World, corp: Corpora, n: int) -> None:
    """Long multi-turn sessions: novelists, analysts, people who live in the chat."""
    rng = w.rng
    for _ in range(n):
        eg = infra.home_egress(rng)
        c = eg.nets[0].country
        a = w.account(
            label="benign",
            campaign="",
            persona="power_user",
            tactic="",
            created_at=_created(w, rng, 600, 10),
            country=c,
            egress=eg,
            ua=infra.sdk(rng, rng.choice(["browser-app", "anthropic-ts", "openai-node"])),
            endpoint=rng.choice(["messages", "chat.completions"]),
            model="frontier-1",
            email_domain=email(rng),
            payment_fingerprint=pf(rng),
            billing_country=c,
            kyc_level="card",
            plan="payg",
            declared_use=rng.choice([None, "writing", "research"]),
        )
        for d, k in poisson_days(w, 1.2, rng.uniform(0.3, 0.8), rng):
            for _ in range(k):
                t = w.local_time(d, c, (8, 24), rng)
                base = rng.choice(corp.hh)
                pairs = [(h, r) for h, r in base] + [
                    (
                        rng.choice(
                            [
                                "go on",
                                "rewrite the last part",
                                "more detail on point 2",
                                "now a table",
                            ]
                        ),
                        rng.choice(corp.oasst_replies)[:1200],
                    )
                    for _ in range(rng.randint(2, 12))
                ]
                chat(
                    w,
                    a,
                    t,
                    pairs,
                    params=Params(stream=True),
                    gap=(40, 400),
                    model="frontier-2"
                    if t > w.release + timedelta(hours=rng.uniform(0, 96))
                    else None,
                )
