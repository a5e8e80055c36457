"""``ingest``: exchange logs in any supported shape into the canonical on-disk layout.

``<out>/events/day=YYYY-MM-DD/part-*.parquet`` (EVENT_SCHEMA),
``<out>/accounts.parquet`` (ACCOUNT_SCHEMA, when accounts are given) and
``<out>/quarantine.jsonl`` (every unusable row, always written, maybe empty).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import orjson
import pyarrow.parquet as pq

from distillguard.ingest.accounts import read_accounts
from distillguard.ingest.adapters import litellm, openai_batch
from distillguard.ingest.quarantine import TRUNCATED_INPUT, UNREADABLE_FILE, Quarantine
from distillguard.ingest.readers import (
    ReadStats,
    Source,
    event_sources,
    expand_paths,
    iter_event_batches,
    resolve_engine,
)
from distillguard.ingest.sources import DEFAULT_MAX_LINE_BYTES, first_significant_byte
from distillguard.ingest.writer import PartitionedWriter
from distillguard.opener import sniff
from distillguard.schema import InputError, account_row, accounts_table

ADAPTERS: Final = ("auto", "canonical", "litellm", "openai-batch")
_FILE_LEVEL: Final = (TRUNCATED_INPUT, UNREADABLE_FILE)


@dataclass(frozen=True)
class AdapterOptions:
    """Everything an adapter needs that its input files do not say."""

    account_id: str | None = None
    api_key_id: str | None = None
    created_at: str | None = None
    account_from: tuple[str, ...] = litellm.DEFAULT_ACCOUNT_FROM
    account_map: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IngestReport:
    out_dir: str
    inputs: dict[str, str]
    events_read: int
    events_written: int
    events_quarantined: int
    duplicates: int
    out_of_order: int
    accounts_read: int
    accounts_written: int
    accounts_quarantined: int
    quarantined_by_reason: dict[str, int]
    quarantine_path: str
    days: int
    first_day: str | None
    last_day: str | None
    seconds: float
    events_per_second: float
    engine: str = "auto"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rows(self) -> list[dict[str, Any]]:
        """A flat (metric, value) view for the terminal."""
        out = [{"metric": k, "value": v} for k, v in self.to_dict().items()
               if k not in ("inputs", "quarantined_by_reason")]
        out += [{"metric": f"quarantined[{r}]", "value": n}
                for r, n in self.quarantined_by_reason.items()]
        return out


def _peek_json(path: Path) -> dict[str, Any] | None:
    from distillguard.ingest.sources import iter_json_records

    for _, obj, _ in iter_json_records(path, Quarantine()):
        return obj
    return None


def detect(path: Path) -> str:
    """Which adapter a file needs, from its content."""
    if sniff(path) == "parquet":
        return "canonical"
    try:
        first = first_significant_byte(path)
    except (EOFError, OSError):
        return "canonical"  # the reader will quarantine the damage with a line number
    if first == b"[":
        return "litellm"
    if first == b"{":
        obj = _peek_json(path)
        if obj is None:
            return "canonical"
        if openai_batch.line_kind(obj) is not None:
            return "openai-batch"
        if "request_id" in obj and ("call_type" in obj or "startTime" in obj):
            return "litellm"
        return "canonical"
    if first:
        from distillguard.opener import open_binary

        with open_binary(path) as fh:
            header = fh.readline(65536).decode("utf-8", "replace")
        if "request_id" in header and "call_type" in header:
            return "litellm"
    return "canonical"


def _sources(groups: Mapping[str, list[Path]], quarantine: Quarantine, opts: AdapterOptions,
             batch_size: int, max_line_bytes: int, stats: ReadStats,
             workers: int, engine: str) -> Iterator[Source]:
    if groups.get("canonical"):
        yield from event_sources(groups["canonical"], quarantine, batch_size, max_line_bytes,
                                 stats, workers, engine)
    if groups.get("litellm"):
        stats.files += len(groups["litellm"])
        yield from litellm.records(
            groups["litellm"], quarantine,
            litellm.LiteLLMOptions(opts.account_from, opts.account_map),
            max_line_bytes=max_line_bytes)
    if groups.get("openai-batch"):
        stats.files += len(groups["openai-batch"])
        yield from openai_batch.records(
            groups["openai-batch"], quarantine,
            openai_batch.BatchOptions(opts.account_id, opts.api_key_id, opts.created_at),
            max_line_bytes=max_line_bytes)


def ingest(
    events: Sequence[str | Path] | str | Path,
    accounts: str | Path | Iterable[str | Path] | None = None,
    out_dir: str | Path = "canonical",
    adapter: str = "auto",
    *,
    options: AdapterOptions | None = None,
    batch_size: int = 50_000,
    overwrite: bool = False,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    progress: Callable[[int, float], None] | None = None,
    workers: int = 1,
    engine: str = "auto",
    compression: str = "zstd",
) -> IngestReport:
    """Read, validate, deduplicate and write events (and accounts) in canonical form.

    ``workers`` > 1 converts canonical JSONL in that many processes; the output
    is the same as with one. ``compression`` is the Parquet codec of the events
    (``writer.CODECS``). ``engine`` is one of ``readers.ENGINES``: ``auto``
    (the C scanner where it is built), ``native``, ``blocks`` (pure Python) or
    ``records`` (a record at a time, the slowest); the output is the same.
    The report names the engine used. ``progress`` is called with the events
    written so far and the seconds since the start, after every batch.
    """
    engine = resolve_engine(engine)
    if adapter not in ADAPTERS:
        raise InputError(f"unknown adapter {adapter!r}; choose one of {list(ADAPTERS)}",
                         details={"adapter": adapter})
    started = time.perf_counter()
    opts = options or AdapterOptions()
    out = Path(out_dir)
    files = expand_paths(events)
    chosen = {p: (detect(p) if adapter == "auto" else adapter) for p in files}
    groups: dict[str, list[Path]] = {}
    for p, a in chosen.items():
        groups.setdefault(a, []).append(p)
    if groups.get("openai-batch") and not opts.account_id:
        raise InputError("OpenAI Batch files do not name the billed account: pass --account-id",
                         details={"adapter": "openai-batch",
                                  "files": [str(p) for p in groups["openai-batch"]]})
    out.mkdir(parents=True, exist_ok=True)
    stats = ReadStats()
    # The writer first: it refuses a non-empty --out before anything there is touched.
    with PartitionedWriter(out, overwrite=overwrite, compression=compression) as writer, \
            Quarantine(out / "quarantine.jsonl") as q:
        src = _sources(groups, q, opts, batch_size, max_line_bytes, stats, max(1, workers),
                       engine)
        # The writer regroups rows by day anyway: converted blocks go to it as they are.
        for batch in iter_event_batches([], batch_size, q, records=src, stats=stats,
                                        max_line_bytes=max_line_bytes, coalesce=False):
            writer.write(batch)
            if progress is not None:
                progress(stats.events, time.perf_counter() - started)
        writer.close()
        events_q = q.total
        file_level = sum(q.counts[r] for r in _FILE_LEVEL)
        acc_read = acc_written = 0
        if accounts is not None:
            accs = read_accounts(accounts, q, max_line_bytes=max_line_bytes)
            acc_written = len(accs)
            pq.write_table(accounts_table([account_row(a) for a in accs]),
                           out / "accounts.parquet", compression="zstd")
            acc_read = acc_written + (q.total - events_q)
        by_reason = dict(sorted(q.counts.items()))
        total_q = q.total
    days = sorted(writer.rows_per_day)
    seconds = time.perf_counter() - started
    report = IngestReport(
        out_dir=str(out),
        inputs={str(p): a for p, a in chosen.items()},
        events_read=stats.events + events_q - file_level,
        events_written=writer.rows_written,
        events_quarantined=events_q,
        duplicates=stats.duplicates,
        out_of_order=stats.out_of_order,
        accounts_read=acc_read,
        accounts_written=acc_written,
        accounts_quarantined=total_q - events_q,
        quarantined_by_reason=by_reason,
        quarantine_path=str(out / "quarantine.jsonl"),
        days=len(days),
        first_day=days[0].isoformat() if days else None,
        last_day=days[-1].isoformat() if days else None,
        seconds=round(seconds, 3),
        events_per_second=round(writer.rows_written / seconds, 1) if seconds > 0 else 0.0,
        engine=engine,
    )
    (out / "ingest-report.json").write_bytes(orjson.dumps(report.to_dict(),
                                                          option=orjson.OPT_INDENT_2))
    return report

