"""Batch screening of a customer file into ``matches.csv``.

One output row per customer, in input order. Rows that cannot be screened are
never dropped: a row without a customer id goes to ``quarantine.csv`` with its
line and reason; a row with an id but no usable name is written as ``review``
("cannot screen") because an unnamed customer must not pass as clear.
Large files stream: the parent cuts the file into chunks of raw records, worker
processes parse and screen them, and their CSV text is written as it comes back.
"""

from __future__ import annotations

import csv
import gc
import io
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillguard.schema import InputError
from distillguard.screen.customer_file import (
    CustomerRow,
    RawChunk,
    parse_chunk,
    raw_chunks,
    read_customers,
)
from distillguard.screen.jurisdiction import JurisdictionDecision, JurisdictionRules
from distillguard.screen.model import Decision
from distillguard.screen.scoring import Query, Screener

MATCHES_HEADER = (
    "customer_id",
    "decision",
    "entity_id",
    "list",
    "matched_name",
    "score",
    "reasons",
    "list_decision",
    "jurisdiction",
    "lists_as_of",
)
# decision folds the list decision (names and ownership) with jurisdiction:
# a jurisdiction deny outranks a review, never hides a match.
RANK = {"clear": 0, "review": 1, "deny": 2, "match": 3}
_FROM_JURISDICTION = {"allow": "clear", "review": "review", "deny": "deny"}
CHUNK = 4000
__all__ = ["MATCHES_HEADER", "BatchReport", "CustomerRow", "read_customers", "screen_customers"]


@dataclass(frozen=True)
class Override:
    """What the ownership file says about one customer: a finding (decision,
    reason, the listed owner's entity and list) and its parents' countries."""

    decision: str = "clear"
    reason: str = ""
    entity_id: str = ""
    list: str = ""
    parents: tuple[tuple[str, str], ...] = ()  # (country, how it controls)


@dataclass(frozen=True)
class JurisdictionPolicy:
    rules: JurisdictionRules
    product: str = ""  # "" = the strictest decision over every product


@dataclass
class BatchReport:
    customers: int = 0
    clear: int = 0
    review: int = 0
    deny: int = 0
    match: int = 0
    quarantined: int = 0
    owners_quarantined: int = 0
    out_dir: str = ""
    lists_as_of: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def decision_row(cid: str, d: Decision) -> list[str]:
    """The first seven columns of a customer's row (the list decision)."""
    if d.best is None or d.decision == "clear":
        score = f"{d.best.score:.4f}" if d.best is not None else "0.0000"
        return [cid, "clear", "", "", "", score, ""]
    b = d.best
    return [
        cid,
        d.decision,
        b.entity.entity_id,
        b.entity.list,
        b.matched_name,
        f"{b.score:.4f}",
        "; ".join(d.reasons),
    ]


_WORKER: Screener | None = None
_OVERRIDES: dict[str, Override] = {}
_EXPLAIN_ALL = False
_POLICY: JurisdictionPolicy | None = None
_AS_OF = ""


def jurisdiction_of(
    policy: JurisdictionPolicy, hq: str, parents: dict[str, str]
) -> tuple[str, str, str]:
    """(decision, column text, reason) of the jurisdiction rules for one customer;
    memoised: customers share a few dozen countries."""
    memo = policy.rules.memo
    key = (policy.product, hq, *(f"{c}\x1f{why}" for c, why in parents.items()))
    got = memo.get(key)
    if got is None:
        if len(memo) >= 100_000:
            memo.clear()
        got = memo[key] = _jurisdiction(policy, hq, parents)
    return got


def _jurisdiction(
    policy: JurisdictionPolicy, hq: str, parents: dict[str, str]
) -> tuple[str, str, str]:
    rules = policy.rules
    products = [policy.product] if policy.product else list(rules.products)
    got: list[JurisdictionDecision] = [
        rules.evaluate(p, hq, list(parents), parents) for p in products
    ]
    worst = max(got, key=lambda j: RANK[_FROM_JURISDICTION[j.decision]])
    column = "; ".join(
        f"{j.product}={j.decision}" + (f" ({j.rule})" if j.rule else "") for j in got
    )
    reason = f"jurisdiction {worst.product}: {worst.decision}: {worst.reason}" if worst.rule else ""
    return _FROM_JURISDICTION[worst.decision], column, reason


def _screen_chunk(rows: list[CustomerRow]) -> list[list[str]]:
    assert _WORKER is not None
    screener = _WORKER
    explain_all = _EXPLAIN_ALL
    out = []
    for r in rows:
        if not r.name and not r.identifiers:
            row = [r.customer_id, "review", "", "", "", "", "empty name: cannot screen"]
            _add_jurisdiction(row, r.country, {})
            out.append(row)
            continue
        q = Query(r.name, r.country, r.address, r.identifiers)
        # Most customers are clear and their row is only the best score: the
        # explained decision is built only for the rest (a percent or so).
        score = None if explain_all else screener.clear_score(q)
        if score is None:
            row = decision_row(r.customer_id, screener.screen(q))
        else:
            row = [r.customer_id, "clear", "", "", "", f"{score:.4f}", ""]
        extra = _OVERRIDES.get(r.customer_id)
        parents = {r.parent_country: "declared parent"} if r.parent_country else {}
        if extra is not None:
            # Ownership findings can raise a decision, never lower it.
            if RANK[extra.decision] > RANK[row[1]]:
                row[1] = extra.decision
                if extra.entity_id:
                    row[2], row[3] = extra.entity_id, extra.list
            row[6] = "; ".join(p for p in (row[6], extra.reason) if p)
            parents.update(dict(extra.parents))
        _add_jurisdiction(row, r.country, parents)
        if r.note:
            row[6] = "; ".join(p for p in (row[6], r.note) if p)
        out.append(row)
    return out


def _add_jurisdiction(row: list[str], hq: str, parents: dict[str, str]) -> None:
    """Append list_decision, jurisdiction and lists_as_of; fold the decision."""
    row.append(row[1])
    if _POLICY is None:
        row.extend(("", _AS_OF))
        return
    decision, column, reason = jurisdiction_of(_POLICY, hq, parents)
    if RANK[decision] > RANK[row[1]]:
        row[1] = decision
    if reason:
        row[6] = "; ".join(p for p in (row[6], reason) if p)
    row.extend((column, _AS_OF))


_Result = tuple[str, dict[str, int], list[dict[str, Any]]]


def _screen_raw(chunk: RawChunk) -> _Result:
    """A chunk of the file parsed and screened into CSV text, decision counts and
    quarantined records. Workers take raw lines and return one string: parsing
    and (un)pickling rows in the parent would make it the bottleneck."""
    quarantine: list[dict[str, Any]] = []
    rows = parse_chunk(chunk, quarantine)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    counts = dict.fromkeys(("clear", "review", "deny", "match"), 0)
    out = _screen_chunk(rows)
    w.writerows(out)
    for row in out:
        counts[row[1]] += 1
    return buf.getvalue(), counts, quarantine


def screen_customers(
    screener: Screener,
    customers: Path,
    out_dir: Path,
    *,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
    overrides: dict[str, Override] | None = None,
    explain_all: bool = False,
    policy: JurisdictionPolicy | None = None,
    lists_as_of: str = "",
) -> BatchReport:
    """Screen every customer of ``customers`` into ``out_dir/matches.csv``;
    ``overrides`` maps customer ids to ownership findings, ``policy`` applies the
    jurisdiction rules (None: no jurisdiction column). ``explain_all`` builds the
    full explained decision for every customer, as before the clear-row shortcut
    (same output, slower; kept to check it). ``progress`` hears the number of
    customers screened so far after every chunk."""
    global _WORKER, _OVERRIDES, _EXPLAIN_ALL, _POLICY, _AS_OF
    out_dir.mkdir(parents=True, exist_ok=True)
    quarantine: list[dict[str, Any]] = []
    report = BatchReport(out_dir=str(out_dir), lists_as_of=lists_as_of)
    workers = workers or min(2, os.cpu_count() or 1)
    _WORKER = screener
    _OVERRIDES = dict(overrides or {})
    _EXPLAIN_ALL = explain_all
    _POLICY = policy
    _AS_OF = lists_as_of
    chunks = raw_chunks(customers, CHUNK)
    # The index is millions of long-lived objects: freezing them keeps the cyclic
    # garbage collector from rescanning them on every collection, and keeps forked
    # workers from touching (and so copying) their pages.
    gc.collect()
    gc.freeze()
    try:
        _run(chunks, out_dir, workers, report, quarantine, progress)
    finally:
        gc.unfreeze()
    qpath = out_dir / "quarantine.csv"
    with qpath.open("w", encoding="utf-8", newline="") as fh:
        qw = csv.DictWriter(
            fh, fieldnames=["line", "customer_id", "reason", "raw"], lineterminator="\n"
        )
        qw.writeheader()
        qw.writerows(quarantine)
    report.quarantined = len(quarantine)
    if report.customers == 0:
        # A run where nothing was usable fails loudly instead of "all clear".
        why = (
            f"{report.quarantined} rows quarantined, see {qpath}"
            if report.quarantined
            else "the file has no customer rows"
        )
        raise InputError(
            f"{customers}: no customer could be screened; {why}",
            details={
                "source": str(customers),
                "quarantined": report.quarantined,
                "quarantine": str(qpath),
            },
        )
    return report


def _run(
    chunks: Iterator[RawChunk],
    out_dir: Path,
    workers: int,
    report: BatchReport,
    quarantine: list[dict[str, Any]],
    progress: Callable[[int], None] | None,
) -> None:
    tmp = out_dir / "matches.csv.part"
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(MATCHES_HEADER)
        if workers > 1 and "fork" in mp.get_all_start_methods():
            # fork shares the built index copy-on-write instead of pickling it.
            with mp.get_context("fork").Pool(workers) as pool:
                results = pool.imap(_screen_raw, chunks, chunksize=1)
                _write(fh, results, report, quarantine, progress)
        else:
            _write(fh, map(_screen_raw, chunks), report, quarantine, progress)
    os.replace(tmp, out_dir / "matches.csv")


def _write(
    fh: Any,
    results: Iterator[_Result],
    report: BatchReport,
    quarantine: list[dict[str, Any]],
    progress: Callable[[int], None] | None,
) -> None:
    for text, counts, quarantined in results:
        fh.write(text)
        quarantine.extend(quarantined)
        for decision, n in counts.items():
            setattr(report, decision, getattr(report, decision) + n)
            report.customers += n
        if progress is not None:
            progress(report.customers)
