"""Sharing a confirmed campaign: a STIX 2.1 bundle of that campaign alone, under the
TLP marking the analyst chose, pushed to a TAXII 2.1 collection.

The bundle is built by the intel exporter itself
(:func:`distillguard.intel.build_bundle`): the campaign's members are the only
flagged accounts, every other account of the hunt stays as an ordinary one, so an
observable is exported only when it is pure for *this* campaign (shared with
accounts outside it, it stays home). Nothing raw leaves: identifiers travel as
keyed hashes under the community key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from distillguard.console.casebook import Decision
from distillguard.console.findings import Findings
from distillguard.intel import CommunityKey, ExportOptions, TaxiiClient, build_bundle
from distillguard.intel.huntdir import HuntResult
from distillguard.intel.stixdefs import TLP2
from distillguard.schema import Account, AccountVerdict, Event
from distillguard.schema.errors import InputError

TLP_LEVELS = tuple(sorted(TLP2))


@dataclass(frozen=True)
class IntelTarget:
    """Where confirmed campaigns go."""

    url: str
    collection: str
    key: CommunityKey
    producer: str = "distillguard-lab"
    token: str | None = None
    user: str | None = None
    password: str | None = None
    #: in-process transport (tests); None means the network
    transport: httpx.BaseTransport | None = None


def campaign_bundle(findings: Findings, decision: Decision, events: Iterable[Event],
                    accounts: Sequence[Account], key: CommunityKey, tlp: str,
                    producer: str) -> dict[str, Any]:
    """The validated bundle of one confirmed campaign."""
    if tlp not in TLP2:
        raise InputError(f"TLP {tlp!r}: choose one of {', '.join(TLP_LEVELS)}",
                         details={"field": "tlp"})
    if decision.label != "distiller":
        raise InputError("only a confirmed campaign is shared",
                         details={"decision_id": decision.decision_id})
    members = set(decision.members)
    cid = decision.target_id if decision.target_kind == "campaign" else ""
    verdicts = {}
    for a in findings.accounts.values():
        inside = a.account_id in members
        verdicts[a.account_id] = AccountVerdict(
            a.account_id, a.risk, "block" if inside else "allow",
            (cid or None) if inside else None, a.reasons)
    top = {}
    for m in members:
        ev = findings.evidence(m) or {}
        feats = sorted(ev.get("features") or [], key=lambda f: -float(f.get("contribution")
                                                                     or 0.0))
        top[m] = tuple(str(f["name"]) for f in feats[:3] if float(f.get("contribution")
                                                                   or 0.0) > 0)
    bundle, _, _ = build_bundle(key, HuntResult(verdicts, top), events, accounts,
                             ExportOptions(producer=producer, tlp=tlp, min_verdict="block"))
    return bundle


def push_bundle(target: IntelTarget, bundle: dict[str, Any],
                client: TaxiiClient | None = None) -> dict[str, Any]:
    """POST the bundle's objects to the target collection; the TAXII status."""
    own = client is None
    client = client or TaxiiClient(target.url, token=target.token, user=target.user,
                                   password=target.password, transport=target.transport)
    try:
        return client.post(client.api_root(), target.collection, bundle["objects"])
    finally:
        if own:
            client.close()
