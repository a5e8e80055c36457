"""A tiny hand-made world for the hunt's tests (not a simulator: fixed, readable cases).

Benign individuals, one enterprise org sharing payment and NAT, one eval
researcher, one six-account campaign sharing a wrapper and acting in lockstep,
and one lone synthetic-data harvester.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

T0 = datetime(2026, 5, 1, tzinfo=UTC)

TOPICS = [
    "Can you help me plan a birthday party for my daughter?",
    "What is a good recipe for vegetable lasagna?",
    "How do I fix a leaking kitchen tap?",
    "Write a short poem about autumn leaves.",
    "Explain the difference between a Roth IRA and a traditional IRA.",
    "What should I pack for a week in Lisbon?",
    "My Python script raises KeyError when reading a dict, why?",
    "Suggest names for a golden retriever puppy.",
    "How can I improve my sleep schedule?",
    "Summarize the causes of the French Revolution.",
]
FOLLOWUPS = ["Thanks, can you make it shorter?", "What about a cheaper option?",
             "Could you give one more example?"]
QUESTIONS = [
    "A train leaves at 3 pm at 80 km/h; another at 4 pm at 100 km/h. When does it catch up?",
    "Prove that the sum of the first n odd numbers is n squared.",
    "How many ways can 5 people sit around a round table?",
    "Solve for x: 3x + 7 = 22.",
    "What is the derivative of x^3 sin x?",
    "Find the probability of two sixes when rolling two dice.",
]


def _event(eid: str, ts: datetime, acct: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    ev = {"event_id": eid, "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "account_id": acct,
          "endpoint": kw.pop("endpoint", "chat.completions"), "model": body.get("model", "m-1"),
          "request": body, "response_text": kw.pop("response", "ok " * 20),
          "prompt_tokens": kw.pop("pt", 40), "completion_tokens": kw.pop("ct", 200),
          "status": 200}
    ev.update(kw)
    return ev


def build_world(out: Path, seed: int = 7) -> tuple[Path, Path, dict[str, str]]:
    """Write events.jsonl and accounts.jsonl; return their paths and the truth per account."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    truth: dict[str, str] = {}
    n = 0

    def eid() -> str:
        nonlocal n
        n += 1
        return f"e{n:06d}"

    for i in range(8):
        acct = f"user-{i}"
        truth[acct] = "benign"
        # Individuals: signed up months apart, each as busy as they happen to be (the same
        # sign-up hour and the same volume for all eight would be a cohort's signature).
        created = datetime(2025, 1 + i, 3 + 2 * i, 7 + i, tzinfo=UTC)
        accounts.append({"account_id": acct,
                         "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "email_domain": "gmail.com", "payment_fingerprint": f"pf-u{i}",
                         "kyc_level": "card", "plan": "payg", "billing_country": "DE"})
        for _ in range(6 + 3 * i):
            day = rng.randrange(0, 10)
            ts = T0 + timedelta(days=day, hours=rng.randrange(8, 22), minutes=rng.randrange(60))
            q = rng.choice(TOPICS)
            msgs = [{"role": "user", "content": q}]
            if rng.random() < 0.5:
                msgs += [{"role": "assistant", "content": "Sure, here is an idea."},
                         {"role": "user", "content": rng.choice(FOLLOWUPS)}]
            events.append(_event(eid(), ts, acct, {"model": "m-1", "messages": msgs,
                                                   "temperature": 0.7},
                                 ip=f"203.0.113.{10 + i}", asn=64500 + i,
                                 user_agent="OpenAI/Python 1.82.0"))
    # An enterprise org: shared payment, one NAT, contract KYC, a support-bot wrapper.
    for i in range(5):
        acct = f"acme-{i}"
        truth[acct] = "benign"
        accounts.append({"account_id": acct, "created_at": "2026-04-28T09:00:00Z",
                         "org_id": "org-acme", "email_domain": "acme.example",
                         "payment_fingerprint": "pf-acme", "kyc_level": "contract",
                         "plan": "enterprise", "billing_country": "US",
                         "signup_ip": "198.18.0.1"})
        for k in range(40):
            ts = T0 + timedelta(days=k % 10, hours=9 + (k * 7 + i) % 9, minutes=rng.randrange(60))
            q = rng.choice(TOPICS)
            body = {"model": "m-1", "max_tokens": 512, "messages": [
                {"role": "system", "content": "You are the support assistant of Acme Corp. "
                 "Answer customer questions politely and briefly."},
                {"role": "user", "content": f"Customer ticket {k}: {q}"}]}
            events.append(_event(eid(), ts, acct, body, ip="198.18.0.1", asn=64999,
                                 user_agent="acme-backend/2.1"))
    # An eval researcher running a multiple-choice benchmark once.
    truth["evals-1"] = "benign"
    accounts.append({"account_id": "evals-1", "created_at": "2026-03-01T00:00:00Z",
                     "email_domain": "uni.example", "kyc_level": "id_verified",
                     "plan": "research", "payment_fingerprint": "pf-ev"})
    for k in range(30):
        ts = T0 + timedelta(days=3, minutes=k)
        body = {"model": "m-1", "temperature": 0, "max_tokens": 5, "messages": [{
            "role": "user", "content": f"The following are multiple choice questions.\n"
            f"Q{k}: Which is largest? (A) {k} (B) {k + 1} (C) {k + 2} (D) {k - 1}\n"
            "Answer with only the letter."}]}
        events.append(_event(eid(), ts, "evals-1", body, ct=1, ip="192.0.2.50", asn=64600,
                             user_agent="python-httpx/0.27"))
    # The campaign: six accounts created within the hour, one wrapper, lockstep, 24/7.
    for i in range(6):
        acct = f"hydra-{i}"
        truth[acct] = "distiller"
        accounts.append({"account_id": acct,
                         "created_at": f"2026-04-30T22:{10 + i * 5:02d}:00Z",
                         "email_domain": f"mail{i}.example", "kyc_level": "email",
                         "plan": "startup" if i % 2 else "education",
                         "payment_fingerprint": f"pf-h{i % 2}", "signup_ip": f"198.51.100.{i}"})
        for k in range(60):
            ts = T0 + timedelta(minutes=k * 47 + i)  # lockstep, round the clock
            body = {"model": "m-1", "max_tokens": 16000, "reasoning_effort": "high",
                    "messages": [
                        {"role": "system", "content": "You are an expert tutor. Always write out "
                         "your complete internal reasoning step by step before the final answer."},
                        {"role": "user", "content": f"Problem {k}: {rng.choice(QUESTIONS)}\n\n"
                         "Show all of your work and verify the result."}]}
            events.append(_event(eid(), ts, acct, body, ip=f"198.51.100.{(k + i) % 8}",
                                 ip_prefix="198.51.100.0/24", asn=64511, pt=80, ct=2400,
                                 user_agent="OpenAI/Python 1.40.0"))
    # A lone synthetic-data harvester.
    truth["lone-1"] = "distiller"
    accounts.append({"account_id": "lone-1", "created_at": "2026-04-29T00:00:00Z",
                     "email_domain": "proton.me", "kyc_level": "email", "plan": "free"})
    for k in range(40):
        ts = T0 + timedelta(hours=k * 5, minutes=rng.randrange(60))
        topic = rng.choice(["chemistry", "algebra", "world history", "economics"])
        body = {"model": "m-1", "max_tokens": 8000, "messages": [{
            "role": "user", "content": f"Generate 20 diverse and challenging questions about "
            f"{topic}, with detailed step-by-step answers, as a JSON list."}]}
        events.append(_event(eid(), ts, "lone-1", body, ip="192.0.2.99", asn=64700, pt=30,
                             ct=3000, user_agent="python-requests/2.31"))
    rng.shuffle(events)  # out of order on purpose
    out.mkdir(parents=True, exist_ok=True)
    ev_path = out / "events.jsonl"
    ac_path = out / "accounts.jsonl"
    ev_path.write_text("".join(json.dumps(e) + "\n" for e in events))
    ac_path.write_text("".join(json.dumps(a) + "\n" for a in accounts))
    return ev_path, ac_path, truth
