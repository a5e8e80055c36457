"""A hunt's findings as the console reads them: the output directory's contract
(``accounts.csv``, ``clusters.csv``, ``evidence.jsonl``, ``summary.json``), the
review queue ranked by risk x size x harvest volume, and what changed since the
hunt loaded before it.

The queue holds every campaign and every flagged account outside a campaign.
Its priority is ``risk * log2(1 + size) * log10(10 + requests)``: a product as
the issue asks, with logarithms so that one enormous campaign does not push
every other item off the first page (a ten-fold larger campaign ranks about
three times higher, not ten). Harvest volume is the request count of the
members in the hunt's events when the console can read them, else the hunt's
own ``volume`` evidence value, else 1.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import orjson

from distillguard.console.analysts import pseudonym
from distillguard.detect.judgement import CampaignRow
from distillguard.detect.outputs import CLUSTERS_CSV_HEADER
from distillguard.schema import FieldError, InputError, RecordError, campaign_tier, read_verdicts

FLAGGED: Final = ("block", "review")


@dataclass(frozen=True, slots=True)
class AccountInfo:
    account_id: str
    ref: str
    risk: float
    verdict: str
    cluster_id: str
    reasons: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    kind: str  # campaign | account
    key: str  # cluster id, or the account's pseudonym
    account_id: str  # "" for a campaign
    risk: float
    size: int
    volume: int
    priority: float
    verdict: str
    summary: str
    change: str  # "" when nothing changed since the previous hunt


@dataclass
class Findings:
    """One hunt directory, loaded."""

    hunt_dir: Path
    hunt_id: str
    accounts: dict[str, AccountInfo]
    by_ref: dict[str, str]
    campaigns: dict[str, CampaignRow]
    summary: dict[str, Any]
    volume: dict[str, int] = field(default_factory=dict)
    queue: list[QueueItem] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)
    _evidence_at: dict[str, int] = field(default_factory=dict)

    @property
    def flagged(self) -> list[tuple[str, str, str]]:
        return [(a.account_id, a.cluster_id, a.verdict) for a in self.accounts.values()
                if a.verdict in FLAGGED]

    def evidence(self, account_id: str) -> dict[str, Any] | None:
        """The account's ``evidence.jsonl`` record (read by offset, not held in memory)."""
        at = self._evidence_at.get(account_id)
        if at is None:
            return None
        with (self.hunt_dir / "evidence.jsonl").open("rb") as fh:
            fh.seek(at)
            rec: dict[str, Any] = orjson.loads(fh.readline())
        return rec

    def account(self, ref: str) -> AccountInfo | None:
        acc = self.by_ref.get(ref)
        return self.accounts.get(acc) if acc else None


def _read_accounts(path: Path, secret: bytes) -> dict[str, AccountInfo]:
    return {v.account_id: AccountInfo(v.account_id, pseudonym(secret, v.account_id), v.risk,
                                      v.verdict, v.cluster_id or "", v.reasons)
            for v in read_verdicts(path)}


def _read_campaigns(path: Path, accounts: dict[str, AccountInfo]) -> dict[str, CampaignRow]:
    members: dict[str, list[str]] = defaultdict(list)
    for a in accounts.values():
        if a.cluster_id:
            members[a.cluster_id].append(a.account_id)
    out: dict[str, CampaignRow] = {}
    if not path.is_file():
        return out
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or tuple(header[:6]) != CLUSTERS_CSV_HEADER:
            raise InputError(f"{path}:1: header must be {','.join(CLUSTERS_CSV_HEADER)}",
                             details={"source": str(path), "line": 1})
        for line, row in enumerate(reader, 2):
            try:
                cid, size, risk, first, last, evidence = row[:6]
                out[cid] = CampaignRow(cid, int(size), float(risk), first, last, evidence,
                                        tuple(sorted(members.get(cid, ()))))
            except ValueError as exc:
                raise RecordError([FieldError("<row>", str(exc))], source=str(path),
                                  line=line) from None
    return out


def _evidence_offsets(path: Path) -> dict[str, int]:
    """account -> byte offset of its line; the hunt writes ``account_id`` first."""
    out: dict[str, int] = {}
    if not path.is_file():
        return out
    at = 0
    with path.open("rb") as fh:
        for line in fh:
            parts = line.split(b'"', 4)
            if len(parts) > 3 and parts[1] == b"account_id":
                out[parts[3].decode()] = at
            at += len(line)
    return out


def priority(risk: float, size: int, volume: int) -> float:
    return risk * math.log2(1 + size) * math.log10(10 + volume)


def load(hunt_dir: Path, secret: bytes, volume: dict[str, int] | None = None) -> Findings:
    """Read a hunt directory; ``volume`` is requests per account when known."""
    hunt_dir = Path(hunt_dir)
    accounts = _read_accounts(hunt_dir / "accounts.csv", secret)
    campaigns = _read_campaigns(hunt_dir / "clusters.csv", accounts)
    summary: dict[str, Any] = {}
    if (hunt_dir / "summary.json").is_file():
        summary = orjson.loads((hunt_dir / "summary.json").read_bytes())
    digest = hashlib.sha256()
    for name in ("accounts.csv", "clusters.csv"):
        p = hunt_dir / name
        if p.is_file():
            digest.update(p.read_bytes())
    f = Findings(hunt_dir, digest.hexdigest()[:16], accounts,
                 {a.ref: a.account_id for a in accounts.values()}, campaigns, summary,
                 volume=dict(volume or {}),
                 _evidence_at=_evidence_offsets(hunt_dir / "evidence.jsonl"))
    return f


def _changes(f: Findings, previous: Sequence[tuple[str, str, str]] | None
             ) -> tuple[dict[str, str], dict[str, int]]:
    """Per queue key, what changed since ``previous`` (account, cluster, verdict)."""
    if previous is None:
        return {}, {"previous_hunt": 0}
    prev_cluster = {a: c for a, c, _ in previous}
    prev_verdict = {a: v for a, _, v in previous}
    prev_sizes = Counter(c for _, c, _ in previous if c)
    out: dict[str, str] = {}
    stats = Counter[str]()
    matched: set[str] = set()
    for cid, c in f.campaigns.items():
        overlap = Counter(prev_cluster[m] or f"A:{m}" for m in c.members if m in prev_cluster)
        if not overlap:
            out[cid] = "new campaign"
            stats["new_campaigns"] += 1
            continue
        best, shared = overlap.most_common(1)[0]
        matched.add(best)
        before = prev_sizes.get(best, 1)
        added = len(c.members) - shared
        if added or before != shared:
            out[cid] = f"+{added} / -{before - shared} accounts since the last hunt"
            stats["changed_campaigns"] += 1
    for a in f.accounts.values():
        if a.verdict in FLAGGED and not a.cluster_id:
            was = prev_verdict.get(a.account_id)
            if was is None:
                out[a.ref] = "newly flagged"
                stats["new_accounts"] += 1
            elif was != a.verdict:
                out[a.ref] = f"{was} -> {a.verdict}"
                stats["changed_accounts"] += 1
    stats["campaigns_gone"] = len({c for c in prev_sizes if c not in matched})
    stats["previous_hunt"] = 1
    return out, dict(stats)


def build_queue(f: Findings, previous: Sequence[tuple[str, str, str]] | None) -> None:
    """Rank the campaigns and unclustered flagged accounts (in place)."""
    change, f.changes = _changes(f, previous)
    items: list[QueueItem] = []
    for c in f.campaigns.values():
        vol = sum(f.volume.get(m, 1) for m in c.members) if f.volume else len(c.members)
        tiers = Counter(f.accounts[m].verdict for m in c.members if m in f.accounts)
        verdict = campaign_tier(tiers["block"], len(c.members))
        items.append(QueueItem("campaign", c.cluster_id, "", c.risk, c.size, vol,
                               priority(c.risk, c.size, vol), verdict, c.evidence,
                               change.get(c.cluster_id, "")))
    for a in f.accounts.values():
        if a.verdict in FLAGGED and not a.cluster_id:
            vol = f.volume.get(a.account_id, 1)
            items.append(QueueItem("account", a.ref, a.account_id, a.risk, 1, vol,
                                   priority(a.risk, 1, vol), a.verdict, a.reasons,
                                   change.get(a.ref, "")))
    items.sort(key=lambda q: (-q.priority, q.key))
    f.queue = items


@dataclass(frozen=True, slots=True)
class QueueFilter:
    kind: str = ""  # campaign | account | ""
    verdict: str = ""  # block | review | ""
    min_risk: float = 0.0
    changed: bool = False
    text: str = ""

    def keep(self, q: QueueItem) -> bool:
        return ((not self.kind or q.kind == self.kind)
                and (not self.verdict or q.verdict == self.verdict)
                and q.risk >= self.min_risk and (not self.changed or bool(q.change))
                and (not self.text or self.text.lower() in q.summary.lower()
                     or self.text.lower() == q.key.lower()))


def page(f: Findings, flt: QueueFilter, number: int, size: int) -> tuple[list[QueueItem], int]:
    """One page of the filtered queue and the filtered total."""
    if flt == QueueFilter():
        total, start = len(f.queue), max(0, number - 1) * size
        return f.queue[start:start + size], total
    kept = [q for q in f.queue if flt.keep(q)]
    start = max(0, number - 1) * size
    return kept[start:start + size], len(kept)
