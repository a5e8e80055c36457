"""Send a simulated world through a running gateway, time-compressed, and
measure what a lab cares about most: how many exchanges each campaign got
served before the gateway first blocked it, and which benign accounts it
blocked.

Keys are provisioned directly in the gateway's key store (the same
``DISTILLGUARD_DATABASE_URL`` the gateway uses), one per account, carrying
the account's org and KYC level so org buckets and step-up rules apply.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import orjson

from distillguard.gateway.keys import KeyStore
from distillguard.schema import Account, Event, Label

PATHS = {"chat.completions": "/v1/chat/completions", "messages": "/v1/messages",
         "responses": "/v1/responses", "completions": "/v1/completions"}
BLOCKED = (403, 429)


@dataclass
class AccountRun:
    sent: int = 0
    served: int = 0
    blocked: int = 0
    errors: int = 0
    served_before_first_block: int | None = None
    first_block_ts: datetime | None = None
    first_block_code: str = ""
    codes: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(frozen=True)
class ReplayReport:
    sent: int
    served: int
    blocked: int
    errors: int
    wall_s: float
    campaigns: list[dict[str, Any]]
    benign_blocked: list[dict[str, Any]]
    benign_accounts: int

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "served": self.served, "blocked": self.blocked,
                "errors": self.errors, "wall_s": round(self.wall_s, 2),
                "campaigns": self.campaigns, "benign_accounts": self.benign_accounts,
                "benign_blocked": self.benign_blocked}


def provision_keys(store: KeyStore, accounts: Iterable[Account], extra_ids: Iterable[str] = ()
                   ) -> dict[str, str]:
    """One fresh gateway key per account; returns account_id -> secret."""
    out: dict[str, str] = {}
    with store.batch():
        for acc in accounts:
            out[acc.account_id] = store.create(acc.account_id, org_id=acc.org_id,
                                               kyc_level=acc.kyc_level, name="replay").secret
        for acct in extra_ids:
            if acct not in out:
                out[acct] = store.create(acct, name="replay").secret
    return out


def _code(body: bytes) -> str:
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    err = obj.get("error") if isinstance(obj, dict) else None
    return str(err.get("code") or err.get("type") or "") if isinstance(err, dict) else ""


async def _send(client: httpx.AsyncClient, ev: Event, key: str, run: AccountRun) -> None:
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    if ev.user_agent:
        headers["user-agent"] = ev.user_agent
    if ev.ip:
        headers["x-forwarded-for"] = ev.ip
    run.sent += 1
    try:
        resp = await client.post(PATHS.get(ev.endpoint, "/v1/chat/completions"),
                                 content=orjson.dumps(dict(ev.request)), headers=headers)
    except httpx.HTTPError:
        run.errors += 1
        run.codes["transport_error"] += 1
        return
    if resp.status_code < 300:
        run.served += 1
        return
    code = _code(resp.content) or str(resp.status_code)
    run.codes[code] += 1
    if resp.status_code in BLOCKED:
        run.blocked += 1
        if run.first_block_ts is None:
            run.first_block_ts = ev.ts
            run.first_block_code = code
            run.served_before_first_block = run.served
    else:
        run.errors += 1


async def replay(
    events: Iterable[Event], keys: dict[str, str], gateway_url: str, *, speedup: float = 0.0,
    concurrency: int = 32, timeout_s: float = 60.0,
) -> tuple[dict[str, AccountRun], float, list[tuple[datetime, str, int]]]:
    """Send every event; ``speedup`` 0 sends as fast as ``concurrency`` allows."""
    runs: dict[str, AccountRun] = defaultdict(AccountRun)
    served_log: list[tuple[datetime, str, int]] = []
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    t_wall = time.monotonic()
    t0: datetime | None = None
    tasks: set[asyncio.Task[None]] = set()

    async def one(ev: Event, key: str) -> None:
        try:
            run = runs[ev.account_id]
            before = run.served
            await _send(client, ev, key, run)
            if run.served > before:
                served_log.append((ev.ts, ev.account_id, 1))
        finally:
            sem.release()

    async with httpx.AsyncClient(base_url=gateway_url, timeout=timeout_s, limits=limits) as client:
        for ev in events:
            key = keys.get(ev.account_id)
            if key is None:
                runs[ev.account_id].codes["no_key"] += 1
                continue
            if speedup > 0:
                t0 = t0 or ev.ts
                due = t_wall + (ev.ts - t0).total_seconds() / speedup
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            await sem.acquire()
            task = asyncio.ensure_future(one(ev, key))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
    return runs, time.monotonic() - t_wall, served_log


def summarise(runs: dict[str, AccountRun], labels: Iterable[Label], wall_s: float,
              served_log: list[tuple[datetime, str, int]]) -> ReplayReport:
    by_label = {lb.account_id: lb for lb in labels}
    campaigns: dict[str, list[str]] = defaultdict(list)
    benign: list[str] = []
    for acct in runs:
        lb = by_label.get(acct)
        if lb is None:
            campaigns["(unlabelled)"].append(acct)
        elif lb.is_distiller:
            campaigns[lb.campaign or f"(lone:{acct})"].append(acct)
        else:
            benign.append(acct)
    rows = []
    for name, accts in sorted(campaigns.items()):
        members = set(accts)
        firsts = [ts for a in accts if (ts := runs[a].first_block_ts) is not None]
        first = min(firsts) if firsts else None
        sent = sum(runs[a].sent for a in accts)
        served = sum(runs[a].served for a in accts)
        before = served if first is None else sum(
            1 for ts, a, _ in served_log if a in members and ts < first)
        rows.append({
            "campaign": name, "accounts": len(accts),
            "accounts_blocked": sum(1 for a in accts if runs[a].first_block_ts is not None),
            "sent": sent, "served": served,
            "served_before_first_block": before,
            "share_served_before_block": round(before / sent, 4) if sent else 0.0,
            "first_block": first.isoformat() if first else "",
        })
    benign_blocked = [
        {"account_id": a, "sent": runs[a].sent, "blocked": runs[a].blocked,
         "first_block": ts.isoformat() if (ts := runs[a].first_block_ts) else "",
         "code": runs[a].first_block_code}
        for a in sorted(benign) if runs[a].blocked
    ]
    return ReplayReport(
        sent=sum(r.sent for r in runs.values()), served=sum(r.served for r in runs.values()),
        blocked=sum(r.blocked for r in runs.values()),
        errors=sum(r.errors for r in runs.values()), wall_s=wall_s, campaigns=rows,
        benign_blocked=benign_blocked, benign_accounts=len(benign))


def run_replay(
    events: Iterable[Event], accounts: list[Account], labels: list[Label], gateway_url: str,
    store: KeyStore, *, speedup: float = 0.0, concurrency: int = 32,
    extra_account_ids: Iterable[str] = (),
) -> ReplayReport:
    keys = provision_keys(store, accounts, extra_account_ids)
    runs, wall, served_log = asyncio.run(
        replay(events, keys, gateway_url, speedup=speedup, concurrency=concurrency))
    return summarise(runs, labels, wall, served_log)
