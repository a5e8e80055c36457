"""``distillguard simulate``: write a labelled world to a directory.

Files (the cross-area contract): ``events.jsonl.gz`` (or ``events.parquet``),
``accounts.jsonl``, ``labels.csv``, ``personas.csv``, ``world.json`` and
``hardness.json``. Every file is a pure function of the arguments: running the
same command twice gives byte-identical output.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import orjson

from distillguard import __version__
from distillguard.schema import LABELS_CSV_HEADER, InputError, format_ts
from distillguard.simulate.corpora import SPLITS, corpus_counts, load_corpora, subset_corpora
from distillguard.simulate.hardness import SignalStats, hardness_report
from distillguard.simulate.roster import TACTIC_REGISTRY, build_world
from distillguard.simulate.traffic import Traffic
from distillguard.simulate.world import SimConfig, World
from distillguard.simulate.writer import (
    EventMaker,
    EventSink,
    JsonlGzSink,
    ParquetSink,
    stream_events,
)

PERSONAS_CSV_HEADER: Final = ("account_id", "persona", "campaign", "tactic")
EVENT_FORMATS: Final = ("jsonl", "parquet")
MAX_ACCOUNTS: Final = 2_000_000
MAX_DAYS: Final = 366


@dataclass(frozen=True, slots=True)
class SimulationReport:
    out_dir: Path
    events_path: Path
    events: int
    accounts: int
    distillers: int
    campaigns: dict[str, str]
    hardness: dict[str, Any]
    world: dict[str, Any]


def validate_config(cfg: SimConfig) -> None:
    problems = []
    if not 1 <= cfg.accounts <= MAX_ACCOUNTS:
        problems.append(("accounts", f"must be between 1 and {MAX_ACCOUNTS}"))
    if cfg.accounts < 60:
        problems.append(("accounts", "a world needs at least 60 accounts to hold every "
                                     "persona and campaign"))
    if not 1 <= cfg.days <= MAX_DAYS:
        problems.append(("days", f"must be between 1 and {MAX_DAYS}"))
    if cfg.split not in SPLITS:
        problems.append(("split", f"must be one of {SPLITS}"))
    if cfg.events_format not in EVENT_FORMATS:
        problems.append(("events_format", f"must be one of {EVENT_FORMATS}"))
    if set(cfg.tactics) & set(cfg.exclude_tactics):
        problems.append(("exclude_tactics", "names a tactic also given to --tactics"))
    if cfg.start.tzinfo is None:
        problems.append(("start", "must carry a UTC offset"))
    if problems:
        raise InputError("; ".join(f"--{f.replace('_', '-')}: {r}" for f, r in problems),
                         details={"problems": [{"field": f, "reason": r} for f, r in problems]})


def _csv(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _write_accounts(world: World, out: Path) -> None:
    with (out / "accounts.jsonl").open("wb") as fh:
        for a in world.actors:
            fh.write(orjson.dumps(a.account.to_json_dict(), option=orjson.OPT_APPEND_NEWLINE))
    _csv(out / "labels.csv", LABELS_CSV_HEADER,
         [(a.account.account_id, a.label, a.campaign or "") for a in world.actors])
    _csv(out / "personas.csv", PERSONAS_CSV_HEADER,
         [(a.account.account_id, a.persona, a.campaign or "", a.tactic) for a in world.actors])


def simulate(cfg: SimConfig, out_dir: Path | str,
             progress: Callable[[int, int], None] | None = None) -> SimulationReport:
    """Generate the world of ``cfg`` into ``out_dir``; ``progress(day, days)`` per day done."""
    validate_config(cfg)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(cfg)
    corpora = subset_corpora(load_corpora(cfg.corpus_dir, cfg.split),
                             world.knobs.corpus_fraction, f"corpus:{cfg.seed}")
    _write_accounts(world, out)
    stats = SignalStats(world)
    traffic = Traffic(world, corpora)
    maker = EventMaker(world, stats)
    events_path = out / ("events.parquet" if cfg.events_format == "parquet"
                         else "events.jsonl.gz")
    sink: EventSink = ParquetSink(events_path) if cfg.events_format == "parquet" \
        else JsonlGzSink(events_path)
    per_account: Counter[str] = Counter()
    total = 0
    try:
        for ev in stream_events(world, traffic, maker,
                                on_day=(lambda d: progress(d + 1, cfg.days + 1))
                                if progress else None):
            sink.write(ev)
            per_account[ev["account_id"]] += 1
            total += 1
    finally:
        sink.close()
    hardness = hardness_report(stats)
    (out / "hardness.json").write_bytes(orjson.dumps(hardness, option=orjson.OPT_INDENT_2))
    meta = _world_meta(world, corpora_info=(corpora.sources, corpus_counts(corpora)),
                       per_account=per_account, total=total, events_file=events_path.name)
    (out / "world.json").write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
    return SimulationReport(
        out_dir=out, events_path=events_path, events=total, accounts=len(world.actors),
        distillers=sum(1 for a in world.actors if a.label == "distiller"),
        campaigns=dict(world.campaigns), hardness=hardness, world=meta,
    )


def _world_meta(world: World, corpora_info: tuple[dict[str, str], dict[str, int]],
                per_account: Counter[str], total: int, events_file: str) -> dict[str, Any]:
    cfg = world.config
    personas: Counter[str] = Counter()
    persona_events: Counter[str] = Counter()
    campaigns: dict[str, dict[str, Any]] = {
        name: {"tactic": tactic, "accounts": 0, "events": 0}
        for name, tactic in world.campaigns.items()}
    lone: dict[str, int] = {}
    for a in world.actors:
        aid = a.account.account_id
        personas[a.persona] += 1
        persona_events[a.persona] += per_account[aid]
        if a.campaign:
            campaigns[a.campaign]["accounts"] += 1
            campaigns[a.campaign]["events"] += per_account[aid]
        elif a.label == "distiller":
            lone[aid] = per_account[aid]
    sources, counts = corpora_info
    return {
        "generator": f"distillguard {__version__}",
        "seed": cfg.seed,
        "split": cfg.split,
        "start": format_ts(cfg.start),
        "end": format_ts(cfg.end),
        "days": cfg.days,
        "files": {"events": events_file, "accounts": "accounts.jsonl", "labels": "labels.csv",
                  "personas": "personas.csv", "hardness": "hardness.json"},
        "counts": {
            "accounts": len(world.actors), "events": total,
            "distillers": sum(1 for a in world.actors if a.label == "distiller"),
            "accounts_by_persona": dict(sorted(personas.items())),
            "events_by_persona": dict(sorted(persona_events.items())),
        },
        "models": [{"name": m.name, "released": format_ts(m.released),
                    "released_in_window": cfg.start <= m.released < cfg.end}
                   for m in world.models],
        "new_model": world.new_model.name,
        "campaigns": campaigns,
        "lone_distillers": lone,
        "randomize": cfg.randomize,
        "tactics": _tactics_meta(world, campaigns, per_account),
        "knobs": world.knobs.as_dict(),
        "corpora": {"sources": sources, "items": counts},
    }


def _tactics_meta(world: World, campaigns: dict[str, dict[str, Any]],
                  per_account: Counter[str]) -> dict[str, Any]:
    """Each attack tactic of the world: its campaigns, accounts, events and parameters."""
    out: dict[str, Any] = {}
    for t in TACTIC_REGISTRY:
        if t.name not in world.tactics:
            continue
        mine = {n: c for n, c in campaigns.items() if c["tactic"] == t.name}
        mine_actors = [a for a in world.actors if a.tactic == t.name]
        out[t.name] = {
            "description": t.description,
            "campaigns": sorted(mine),
            "accounts": len(mine_actors),
            "events": sum(per_account[a.account.account_id] for a in mine_actors),
            "knobs": world.knobs.tactic(t.name).as_dict(),
            "parameters": {n: dict(world.campaign_params[n]) for n in sorted(mine)
                           if n in world.campaign_params},
        }
    return out


def parse_start(text: str) -> datetime:
    try:
        d = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"--start {text!r}: not a date (YYYY-MM-DD)",
                         details={"field": "start"}) from exc
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)
