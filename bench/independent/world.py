"""The world: accounts, the event stream and the writers (spec: /work/shared/spec/log-format.md)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bodies import Params, Turn, build
from infra import COUNTRY_UTC_OFFSET, Egress, hexid


@dataclass
class Account:
    account_id: str
    created_at: datetime
    country: str
    egress: Egress
    ua: str
    endpoint: str
    model: str
    keys: list[str]
    acct: dict[str, Any] = field(default_factory=dict)  # optional accounts.jsonl fields


def tokens(s: str) -> int:
    # about 4 characters per token in English, about 1.5 for CJK
    cjk = sum(1 for ch in s[:4000] if "\u4e00" <= ch <= "\u9fff")
    return max(1, (len(s) - cjk) // 4 + int(cjk / 1.5))


class World:
    def __init__(self, out: Path, seed: int, days: int, start: datetime):
        self.rng = random.Random(seed)
        self.out, self.days, self.start = out, days, start
        self.end = start + timedelta(days=days)
        self.release = start + timedelta(days=int(days * 0.6), hours=17)  # "frontier-2" launch
        self.accounts: list[Account] = []
        self.rows: list[tuple[str, str, str, str]] = []  # account, label, campaign, persona/tactic
        self.tmp = out / ".days"
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True)
        self.day_files: dict[int, Any] = {}
        self.n_events = 0

    # ------------------------------------------------------------ accounts
    def account(
        self,
        *,
        label: str,
        campaign: str,
        persona: str,
        tactic: str,
        created_at: datetime,
        country: str,
        egress: Egress,
        ua: str,
        endpoint: str = "chat.completions",
        model: str = "frontier-1",
        n_keys: int = 1,
        **fields: Any,
    ) -> Account:
        if n_keys == 1 and self.rng.random() < 0.06:  # a second key (laptop + server) is common
            n_keys = 2
        if fields.get("signup_ip") is None and self.rng.random() < 0.9:
            fields["signup_ip"] = egress.draw(self.rng)[
                0
            ]  # most providers log it, for everyone alike
        a = Account(
            f"acct_{hexid(self.rng, 16)}",
            created_at,
            country,
            egress,
            ua,
            endpoint,
            model,
            [f"key_{hexid(self.rng, 10)}" for _ in range(n_keys)],
            {k: v for k, v in fields.items() if v is not None},
        )
        self.accounts.append(a)
        self.rows.append((a.account_id, label, campaign, f"{persona}|{tactic}"))
        return a

    def local_time(
        self, day: int, country: str, hours: tuple[float, float], rng: random.Random
    ) -> datetime:
        """A moment on world day `day` between local `hours` (may wrap past midnight)."""
        lo, hi = hours
        h = rng.uniform(lo, hi if hi > lo else hi + 24)
        off = COUNTRY_UTC_OFFSET.get(country, 0)
        return self.start + timedelta(days=day, hours=h - off)

    def weekday(self, day: int) -> int:
        return (self.start + timedelta(days=day)).weekday()

    # ------------------------------------------------------------ events
    def emit(
        self,
        a: Account,
        ts: datetime,
        turns: list[Turn],
        response: str,
        *,
        params: Params | None = None,
        tools: list[dict[str, Any]] | None = None,
        reasoning: str | None = None,
        reasoning_tokens: int | None = None,
        completion_tokens: int | None = None,
        status: int = 200,
        endpoint: str | None = None,
        model: str | None = None,
        ip: tuple[str, int, str] | None = None,
        ua: str | None = None,
        key: str | None = None,
    ) -> None:
        if ts < a.created_at or ts >= self.end or ts < self.start:
            return
        rng = self.rng
        ep, mdl = endpoint or a.endpoint, model or a.model
        p = params or Params()
        req = build(ep, mdl, turns, p, tools)
        ipx, asn, ctry = ip or a.egress.draw(rng)
        prompt_tok = sum(
            tokens(json.dumps(t[1]) if not isinstance(t[1], str) else t[1]) + 4 for t in turns
        ) + (sum(40 for _ in tools) if tools else 0)
        ev: dict[str, Any] = {
            "event_id": f"evt_{hexid(rng, 20)}",
            "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z",
            "account_id": a.account_id,
            "api_key_id": key or (a.keys[0] if len(a.keys) == 1 else rng.choice(a.keys)),
            "ip": ipx,
            "asn": asn,
            "ip_country": ctry,
            "user_agent": ua or a.ua,
            "endpoint": ep,
            "model": mdl,
            "request": req,
        }
        if status == 200:
            ct = completion_tokens or tokens(response) + (reasoning_tokens or 0)
            n = p.n or 1
            ev["response_text"] = "\n\n".join([response] * n) if n > 1 else response
            if reasoning:
                ev["reasoning_text"] = reasoning
            ev.update(prompt_tokens=prompt_tok, completion_tokens=ct * n)
            if reasoning_tokens:
                ev["reasoning_tokens"] = reasoning_tokens * n
            ev["status"] = 200
            ev["latency_ms"] = int(300 + ct * rng.uniform(8, 25) + rng.expovariate(1 / 400))
        else:
            ev.update(
                response_text="",
                prompt_tokens=prompt_tok,
                completion_tokens=0,
                status=status,
                latency_ms=int(rng.uniform(20, 120)),
            )
        day = int((ts - self.start).total_seconds() // 86400)
        fh = self.day_files.get(day)
        if fh is None:
            fh = self.day_files[day] = open(  # noqa: SIM115 -- one file per day, open across calls, closed in write()
                self.tmp / f"{day:03d}.jsonl", "w", encoding="utf-8"
            )
        fh.write(ev["ts"] + "\t" + json.dumps(ev, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.n_events += 1

    # ------------------------------------------------------------ writers
    def write(self) -> None:
        for fh in self.day_files.values():
            fh.close()
        # mtime=0 and no file name in the gzip header: same seed, same bytes
        with (
            open(self.out / "events.jsonl.gz", "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=4) as gzb,
            io.TextIOWrapper(gzb, encoding="utf-8") as gz,
        ):
            for day in sorted(self.day_files):
                with open(self.tmp / f"{day:03d}.jsonl", encoding="utf-8") as fh:
                    lines = fh.readlines()
                lines.sort()
                for line in lines:
                    gz.write(line.split("\t", 1)[1])
        shutil.rmtree(self.tmp, ignore_errors=True)
        order = list(range(len(self.accounts)))
        self.rng.shuffle(order)  # file order carries no persona information
        with open(self.out / "accounts.jsonl", "w", encoding="utf-8") as fh:
            for i in order:
                a = self.accounts[i]
                rec = {
                    "account_id": a.account_id,
                    "created_at": a.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    **a.acct,
                }
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        with open(self.out / "labels.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["account_id", "label", "campaign"])
            for i in order:
                r = self.rows[i]
                w.writerow(r[:3])
        with open(self.out / "personas.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["account_id", "persona", "tactic"])
            for i in order:
                r = self.rows[i]
                persona, tactic = r[3].split("|")
                w.writerow([r[0], persona, tactic])


def utc(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


def ensure_dir(p: Path) -> Path:
    os.makedirs(p, exist_ok=True)
    return p
