"""Hunt evidence: how much of the detected harvesting is actually stopped.

A hunt output directory holds ``accounts.csv`` (``account_id, risk, verdict,
cluster_id, reasons`` per the output contract) and may hold ``clusters.csv``.
The outlook reads it as follows:

* a *detected campaign* is a non-empty ``cluster_id`` with at least one
  account whose verdict is ``review`` or ``block``;
* each account's *harvested exchanges* come from an exchange-count column of
  ``accounts.csv`` if it has one (``exchanges``, ``n_exchanges``, ``events``,
  ``n_events``, ``requests``, ``n_requests``), else from the same column of
  ``clusters.csv`` split evenly over the campaign's accounts, else every
  account counts as one unit;
* the *stopped share* is the harvested exchanges of ``block`` accounts over all
  harvested exchanges of detected campaigns.

The stopped share replaces the assumed ``distillation_curb_effect``: its range
is the 10th-90th percentile of a Beta posterior whose weight is the number of
accounts in detected campaigns (so a handful of accounts gives a wide range).
It is an upper bound on effectiveness because campaigns the hunt missed are
invisible in its output.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from distillguard.outlook.parameters import Param
from distillguard.schema.errors import InputError

COUNT_COLUMNS = ("exchanges", "n_exchanges", "events", "n_events", "requests", "n_requests")
VERDICTS = ("allow", "review", "block")
REQUIRED = ("account_id", "verdict", "cluster_id")


@dataclass(frozen=True)
class HuntEvidence:
    source: str
    campaigns: int
    accounts: int
    blocked_accounts: int
    harvested: float
    stopped: float
    weight_basis: str
    quarantined: tuple[str, ...]
    low: float
    mode: float
    high: float

    @property
    def stopped_share(self) -> float:
        return self.stopped / self.harvested if self.harvested else 0.0

    def as_param(self) -> Param:
        return Param(
            "distillation_curb_effect", self.low, self.mode, self.high, "derived",
            f"hunt evidence {self.source}: {self.campaigns} detected campaign(s), "
            f"{self.accounts} accounts; {self.stopped:,.0f} of {self.harvested:,.0f} harvested "
            f"{self.weight_basis} stopped by block verdicts (upper bound: missed campaigns are "
            "invisible)",
            "triangular", "fraction",
        )


def _count_column(header: list[str]) -> str | None:
    for c in COUNT_COLUMNS:
        if c in header:
            return c
    return None


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            rows = []
            start = reader.line_num
            for row in reader:
                rows.append((start + 1, row))
                start = reader.line_num
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read: {exc}", details={"source": str(path)}) from exc
    return header, rows


def _weight(raw: str | None) -> float | None:
    try:
        w = float(raw) if raw not in (None, "") else None
    except ValueError:
        return None
    return w if w is not None and w >= 0 and w != float("inf") else None


def read_hunt_evidence(directory: Path, *, seed: int = 0) -> HuntEvidence:
    accounts_path = directory / "accounts.csv"
    if not accounts_path.is_file():
        raise InputError(f"{directory}: no accounts.csv; expected a hunt output directory",
                         details={"source": str(directory)})
    header, rows = _read_csv(accounts_path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"{accounts_path}: missing column(s) {missing}",
                         details={"source": str(accounts_path), "missing": missing})
    count_col = _count_column(header)
    quarantined: list[str] = []
    members: dict[str, list[tuple[str, float | None]]] = {}
    for line, row in rows:
        verdict = (row.get("verdict") or "").strip()
        if verdict not in VERDICTS:
            quarantined.append(f"{accounts_path}:{line}: verdict: {verdict!r} not in {VERDICTS}")
            continue
        w: float | None = None
        if count_col is not None:
            w = _weight(row.get(count_col))
            if w is None:
                quarantined.append(f"{accounts_path}:{line}: {count_col}: "
                                   f"{row.get(count_col)!r} is not a count")
                continue
        cid = (row.get("cluster_id") or "").strip()
        if cid:
            members.setdefault(cid, []).append((verdict, w))
    detected = {c: m for c, m in members.items() if any(v != "allow" for v, _ in m)}
    if not detected:
        raise InputError(
            f"{accounts_path}: no detected campaign (an account with a cluster_id and verdict "
            "review or block); the evidence says nothing about curbs",
            details={"source": str(accounts_path), "quarantined": len(quarantined)},
        )
    basis = f"exchanges ({count_col})" if count_col else "accounts"
    cluster_totals: dict[str, float] = {}
    if count_col is None and (directory / "clusters.csv").is_file():
        cpath = directory / "clusters.csv"
        cheader, crows = _read_csv(cpath)
        ccol = _count_column(cheader)
        if "cluster_id" in cheader and ccol is not None:
            basis = f"exchanges (clusters.csv {ccol})"
            for line, row in crows:
                w = _weight(row.get(ccol))
                if w is None:
                    quarantined.append(f"{cpath}:{line}: {ccol}: {row.get(ccol)!r} is not a count")
                    continue
                cluster_totals[(row.get("cluster_id") or "").strip()] = w
    harvested = stopped = 0.0
    n_accounts = n_blocked = 0
    for cid, m in detected.items():
        per_account = cluster_totals[cid] / len(m) if cid in cluster_totals else None
        for verdict, w in m:
            weight = w if w is not None else (per_account if per_account is not None else 1.0)
            harvested += weight
            n_accounts += 1
            if verdict == "block":
                stopped += weight
                n_blocked += 1
    share = stopped / harvested if harvested > 0 else n_blocked / n_accounts
    rng = np.random.default_rng(seed)
    post = rng.beta(share * n_accounts + 1.0, (1.0 - share) * n_accounts + 1.0, 20_000)
    lo, hi = (float(x) for x in np.percentile(post, [10.0, 90.0]))
    mode = min(max(share, lo), hi)
    return HuntEvidence(str(directory), len(detected), n_accounts, n_blocked, harvested,
                        stopped, basis, tuple(quarantined), lo, mode, hi)
