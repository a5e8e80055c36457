"""Batch screening of a customer file into ``matches.csv``.

One output row per customer, in input order. Rows that cannot be screened are
never dropped: a row without a customer id goes to ``quarantine.csv`` with its
line and reason; a row with an id but no usable name is written as ``review``
("cannot screen") because an unnamed customer must not pass as clear.
Large files stream: rows are read, screened in chunks on worker processes and
written as they come back.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import multiprocessing as mp
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillguard.schema.errors import InputError, NotFoundError
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
)
REQUIRED = ("customer_id", "name")
CHUNK = 4000


@dataclass(frozen=True)
class CustomerRow:
    line: int
    customer_id: str
    name: str
    country: str = ""
    address: str = ""
    identifiers: tuple[str, ...] = ()
    note: str = ""


@dataclass
class BatchReport:
    customers: int = 0
    clear: int = 0
    review: int = 0
    match: int = 0
    quarantined: int = 0
    out_dir: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _decode_lines(path: Path, notes: dict[int, str]) -> Iterator[str]:
    """Lines of ``path`` as text; a line that is not UTF-8 is read as Windows-1252
    and noted, so one mis-encoded row neither stops the job nor goes missing."""
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                yield raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                notes[n] = "line is not UTF-8; read as Windows-1252"
                yield raw.decode("cp1252", errors="replace")


def read_customers(path: Path, quarantine: list[dict[str, Any]]) -> Iterator[CustomerRow]:
    """Customer rows from CSV or JSON lines (by extension, or by a leading ``{``)."""
    if not path.exists():
        raise NotFoundError(f"{path}: no such file", details={"file": str(path)})
    notes: dict[int, str] = {}
    with path.open("rb") as fh:
        raw_head = fh.read(4096)
    if raw_head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw_head:
        raise InputError(
            f"{path}: UTF-16 or binary content; save the customer file as UTF-8 CSV or JSONL",
            details={"file": str(path)},
        )
    head = raw_head[:64].lstrip(b"\xef\xbb\xbf \r\n\t")
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json") or head.startswith(b"{"):
        for n, line in enumerate(_decode_lines(path, notes), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise ValueError("not an object")
            except ValueError as exc:
                quarantine.append(
                    {
                        "line": n,
                        "customer_id": "",
                        "reason": f"invalid JSON: {exc}",
                        "raw": line[:300],
                    }
                )
                continue
            row = _row(rec, n, notes.get(n, ""), quarantine, line)
            if row:
                yield row
        return
    reader = csv.reader(_decode_lines(path, notes))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"{path}:1: customer file lacks column(s) {', '.join(missing)}; "
            "need at least customer_id,name,country,address",
            details={"file": str(path), "line": 1, "missing": missing},
        )
    for fields in reader:
        n = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            quarantine.append(
                {
                    "line": n,
                    "customer_id": fields[0] if fields else "",
                    "reason": f"expected {len(header)} fields, got {len(fields)}",
                    "raw": ",".join(fields)[:300],
                }
            )
            continue
        row = _row(
            dict(zip(header, fields, strict=True)),
            n,
            notes.get(n, ""),
            quarantine,
            ",".join(fields),
        )
        if row:
            yield row


def _row(
    rec: dict[str, Any], n: int, note: str, quarantine: list[dict[str, Any]], raw: str
) -> CustomerRow | None:
    cid = str(rec.get("customer_id") or "").strip()
    if not cid:
        quarantine.append(
            {"line": n, "customer_id": "", "reason": "empty customer_id", "raw": raw[:300]}
        )
        return None
    ids = rec.get("identifiers") or rec.get("identifier") or ""
    id_list = (
        tuple(str(i) for i in ids)
        if isinstance(ids, list)
        else tuple(p.strip() for p in str(ids).split(";") if p.strip())
    )
    return CustomerRow(
        n,
        cid,
        str(rec.get("name") or "").strip(),
        str(rec.get("country") or "").strip(),
        str(rec.get("address") or "").strip(),
        id_list,
        note,
    )


def decision_row(cid: str, d: Decision) -> list[str]:
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
_OVERRIDES: dict[str, tuple[str, str]] = {}
_RANK = {"clear": 0, "review": 1, "match": 2}


def _screen_chunk(rows: list[CustomerRow]) -> list[list[str]]:
    assert _WORKER is not None
    out = []
    for r in rows:
        if not r.name and not r.identifiers:
            out.append([r.customer_id, "review", "", "", "", "", "empty name: cannot screen"])
            continue
        d = _WORKER.screen(Query(r.name, r.country, r.address, r.identifiers))
        row = decision_row(r.customer_id, d)
        extra = _OVERRIDES.get(r.customer_id)
        if extra is not None:
            # Ownership findings can raise a decision, never lower it.
            if _RANK[extra[0]] > _RANK[row[1]]:
                row[1] = extra[0]
            row[6] = "; ".join(p for p in (row[6], extra[1]) if p)
        if r.note:
            row[6] = "; ".join(p for p in (row[6], r.note) if p)
        out.append(row)
    return out


def _screen_chunk_text(rows: list[CustomerRow]) -> tuple[str, dict[str, int]]:
    """A chunk screened into CSV text and decision counts: a worker returns one
    string instead of thousands of small lists, which the parent would unpickle."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    counts = dict.fromkeys(("clear", "review", "match"), 0)
    for row in _screen_chunk(rows):
        w.writerow(row)
        counts[row[1]] += 1
    return buf.getvalue(), counts


def _chunks(rows: Iterator[CustomerRow], size: int) -> Iterator[list[CustomerRow]]:
    buf: list[CustomerRow] = []
    for r in rows:
        buf.append(r)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def screen_customers(
    screener: Screener,
    customers: Path,
    out_dir: Path,
    *,
    workers: int = 0,
    progress: bool = False,
    overrides: dict[str, tuple[str, str]] | None = None,
) -> BatchReport:
    """Screen every customer of ``customers`` into ``out_dir/matches.csv``;
    ``overrides`` maps customer ids to (decision, reason) from ownership findings."""
    global _WORKER, _OVERRIDES
    out_dir.mkdir(parents=True, exist_ok=True)
    quarantine: list[dict[str, Any]] = []
    report = BatchReport(out_dir=str(out_dir))
    workers = workers or min(2, os.cpu_count() or 1)
    _WORKER = screener
    _OVERRIDES = dict(overrides or {})
    chunks = _chunks(read_customers(customers, quarantine), CHUNK)
    # The index is millions of long-lived objects: freezing them keeps the cyclic
    # garbage collector from rescanning them on every collection, and keeps forked
    # workers from touching (and so copying) their pages.
    gc.collect()
    gc.freeze()
    try:
        _run(chunks, out_dir, workers, report, progress)
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
    return report


def _run(
    chunks: Iterator[list[CustomerRow]],
    out_dir: Path,
    workers: int,
    report: BatchReport,
    progress: bool,
) -> None:
    tmp = out_dir / "matches.csv.part"
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(MATCHES_HEADER)
        status = _progress(progress)
        if workers > 1 and "fork" in mp.get_all_start_methods():
            # fork shares the built index copy-on-write instead of pickling it.
            with mp.get_context("fork").Pool(workers) as pool:
                results = pool.imap(_screen_chunk_text, chunks, chunksize=1)
                _write(fh, results, report, status)
        else:
            _write(fh, map(_screen_chunk_text, chunks), report, status)
    os.replace(tmp, out_dir / "matches.csv")


def _progress(enabled: bool) -> Any:
    if not enabled or not sys.stderr.isatty():
        return None
    from rich.console import Console

    return Console(stderr=True)


def _write(
    fh: Any, results: Iterator[tuple[str, dict[str, int]]], report: BatchReport, console: Any
) -> None:
    for text, counts in results:
        fh.write(text)
        for decision, n in counts.items():
            setattr(report, decision, getattr(report, decision) + n)
            report.customers += n
        if console is not None:
            console.print(f"screened {report.customers:,} customers", end="\r")
