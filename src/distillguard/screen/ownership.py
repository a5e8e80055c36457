"""The BIS 50 percent affiliates rule over declared ownership.

A party owned 50 percent or more, individually or in the aggregate, directly
or indirectly, by listed parties is treated as listed. As under OFAC's rule,
a party that is itself caught counts with its full holding further down the
chain (shares are not multiplied along a path), so the caught set is a fixed
point. The rule's dates come from configuration: while it is suspended (or
before it is in force) an affiliate is a red flag for review rather than a
match, and significant minority ownership by listed parties is always a red flag.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillguard.schema.errors import InputError
from distillguard.screen.config import OwnershipRule


@dataclass(frozen=True)
class Holding:
    """``owner`` holds ``share`` (0..1) of ``owned``."""

    owner: str
    owned: str
    share: float
    owner_name: str = ""
    owner_country: str = ""


@dataclass(frozen=True)
class OwnershipFinding:
    party: str
    listed_share: float
    status: str  # affiliate | significant_minority
    decision: str  # match | review
    rule_status: str  # in_force | suspended | not_in_force
    paths: tuple[str, ...]

    def reason(self) -> str:
        return (
            f"{self.listed_share:.0%} owned by listed parties "
            f"({self.status}; rule {self.rule_status}): " + " | ".join(self.paths)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "listed_share": round(self.listed_share, 4),
            "status": self.status,
            "decision": self.decision,
            "rule_status": self.rule_status,
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
    if raw.strip().endswith("%") or v > 1.0:
        v /= 100.0
    if not 0.0 <= v <= 1.0:
        raise InputError(f"{where}: share {raw!r} outside 0..100%", details={"where": where})
    return v


def read_holdings(path: Path) -> list[Holding]:
    """CSV ``customer_id,owner_id,owner_name,owner_country,share`` (share 0..1 or percent)."""
    out: list[Holding] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        need = {"customer_id", "owner_id", "share"}
        if not need <= set(reader.fieldnames or ()):
            raise InputError(
                f"{path}:1: ownership file needs columns {sorted(need)}",
                details={"file": str(path), "line": 1},
            )
        for rec in reader:
            where = f"{path}:{reader.line_num}"
            if (
                not (rec.get("customer_id") or "").strip()
                or not (rec.get("owner_id") or "").strip()
            ):
                raise InputError(
                    f"{where}: empty customer_id or owner_id",
                    details={"file": str(path), "line": reader.line_num},
                )
            out.append(
                Holding(
                    rec["owner_id"].strip(),
                    rec["customer_id"].strip(),
                    parse_share(rec.get("share") or "", where),
                    (rec.get("owner_name") or "").strip(),
                    (rec.get("owner_country") or "").strip(),
                )
            )
    return out


def evaluate_ownership(
    holdings: Iterable[Holding],
    listed: Mapping[str, str],
    rule: OwnershipRule,
    as_of: dt.date,
) -> dict[str, OwnershipFinding]:
    """Findings for every party with listed ownership at or above the minority level.

    ``listed`` maps party ids that are themselves listed to a label for paths
    (for example ``"Huawei (EL csl-el-1)"``).
    """
    owners_of: dict[str, list[Holding]] = defaultdict(list)
    for h in holdings:
        owners_of[h.owned].append(h)
    caught: dict[str, float] = {}
    # Fixed point: adding a caught party can only catch more, so this terminates.
    changed = True
    while changed:
        changed = False
        for party, hs in owners_of.items():
            if party in listed or party in caught:
                continue
            agg = sum(h.share for h in hs if h.owner in listed or h.owner in caught)
            if agg + 1e-9 >= rule.affiliate_share:
                caught[party] = agg
                changed = True
    status = rule.status(as_of)
    findings: dict[str, OwnershipFinding] = {}
    for party, hs in owners_of.items():
        if party in listed:
            continue
        agg = sum(h.share for h in hs if h.owner in listed or h.owner in caught)
        if party in caught:
            kind = "affiliate"
            decision = "match" if status == "in_force" else "review"
        elif agg + 1e-9 >= rule.significant_minority_share and agg > 0:
            kind, decision = "significant_minority", "review"
        else:
            continue
        paths = tuple(_paths(party, owners_of, listed, caught))
        findings[party] = OwnershipFinding(party, agg, kind, decision, status, paths)
    return findings


def _paths(
    party: str,
    owners_of: Mapping[str, list[Holding]],
    listed: Mapping[str, str],
    caught: Mapping[str, float],
    depth: int = 0,
) -> list[str]:
    if depth > 20:
        return []
    out = []
    for h in owners_of.get(party, ()):
        step = f" -{h.share:.0%}-> {party}"
        if h.owner in listed:
            out.append(f"{listed[h.owner]}{step}")
        elif h.owner in caught:
            out.extend(p + step for p in _paths(h.owner, owners_of, listed, caught, depth + 1))
    return out
