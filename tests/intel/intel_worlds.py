"""Two small labs that see the same distillation operation, written as canonical files.

Lab A hunted and attributed the operation (a hand-made hunt directory); lab B
sees some of the same infrastructure and the same wrapper under new accounts.
"""

from __future__ import annotations

import csv
import json
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

WRAPPER_SYSTEM = (
    "You are an expert tutor. Always write out your complete internal reasoning step by step "
    "before the final answer, and grade your own answer against the rubric at the end."
)
TASKS = [
    "A train leaves at 3 pm travelling 80 km/h; a second leaves at 4 pm at 100 km/h. When does "
    "the second catch up?",
    "Prove that the sum of the first n odd numbers is n squared for every natural number.",
    "Integrate x times e to the x over the interval from zero to one and explain each step.",
    "How many ways can eight rooks be placed on a chessboard so none attack each other?",
    "Find all real solutions of the equation x cubed minus six x squared plus eleven x.",
    "Explain why the harmonic series diverges even though its terms tend to zero slowly.",
    "A bag holds five red and seven blue marbles; two are drawn. What is the chance both match?",
    "Show that the square root of two is irrational using a proof by contradiction today.",
]
BENIGN_PROMPTS = [
    "Can you help me write a cover letter for a junior data analyst job in Berlin?",
    "Suggest a vegetarian dinner menu for six guests with one gluten free option please.",
    "What is a good way to learn the basics of Spanish grammar in three months?",
    "Summarise the plot of Pride and Prejudice in a paragraph for my book club tonight.",
    "Write a short poem about autumn leaves falling on a quiet city street at dusk.",
    "How do I fix a pandas SettingWithCopyWarning when filtering a dataframe slice?",
    "Plan a three day itinerary for Lisbon with museums, food markets and a beach day.",
    "Explain the difference between a Roth IRA and a traditional IRA in simple terms.",
]
# A benign tutor app whose system prompt shares 14 of its 33 informative shingles
# with the operation's wrapper (true containment 0.42), and no whole line.
NEAR_WRAPPER_SYSTEM = (
    "You are an expert tutor. Always write out your complete internal reasoning step by step "
    "in a private notebook that you keep away from the student, then reply in two short "
    "sentences."
)
# A quieter wing of the same operation: few requests an account, its own wrapper.
SLOW_WRAPPER_SYSTEM = (
    "You rewrite instructions for a dataset. Keep the meaning, raise the difficulty, and never "
    "mention that the instruction was rewritten."
)
SLOW_TEMPLATE = ("Make the rewritten instruction harder while keeping it answerable.\n"
                 "Return only the new instruction text and nothing else.")
VPN_EXIT = "192.0.2.77"  # a commercial VPN exit the operation's proxies also use
T0 = datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 5, 3, 12, 0, tzinfo=UTC)
SECRET = "5f1c0de5a1b2c3d4e5f60718293a4b5c" "9e8d7c6b5a4f3e2d1c0b0a0918273645"


@dataclass(frozen=True)
class Lab:
    root: Path
    events: Path
    accounts: Path
    hunt: Path
    distillers: tuple[str, ...]
    benign: tuple[str, ...]
    raw_identifiers: tuple[str, ...]
    prompts: tuple[str, ...]


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _distiller_event(i: int, acct: str, ip: str, when: datetime, task: str) -> dict[str, object]:
    # Letters, not digits, so the masked task line stays unique per request.
    tag = "".join(chr(97 + int(c)) for c in f"{sum(map(ord, acct)) % 1000:03d}{i:02d}")
    return {
        "event_id": f"{acct}-e{i}", "ts": _ts(when), "account_id": acct, "ip": ip, "asn": 64511,
        "ip_country": "SG", "user_agent": "harvest-client/0.3 (+linux)", "endpoint": "messages",
        "model": "frontier-1",
        "request": {"model": "frontier-1", "max_tokens": 16000,
                    "thinking": {"type": "enabled", "budget_tokens": 12000},
                    "system": WRAPPER_SYSTEM,
                    "messages": [{"role": "user", "content":
                                  f"Problem {i} ({tag}): {task}\n\nAnswer in full, then "
                                  "grade yourself against the rubric.\nFinal answer: <answer>"}]},
        "response_text": f"Worked answer number {i} with every step shown.",
        "reasoning_text": "Let t be the time after departure...", "status": 200,
    }


def _slow_event(i: int, acct: str, ip: str, when: datetime, task: str) -> dict[str, object]:
    ev = _distiller_event(i, acct, ip, when, task)
    tag = "".join(chr(97 + int(c)) for c in f"{sum(map(ord, acct)) % 1000:03d}{i:02d}")
    ev["request"] = {"model": "frontier-1", "max_tokens": 2000, "system": SLOW_WRAPPER_SYSTEM,
                     "messages": [{"role": "user", "content":
                                   f"Rewrite task {i} ({tag}): {task}\n{SLOW_TEMPLATE}"}]}
    return ev


def _benign_event(i: int, acct: str, ip: str, when: datetime, prompt: str,
                  system: str | None = None) -> dict[str, object]:
    messages = [{"role": "user", "content": prompt}]
    if system:
        messages.insert(0, {"role": "system", "content": system})
    return {
        "event_id": f"{acct}-e{i}", "ts": _ts(when), "account_id": acct, "ip": ip, "asn": 64500,
        "ip_country": "DE", "user_agent": "OpenAI/Python 1.82.0", "endpoint": "chat.completions",
        "model": "frontier-1",
        "request": {"model": "frontier-1", "temperature": 0.7,
                    "messages": messages},
        "response_text": "Here is a helpful answer.", "status": 200,
    }


def make_lab(root: Path, name: str, *, n_distillers: int, n_benign: int, seed: int,
             shared_payment: str = "pf-op-51d0", op_prefix: str = "198.51.100",
             hunt: bool = True, benign_system: str | None = None, vpn_exit: str | None = None,
             vpn_users: int = 0, near_wrapper_users: int = 0, requests_per_distiller: int = 12,
             slow_distillers: int = 0) -> Lab:
    """A lab's files; ``vpn_exit``: the operation also connects from it (every third
    request) and ``vpn_users`` benign accounts use it; ``near_wrapper_users`` benign
    accounts run a system prompt close to the operation's wrapper; ``slow_distillers``
    accounts of the operation send 4 harvest requests under their own wrapper amid 4
    chats."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    events: list[dict[str, object]] = []
    accounts: list[dict[str, object]] = []
    distillers = tuple([f"{name}-op-{i:02d}" for i in range(n_distillers)]
                       + [f"{name}-slow-{i:02d}" for i in range(slow_distillers)])
    benign = tuple([f"{name}-user-{i:02d}" for i in range(n_benign)]
                   + [f"{name}-vpn-{i:02d}" for i in range(vpn_users)]
                   + [f"{name}-near-{i:02d}" for i in range(near_wrapper_users)])
    raw: set[str] = set()
    prompts: set[str] = {WRAPPER_SYSTEM, NEAR_WRAPPER_SYSTEM, SLOW_WRAPPER_SYSTEM,
                         SLOW_TEMPLATE, *TASKS, *BENIGN_PROMPTS}
    for k, acct in enumerate(distillers):
        ip = f"{op_prefix}.{10 + k * 3 + seed % 3}"
        accounts.append({"account_id": acct, "created_at": _ts(T0 - timedelta(days=2, hours=k)),
                         "email_domain": f"mail{seed}-ops.example", "payment_fingerprint":
                         shared_payment if k % 2 == 0 else f"pf-{name}-{k}",
                         "billing_country": "US", "signup_ip": ip, "kyc_level": "card",
                         "plan": "startup", "declared_use": f"edtech tutoring app {name}"})
        when = T0 + timedelta(minutes=k)
        if "-slow-" in acct:
            for i in range(8):
                when += timedelta(hours=2 + rng.random())
                task = TASKS[(i + k) % len(TASKS)]
                events.append(_slow_event(i, acct, ip, when, task) if i % 2 == 0 else
                              _benign_event(i, acct, ip, when,
                                            BENIGN_PROMPTS[(i + k) % len(BENIGN_PROMPTS)]))
            raw.update({acct, ip, f"mail{seed}-ops.example", f"pf-{name}-{k}", shared_payment})
            continue
        for i in range(requests_per_distiller):
            when += timedelta(seconds=2 + rng.random())
            via = vpn_exit if vpn_exit and i % 3 == 0 else ip
            events.append(_distiller_event(i, acct, via, when, TASKS[(i + k) % len(TASKS)]))
        raw.update({acct, ip, f"mail{seed}-ops.example", f"pf-{name}-{k}", shared_payment,
                    *([vpn_exit] if vpn_exit else [])})
    for k, acct in enumerate(benign):
        ip = VPN_EXIT if "-vpn-" in acct else f"203.0.{113 + k}.{20 + k}"
        system = NEAR_WRAPPER_SYSTEM if "-near-" in acct else benign_system
        accounts.append({"account_id": acct, "created_at": _ts(T0 - timedelta(days=90 + k)),
                         "email_domain": "gmail.com", "payment_fingerprint": f"pf-{name}-b{k}",
                         "billing_country": "DE", "kyc_level": "card", "plan": "payg"})
        when = T0 + timedelta(hours=k)
        for i in range(4):
            when += timedelta(minutes=5 + rng.randint(0, 240))
            events.append(_benign_event(i, acct, ip, when,
                                        BENIGN_PROMPTS[(i + k) % len(BENIGN_PROMPTS)],
                                        system))
        raw.update({acct, ip, f"pf-{name}-b{k}"})
    events.sort(key=lambda e: str(e["ts"]))
    ev_path, acc_path = root / "events.jsonl", root / "accounts.jsonl"
    ev_path.write_text("".join(json.dumps(e) + "\n" for e in events))
    acc_path.write_text("".join(json.dumps(a) + "\n" for a in accounts))
    hunt_dir = root / "hunt"
    if hunt:
        hunt_dir.mkdir(exist_ok=True)
        with (hunt_dir / "accounts.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["account_id", "risk", "verdict", "cluster_id", "reasons"])
            for k, acct in enumerate(distillers):
                w.writerow([acct, f"{0.97 - k * 0.01:.2f}", "block", "op-7",
                            f"reasoning coercion on {acct}"])
            for acct in benign:
                w.writerow([acct, "0.05", "allow", "", ""])
        with (hunt_dir / "evidence.jsonl").open("w") as fh:
            for acct in distillers:
                fh.write(json.dumps({"account_id": acct, "risk": 0.95, "verdict": "block",
                                     "thresholds": {"review": 0.5, "block": 0.8},
                                     "features": [
                                         {"name": "reasoning_coercion", "value": 1.0,
                                          "weight": 0.4, "contribution": 0.4,
                                          "explanation": f"system prompt of {acct} asks"},
                                         {"name": "shared_payment", "value": 1.0, "weight": 0.3,
                                          "contribution": 0.3, "explanation": shared_payment}]})
                         + "\n")
        (hunt_dir / "clusters.csv").write_text(
            "cluster_id,size,risk,first_seen,last_seen,evidence\n"
            f"op-7,{n_distillers},0.95,{_ts(T0)},{_ts(T0)},shared payment\n")
    return Lab(root, ev_path, acc_path, hunt_dir, distillers, benign,
               tuple(sorted(raw)), tuple(sorted(prompts)))


IDENTIFIER_FIELDS = ("event_id", "account_id", "api_key_id", "ip", "ip_prefix", "user_agent",
                     "email_domain", "payment_fingerprint", "signup_ip", "org_id", "declared_use")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def forbidden_strings(lab: Lab) -> set[str]:
    """Every raw identifier and every 6-word window of every text in the lab's input."""
    out: set[str] = set()
    rows = [json.loads(x) for p in (lab.events, lab.accounts) for x in p.read_text().splitlines()]
    for row in rows:
        for name in IDENTIFIER_FIELDS:
            if isinstance(row.get(name), str):
                out.add(row[name])
                if name in ("ip", "signup_ip"):
                    out.add(row[name].rsplit(".", 1)[0] + ".0/24")
        for text in _strings(row.get("request")) + [row.get("response_text") or "",
                                                      row.get("reasoning_text") or ""]:
            words = text.split()
            if len(words) < 2 and len(text) < 12:
                continue  # roles, model names, enum values: not user data
            out.update(" ".join(words[i:i + 6]) for i in range(max(1, len(words) - 5)))
    for line in (lab.hunt / "accounts.csv").read_text().splitlines()[1:]:
        acct, _, _, cluster, reasons = line.split(",", 4)
        out.update({acct, reasons} - {""})
        if cluster:
            out.add(f'"{cluster}"')
    for line in (lab.hunt / "evidence.jsonl").read_text().splitlines():
        for f in json.loads(line)["features"]:
            out.add(f["explanation"])
    return {s for s in out if s.strip()}


def assert_private(bundle: dict[str, Any], lab: Lab) -> None:
    """Fail on any raw identifier or prompt fragment of ``lab``'s input in ``bundle``."""
    text = json.dumps(bundle)
    hits = sorted(s for s in forbidden_strings(lab) if s in text)
    assert hits == [], hits[:5]
    assert not re.search(r":\s*6451[01]\b", text)  # ASNs only as keyed hashes
