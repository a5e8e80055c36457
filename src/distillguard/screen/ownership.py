"""Ownership rules over declared owners: OFAC's 50 percent rule and the BIS
affiliates rule, each for the lists that carry it, with its own dates.

A party owned 50 percent or more, individually or in the aggregate, directly
or indirectly, by listed parties is treated as listed. As under OFAC's rule,
a party that is itself caught counts with its full holding further down the
chain (shares are not multiplied along a path), so the caught set is a fixed
point. The two rules are separate: OFAC's applies to SDNs and is always in
force; BIS's applies to Entity List and MEU parties and follows its configured
dates (while suspended, or before it is in force, an affiliate is a red flag
for review). Lists with no ownership rule (UVL, PLC, NS-CMIC, 1260H, DPL...)
name only the parties listed; ownership by them is reported, not enforced.
An owner whose name only reaches the review threshold is kept as a possible
listed owner: what it would catch is a review, with the trace.

Graph walks are cycle-safe (no path revisits a party) and bounded (at most
MAX_PATHS paths of MAX_DEPTH steps per finding), so cross-holdings cannot
exhaust memory or print looping paths.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillguard.schema.errors import InputError
from distillguard.screen.config import OwnershipRule
from distillguard.screen.countries import country_code

MAX_PATHS = 3  # ownership paths shown per finding
MAX_DEPTH = 12  # steps per path
SHARE_SLACK = 1e-6  # rounding allowed when shares add up to 100%
_RANK = {"clear": 0, "review": 1, "match": 2}


@dataclass(frozen=True)
class Holding:
    """``owner`` holds ``share`` (0..1) of ``owned``."""

    owner: str
    owned: str
    share: float
    owner_name: str = ""
    owner_country: str = ""
    line: int = 0


@dataclass(frozen=True)
class ListedOwner:
    """An owner found on a list: which rule its lists carry, and how sure we are."""

    label: str
    entity_id: str = ""
    list: str = ""
    rules: frozenset[str] = frozenset({"bis"})  # "ofac", "bis"; empty: no ownership rule
    confirmed: bool = True  # False: its name only reached the review threshold


@dataclass(frozen=True)
class OwnershipFinding:
    party: str
    listed_share: float
    status: str  # affiliate | blocked | significant_minority | owned_no_rule | invalid
    decision: str  # clear | review | match
    rule_status: str  # in_force | suspended | not_in_force | none
    paths: tuple[str, ...]
    entity_id: str = ""
    list: str = ""
    note: str = ""

    def reason(self) -> str:
        if self.status == "invalid":
            return self.note
        head = f"{self.listed_share:.0%} owned by listed parties ({self.status}"
        head += f"; rule {self.rule_status})" if self.rule_status != "none" else ")"
        text = head + ": " + " | ".join(self.paths)
        return f"{text}; {self.note}" if self.note else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "listed_share": round(self.listed_share, 4),
            "status": self.status,
            "decision": self.decision,
            "rule_status": self.rule_status,
            "entity_id": self.entity_id,
            "list": self.list,
            "paths": list(self.paths),
            "reason": self.reason(),
        }


def parse_share(raw: str, where: str) -> float:
    text = raw.strip().rstrip("%")
    try:
        v = float(text)
    except ValueError:
        raise InputError(
            f"{where}: share {raw!r} is not a number", details={"where": where}
        ) from None
    if v != v:  # NaN
        raise InputError(f"{where}: share {raw!r} is not a number", details={"where": where})
    if raw.strip().endswith("%") or v > 1.0:
        v /= 100.0
    if not 0.0 <= v <= 1.0:
        raise InputError(f"{where}: share {raw!r} outside 0..100%", details={"where": where})
    return v


@dataclass
class HoldingsFile:
    """Usable holdings, and the rows that were not (with the customer they concern)."""

    holdings: list[Holding] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)


def read_holdings(path: Path) -> HoldingsFile:
    """CSV ``customer_id,owner_id,owner_name,owner_country,share`` (share 0..1 or
    percent). A bad row is quarantined with its line and reason; the batch goes on."""
    out = HoldingsFile()
    try:
        fh = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(
            f"{path}: cannot read: {exc.strerror}", details={"file": str(path)}
        ) from exc
    with fh:
        reader = csv.DictReader(fh)
        need = {"customer_id", "owner_id", "share"}
        if not need <= set(reader.fieldnames or ()):
            raise InputError(
                f"{path}:1: ownership file needs columns {sorted(need)}",
                details={"file": str(path), "line": 1},
            )
        for rec in reader:
            line = reader.line_num
            cid = (rec.get("customer_id") or "").strip()
            oid = (rec.get("owner_id") or "").strip()
            try:
                if not cid or not oid:
                    raise InputError(f"{path}:{line}: empty customer_id or owner_id")
                if cid == oid:
                    raise InputError(f"{path}:{line}: {cid} cannot own itself")
                share = parse_share(rec.get("share") or "", f"{path}:{line}")
            except InputError as exc:
                out.quarantined.append(
                    {"file": str(path), "line": line, "customer_id": cid, "reason": exc.message}
                )
                continue
            out.holdings.append(
                Holding(
                    oid,
                    cid,
                    share,
                    (rec.get("owner_name") or "").strip(),
                    (rec.get("owner_country") or "").strip(),
                    line,
                )
            )
    return out


def over_owned(holdings: Iterable[Holding]) -> tuple[list[Holding], dict[str, str]]:
    """Holdings of parties whose declared shares add to at most 100%, and for the
    others the reason they were rejected (their rows are not used)."""
    by_owned: dict[str, list[Holding]] = defaultdict(list)
    for h in holdings:
        by_owned[h.owned].append(h)
    good: list[Holding] = []
    bad: dict[str, str] = {}
    for party, hs in by_owned.items():
        total = sum(h.share for h in hs)
        if total > 1.0 + SHARE_SLACK:
            lines = ", ".join(str(h.line) for h in hs if h.line)
            bad[party] = (
                f"declared owners' shares add to {total:.0%} (more than 100%"
                + (f"; ownership lines {lines}" if lines else "")
                + "): ownership rules cannot be applied, review"
            )
        else:
            good.extend(hs)
    return good, bad


def _label(owner: ListedOwner | str) -> str:
    return owner.label if isinstance(owner, ListedOwner) else owner


def _as_owner(v: ListedOwner | str) -> ListedOwner:
    return v if isinstance(v, ListedOwner) else ListedOwner(v)


def _caught(
    owners_of: Mapping[str, list[Holding]],
    listed: Mapping[str, ListedOwner],
    rule: str,
    threshold: float,
    confirmed_only: bool,
) -> dict[str, float]:
    """Parties owned >= threshold by parties carrying ``rule`` (fixed point:
    catching a party can only catch more, and each party is caught once)."""
    seeds = {
        k for k, v in listed.items() if rule in v.rules and (v.confirmed or not confirmed_only)
    }
    caught: dict[str, float] = {}
    changed = True
    while changed:
        changed = False
        for party, hs in owners_of.items():
            if party in seeds or party in caught:
                continue
            agg = sum(h.share for h in hs if h.owner in seeds or h.owner in caught)
            if agg + SHARE_SLACK >= threshold:
                caught[party] = agg
                changed = True
    return caught


def evaluate_ownership(
    holdings: Iterable[Holding],
    listed: Mapping[str, ListedOwner | str],
    rule: OwnershipRule,
    as_of: dt.date,
) -> dict[str, OwnershipFinding]:
    """Findings for every party with listed ownership worth reporting.

    ``listed`` maps party ids found on a list to a :class:`ListedOwner` (a plain
    label means a confirmed Entity List party)."""
    good, invalid = over_owned(holdings)
    owners: dict[str, ListedOwner] = {k: _as_owner(v) for k, v in listed.items()}
    owners_of: dict[str, list[Holding]] = defaultdict(list)
    for h in good:
        owners_of[h.owned].append(h)
    findings: dict[str, OwnershipFinding] = {}
    for party, why in invalid.items():
        if party not in owners:
            findings[party] = OwnershipFinding(
                party, 0.0, "invalid", "review", "none", (), note=why
            )
    bis_status = rule.status(as_of)
    # (rule, decision when caught by confirmed owners)
    regimes = (
        ("ofac", "blocked", "match", "in_force"),
        ("bis", "affiliate", "match" if bis_status == "in_force" else "review", bis_status),
    )
    for name, status, decision, rstatus in regimes:
        sure = _caught(owners_of, owners, name, rule.affiliate_share, True)
        maybe = _caught(owners_of, owners, name, rule.affiliate_share, False)
        for party, share in maybe.items():
            if party in owners:
                continue
            d = decision if party in sure else "review"
            note = "" if party in sure else "depends on an owner whose name is a possible match"
            _keep(
                findings, _finding(party, share, status, d, rstatus, owners_of, owners, maybe, note)
            )
    # Significant minority (either rule) and ownership by lists that carry no rule.
    for party, hs in owners_of.items():
        if party in owners or party in findings:
            continue
        ruled = [h for h in hs if h.owner in owners and owners[h.owner].rules]
        agg = sum(h.share for h in ruled)
        if ruled and agg + SHARE_SLACK >= rule.significant_minority_share:
            _keep(
                findings,
                _finding(
                    party, agg, "significant_minority", "review", "none", owners_of, owners, {}, ""
                ),
            )
            continue
        unruled = [h for h in hs if h.owner in owners and not owners[h.owner].rules]
        agg = sum(h.share for h in unruled)
        if unruled and agg + SHARE_SLACK >= rule.significant_minority_share:
            lists = sorted({owners[h.owner].list for h in unruled if owners[h.owner].list})
            note = (
                f"list {', '.join(lists) or '?'} carries no ownership rule: "
                "the owned party is not listed by it"
            )
            _keep(
                findings,
                _finding(party, agg, "owned_no_rule", "clear", "none", owners_of, owners, {}, note),
            )
    return findings


def _keep(findings: dict[str, OwnershipFinding], f: OwnershipFinding) -> None:
    old = findings.get(f.party)
    if old is None or _RANK[f.decision] > _RANK[old.decision]:
        findings[f.party] = f


def _finding(
    party: str,
    share: float,
    status: str,
    decision: str,
    rule_status: str,
    owners_of: Mapping[str, list[Holding]],
    owners: Mapping[str, ListedOwner],
    caught: Mapping[str, float],
    note: str,
) -> OwnershipFinding:
    paths, top = _paths(party, owners_of, owners, caught)
    o = owners.get(top) if top else None
    return OwnershipFinding(
        party,
        share,
        status,
        decision,
        rule_status,
        tuple(paths),
        o.entity_id if o else "",
        o.list if o else "",
        note,
    )


def _paths(
    party: str,
    owners_of: Mapping[str, list[Holding]],
    owners: Mapping[str, ListedOwner],
    caught: Mapping[str, float],
) -> tuple[list[str], str]:
    """Up to MAX_PATHS simple paths from a listed owner to ``party`` (largest
    holdings first), and the listed owner of the first path."""
    out: list[str] = []
    top = ""
    # Depth-first from the party up its owners; a path never revisits a party.
    stack: list[tuple[str, str, frozenset[str], int]] = [(party, "", frozenset({party}), 0)]
    while stack and len(out) < MAX_PATHS:
        node, tail, seen, depth = stack.pop()
        hs = sorted(owners_of.get(node, ()), key=lambda h: h.share)
        for h in hs:  # pushed smallest first, so the largest holding is walked first
            step = f" -{h.share:.0%}-> {node}{tail}"
            if h.owner in owners:
                continue
            if h.owner in caught and h.owner not in seen and depth + 1 < MAX_DEPTH:
                stack.append((h.owner, step, seen | {h.owner}, depth + 1))
        for h in reversed(hs):
            if h.owner in owners and len(out) < MAX_PATHS:
                out.append(f"{owners[h.owner].label} -{h.share:.0%}-> {node}{tail}")
                top = top or h.owner
    return out, top


def parent_countries(
    party: str, holdings: Iterable[Holding], share: float, own_country: Mapping[str, str]
) -> dict[str, str]:
    """Countries of the parties that control ``party`` (hold ``share`` or more,
    directly, or through a controlling owner: the ultimate parent), each with the
    path that shows it. Owners' countries are added per country, so two Chinese
    owners of 30% each make a Chinese parent."""
    owners_of: dict[str, list[Holding]] = defaultdict(list)
    for h in holdings:
        owners_of[h.owned].append(h)
    out: dict[str, str] = {}
    seen = {party}
    frontier = [(party, "")]
    while frontier:
        node, trail = frontier.pop()
        by_country: dict[str, float] = defaultdict(float)
        for h in owners_of.get(node, ()):
            raw = h.owner_country or own_country.get(h.owner, "")
            c = country_code(raw) or raw.strip()
            if c:
                by_country[c] += h.share
            if h.share + SHARE_SLACK >= share and h.owner not in seen and len(seen) < 10_000:
                seen.add(h.owner)
                frontier.append(
                    (h.owner, f"{h.owner_name or h.owner} -{h.share:.0%}-> {trail or node}")
                )
        for c, s in by_country.items():
            if s + SHARE_SLACK >= share and c not in out:
                via = f" ({trail})" if trail else ""
                out[c] = f"owners in {c} hold {s:.0%} of {node}{via}"
    return out
