"""What people and operators send: a few public corpora plus procedural tasks written
for this world (math, code, science, Chinese-language requests, app templates).

Each generator returns (prompt, answer, reasoning) where answer/reasoning are the
model's plausible returned text (short: a log stores what came back, we keep it light).
"""

from __future__ import annotations

import gzip
import json
import math
import random
from pathlib import Path


class Corpora:
    """Loads the shared corpora it uses; every other text is procedural."""

    def __init__(self, data_dir: Path, rng: random.Random):
        org = data_dir / "organic"
        # HH-RLHF harmless-base test (MIT): multi-turn human/assistant dialogues.
        self.hh: list[list[tuple[str, str]]] = []
        with gzip.open(org / "hh_rlhf_harmless_base_test.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                turns = _split_hh(json.loads(line)["chosen"])
                if turns:
                    self.hh.append(turns)
        # OASST1 en validation (Apache-2.0): prompter messages and the assistant replies to them.
        msgs = [json.loads(x) for x in _lines(org / "oasst1_en_validation.jsonl")]
        by_parent: dict[str, list[str]] = {}
        for m in msgs:
            if m["role"] == "assistant" and m.get("parent_id"):
                by_parent.setdefault(m["parent_id"], []).append(m["text"])
        self.oasst = [
            (m["text"], by_parent.get(m["message_id"], [""]))
            for m in msgs
            if m["role"] == "prompter" and m.get("parent_id") is None
        ]
        self.oasst_replies = [t for v in by_parent.values() for t in v]
        # GSM8K train (MIT): used by the *benign* eval researchers and students.
        self.gsm = [json.loads(x) for x in _lines(data_dir / "distillation/gsm8k/train.jsonl")]
        rng.shuffle(self.gsm)
        # Self-Instruct seed tasks (Apache-2.0): instructions one lone actor expands.
        self.seed_instr = [
            json.loads(x)["instruction"]
            for x in _lines(data_dir / "distillation/self_instruct/seed_tasks.jsonl")
        ]
        # distilabel 1.5.3 (Apache-2.0): Prometheus grading template (benign labelling vendor)
        # and Evol-Instruct rewriting prompts (one lone actor).
        tdir = data_dir / "tools/distilabel_1.5.3"
        self.prometheus_abs = (
            tdir / "jinja2/prometheus/absolute_without_reference.jinja2"
        ).read_text()
        self.prometheus_rel = (
            tdir / "jinja2/prometheus/relative_without_reference.jinja2"
        ).read_text()
        self.evol = [
            d["text"]
            for d in json.loads(
                (tdir / "py_strings__steps_tasks_evol_instruct_utils.json").read_text()
            )
        ]
        self.nouns = (tdir / "english_nouns.txt").read_text().split()


def _lines(path: Path) -> list[str]:
    return [x for x in path.read_text(encoding="utf-8").splitlines() if x]


def _split_hh(s: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for chunk in s.split("\n\nHuman: ")[1:]:
        if "\n\nAssistant: " not in chunk:
            continue
        h, a = chunk.split("\n\nAssistant: ", 1)
        out.append((h.strip(), a.split("\n\nHuman:")[0].strip()))
    return out


# ---------------------------------------------------------------- procedural tasks

NAMES = [
    "Amara",
    "Bo",
    "Carlos",
    "Dmitri",
    "Elif",
    "Farah",
    "Gustavo",
    "Hana",
    " Igor",
    "Jia",
    "Kwame",
    "Lucia",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
]


def math_task(rng: random.Random) -> tuple[str, str, str]:
    k = rng.randrange(9)
    if k == 0:
        a, b, c = rng.randint(1, 9), rng.randint(-30, 30), rng.randint(-60, 60)
        d = b * b - 4 * a * c
        p = f"Solve {a}x^2 + {b}x + {c} = 0 over the reals."
        if d < 0:
            ans = "no real roots"
        else:
            x1, x2 = (-b + math.sqrt(d)) / (2 * a), (-b - math.sqrt(d)) / (2 * a)
            ans = f"x = {x1:.4g} or x = {x2:.4g}"
        r = f"Discriminant b^2-4ac = {b * b} - {4 * a * c} = {d}. " + (
            "Negative, so no real roots." if d < 0 else "Apply the quadratic formula."
        )
    elif k == 1:
        a, e, m = rng.randint(2, 99), rng.randint(10, 10**6), rng.randint(7, 997)
        p = f"What is the remainder when {a}^{e} is divided by {m}?"
        ans, r = (
            str(pow(a, e, m)),
            f"Use repeated squaring modulo {m}; reduce the exponent with Euler's theorem where gcd "
            "allows.",
        )
    elif k == 2:
        n, kk = rng.randint(6, 30), rng.randint(2, 6)
        p = (
            f"In how many ways can a committee of {kk} be chosen from {n} people "
            "if two particular people refuse to serve together?"
        )
        ans = str(math.comb(n, kk) - math.comb(n - 2, kk - 2))
        r = f"Total C({n},{kk}) minus committees containing both: C({n - 2},{kk - 2})."
    elif k == 3:
        v1, v2, h = rng.randint(40, 90), rng.randint(60, 130), rng.randint(1, 4)
        if v2 <= v1:
            v2 = v1 + rng.randint(5, 40)
        p = (
            f"{rng.choice(NAMES)} leaves town at noon driving {v1} km/h. {rng.choice(NAMES)} "
            "leaves the same place "
            f"{h} hours later at {v2} km/h on the same road. How long after noon are they level?"
        )
        t = v2 * h / (v2 - v1)
        ans, r = (
            f"{t:.3g} hours",
            f"Head start {v1 * h} km closes at {v2 - v1} km/h: {v1 * h}/{v2 - v1} = {t - h:.3g} h "
            "after the second start.",
        )
    elif k == 4:
        s = sorted(rng.sample(range(3, 40), 3))
        a, b, c = s
        if a + b <= c:
            c = a + b - 1
        sp = (a + b + c) / 2
        area = math.sqrt(max(sp * (sp - a) * (sp - b) * (sp - c), 0))
        p = (
            f"A triangle has sides {a}, {b} and {c}. "
            "Find its area and the radius of its inscribed circle."
        )
        ans, r = f"area {area:.4g}, inradius {area / sp:.4g}", f"Heron: s = {sp}; r = area / s."
    elif k == 5:
        n, t = rng.randint(2, 5), rng.randint(6, 20)
        p = f"Roll {n} fair dice. What is the probability that the sum is at least {t}?"
        ans, r = (
            "see derivation",
            f"Count outcomes with generating function (x+...+x^6)^{n} and sum coefficients from "
            f"{t}.",
        )
    elif k == 6:
        p = rng.choice(
            [
                "Prove that there are infinitely many primes of the form 4k+3.",
                "Show that the square root of 2 is irrational, then generalise to the square root "
                "of any non-square integer.",
                "Prove by induction that 1^3 + 2^3 + ... + n^3 = (n(n+1)/2)^2 and check n = "
                f"{rng.randint(3, 12)}.",
                "Let f be continuous on [0,1] with f(0)=f(1). Prove there is c with f(c)=f(c+1/2).",
                f"Find all integer solutions of x^2 - {rng.choice([2, 3, 5, 6, 7])}y^2 = 1 with x "
                "< 1000.",
                "Prove that every group of order p^2 is abelian.",
                f"Evaluate the integral of x^{rng.randint(2, 6)} e^(-x) from 0 to infinity and "
                "justify each step.",
            ]
        )
        ans, r = (
            "Proof given above.",
            "Set up the argument, consider the contrapositive, then check edge cases.",
        )
    elif k == 7:
        P, rate, yrs = rng.randint(1, 90) * 1000, rng.randint(2, 12), rng.randint(2, 30)
        p = (
            f"An investment of ${P} earns {rate}% compounded monthly. "
            f"What is it worth after {yrs} years, and how long to double?"
        )
        val = P * (1 + rate / 1200) ** (12 * yrs)
        ans = (
            f"${val:,.2f}; doubling time {math.log(2) / (12 * math.log(1 + rate / 1200)):.2f} years"
        )
        r = "A = P(1+r/12)^(12t); doubling: t = ln 2 / (12 ln(1+r/12))."
    else:
        w = rng.randint(3, 12)
        p = (
            f"A {w}x{w} grid: how many shortest lattice paths from the bottom-left "
            "to the top-right corner avoid the centre point?"
        )
        ans, r = (
            "computed by inclusion-exclusion",
            f"All paths C({2 * w},{w}) minus paths through the centre.",
        )
    return p, ans, r


LANGS = [
    "Python",
    "TypeScript",
    "Rust",
    "Go",
    "Java",
    "C++",
    "Kotlin",
    "C#",
    "SQL",
    "Bash",
    "Haskell",
    "Scala",
]
CODE_TASKS = [
    "parses an ISO-8601 duration string into seconds",
    "implements an LRU cache with O(1) get and put",
    "merges overlapping intervals",
    "finds the k most frequent words in a stream",
    "validates a sudoku board",
    "serialises a binary tree to a string and back",
    "implements Dijkstra's algorithm on an adjacency list",
    "computes the edit distance between two strings",
    "rate-limits calls with a token bucket",
    "detects a cycle in a directed graph",
    "streams a CSV file and aggregates totals per key",
    "implements a trie with prefix search",
    "retries an HTTP call with exponential backoff and jitter",
    "computes a rolling median",
    "implements consistent hashing with virtual nodes",
    "parses arithmetic expressions with precedence",
    "implements a bounded concurrent queue",
    "diff two JSON documents and report changed paths",
    "tokenises a sentence into BPE merges given a merge table",
    "schedules tasks with dependencies (topological order)",
    "compresses a string with run-length encoding",
]
CODE_CONSTRAINTS = [
    "",
    " Include unit tests.",
    " Explain the time complexity.",
    " Avoid external libraries.",
    " Handle malformed input gracefully.",
    " Make it thread-safe.",
    " Add type annotations.",
    " Optimise for memory.",
    " Write it in idiomatic style and explain design choices.",
]


def code_task(rng: random.Random) -> tuple[str, str, str]:
    lang, task = rng.choice(LANGS), rng.choice(CODE_TASKS)
    p = f"Write a {lang} function that {task}.{rng.choice(CODE_CONSTRAINTS)}"
    fence = lang.lower().replace("c++", "cpp").replace("c#", "csharp")
    ans = (
        f"Here is an implementation in {lang}:\n\n```{fence}\n// {task}\n...\n```\n\n"
        "It runs in linear time in the input size."
    )
    return (
        p,
        ans,
        f"Consider edge cases first: empty input, duplicates. Choose a data structure for {task}.",
    )


SCIENCE = [
    "Explain why the sky is blue and why sunsets are red, quantitatively using Rayleigh "
    "scattering.",
    "A {m} kg block slides down a {a} degree incline with friction coefficient 0.{mu}. Find its "
    "acceleration.",
    "Calculate the molar mass of C{c}H{h}O{o} and the mass of {g} moles of it.",
    "A projectile is launched at {v} m/s at {a} degrees. Find range, max height and time of "
    "flight.",
    "Explain the mechanism of CRISPR-Cas9 and its off-target effects.",
    "Derive the ideal gas law from kinetic theory, listing each assumption.",
    "A circuit has resistors of {r1} and {r2} ohm in parallel, in series with {r3} ohm, across {v} "
    "V. Find each current.",
    "Why does ice float? Explain hydrogen bonding and density anomalies.",
    "Compare the SN1 and SN2 mechanisms and predict the product of 2-bromobutane with NaOH in "
    "ethanol.",
    "Estimate the Schwarzschild radius of an object of {m} solar masses.",
    "Explain how a transformer language model computes attention, including the scaling factor.",
    "Explain the difference between type I and type II errors with a medical testing example.",
]


def science_task(rng: random.Random) -> tuple[str, str, str]:
    t = rng.choice(SCIENCE)
    p = t.format(
        m=rng.randint(1, 40),
        a=rng.randint(10, 60),
        mu=rng.randint(1, 6),
        c=rng.randint(1, 12),
        h=rng.randint(2, 24),
        o=rng.randint(0, 6),
        g=rng.randint(1, 9),
        v=rng.randint(5, 240),
        r1=rng.randint(2, 99),
        r2=rng.randint(2, 99),
        r3=rng.randint(2, 99),
    )
    return (
        p,
        "The result follows from the relations above; see the worked derivation.",
        "Identify the governing law, write the equations, substitute the values, check units.",
    )


ZH_TEMPLATES = [
    "请帮我写一封{x}的邮件，语气要礼貌一些。",
    "用Python实现一个{y}，并加上注释。",
    "解释一下什么是{z}，最好举个例子。",
    "把这段话翻译成英文：{s}",
    "我明天要面试{j}岗位，帮我准备几个常见问题和回答。",
    "推荐几本关于{z}的书。",
    "帮我改一下这段代码的bug：\n```python\ndef f(a):\n    return a[0] + a[1:]\n```",
    "周末去{c}玩两天，怎么安排行程？",
    "{z}和机器学习有什么关系？",
    "给我讲个关于{y}的冷笑话。",
    "小红有{n}个苹果，给了小明{k}个，又买了{m}个，现在有几个？",
    "写一段{y}的SQL查询，表结构是orders(id, user_id, amount, created_at)。",
]
ZH_SLOTS = {
    "x": ["请假", "催款", "感谢客户", "申请延期", "会议邀请"],
    "y": ["快速排序", "爬虫", "二叉树遍历", "按月统计销售额", "LRU缓存"],
    "z": ["区块链", "量子计算", "大语言模型", "通货膨胀", "微服务架构", "注意力机制"],
    "s": ["我们下周三开会讨论预算。", "这个产品的用户体验还需要改进。", "感谢您一直以来的支持。"],
    "j": ["产品经理", "后端开发", "数据分析师", "运营"],
    "c": ["杭州", "成都", "西安", "厦门", "青岛"],
}
ZH_REPLIES = [
    "好的，下面是一个示例：",
    "当然可以。",
    "这是一个很好的问题。简单来说，",
    "以下是我的建议：",
]


def zh_task(rng: random.Random) -> tuple[str, str, str]:
    t = rng.choice(ZH_TEMPLATES)
    p = t.format(
        **{k: rng.choice(v) for k, v in ZH_SLOTS.items()},
        n=rng.randint(5, 30),
        k=rng.randint(1, 5),
        m=rng.randint(1, 9),
    )
    return p, rng.choice(ZH_REPLIES) + "……", "用户的问题是：" + p[:20]


ZH_HARD = [
    "请一步一步地推理并给出完整的思考过程：",
    "请详细写出每一步的推导：",
    "先分析题目，再逐步求解，最后给出答案：",
    "",
]


def zh_hard_task(rng: random.Random) -> tuple[str, str, str]:
    p, a, r = (math_task if rng.random() < 0.6 else code_task)(rng)
    return rng.choice(ZH_HARD) + p, a, r


def hard_task(rng: random.Random) -> tuple[str, str, str]:
    x = rng.random()
    if x < 0.45:
        return math_task(rng)
    if x < 0.75:
        return code_task(rng)
    return science_task(rng)


# App-developer templates (benign, one per app): fixed skeleton, variable slot.
APP_TEMPLATES = [
    (
        'Write a product description for "{item}" in a {tone} tone. Max 80 words. Output plain '
        "text.",
        {
            "item": [
                "ceramic pour-over kettle",
                "kids' rain boots",
                "standing desk mat",
                "USB-C hub 7-in-1",
                "linen duvet cover",
                "trail running vest",
                "bamboo cutting board",
                "noise-cancelling earbuds",
            ],
            "tone": ["playful", "premium", "friendly", "technical"],
        },
    ),
    (
        "Summarise the following customer support ticket in one sentence and classify its urgency "
        "(low/medium/high).\n\nTicket: {ticket}",
        {
            "ticket": [
                "My order #{n} arrived damaged and I need it replaced before Friday.",
                "How do I change my billing address?",
                "The app crashes every time I open the camera on Android 14.",
                "I was charged twice for subscription {n}.",
            ]
        },
    ),
    (
        "Translate to {lang}, keep formatting and placeholders like {{name}} intact:\n\n{text}",
        {
            "lang": ["Spanish", "German", "Japanese", "Portuguese (Brazil)", "French"],
            "text": [
                "Hi {{name}}, your booking is confirmed for {n} guests.",
                "Your password was changed. If this wasn't you, contact support.",
                "Reminder: your appointment is tomorrow at 10:00.",
            ],
        },
    ),
    (
        "Extract the fields vendor, date, total and currency from this receipt text as "
        "JSON.\n\n{receipt}",
        {
            "receipt": [
                "ACME HARDWARE 2026-05-{d} TOTAL 43.20 EUR",
                "Blue Bottle Coffee  05/{d}/2026  Total $12.75",
                "Uber trip May {d} 2026 - 18.40 GBP",
            ]
        },
    ),
    (
        "You are a friendly fitness coach. Create a {days}-day workout plan for a {level} who has "
        "{equip}.",
        {
            "days": ["3", "4", "5"],
            "level": ["beginner", "intermediate runner", "busy parent"],
            "equip": ["only dumbbells", "no equipment", "a gym membership"],
        },
    ),
    (
        "Rewrite this job posting to be more inclusive and concise:\n\n{post}",
        {
            "post": [
                "We need a rockstar ninja developer who can crush code 24/7.",
                "Seeking young energetic salesman for fast-paced team.",
            ]
        },
    ),
    (
        "Generate 5 SEO title ideas for a blog post about {topic}.",
        {
            "topic": [
                "home composting",
                "remote team rituals",
                "budget travel in Portugal",
                "learning Rust",
                "sourdough for beginners",
            ]
        },
    ),
]


def app_prompt(rng: random.Random, tmpl: tuple[str, dict[str, list[str]]]) -> str:
    t, slots = tmpl
    vals = {
        k: rng.choice(v)
        .replace("{n}", str(rng.randint(100, 99999)))
        .replace("{d}", str(rng.randint(1, 28)))
        for k, v in slots.items()
    }
    return t.format(**vals)


def mcq(rng: random.Random, corp: Corpora) -> tuple[str, str]:
    """An MMLU-style multiple-choice item built from a GSM8K question (benign eval sweeps)."""
    g = rng.choice(corp.gsm)
    true = g["answer"].split("####")[-1].strip()
    try:
        v = float(true.replace(",", ""))
        opts = [true] + [f"{v + d:g}" for d in rng.sample([-3, -2, -1, 1, 2, 5, 10], 3)]
    except ValueError:
        opts = [true, "0", "1", "none of these"]
    rng.shuffle(opts)
    body = g["question"] + "\n" + "\n".join(f"{c}. {o}" for c, o in zip("ABCD", opts, strict=True))
    return body, "ABCD"[opts.index(true)]


# ---------------------------------------------------------------- phrasing variety
# Task generators above have a few fixed phrasings; real traffic (a person's homework,
# an operator's scraped problem bank) does not repeat one skeleton. These add variety.

CODE_OPENERS = [
    "Write a {lang} function that {task}.",
    "Implement, in {lang}, a routine which {task}.",
    "I need {lang} code that {task}.",
    "Can you show me how to write something in {lang} that {task}?",
    "Create a {lang} module that {task}.",
    "Give me a {lang} implementation: it {task}.",
    "How would you write a {lang} class that {task}?",
    "{lang}: {task}. Provide the code.",
    "Please code a solution in {lang} which {task}.",
    "Help me build a {lang} utility that {task}.",
]


def code_task_varied(rng: random.Random) -> tuple[str, str, str]:
    p, ans, r = code_task(rng)
    lang = p.split(" ")[2]
    task = p.split(" that ", 1)[1].split(".")[0]
    return (
        rng.choice(CODE_OPENERS).format(lang=lang, task=task) + rng.choice(CODE_CONSTRAINTS),
        ans,
        r,
    )


MATH_FRAMES = [
    "{p}",
    "{p}",
    "Problem {k}. {p}",
    "{p} Give an exact answer where possible.",
    "Consider the following. {p}",
    "{p} Justify your answer.",
    "Here's one I'm stuck on: {p}",
    "Q{k}: {p}",
    "{p} (from a practice set)",
    "Exercise: {p}",
    "{p} Answer in simplest form.",
    "Let's see if you can do this: {p}",
]


def math_task_varied(rng: random.Random) -> tuple[str, str, str]:
    p, ans, r = math_task(rng)
    return rng.choice(MATH_FRAMES).format(p=p, k=rng.randint(1, 60)), ans, r


def hard_task_varied(rng: random.Random) -> tuple[str, str, str]:
    x = rng.random()
    if x < 0.45:
        return math_task_varied(rng)
    if x < 0.75:
        return code_task_varied(rng)
    return science_task(rng)


HUMAN_OPENERS = [
    "",
    "",
    "",
    "hey, ",
    "hi! ",
    "quick question: ",
    "ok so ",
    "I'm a bit confused. ",
    "For my class, ",
    "My teacher gave us this: ",
    "work question - ",
    "sorry if this is dumb but ",
    "Hello. ",
]
HUMAN_CLOSERS = [
    "",
    "",
    "",
    " thanks",
    " thx!",
    " Thank you.",
    " please help",
    " (due tomorrow)",
    " ??",
    " - can you keep it short?",
]


def humanize(rng: random.Random, text: str) -> str:
    """What a person types: openers, sign-offs, lower case, the odd typo."""
    s = rng.choice(HUMAN_OPENERS) + text + rng.choice(HUMAN_CLOSERS)
    if rng.random() < 0.3:
        s = s.lower()
    if rng.random() < 0.2 and len(s) > 20:
        i = rng.randrange(5, len(s) - 5)
        s = s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    return s
