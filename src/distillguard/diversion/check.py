"""``diversion check``: every order of a file through the red flags into
``OUT/decisions.csv`` (one row per usable order, in input order),
``OUT/flags.csv`` (the flag set used, each flag with its legal source) and
``OUT/quarantine.jsonl`` (every record that could not be read, with line,
field and reason). A run in which no order was usable fails.

Parties are screened through ``screen``'s :class:`Screener`; an order file
names the same buyers, forwarders and parents again and again, so each worker
remembers every (name, country) it has screened.
"""

from __future__ import annotations

import csv
import io
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillguard.diversion.flags import FlagConfig
from distillguard.diversion.orders import Chunk, parse_records, read_chunks
from distillguard.diversion.redflags import Assessment, RedFlags, ScreenHit
from distillguard.ingest.quarantine import Quarantine
from distillguard.schema.errors import InputError
from distillguard.screen.scoring import Query, Screener

DECISIONS_HEADER = ("order_id", "line", "decision", "score", "flags", "reasons")
FLAGS_HEADER = ("flag", "severity", "weight", "title", "evidence", "source")
CHUNK = 5000


class PartyScreen:
    """(name, country) -> None when clear, else (decision, what matched); memoised."""

    def __init__(self, screener: Screener, cache_size: int = 500_000) -> None:
        self.screener = screener
        self.cache: dict[tuple[str, str], ScreenHit] = {}
        self.cache_size = cache_size

    def __call__(self, name: str, country: str) -> ScreenHit:
        key = (name, country)
        try:
            return self.cache[key]
        except KeyError:
            pass
        q = Query(name, country)
        out: ScreenHit = None
        if self.screener.clear_score(q) is None:
            d = self.screener.screen(q)
            if d.decision != "clear" and d.best is not None:
                e = d.best.entity
                out = (d.decision, f"{e.name!r} [{e.list} {e.entity_id}, score {d.best.score:.2f}]")
        if len(self.cache) < self.cache_size:
            self.cache[key] = out
        return out


@dataclass
class CheckReport:
    orders: int = 0
    clear: int = 0
    review: int = 0
    hold: int = 0
    quarantined: int = 0
    flag_counts: dict[str, int] = field(default_factory=dict)
    out_dir: str = ""
    flag_sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def assessment_row(a: Assessment, line: int) -> list[str]:
    return [
        a.order_id,
        str(line),
        a.decision,
        f"{a.score:.2f}",
        ";".join(a.flags),
        " | ".join(h.reason() for h in a.hits),
    ]


_FLAGS: RedFlags | None = None
_Result = tuple[str, dict[str, int], dict[str, int], list[dict[str, Any]]]


def _check_chunk(chunk: Chunk) -> _Result:
    assert _FLAGS is not None
    q = Quarantine(memory_rows=None)
    orders = parse_records(chunk, q)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    counts = dict.fromkeys(("clear", "review", "hold"), 0)
    flags: dict[str, int] = {}
    for o in orders:
        a = _FLAGS.assess(o)
        counts[a.decision] += 1
        for f in a.flags:
            flags[f] = flags.get(f, 0) + 1
        w.writerow(assessment_row(a, o.line))
    return buf.getvalue(), counts, flags, q.rows


def check_orders(
    cfg: FlagConfig,
    orders: Path,
    out_dir: Path,
    *,
    screen: Callable[[str, str], ScreenHit] | None = None,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
) -> CheckReport:
    """Check every order of ``orders`` into ``out_dir``; ``progress`` gets the
    running count of orders checked."""
    global _FLAGS
    out_dir.mkdir(parents=True, exist_ok=True)
    chunks = read_chunks(orders, CHUNK)
    _FLAGS = RedFlags(cfg, screen)
    workers = workers or min(2, os.cpu_count() or 1)
    report = CheckReport(out_dir=str(out_dir), flag_sources=cfg.sources)
    tmp = out_dir / "decisions.csv.part"
    with (
        Quarantine(out_dir / "quarantine.jsonl") as quarantine,
        tmp.open("w", encoding="utf-8", newline="") as fh,
    ):
        csv.writer(fh, lineterminator="\n").writerow(DECISIONS_HEADER)
        if workers > 1 and "fork" in mp.get_all_start_methods():
            # fork shares the screener's index copy-on-write instead of pickling it.
            with mp.get_context("fork").Pool(workers) as pool:
                _write(fh, pool.imap(_check_chunk, chunks), report, quarantine, progress)
        else:
            _write(fh, map(_check_chunk, chunks), report, quarantine, progress)
        report.quarantined = quarantine.total
    os.replace(tmp, out_dir / "decisions.csv")
    write_flags(cfg, out_dir / "flags.csv")
    if report.orders == 0:
        raise InputError(
            f"{orders}: no usable order ({report.quarantined} quarantined, see "
            f"{out_dir / 'quarantine.jsonl'})",
            details={"file": str(orders), "quarantined": report.quarantined},
        )
    return report


def write_flags(cfg: FlagConfig, path: Path) -> None:
    """The flag set the decisions were made with, each flag with its legal source."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(FLAGS_HEADER)
        for f in cfg.flags.values():
            w.writerow([f.id, f.severity, f"{f.weight:g}", f.title, f.evidence, f.source])


def _write(
    fh: Any,
    results: Iterator[_Result],
    report: CheckReport,
    quarantine: Quarantine,
    progress: Callable[[int], None] | None,
) -> None:
    for text, counts, flags, rows in results:
        fh.write(text)
        for row in rows:
            quarantine.add_row(row)
        for decision, n in counts.items():
            setattr(report, decision, getattr(report, decision) + n)
            report.orders += n
        for f, n in flags.items():
            report.flag_counts[f] = report.flag_counts.get(f, 0) + n
        if progress is not None:
            progress(report.orders)
