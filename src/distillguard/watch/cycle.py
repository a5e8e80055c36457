"""The continuous hunt: re-hunt the rolling window of the gateway's exchange log
and publish the verdicts and campaign linkage keys to every replica.

One cycle (:func:`run_cycle`) reads the log directory as it is (the live
``exchanges-DAY.REPLICA.jsonl`` files of the current days, no waiting for
rotation, and the rotated Parquet of earlier days inside the window), runs the
hunt on them, derives the campaign keys (:mod:`distillguard.watch.keys`) and
publishes the book through a :class:`~distillguard.gateway.door.Channel`.
:func:`watch` repeats it every ``interval_s``. The window is rounded out to
whole days (the log's files are per day); each cycle re-hunts it whole (it is
not incremental: about 10 s for 72k events on this machine, see the docs).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from distillguard.gateway.door import Channel
from distillguard.gateway.linkage import LinkBook
from distillguard.gateway.verdicts import External
from distillguard.ingest import live_log_files, read_accounts
from distillguard.schema import Account, ConfigError, InputError, account_row
from distillguard.settings import Settings
from distillguard.watch.keys import MAX_OUTSIDE, build_book, key_holders, read_hunt

log = logging.getLogger("distillguard.watch")
_WINDOW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_window(text: str) -> timedelta:
    """``36h``, ``7d``, ``90m``: the rolling window's length."""
    m = _WINDOW.match(text)
    if not m:
        raise ConfigError(f"window {text!r}: expected a number and a unit (s, m, h, d), "
                          "e.g. 7d", details={"window": text})
    return timedelta(seconds=float(m.group(1)) * _UNIT_S[m.group(2)])


@dataclass(frozen=True)
class CycleResult:
    version: int
    since_day: str
    files: int
    events: int
    accounts: int
    hunt_s: float
    keys_s: float
    publish_s: float
    verdicts: dict[str, int]
    campaigns: int
    keys: dict[str, int]
    book: LinkBook = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "since_day": self.since_day, "files": self.files,
                "events": self.events, "accounts": self.accounts,
                "hunt_s": round(self.hunt_s, 2), "keys_s": round(self.keys_s, 2),
                "publish_s": round(self.publish_s, 3), "verdicts": self.verdicts,
                "campaigns": self.campaigns, "keys": self.keys}


def hold_blocks(book: LinkBook, previous: LinkBook | None, now: datetime,
                hold: timedelta) -> LinkBook:
    """``book`` with the blocks of ``previous`` that are younger than ``hold`` kept in
    force: a block holds for the hold period from when a cycle first issued it, whatever
    later cycles say (an analyst lifts it early); the book records when each block began."""
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = dict(previous.held) if previous is not None else {}
    verdicts = dict(book.verdicts)
    held: dict[str, str] = {}
    for acct, ext in book.verdicts.items():
        if ext.tier == "block":
            held[acct] = before.get(acct, stamp)
    if previous is not None:
        for acct, since in before.items():
            if acct in held or acct not in previous.verdicts:
                continue
            try:
                began = datetime.fromisoformat(since.replace("Z", "+00:00"))
            except ValueError:
                continue
            if now - began < hold:
                old = previous.verdicts[acct]
                reason = old.reason if old.reason.startswith("held since") else \
                    f"held since {since}: {old.reason}"
                verdicts[acct] = External("block", reason, old.source)
                held[acct] = since
    return replace(book, verdicts=verdicts, held=held)


def window_files(log_dir: Path, since_day: str) -> list[Path]:
    """The log's files of ``since_day`` and later: rotated Parquet and live JSONL."""
    rotated = sorted(
        f for d in (log_dir / "events").glob("day=*") if d.name[4:] >= since_day
        for f in d.glob("*.parquet"))
    return rotated + live_log_files(log_dir, since_day)


def hunt_window(files: Sequence[Path], accounts: Sequence[Account] | Path | None,
                out_dir: Path, settings: Settings, *, max_outside: int = MAX_OUTSIDE
                ) -> tuple[LinkBook, dict[str, Any], float, float]:
    """Hunt ``files`` into ``out_dir`` and derive the book: (book, summary, hunt s, keys s)."""
    from distillguard.detect import hunt

    out_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(accounts, Path) or accounts is None:
        acc_path = accounts
        acc_list = read_accounts(accounts) if accounts else []
    else:
        acc_list = list(accounts)
        acc_path = out_dir / "accounts.jsonl"
        acc_path.write_bytes(b"".join(
            orjson.dumps(account_row(a), default=str) + b"\n" for a in acc_list))
    t0 = time.perf_counter()
    result = hunt(list(files), acc_path, out_dir, settings=settings)
    t1 = time.perf_counter()
    converted = out_dir / "work" / "events.parquet"
    hunted = [converted] if converted.is_file() else [f for f in files
                                                      if f.suffix == ".parquet"]
    book = build_book(read_hunt(out_dir / "accounts.csv"), key_holders(hunted, acc_list),
                      acc_list, max_outside=max_outside)
    return book, result.summary, t1 - t0, time.perf_counter() - t1


async def run_cycle(log_dir: Path, accounts: Sequence[Account] | Path | None, out_dir: Path,
                    channel: Channel, settings: Settings, *, window: timedelta,
                    now: datetime | None = None, max_outside: int = MAX_OUTSIDE
                    ) -> CycleResult:
    """One cycle: hunt the window, publish the book."""
    now = now or datetime.now(UTC)
    since_day = (now - window).astimezone(UTC).strftime("%Y-%m-%d")
    files = window_files(log_dir, since_day)
    if not files:
        raise InputError(f"{log_dir}: no exchange-log files of {since_day} or later",
                         details={"log_dir": str(log_dir), "since_day": since_day})
    book, summary, hunt_s, keys_s = await asyncio.to_thread(
        hunt_window, files, accounts, out_dir, settings, max_outside=max_outside)
    previous = await channel.fetch(await channel.version())
    book = hold_blocks(book, previous, now, parse_window(settings.watch_block_hold))
    t0 = time.perf_counter()
    version = await channel.publish(book)
    publish_s = time.perf_counter() - t0
    return CycleResult(
        version=version, since_day=since_day, files=len(files),
        events=int(summary.get("events") or 0), accounts=int(summary.get("accounts") or 0),
        hunt_s=hunt_s, keys_s=keys_s, publish_s=publish_s,
        verdicts=dict(summary.get("verdicts") or {}), campaigns=len(book.campaigns),
        keys=dict(book.stats.get("keys_by_kind") or {}), book=book)


async def watch(log_dir: Path, accounts: Path | None, out_dir: Path, channel: Channel,
                settings: Settings, *, interval_s: float, window: timedelta,
                cycles: int | None = None,
                on_cycle: Callable[[CycleResult], None] | None = None,
                on_error: Callable[[Exception], None] | None = None) -> int:
    """Run cycles every ``interval_s`` (``cycles`` of them, or forever); returns how many
    published. A failed cycle keeps the last book in force and is reported, not fatal."""
    done = 0
    n = 0
    while cycles is None or n < cycles:
        n += 1
        started = time.monotonic()
        try:
            res = await run_cycle(log_dir, accounts, out_dir, channel, settings,
                                  window=window)
            done += 1
            log.info("watch cycle: %s", res.as_dict())
            if on_cycle is not None:
                on_cycle(res)
        except (InputError, ConfigError, OSError) as exc:
            log.error("watch cycle failed, last book stays in force: %s", exc)
            if on_error is not None:
                on_error(exc)
        if cycles is not None and n >= cycles:
            break
        await asyncio.sleep(max(0.0, interval_s - (time.monotonic() - started)))
    return done
