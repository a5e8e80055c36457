"""Benign personas that look like agentic or coordinated harvests.

- ``agent_framework_user``: unrelated developers running a public agent
  framework's default system prompt and tool schemas (shared scaffolding
  without any shared operator).
- ``ci_pipeline``: one repository's tests call the API on every push and from a
  nightly cron: bursty, regular, scripted, identical prompts every run, fresh
  runner addresses each time.
- ``agentic_benchmark``: a SWE-bench-style run, once: hundreds of tool loops,
  many at a time, large.
- ``enterprise_coding``: every engineer of one organisation using the same IDE
  agent (one system prompt, one tool set) from the office NAT.
- ``campus_student``: a big course behind one university NAT, signed up in the
  same lecture, working through the same problem set, some of it together in
  weekly lab hours.
"""

from __future__ import annotations

from distillguard.simulate import phrases
from distillguard.simulate.agents import PUBLIC_FRAMEWORKS, make_scaffold
from distillguard.simulate.network import HOSTING, UNIVERSITY, Endpoint, hex_id
from distillguard.simulate.world import CONSUMER_DOMAINS, WorldBuilder, lognormal, pick

CI_NETS = tuple(n for n in HOSTING if n.asn in (8075, 16509, 15169))
CN_UNIS = ("tsinghua.edu.cn", "pku.edu.cn", "ntu.edu.tw", "hku.hk", "fudan.edu.cn")


def agent_framework_user(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    weights = (35, 25, 15, 15, 10)
    for _ in range(count):
        sc = rng.choices(PUBLIC_FRAMEWORKS, weights)[0]
        if rng.random() < 0.6:
            places, country = b.consumer_places()
        else:
            net = pick(rng, HOSTING)
            places, country = [Endpoint.of(net, rng.randrange(60000))], net.country
        b.add(
            persona="agent_framework_user",
            created_at=b.created(-cfg.days, 600) if rng.random() < 0.2 else b.created(10, 600),
            country=country, places=places, daily=lognormal(rng, 1.6, 0.6, 8),
            p_active=rng.uniform(0.2, 0.8), plan=rng.choice(("payg", "payg", "startup")),
            kyc="card", email=pick(rng, CONSUMER_DOMAINS + ("proton.me", "fastmail.com")),
            payment=f"pf-{hex_id(cfg.seed, 'card', b.n)}", kind="framework",
            scaffold=sc.name, max_tokens=rng.choice((None, 4096, 8192, 16384)),
            temperature=rng.choice((None, 0.0, 0.2, 0.7)),
            reasoning_share=rng.choice((0.0, 0.0, 0.3, 0.8)), uas=rng.choice((1, 2)),
        )


def ci_pipeline(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    for _ in range(count):
        net = pick(rng, CI_NETS)
        # Every run gets a fresh hosted runner: many addresses, one ASN.
        runners = [Endpoint.of(net, rng.randrange(60000)) for _ in range(rng.randint(20, 80))]
        product = pick(rng, phrases.PRODUCTS)
        b.add(
            persona="ci_pipeline", created_at=b.created(30, 500), country=net.country,
            places=runners, daily=1.0, p_active=1.0, plan=rng.choice(("payg", "startup")),
            kyc="card", email=product.lower().replace(" ", "") + rng.choice((".io", ".dev")),
            payment=f"pf-{hex_id(cfg.seed, 'card', b.n)}", family=rng.choice(("openai",
                                                                              "anthropic")),
            kind="ci", suite=rng.randint(8, 30), pushes=rng.uniform(0.5, 4),
            spread=rng.uniform(5, 40), cron_hour=rng.randint(0, 6),
            cron_minute=rng.choice((0, 0, 15, 30, 45)),
            system=pick(rng, phrases.APP_SYSTEMS).format(product=product),
            scaffold=pick(rng, PUBLIC_FRAMEWORKS[:1] + PUBLIC_FRAMEWORKS[3:4]).name,
            max_tokens=rng.choice((64, 128, 256, 512)),
        )


def agentic_benchmark(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    for _ in range(count):
        lab = rng.random() < 0.5
        net = pick(rng, HOSTING if lab else UNIVERSITY)
        places = [Endpoint.of(net, rng.randrange(60000)) for _ in range(rng.randint(1, 3))]
        runs = [(rng.randrange(max(1, cfg.days - 1)), rng.randint(40, 120), rng.randint(4, 16))
                for _ in range(rng.choice((1, 1, 2)))]
        scaffold = pick(rng, PUBLIC_FRAMEWORKS[1:3]).name if rng.random() < 0.6 else \
            make_scaffold("eval-harness", "You are solving a software engineering task in a "
                          "repository checkout. Use the tools to explore, edit and test. Submit "
                          "when the tests pass.", ("coding",), rng.randrange(5))
        b.add(
            persona="agentic_benchmark", created_at=b.created(20, 400), country=net.country,
            places=places, daily=0.5, p_active=0.2, plan=rng.choice(("research", "payg")),
            kyc="id_verified", email=f"lab-{hex_id(cfg.seed, 'lab', b.n, n=4)}.org",
            payment=f"pf-{hex_id(cfg.seed, 'card', b.n)}", kind="benchmark", runs=tuple(runs),
            scaffold=scaffold, max_tokens=rng.choice((8192, 16384, 32000)),
            effort=rng.choice((None, None, "high")),
        )


def enterprise_coding(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    made = 0
    while made < count:
        size = min(count - made, rng.randint(15, 60))
        net = pick(rng, HOSTING)
        nat = [Endpoint.of(net, rng.randrange(60000)) for _ in range(rng.randint(1, 3))]
        org = f"org-{hex_id(cfg.seed, 'codeorg', b.n)}"
        product = pick(rng, phrases.PRODUCTS)
        ide = make_scaffold(f"{product}-ide", pick(rng, phrases.IDE_SYSTEMS).format(
            product=product), ("coding",), rng.randrange(5))
        card = f"pf-{hex_id(cfg.seed, 'orgcard', org)}"
        rollout = rng.uniform(-cfg.days + 2, 60)
        for _ in range(size):
            b.add(
                persona="enterprise_coding", created_at=b.created(rollout, rollout + 0.05),
                country=net.country, places=nat, daily=lognormal(rng, 3.5, 0.5, 15),
                p_active=rng.uniform(0.6, 0.95), plan="enterprise", kyc="contract",
                email=f"{product.lower().replace(' ', '')}-eng.com", payment=card, org=org,
                kind="idecoding", scaffold=ide, max_tokens=rng.choice((4096, 8192)),
                reasoning_share=rng.choice((0.0, 0.5)),
            )
        made += size


def campus_student(b: WorldBuilder, count: int) -> None:
    rng, cfg = b.rng, b.cfg
    made = 0
    while made < count:
        size = min(count - made, rng.randint(60, 160))
        zh_course = rng.random() < 0.35
        uni = pick(rng, [u for u in UNIVERSITY if u.country in ("CN", "KR")] if zh_course
                   else UNIVERSITY)
        nat = [Endpoint.of(uni, rng.randrange(2000)) for _ in range(rng.randint(1, 2))]
        domain = pick(rng, CN_UNIS) if zh_course else f"{hex_id(cfg.seed, 'uni', b.n, n=5)}.edu"
        lecture = rng.uniform(-cfg.days + 1, 30)
        assignment = tuple(rng.randrange(10**6) for _ in range(rng.randint(6, 15)))
        trad = zh_course and domain.endswith((".tw", ".hk"))
        # Weekly lab hours (weekday, local hour); none for a lecture-only course.
        labs = tuple((rng.randrange(5), rng.randint(9, 16))
                     for _ in range(rng.choice((0, 1, 1, 2, 3))))
        for _ in range(size):
            b.add(
                persona="campus_student",
                created_at=b.created(lecture, lecture + 0.04) if rng.random() < 0.7
                else b.created(lecture + 1, lecture + 200),
                country=uni.country, places=nat, daily=lognormal(rng, 1.1, 0.4, 3),
                p_active=rng.uniform(0.1, 0.4), plan=rng.choice(("education", "free")),
                kyc="email", email=domain, payment=None, kind="campus",
                assignment=assignment, zh=zh_course, traditional=trad,
                labs=labs, attend=rng.uniform(0.4, 0.9),
                max_tokens=rng.choice((None, None, 2048)),
            )
        made += size
