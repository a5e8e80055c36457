"""Analysts' decisions over the automation: a confirmed account is blocked, a false
positive is allowed and claimed by no campaign, on every hunt that reads them.

The decisions file is the labels format the console writes (``distillguard
console labels``) and ``hunt train --labels`` reads: CSV with header
``account_id,label,campaign``, ``label`` one of ``distiller`` or ``benign``.
The model's risk is left as it was (it is the evidence); the verdict, the
campaign id and the reasons say what the analyst decided, so the gateway, the
continuous hunt and the report all follow the person, and the next
``hunt train`` learns from the same rows.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from distillguard.detect.judgement import AccountRow, HuntOutputs
from distillguard.schema import InputError, NotFoundError

LABELS: Final = {"distiller": "block", "benign": "allow"}


@dataclass(frozen=True)
class Decision:
    account_id: str
    label: str  # distiller | benign
    campaign: str


def read_decisions(path: Path) -> dict[str, Decision]:
    """The decisions in ``path``; a row that cannot be used names its line and field."""
    if not path.exists():
        raise NotFoundError(f"{path}: decisions file not found",
                            details={"path": str(path), "field": "--decisions"})
    out: dict[str, Decision] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"account_id", "label"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(f"{path}:1: decisions need columns account_id,label[,campaign]; "
                             f"missing {', '.join(sorted(missing))}",
                             details={"file": str(path), "line": 1})
        for line, r in enumerate(reader, 2):
            acct = (r.get("account_id") or "").strip()
            label = (r.get("label") or "").strip()
            if not acct:
                raise InputError(f"{path}:{line}: account_id is empty",
                                 details={"file": str(path), "line": line,
                                          "field": "account_id"})
            if label not in LABELS:
                raise InputError(f"{path}:{line}: label {label!r} is not one of "
                                 f"{', '.join(LABELS)}",
                                 details={"file": str(path), "line": line, "field": "label"})
            out[acct] = Decision(acct, label, (r.get("campaign") or "").strip())
    return out


def apply_decisions(built: HuntOutputs, decisions: Mapping[str, Decision]) -> HuntOutputs:
    """``built`` with each decided account's verdict, campaign and reasons overridden."""
    if not decisions:
        return built
    rows = []
    for r in built.rows:
        d = decisions.get(r.account_id)
        if d is None:
            rows.append(r)
            continue
        verdict = LABELS[d.label]
        word = "confirmed distiller" if d.label == "distiller" else "false positive"
        rows.append(AccountRow(r.account_id, r.risk, verdict,
                               r.cluster_id if d.label == "distiller" else "",
                               f"analyst decision: {word} (hunt said {r.verdict}); {r.reasons}"))
    evidence = []
    for e in built.evidence:
        d = decisions.get(str(e.get("account_id")))
        if d is not None:
            e = {**e, "verdict": LABELS[d.label], "hunt_verdict": e.get("verdict"),
                 "analyst": d.label,
                 "cluster_id": e.get("cluster_id") if d.label == "distiller" else None}
        evidence.append(e)
    cleared = {a for a, d in decisions.items() if d.label == "benign"}
    campaigns = []
    for c in built.campaigns:
        members = tuple(m for m in c.members if m not in cleared)
        if len(members) == len(c.members):
            campaigns.append(c)
        elif members:
            campaigns.append(replace(c, members=members, size=len(members)))
    return HuntOutputs(rows, evidence, campaigns)
