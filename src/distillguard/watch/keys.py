"""Campaign linkage keys from a hunt's outputs: what the door recognises a campaign by.

Inputs are the hunt's contract (``accounts.csv``: ``account_id, risk, verdict,
cluster_id, reasons``), the events the hunt read, and the account records.
The keys are computed by the hunt's own SQL (:func:`plan.account_keys`: wrapper
skeletons reused within an account, egress address, /24) plus the declared
tool schema and the records' payment instrument and sign-up address.

A *campaign* is a hunt cluster with flagged members (``block`` or ``review``),
or a flagged account outside any cluster. Its tier is ``block`` when at least
half its flagged members are blocked, else ``review``.

The rule for a key (say it to whoever asks why a new account was refused): a
value becomes a linkage key of a campaign when at least two of its flagged
members hold it (its only member, for a campaign of one), and at most
``max_outside`` accounts the hunt let through (verdict ``allow``) hold it
anywhere. A template (wrapper skeleton, system prompt, tool schema) is held to
more: two flagged holders even in a campaign of one, and no allowed holder.
A VPN exit, a campus NAT or a public agent framework's system prompt
that ordinary customers share fails the second half and never becomes a key;
accounts flagged in other campaigns do not count against it. Only campaigns
whose tier is ``block`` get keys: the door links new accounts to what the hunt
was sure of, not to what it asked a person to review.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from distillguard.features import plan
from distillguard.features.engine import DuckDBEngine
from distillguard.features.linkage import tool_keys, tools_sql
from distillguard.gateway.linkage import Campaign, LinkBook
from distillguard.gateway.verdicts import External
from distillguard.graph.kinds import family
from distillguard.schema import Account, AccountVerdict, campaign_tier, read_verdicts

#: Kinds of key the door can check (the hunt also links on ASN and user agent, which
#: ordinary customers share too widely to refuse anyone by).
REQUEST_KINDS: Final = ("p24", "s24", "p64", "s64", "sysk", "ip", "ip_prefix", "tools")
RECORD_KINDS: Final = ("payment", "signup_ip")
#: Templates strangers can share (a public benchmark's wrapper, a framework's prompt and
#: tools): a key of these kinds needs two flagged holders and no allowed one.
SCAFFOLD_KINDS: Final = frozenset(k for k in REQUEST_KINDS if family(k) == "scaffolding")
MAX_OUTSIDE: Final = 1
FLAGGED: Final = ("block", "review")


def read_hunt(path: Path) -> list[AccountVerdict]:
    """The hunt's ``accounts.csv``; a row that cannot be used names its line and field."""
    return read_verdicts(path)


def key_holders(event_files: Sequence[Path], accounts: Iterable[Account]
                ) -> dict[tuple[str, str], set[str]]:
    """(kind, value) -> accounts holding it, by the hunt's SQL on DuckDB."""
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    if event_files:
        eng = DuckDBEngine()
        try:
            eng.load_events(event_files)
            eng.materialize_events("ev")
            keys = eng.query(plan.account_keys()).select(["account_id", "kind", "value"])
            for acct, kind, value in zip(*(keys[c].to_pylist() for c in keys.column_names),
                                         strict=True):
                if kind in REQUEST_KINDS and value:
                    holders[(kind, value)].add(acct)
            tools = eng.query(tools_sql())
            for acct, value in zip(tools["account_id"].to_pylist(),
                                   tools["value"].to_pylist(), strict=True):
                for kind, v in tool_keys(value).items():
                    holders[(kind, v)].add(acct)
        finally:
            eng.close()
    for a in accounts:
        for kind, rv in (("payment", a.payment_fingerprint), ("signup_ip", a.signup_ip)):
            if rv:
                holders[(kind, rv)].add(a.account_id)
    return holders


def build_book(rows: Sequence[AccountVerdict], holders: dict[tuple[str, str], set[str]],
               accounts: Iterable[Account], *, max_outside: int = MAX_OUTSIDE,
               source: str = "watch") -> LinkBook:
    """The book the gateway enforces: verdicts, campaigns and their keys (rule above)."""
    flagged = {r.account_id: r for r in rows if r.verdict in FLAGGED}
    allowed = {r.account_id for r in rows if r.verdict == "allow"}
    members: dict[str, list[AccountVerdict]] = defaultdict(list)
    for r in flagged.values():
        members[r.cluster_id or f"A:{r.account_id}"].append(r)
    campaign_of: dict[str, str] = {}
    campaigns: dict[str, Campaign] = {}
    for cid, ms in members.items():
        blocked = sum(1 for m in ms if m.verdict == "block")
        tier = campaign_tier(blocked, len(ms))
        best = max(ms, key=lambda m: m.risk)
        campaigns[cid] = Campaign(cid, tier, len(ms), best.reasons[:300])
        for m in ms:
            campaign_of[m.account_id] = cid
    keys: dict[str, dict[str, list[str]]] = defaultdict(dict)
    rejected = 0
    for (kind, value), accts in holders.items():
        inside: dict[str, int] = defaultdict(int)
        for holder in accts:
            if holder in campaign_of:
                inside[campaign_of[holder]] += 1
        if not inside:
            continue
        scaffold = kind in SCAFFOLD_KINDS
        if len(accts & allowed) > (0 if scaffold else max_outside):
            rejected += 1
            continue
        for cid, n in inside.items():
            # only a blocked campaign refuses at the door: linking new accounts to a
            # reviewed one would ask ordinary users who resemble it to verify. A template
            # is an operation's only when several of its members use it: one flagged
            # account's wrapper may be a public benchmark's or framework's.
            need = 2 if scaffold else min(2, campaigns[cid].members)
            if campaigns[cid].tier == "block" and n >= need:
                keys[kind].setdefault(value, []).append(cid)
    record_keys: dict[str, dict[str, str]] = {}
    for acc in accounts:
        if acc.account_id in flagged:
            continue
        rec = {k: v for k, v in (("payment", acc.payment_fingerprint),
                                 ("signup_ip", acc.signup_ip)) if v and v in keys.get(k, {})}
        if rec:
            record_keys[acc.account_id] = rec
    verdicts = {a: External(r.verdict, r.reasons or f"hunt risk {r.risk:.2f}", source)
                for a, r in flagged.items()}
    return LinkBook(
        verdicts=verdicts, campaigns=campaigns,
        keys={k: {v: tuple(c) for v, c in vals.items()} for k, vals in keys.items()},
        record_keys=record_keys,
        stats={"keys_by_kind": {k: len(v) for k, v in sorted(keys.items())},
               "values_rejected_as_shared": rejected, "max_outside": max_outside})
