"""Send a simulated world through a gateway, time-compressed, and measure what a
lab cares about most: how much of each campaign's harvest was served, how soon
it was cut off, and which benign accounts were refused.

Keys are provisioned directly in the gateway's key store (the same
``DISTILLGUARD_DATABASE_URL`` the gateway uses), one per account, carrying
the account's org and KYC level so org buckets and step-up rules apply.

Every answer is one outcome: ``served`` (2xx), ``blocked`` (refused for the
account: ``account_blocked``, ``verification_required``), ``rate_limited``
(429 ``rate_limited``: counted apart, it is a limit, not a verdict) or
``error``. :func:`summarise` turns the outcomes into the report: per campaign
(attempted, served, share served, served before and after its first block,
cut off or not), per day, and benign accounts refused by persona.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import httpx
import orjson

from distillguard.gateway.keys import KeyStore
from distillguard.schema import Account, Event, HarvestCounter, Label, format_ts

PATHS = {"chat.completions": "/v1/chat/completions", "messages": "/v1/messages",
         "responses": "/v1/responses", "completions": "/v1/completions"}
SERVED, BLOCKED, RATE_LIMITED, ERROR = "served", "blocked", "rate_limited", "error"
BLOCK_CODES: Final = frozenset({"account_blocked", "verification_required"})
#: A campaign is cut off when, after the first block of any of its accounts, less than
#: this share of what it attempted was served.
CUT_OFF_SHARE: Final = 0.10
PROGRESS_EVERY: Final = 2000


@dataclass(frozen=True, slots=True)
class Outcome:
    ts: datetime
    account_id: str
    kind: str  # served, blocked, rate_limited, error
    code: str = ""


@dataclass(frozen=True)
class ReplayReport:
    sent: int
    served: int
    blocked: int
    rate_limited: int
    errors: int
    wall_s: float
    campaigns: list[dict[str, Any]]
    benign_blocked: list[dict[str, Any]]
    benign_accounts: int
    days: list[dict[str, Any]] = field(default_factory=list)
    benign_by_persona: list[dict[str, Any]] = field(default_factory=list)
    headline: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "served": self.served, "blocked": self.blocked,
                "rate_limited": self.rate_limited, "errors": self.errors,
                "wall_s": round(self.wall_s, 2), "headline": self.headline,
                "campaigns": self.campaigns, "days": self.days,
                "benign_accounts": self.benign_accounts,
                "benign_by_persona": self.benign_by_persona,
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


_REASON = re.compile(r"Reason: (.*)\. Contact support", re.S)


def _error(body: bytes) -> tuple[str, str]:
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "", ""
    err = obj.get("error") if isinstance(obj, dict) else None
    if not isinstance(err, dict):
        return "", ""
    m = _REASON.search(str(err.get("message") or ""))
    return str(err.get("code") or err.get("type") or ""), (m.group(1)[-200:] if m else "")


def classify(status: int, body: bytes) -> tuple[str, str]:
    """(outcome kind, error code) of one answer; a block's code carries its reason's end
    (``account_blocked: ... (linkage)``: which source refused it)."""
    if status < 300:
        return SERVED, ""
    code, reason = _error(body)
    code = code or str(status)
    if code in BLOCK_CODES:
        return BLOCKED, f"{code}: {reason}" if reason else code
    if status == 429:
        return RATE_LIMITED, code
    return ERROR, code


async def send_event(client: httpx.AsyncClient, ev: Event, key: str, *,
                     replay_ts: bool = False) -> Outcome:
    """Send one event's request as its account; ``replay_ts`` passes the event's time for
    a gateway built with ``replay_clock`` (the in-process benchmark)."""
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    if ev.user_agent:
        headers["user-agent"] = ev.user_agent
    if ev.ip:
        headers["x-forwarded-for"] = ev.ip
    if replay_ts:
        headers["x-distillguard-replay-ts"] = format_ts(ev.ts)
    try:
        resp = await client.post(PATHS.get(ev.endpoint, "/v1/chat/completions"),
                                 content=orjson.dumps(dict(ev.request)), headers=headers)
    except httpx.HTTPError as exc:
        return Outcome(ev.ts, ev.account_id, ERROR, f"transport_error:{type(exc).__name__}")
    kind, code = classify(resp.status_code, resp.content)
    return Outcome(ev.ts, ev.account_id, kind, code)


@dataclass(frozen=True)
class ReplayProgress:
    """What a replay's progress callback hears: exchanges sent so far, the simulated
    time they reached and the wall seconds since the first. The library calls back;
    the CLI draws (:class:`distillguard.cli.output.StderrProgress`)."""

    sent: int
    sim_time: datetime
    wall_s: float


Progress = Callable[[ReplayProgress], None]


async def replay(
    events: Iterable[Event], keys: dict[str, str], gateway_url: str, *, speedup: float = 0.0,
    concurrency: int = 32, timeout_s: float = 60.0, progress: Progress | None = None,
) -> tuple[list[Outcome], float]:
    """Send every event; ``speedup`` 0 sends as fast as ``concurrency`` allows."""
    outcomes: list[Outcome] = []
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    t_wall = time.monotonic()
    t0: datetime | None = None
    tasks: set[asyncio.Task[None]] = set()

    async def one(ev: Event, key: str) -> None:
        try:
            outcomes.append(await send_event(client, ev, key))
        finally:
            sem.release()

    async with httpx.AsyncClient(base_url=gateway_url, timeout=timeout_s, limits=limits) as client:
        for n, ev in enumerate(events, 1):
            key = keys.get(ev.account_id)
            if key is None:
                outcomes.append(Outcome(ev.ts, ev.account_id, ERROR, "no_key"))
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
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress(ReplayProgress(n, ev.ts, time.monotonic() - t_wall))
        if tasks:
            await asyncio.gather(*tasks)
        if progress is not None and outcomes:
            progress(ReplayProgress(len(outcomes), max(o.ts for o in outcomes),
                                    time.monotonic() - t_wall))
    return outcomes, time.monotonic() - t_wall


def _share(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def summarise(outcomes: Iterable[Outcome], labels: Iterable[Label], wall_s: float, *,
              personas: Mapping[str, str] | None = None, measure_from: datetime | None = None,
              cut_off_share: float = CUT_OFF_SHARE) -> ReplayReport:
    """The report, over outcomes at or after ``measure_from`` (all when None)."""
    by_label = {lb.account_id: lb for lb in labels}
    personas = personas or {}
    outs = sorted((o for o in outcomes if measure_from is None or o.ts >= measure_from),
                  key=lambda o: o.ts)

    def group(acct: str) -> str:
        lb = by_label.get(acct)
        if lb is None:
            return "(unlabelled)"
        if lb.is_distiller:
            return lb.campaign or f"(lone:{acct})"
        return "benign"

    per_acct: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    harvest = HarvestCounter()
    acct_first_block: dict[str, Outcome] = {}
    for o in outs:
        per_acct[o.account_id][o.kind] += 1
        if o.kind == BLOCKED:  # a rate limit is a limit, not a block
            acct_first_block.setdefault(o.account_id, o)
            harvest.refused(group(o.account_id), o.ts)
    camps: dict[str, dict[str, Any]] = {}
    days: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for o in outs:
        g = group(o.account_id)
        day = o.ts.date().isoformat()
        side = "benign" if g == "benign" else "distiller" if g != "(unlabelled)" else "other"
        days[day][f"{side}_attempted"] += 1
        days[day][f"{side}_{o.kind}"] += 1
        if g == "benign":
            continue
        camps.setdefault(g, defaultdict(int))[o.kind] += 1
        harvest.exchange(g, o.ts, o.kind == SERVED)
    members: dict[str, list[str]] = defaultdict(list)
    for acct in per_acct:
        members[group(acct)].append(acct)
    rows = []
    for g, c in sorted(camps.items()):
        h = harvest.harvest(g)
        after = _share(h.served_after_first_block, h.attempted_after_first_block)
        rows.append({
            "campaign": g, "accounts": len(members[g]),
            "accounts_blocked": sum(1 for a in members[g] if a in acct_first_block),
            "sent": h.attempted, "served": h.served, "blocked": c[BLOCKED],
            "rate_limited": c[RATE_LIMITED], "errors": c[ERROR],
            "share_served": _share(h.served, h.attempted),
            "served_before_first_block": h.served_before_first_block,
            "share_served_before_block": _share(h.served_before_first_block, h.attempted),
            "share_served_after_first_block": after,
            "cut_off": h.first_block is not None and (after or 0.0) < cut_off_share,
            "first_block": format_ts(h.first_block) if h.first_block else "",
        })
    benign = [a for a in per_acct if group(a) == "benign"]
    benign_blocked = [
        {"account_id": a, "persona": personas.get(a, ""), "sent": sum(per_acct[a].values()),
         "blocked": per_acct[a][BLOCKED], "rate_limited": per_acct[a][RATE_LIMITED],
         "first_block": format_ts(acct_first_block[a].ts),
         "code": acct_first_block[a].code}
        for a in sorted(benign) if a in acct_first_block]
    by_persona: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for a in benign:
        p = personas.get(a, "") or "(unknown)"
        by_persona[p][0] += 1
        by_persona[p][1] += a in acct_first_block
    persona_rows = [{"persona": p, "accounts": n, "refused": r, "share_refused": _share(r, n)}
                    for p, (n, r) in sorted(by_persona.items())]
    day_rows = []
    for day, d in sorted(days.items()):
        day_rows.append({
            "day": day, "distiller_attempted": d["distiller_attempted"],
            "distiller_served": d["distiller_served"],
            "distiller_share_served": _share(d["distiller_served"], d["distiller_attempted"]),
            "benign_attempted": d["benign_attempted"], "benign_blocked": d["benign_blocked"],
            "rate_limited": d["distiller_rate_limited"] + d["benign_rate_limited"]})
    dist_rows = [r for r in rows if r["campaign"] != "(unlabelled)"]
    campaign_rows = [r for r in dist_rows if not r["campaign"].startswith("(lone:")]
    campaign_accts = [a for r in campaign_rows for a in members[r["campaign"]]]
    headline = {
        "measured_from": format_ts(measure_from) if measure_from else "",
        "distiller_attempted": sum(r["sent"] for r in dist_rows),
        "distiller_served": sum(r["served"] for r in dist_rows),
        "distiller_share_served": _share(sum(r["served"] for r in dist_rows),
                                         sum(r["sent"] for r in dist_rows)),
        "campaign_accounts": len(campaign_accts),
        "campaign_accounts_refused": sum(1 for a in campaign_accts if a in acct_first_block),
        "campaign_accounts_share_refused": _share(
            sum(1 for a in campaign_accts if a in acct_first_block), len(campaign_accts)),
        "campaigns": len(campaign_rows),
        "campaigns_cut_off": sum(1 for r in campaign_rows if r["cut_off"]),
        "cut_off_share": cut_off_share,
        "benign_accounts": len(benign), "benign_refused": len(benign_blocked),
        "benign_share_refused": _share(len(benign_blocked), len(benign)),
        "rate_limited": sum(1 for o in outs if o.kind == RATE_LIMITED),
    }
    return ReplayReport(
        sent=len(outs), served=sum(1 for o in outs if o.kind == SERVED),
        blocked=sum(1 for o in outs if o.kind == BLOCKED),
        rate_limited=sum(1 for o in outs if o.kind == RATE_LIMITED),
        errors=sum(1 for o in outs if o.kind == ERROR), wall_s=wall_s, campaigns=rows,
        benign_blocked=benign_blocked, benign_accounts=len(benign), days=day_rows,
        benign_by_persona=persona_rows, headline=headline)


def run_replay(
    events: Iterable[Event], accounts: list[Account], labels: list[Label], gateway_url: str,
    store: KeyStore, *, speedup: float = 0.0, concurrency: int = 32,
    extra_account_ids: Iterable[str] = (), personas: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> ReplayReport:
    keys = provision_keys(store, accounts, extra_account_ids)
    outcomes, wall = asyncio.run(
        replay(events, keys, gateway_url, speedup=speedup, concurrency=concurrency,
               progress=progress))
    return summarise(outcomes, labels, wall, personas=personas)
