"""Check a generated world against the input contract (shared/spec/log-format.md)
and for label leakage.

    python bench/independent/check.py DIR

Exits non-zero naming the file, line and field of the first problems found.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
ENDPOINTS = {"chat.completions", "messages", "responses", "completions"}
KYC = {"none", "email", "card", "id_verified", "contract"}
LEAK_FIELDS = ("email_domain", "declared_use", "kyc_level", "plan", "billing_country")
PLANS = {"free", "payg", "enterprise", "education", "research", "startup"}


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def check(world: Path) -> list[str]:
    errs: list[str] = []
    labels = {r["account_id"]: r for r in _rows(world / "labels.csv")}
    secrets = {r["campaign"] for r in labels.values() if r["campaign"]}
    secrets |= {r["tactic"] for r in _rows(world / "personas.csv") if r["tactic"]}
    # whole tokens only: "top-3" in a user's text is not campaign "op-3"
    secret_re = re.compile(
        r"(?<![\w-])(?:" + "|".join(re.escape(s) for s in sorted(secrets)) + r")(?![\w-])"
        if secrets
        else "$^"
    )
    accounts = set()
    by_value: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for i, line in enumerate(
        (world / "accounts.jsonl").read_text(encoding="utf-8").splitlines(), 1
    ):
        a = json.loads(line)
        where = f"accounts.jsonl:{i}"
        for f in ("account_id", "created_at"):
            if f not in a:
                errs.append(f"{where}: missing {f}")
        if not TS.match(a.get("created_at", "")):
            errs.append(f"{where}: created_at not RFC 3339")
        if a.get("kyc_level", "none") not in KYC or a.get("plan", "free") not in PLANS:
            errs.append(f"{where}: kyc_level/plan outside the spec's values")
        if secret_re.search(line):
            errs.append(f"{where}: contains a campaign or tactic name")
        accounts.add(a["account_id"])
        for f in LEAK_FIELDS:
            by_value[(f, str(a.get(f)))][labels[a["account_id"]]["label"]] += 1
    if set(labels) != accounts:
        errs.append(
            f"labels.csv and accounts.jsonl disagree on {len(set(labels) ^ accounts)} accounts"
        )
    ids: set[str] = set()
    n, last, eps = 0, "", Counter()
    with gzip.open(world / "events.jsonl.gz", "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            e = json.loads(line)
            where = f"events.jsonl.gz:{i}"
            n += 1
            for f in (
                "event_id",
                "ts",
                "account_id",
                "endpoint",
                "model",
                "request",
                "response_text",
            ):
                if f not in e:
                    errs.append(f"{where}: missing {f}")
            if e["event_id"] in ids:
                errs.append(f"{where}: duplicate event_id {e['event_id']}")
            ids.add(e["event_id"])
            if not TS.match(e["ts"]) or e["ts"] < last:
                errs.append(f"{where}: ts malformed or out of order")
            last = e["ts"]
            if e["endpoint"] not in ENDPOINTS or e["account_id"] not in accounts:
                errs.append(f"{where}: bad endpoint or unknown account")
            r = e["request"]
            shape_ok = {
                "chat.completions": "messages" in r,
                "messages": "messages" in r and "max_tokens" in r,
                "responses": "input" in r,
            }.get(e["endpoint"], True)
            if not shape_ok or r.get("model") != e["model"]:
                errs.append(f"{where}: request body does not match endpoint {e['endpoint']}")
            if i % 50 == 0 and secret_re.search(line):  # sampled: a full scan costs minutes
                errs.append(f"{where}: contains a campaign or tactic name")
            eps[e["endpoint"]] += 1
            if len(errs) > 20:
                break
    if n == 0:
        errs.append("events.jsonl.gz: no events")
    for (f, v), c in sorted(by_value.items()):
        if c["distiller"] >= 10 and c["benign"] == 0:  # a value only operators have: a label leak
            errs.append(
                f"accounts.jsonl: {f}={v!r} occurs on {c['distiller']} distillers, no benign"
            )
    print(f"{world}: {len(accounts)} accounts, {n} events, endpoints {dict(eps)}", file=sys.stderr)
    return errs


if __name__ == "__main__":
    problems = check(Path(sys.argv[1]))
    for p in problems[:20]:
        print(p)
    raise SystemExit(1 if problems else 0)
