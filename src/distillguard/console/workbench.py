"""The workbench: one hunt's findings, its events, the casebook, the gateways' channel
and the intel target, behind the operations the pages offer (each checks the role
it needs and leaves its audit entry)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx

from distillguard.console.analysts import Analyst, Analysts
from distillguard.console.casebook import Casebook, Decision, Push
from distillguard.console.enforcement import Enforcer
from distillguard.console.findings import Findings, build_queue, load
from distillguard.console.labels import label_rows, write_labels
from distillguard.console.linkgraph import EDGE_TYPE, Edge, cytoscape_elements, typed_edges
from distillguard.console.sharing import IntelTarget, campaign_bundle, push_bundle
from distillguard.console.traffic import Sample, Traffic, event_files, redact
from distillguard.detect.judgement import CampaignRow
from distillguard.gateway.door import Channel
from distillguard.schema import Account, Event
from distillguard.schema.errors import (
    ConfigError,
    DistillguardError,
    ForbiddenError,
    InputError,
    NotFoundError,
    ServiceUnavailableError,
    UpstreamError,
)

#: Reason codes an analyst picks from, per action (free text goes in the note).
REASON_CODES: Final = {
    "confirm": ("shared_infrastructure", "scaffolding_reuse", "harvest_pattern",
                "partner_report", "other"),
    "false_positive": ("enterprise_org", "eval_research", "shared_nat_or_vpn",
                       "public_framework", "other"),
    "relabel": ("misattributed", "confirmed_distiller", "confirmed_benign", "other"),
}
ACTION_LABEL: Final = {"confirm": "distiller", "false_positive": "benign"}
MAX_NOTE: Final = 4000


@dataclass(frozen=True, slots=True)
class SampleView:
    who: str  # the account as this reader may see it
    ts: str
    model: str
    system: str
    user: str
    raw: bool


def require(analyst: Analyst, role: str) -> None:
    if not analyst.can(role):
        raise ForbiddenError(f"this needs the {role} role (you are {analyst.role})",
                             details={"role": analyst.role, "needs": role})


class Workbench:
    def __init__(self, hunt_dir: Path, casebook: Casebook, channel: Channel | None = None,
                 intel: IntelTarget | None = None, accounts_path: Path | None = None,
                 decisions_path: Path | None = None) -> None:
        self.casebook = casebook
        #: Where every decision is written as labels.csv at once: the file the hunt and
        #: the continuous hunt read (DISTILLGUARD_HUNT_DECISIONS), so a decision
        #: overrides the automation on the next hunt without anyone exporting it.
        self.decisions_path = decisions_path
        self.analysts = Analysts(casebook)
        self.channel = channel
        self.enforcer = Enforcer(channel, casebook) if channel is not None else None
        self.intel = intel
        self.findings: Findings = load(hunt_dir, casebook.secret)
        self.traffic = Traffic(event_files(Path(hunt_dir), self.findings.summary))
        self.findings.volume = self.traffic.volumes()
        prev = self.casebook.previous_hunt(self.findings.hunt_id)
        build_queue(self.findings, self.casebook.hunt_members(prev) if prev else None)
        self.casebook.record_hunt(self.findings.hunt_id, str(hunt_dir), self.findings.flagged)
        acc = accounts_path or (self.findings.summary.get("inputs") or {}).get("accounts")
        self.accounts_path = Path(acc) if acc else None
        self._holders: dict[tuple[str, str], set[str]] | None = None
        self._records: list[Account] | None = None
        self._edges: dict[str, list[Edge]] = {}
        self._keys_of: dict[str, list[tuple[str, str]]] | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self.traffic.close()

    # -- reading ------------------------------------------------------------------------------

    def who(self, reader: Analyst, account_id: str) -> str:
        """An account as ``reader`` may see it: its id, or its pseudonym for a viewer."""
        a = self.findings.accounts.get(account_id)
        ref = a.ref if a else "?"
        return account_id if reader.sees_raw else ref

    def campaign(self, cid: str) -> CampaignRow:
        c = self.findings.campaigns.get(cid)
        if c is None:
            raise NotFoundError(f"no campaign {cid!r} in this hunt", details={"campaign": cid})
        return c

    def account_id(self, ref: str) -> str:
        acc = self.findings.by_ref.get(ref)
        if acc is None:
            raise NotFoundError(f"no account {ref!r} in this hunt", details={"account": ref})
        return acc

    def records(self) -> list[Account]:
        with self._lock:
            if self._records is None:
                from distillguard.ingest import Quarantine, read_accounts

                self._records = (read_accounts(self.accounts_path, Quarantine())
                                 if self.accounts_path and self.accounts_path.is_file() else [])
            return self._records

    def holders(self) -> dict[tuple[str, str], set[str]]:
        """The hunt's linkage keys and who holds them (computed once, on first use)."""
        from distillguard.watch import key_holders

        records = self.records()
        with self._lock:
            if self._holders is None:
                self._holders = key_holders(self.traffic.files, records)
            return self._holders

    def graph(self, reader: Analyst, cid: str) -> dict[str, Any]:
        c = self.campaign(cid)
        members = list(c.members)
        edges = self._campaign_edges(cid)
        verdict_of = {m: self.findings.accounts[m].verdict for m in members}
        return cytoscape_elements(members, edges, lambda m: self.who(reader, m),
                                  lambda m: self.findings.accounts[m].ref, verdict_of)

    def links(self, reader: Analyst, account_id: str, *, shown: int = 8
              ) -> list[dict[str, Any]]:
        """The account's shared values (by edge type) and who else holds each: the links
        of its campaign graph, and of an account outside any campaign."""
        holders = self.holders()
        with self._lock:
            if self._keys_of is None:
                keys_of: dict[str, list[tuple[str, str]]] = {}
                for key, accts in holders.items():
                    if len(accts) > 1:
                        for holder in accts:
                            keys_of.setdefault(holder, []).append(key)
                self._keys_of = keys_of
            mine = list(self._keys_of.get(account_id, ()))
        rows: list[dict[str, Any]] = []
        for kind, value in sorted(mine):
            etype = EDGE_TYPE.get(kind)
            if etype is None:
                continue
            others = sorted(holders[(kind, value)] - {account_id})
            rows.append({"type": etype, "kind": kind, "count": len(others),
                         "with": [(self.findings.accounts[o].ref if o in self.findings.accounts
                                   else "", self.who(reader, o) if o in self.findings.accounts
                                   else "(not in this hunt)") for o in others[:shown]]})
        acc = self.findings.accounts.get(account_id)
        if acc is not None and acc.cluster_id and acc.cluster_id in self.findings.campaigns:
            step = [e for e in self._campaign_edges(acc.cluster_id) if e.kind == "lockstep"
                    and account_id in (e.source, e.target)]
            if step:
                others = sorted(e.target if e.source == account_id else e.source for e in step)
                rows.append({"type": "lockstep", "kind": "lockstep", "count": len(others),
                             "with": [(self.findings.accounts[o].ref, self.who(reader, o))
                                      for o in others[:shown]]})
        rows.sort(key=lambda r: (-int(r["count"]), str(r["type"])))
        return rows

    def _campaign_edges(self, cid: str) -> list[Edge]:
        edges = self._edges.get(cid)
        if edges is None:  # a loaded hunt does not change: its edges are computed once
            members = list(self.campaign(cid).members)
            edges = typed_edges(members, self.holders(), self.traffic.lockstep(members))
            self._edges[cid] = edges
        return edges

    def warm(self, campaigns: int = 10) -> None:
        """Compute the linkage keys and the top campaigns' edges ahead of the first visit."""
        top = [q.key for q in self.findings.queue if q.kind == "campaign"][:campaigns]
        viewer = Analyst("", "warm-up", "viewer", "")
        for cid in top:
            self.graph(viewer, cid)

    def timeline(self, members: tuple[str, ...]) -> dict[str, Any]:
        return self.traffic.timeline({m: self.findings.accounts[m].verdict for m in members})

    def samples(self, reader: Analyst, members: tuple[str, ...], *, raw: bool,
                target: str) -> list[SampleView]:
        """Sample requests, redacted unless ``raw`` (analysts only; audited)."""
        if raw:
            require(reader, "analyst")
        found: list[Sample] = self.traffic.samples(members)
        if raw:
            self.casebook.audit(reader.name, "view:raw", target, samples=len(found),
                                accounts=sorted({s.account_id for s in found}))
        return [SampleView(self.who(reader, s.account_id), s.ts, s.model,
                           s.system if raw else redact(s.system),
                           s.user if raw else redact(s.user), raw) for s in found]

    # -- deciding -----------------------------------------------------------------------------

    def decide(self, analyst: Analyst, target_kind: str, target: str, action: str,
               reason_code: str, note: str, label: str = "") -> Decision:
        require(analyst, "analyst")
        if action not in REASON_CODES:
            raise InputError(f"action {action!r}: choose one of {', '.join(REASON_CODES)}",
                             details={"field": "action"})
        if reason_code not in REASON_CODES[action]:
            raise InputError(f"reason code {reason_code!r} does not go with {action}: choose "
                             f"one of {', '.join(REASON_CODES[action])}",
                             details={"field": "reason_code"})
        if len(note) > MAX_NOTE:
            raise InputError(f"note longer than {MAX_NOTE} characters",
                             details={"field": "note"})
        if target_kind == "campaign":
            if action == "relabel":
                raise InputError("a campaign is confirmed or marked false positive",
                                 details={"field": "action"})
            members = self.campaign(target).members
            label = ACTION_LABEL[action]
            target_id = target
        else:
            if action != "relabel" or label not in ("distiller", "benign"):
                raise InputError("an account is relabelled distiller or benign",
                                 details={"field": "label"})
            target_id = self.account_id(target)
            members = (target_id,)
        decision = self.casebook.decide(analyst.name, self.findings.hunt_id, target_kind,
                                        target_id, action, label, reason_code, note.strip(),
                                        members)
        if self.decisions_path is not None:
            write_labels(self.casebook.decisions(), self.decisions_path)
        return decision

    def decisions_for(self, target_kind: str, target_id: str) -> list[Decision]:
        return [d for d in self.casebook.decisions(target_kind=target_kind, target_id=target_id)
                if target_kind == "account" or d.hunt_id == self.findings.hunt_id]

    def labels(self, analyst: Analyst) -> list[tuple[str, str, str]]:
        require(analyst, "analyst")
        return label_rows(self.casebook.decisions())

    # -- acting -------------------------------------------------------------------------------

    def _enforcer(self) -> Enforcer:
        if self.enforcer is None:
            raise ConfigError("no gateway channel configured (start the console with --book "
                              "redis or memory)", details={"setting": "--book"})
        return self.enforcer

    async def push(self, analyst: Analyst, decision_id: str) -> Push:
        require(analyst, "analyst")
        decision = self.casebook.decision(decision_id)
        with _channel_errors("nothing pushed", {"decision_id": decision_id}):
            return await self._enforcer().push(analyst.name, decision)

    async def undo(self, analyst: Analyst, push_id: str) -> int:
        require(analyst, "analyst")
        with _channel_errors("nothing undone", {"push_id": push_id}):
            return await self._enforcer().undo(analyst.name, push_id)

    def _events(self) -> Iterator[Event]:
        from distillguard.ingest import Quarantine, iter_events

        q = Quarantine()
        for f in self.traffic.files:
            yield from iter_events(f, q)

    async def export(self, analyst: Analyst, decision_id: str, tlp: str) -> dict[str, Any]:
        require(analyst, "analyst")
        if self.intel is None:
            raise ConfigError("no TAXII collection configured (start the console with "
                              "--taxii-url and --taxii-collection)",
                              details={"setting": "--taxii-url"})
        target = self.intel
        decision = self.casebook.decision(decision_id)
        bundle = await asyncio.to_thread(
            campaign_bundle, self.findings, decision, self._events(), self.records(),
            target.key, tlp, target.producer)
        try:
            status = await asyncio.to_thread(push_bundle, target, bundle)
        except httpx.HTTPError as exc:
            raise UpstreamError(f"TAXII server unreachable, nothing shared: {exc}",
                                details={"url": target.url}) from exc
        ok = int(status.get("failure_count", 0)) == 0
        self.casebook.add_export(analyst.name, decision_id, tlp, target.collection,
                                 len(bundle["objects"]), "complete" if ok else "failures")
        return {"objects": len(bundle["objects"]), "status": status,
                "campaigns": sum(1 for o in bundle["objects"] if o["type"] == "campaign")}


@contextlib.contextmanager
def _channel_errors(what: str, details: dict[str, str]) -> Iterator[None]:
    """The gateway channel's client errors as one service error naming what was not done."""
    try:
        yield
    except (DistillguardError, asyncio.CancelledError):
        raise
    except Exception as exc:  # the channel's client errors: say which service failed
        raise ServiceUnavailableError(f"gateway channel unreachable, {what}: {exc}",
                                      details=details) from exc
