"""``replay --watch``: a simulated world through an in-process gateway, with the
continuous hunt running on the gateway's own exchange log as a user would run it.

The gateway is the real one (the same layers, the stub upstream in process, a
SQLite key store, memory state, no rate limits: time compression would make
every account look fast); it logs each exchange on the world's clock
(``replay_clock``), so the hunt of its log sees the world's days. Modes:

- ``watch``: every ``cycle_every`` of simulated time the replay pauses (in-flight
  requests finish), a watch cycle hunts the log's window and publishes the book,
  the gateway picks it up, and the replay goes on. Day 1 is replayed too (it is
  what the first cycles learn from); the report measures day 2 onwards.
- ``day1``: the issue's baseline: hunt the world's day 1, load its verdicts
  (``accounts.csv``) into the gateway, replay days 2 onwards.
- ``online``: online scoring alone, day 2 onwards measured.

Pausing during a cycle is a simplification: a real watch hunts while traffic
flows (about 10-20 s of wall time per cycle here, minutes of real traffic).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from distillguard.evaluate.inputs import read_truth
from distillguard.gateway import Gateway, StubUpstream
from distillguard.gateway.door import Door, MemoryChannel
from distillguard.gateway.policy import parse_policy
from distillguard.gateway.replay import (
    ERROR,
    PROGRESS_EVERY,
    Outcome,
    ReplayProgress,
    ReplayReport,
    provision_keys,
    send_event,
    summarise,
)
from distillguard.ingest import Quarantine, iter_events, read_accounts, read_labels
from distillguard.schema import Account, ConfigError, Event, account_row
from distillguard.settings import Settings
from distillguard.watch.cycle import CycleResult, run_cycle
from distillguard.watch.keys import MAX_OUTSIDE

MODES = ("watch", "day1", "online")
REPLAY_POLICY = "version: 1\nlimits: {}\n"
DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorldReplay:
    mode: str
    report: ReplayReport
    cycles: list[dict[str, Any]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "config": self.config, **self.report.as_dict(),
                "cycles": self.cycles}


@dataclass(frozen=True)
class Progress(ReplayProgress):
    """What a progress callback is told: the replay's progress, and the watch cycles
    run so far with the last one's result."""

    cycles: int = 0
    last_cycle: CycleResult | None = None


def _day1_verdicts(events: Sequence[Event], accounts: Sequence[Account], cut: datetime,
                   out_dir: Path, settings: Settings) -> Path:
    from distillguard.detect import hunt

    out_dir.mkdir(parents=True, exist_ok=True)
    ev_path, acc_path = out_dir / "day1.jsonl", out_dir / "accounts.jsonl"
    ev_path.write_bytes(b"".join(orjson.dumps(e.to_json_dict()) + b"\n"
                                 for e in events if e.ts < cut))
    acc_path.write_bytes(b"".join(orjson.dumps(account_row(a), default=str) + b"\n"
                                  for a in accounts if a.created_at < cut))
    hunt(ev_path, acc_path, out_dir / "hunt", settings=settings)
    return out_dir / "hunt" / "accounts.csv"


async def _replay(events: list[Event], accounts: list[Account], out_dir: Path,
                  settings: Settings, *, mode: str, measure_from: datetime,
                  cycle_every: timedelta, window: timedelta, concurrency: int,
                  max_outside: int, progress: Callable[[Progress], None] | None
                  ) -> tuple[list[Outcome], list[CycleResult], float]:
    sim_now = [events[0].ts.timestamp() if events else 0.0]
    channel = MemoryChannel(clock=lambda: sim_now[0])
    door = Door(channel, quiet_requests=settings.gateway_link_quiet_requests,
                handoff_ttl_s=settings.gateway_handoff_ttl_s) if mode == "watch" else None
    verdicts = ""
    if mode == "day1":
        verdicts = str(await asyncio.to_thread(_day1_verdicts, events, accounts, measure_from,
                                               out_dir / "day1", settings))
        events = [e for e in events if e.ts >= measure_from]
    gw_settings = settings.with_overrides(
        gateway_upstream_url="http://upstream.test", gateway_fsync="never",
        gateway_state="memory", database_url=f"sqlite:///{out_dir / 'keys.db'}")
    gw = Gateway(gw_settings, transport=httpx.ASGITransport(app=StubUpstream()),
                 policy=parse_policy(REPLAY_POLICY, "<replay>"), log_dir=out_dir / "log",
                 replica="replay", trust_forwarded=True, door=door, replay_clock=True,
                 verdicts=verdicts)
    keys = provision_keys(gw.keys, accounts, {e.account_id for e in events})
    outcomes: list[Outcome] = []
    cycles: list[CycleResult] = []
    sem = asyncio.Semaphore(concurrency)
    tasks: set[asyncio.Task[None]] = set()
    started = time.monotonic()
    next_cycle = (events[0].ts + cycle_every) if events else None

    async def one(ev: Event) -> None:
        try:
            outcomes.append(await send_event(client, ev, keys[ev.account_id],
                                             replay_ts=True))
        except Exception as exc:  # noqa: BLE001 - one failed exchange is counted, not fatal
            outcomes.append(Outcome(ev.ts, ev.account_id, ERROR, type(exc).__name__))
        finally:
            sem.release()

    def tell(n: int, ts: datetime) -> None:
        if progress is not None:
            progress(Progress(n, ts, time.monotonic() - started, cycles=len(cycles),
                              last_cycle=cycles[-1] if cycles else None))

    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gw.app),
                                     base_url="http://gateway.replay", timeout=60.0) as client:
            for n, ev in enumerate(events, 1):
                if door is not None and next_cycle is not None and ev.ts >= next_cycle:
                    if tasks:
                        await asyncio.gather(*tasks)
                    known = [a for a in accounts if a.created_at <= next_cycle]
                    res = await run_cycle(out_dir / "log", known, out_dir / "watch", channel,
                                          settings, window=window, now=next_cycle,
                                          max_outside=max_outside)
                    await door.refresh()
                    cycles.append(res)
                    tell(n - 1, next_cycle)
                    while next_cycle <= ev.ts:
                        next_cycle += cycle_every
                sim_now[0] = ev.ts.timestamp()
                await sem.acquire()
                task = asyncio.ensure_future(one(ev))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                if n % PROGRESS_EVERY == 0:
                    tell(n, ev.ts)
            if tasks:
                await asyncio.gather(*tasks)
            if events:
                tell(len(events), events[-1].ts)
    finally:
        await gw.aclose()
        gw.keys.close()
    return outcomes, cycles, time.monotonic() - started


def replay_world(events_path: Path, accounts_path: Path, labels_path: Path,
                 out_dir: Path, settings: Settings, *, personas_path: Path | None = None,
                 mode: str = "watch", cycle_every: timedelta = timedelta(hours=6),
                 window: timedelta = timedelta(days=7), concurrency: int = 16,
                 max_outside: int = MAX_OUTSIDE,
                 progress: Callable[[Progress], None] | None = None) -> WorldReplay:
    """Replay a simulated world in process (see the module doc); day 2 onwards measured."""
    if mode not in MODES:
        raise ConfigError(f"replay mode {mode!r}: choose one of {MODES}",
                          details={"mode": mode})
    out_dir.mkdir(parents=True, exist_ok=True)
    quarantine = Quarantine(out_dir / "quarantine.jsonl")
    events = sorted(iter_events(events_path, quarantine), key=lambda e: e.ts)
    accounts = read_accounts(accounts_path, quarantine)
    labels = read_labels(labels_path)
    personas = {a: t.persona for a, t in read_truth(labels_path, personas_path).items()
                } if personas_path else {}
    start = events[0].ts.astimezone(UTC) if events else datetime.now(UTC)
    measure_from = datetime(start.year, start.month, start.day, tzinfo=UTC) + DAY
    outcomes, cycles, wall = asyncio.run(_replay(
        events, accounts, out_dir, settings, mode=mode, measure_from=measure_from,
        cycle_every=cycle_every, window=window, concurrency=concurrency,
        max_outside=max_outside, progress=progress))
    quarantine.close()
    report = summarise(outcomes, labels, wall, personas=personas, measure_from=measure_from)
    hunt_s = [c.hunt_s + c.keys_s for c in cycles]
    return WorldReplay(mode, report, [c.as_dict() for c in cycles], {
        "events": str(events_path), "mode": mode, "cycle_every_s": cycle_every.total_seconds(),
        "window_s": window.total_seconds(), "concurrency": concurrency,
        "max_outside": max_outside, "quiet_requests": settings.gateway_link_quiet_requests,
        "handoff_ttl_s": settings.gateway_handoff_ttl_s,
        "cycle_seconds_median": sorted(hunt_s)[len(hunt_s) // 2] if hunt_s else None,
        "quarantined": quarantine.total})
