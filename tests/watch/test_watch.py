"""The continuous hunt: a cycle hunts the live log directory and publishes a book
that a replica picks up; the key rule keeps shared values out."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from detect.world import build_world
from distillguard.gateway.door import Door, MemoryChannel, RedisChannel
from distillguard.ingest import read_accounts
from distillguard.schema import Account, AccountVerdict, ConfigError, InputError
from distillguard.settings import Settings
from distillguard.watch import build_book, parse_window, run_cycle
from distillguard.watch.cycle import window_files
from gateway.servers import REDIS_TIMEOUT_S, REDIS_URL


def _log_dir(tmp: Path) -> tuple[Path, Path, datetime]:
    """The tiny world written as a gateway's live log (one file per day), not rotated."""
    ev_path, acc_path, _ = build_world(tmp / "world")
    by_day: dict[str, list[bytes]] = defaultdict(list)
    last = ""
    for line in ev_path.read_bytes().splitlines():
        ts = orjson.loads(line)["ts"]
        by_day[ts[:10]].append(line)
        last = max(last, ts)
    log = tmp / "log"
    log.mkdir()
    for day, lines in by_day.items():
        (log / f"exchanges-{day}.r1.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return log, acc_path, datetime.fromisoformat(last.replace("Z", "+00:00"))


def test_parse_window() -> None:
    assert parse_window("7d") == timedelta(days=7)
    assert parse_window("36h") == timedelta(hours=36)
    with pytest.raises(ConfigError):
        parse_window("a week")


def test_window_files_keep_to_the_window(tmp_path: Path) -> None:
    log = tmp_path / "log"
    (log / "events" / "day=2026-05-01").mkdir(parents=True)
    (log / "events" / "day=2026-05-03").mkdir(parents=True)
    (log / "events" / "day=2026-05-01" / "part-a.parquet").write_bytes(b"x")
    (log / "events" / "day=2026-05-03" / "part-a.parquet").write_bytes(b"x")
    (log / "exchanges-2026-05-04.a.jsonl").write_bytes(b"")
    (log / "exchanges-2026-04-30.a.jsonl").write_bytes(b"")
    (log / "quarantine.jsonl").write_bytes(b"")
    names = [p.name for p in window_files(log, "2026-05-02")]
    assert names == ["part-a.parquet", "exchanges-2026-05-04.a.jsonl"]


def _acc(aid: str, pay: str | None = None) -> Account:
    return Account(aid, datetime(2026, 1, 1, tzinfo=UTC), payment_fingerprint=pay)


def test_key_rule_keeps_values_ordinary_accounts_share() -> None:
    rows = [AccountVerdict("h1", 0.99, "block", "C1", "wrapper"),
            AccountVerdict("h2", 0.98, "block", "C1", "wrapper"),
            AccountVerdict("b1", 0.05, "allow", "", ""),
            AccountVerdict("b2", 0.04, "allow", "", ""),
            AccountVerdict("lone", 0.9, "block", "", "synthetic data")]
    holders = {
        ("sysk", "campaign wrapper"): {"h1", "h2"},
        ("sysk", "public agent prompt"): {"h1", "h2", "b1", "b2"},  # ordinary users too
        ("ip", "vpn exit"): {"h1", "h2", "b1"},  # one allowed holder: within the rule
        ("p64", "one member only"): {"h1"},  # two members needed in a campaign of two
        ("payment", "card-9"): {"h1", "h2", "new-1"},
        ("s64", "lone template"): {"lone"},  # one flagged account's wrapper: no key
        ("sysk", "framework prompt"): {"h1", "h2", "b1"},  # a template one allowed user has
        ("payment", "lone card"): {"lone", "new-2"},
    }
    accounts = [_acc("h1", "card-9"), _acc("h2", "card-9"), _acc("new-1", "card-9"),
                _acc("b1")]
    book = build_book(rows, holders, accounts)
    assert book.keys["sysk"] == {"campaign wrapper": ("C1",)}
    assert "public agent prompt" not in book.keys.get("sysk", {})
    assert book.keys["ip"] == {"vpn exit": ("C1",)}
    assert "p64" not in book.keys
    assert "s64" not in book.keys
    assert "framework prompt" not in book.keys["sysk"]
    assert book.keys["payment"] == {"card-9": ("C1",), "lone card": ("A:lone",)}
    assert book.record_keys == {"new-1": {"payment": "card-9"}}
    assert book.campaigns["C1"].tier == "block" and book.campaigns["C1"].members == 2
    assert set(book.verdicts) == {"h1", "h2", "lone"}
    strict = build_book(rows, holders, accounts, max_outside=0)
    assert "ip" not in strict.keys
    # a campaign the hunt only reviewed gets its verdicts published but no keys
    reviewed = build_book([AccountVerdict(r.account_id, r.risk, "review" if r.cluster_id else
                                   r.verdict, r.cluster_id, r.reasons) for r in rows],
                          holders, accounts)
    assert reviewed.campaigns["C1"].tier == "review"
    assert "C1" not in {c for vals in reviewed.keys.values() for cs in vals.values()
                        for c in cs}
    assert reviewed.verdicts["h1"].tier == "review" and not reviewed.record_keys


@pytest.mark.redis
def test_cycle_hunts_the_live_log_and_publishes(tmp_path: Path) -> None:
    log, acc_path, last = _log_dir(tmp_path)
    prefix = f"dgtest:{uuid.uuid4().hex[:10]}:"
    settings = Settings().with_overrides(data_dir=tmp_path / "var")

    async def go() -> tuple[int, int, Door]:
        publisher = RedisChannel(REDIS_URL, prefix=prefix, timeout_s=REDIS_TIMEOUT_S)
        replica = Door(RedisChannel(REDIS_URL, prefix=prefix, timeout_s=REDIS_TIMEOUT_S))
        try:
            first = await run_cycle(log, acc_path, tmp_path / "watch", publisher, settings,
                                    window=timedelta(days=30), now=last)
            await replica.refresh()
            second = await run_cycle(log, acc_path, tmp_path / "watch", publisher, settings,
                                     window=timedelta(days=30), now=last)
            assert first.events > 0 and first.files == len(list(log.glob("*.jsonl")))
            return first.version, second.version, replica
        finally:
            await publisher.clear()
            await publisher.aclose()
            await replica.aclose()

    v1, v2, replica = asyncio.run(go())
    assert (v1, v2) == (1, 2)
    book = replica.book
    assert book.version == 1
    hydra = {f"hydra-{i}" for i in range(6)}
    assert hydra <= {a for a, e in book.verdicts.items() if e.tier == "block"}
    (cid,) = {c for c in book.campaigns if c != "A:lone-1" and book.campaigns[c].members >= 6}
    # the campaign's own wrapper is a key; the tiny world's benign accounts hold none
    assert any(cid in ids for ids in book.keys.get("sysk", {}).values())
    benign = {a.account_id for a in read_accounts(acc_path)} - hydra - {"lone-1"}
    assert not (benign & set(book.record_keys))


def test_cycle_without_log_files_says_so(tmp_path: Path) -> None:
    (tmp_path / "log").mkdir()
    with pytest.raises(InputError, match="no exchange-log files"):
        asyncio.run(run_cycle(tmp_path / "log", None, tmp_path / "w", MemoryChannel(),
                              Settings(), window=timedelta(days=1)))


@pytest.mark.redis
def test_watch_verb_runs_cycles_and_reports_them(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from distillguard.cli.main import cli

    log, acc_path, _ = _log_dir(tmp_path)
    prefix = f"dgtest:{uuid.uuid4().hex[:10]}:"
    res = CliRunner().invoke(cli, [
        "watch", "--log-dir", str(log), "--accounts", str(acc_path), "--out",
        str(tmp_path / "w"), "--window", "400d", "--cycles", "1", "--interval", "0",
        "--format", "json"], env={"DISTILLGUARD_GATEWAY_BOOK_PREFIX": prefix,
                                  "DISTILLGUARD_REDIS_URL": REDIS_URL,
                                  "DISTILLGUARD_REDIS_TIMEOUT_S": str(REDIS_TIMEOUT_S)})
    assert res.exit_code == 0, res.output
    assert "watch: version 1:" in res.stderr
    (cycle,) = orjson.loads(res.stdout)
    assert cycle["version"] == 1 and cycle["events"] > 0 and cycle["campaigns"] >= 1

    async def cleanup() -> None:
        ch = RedisChannel(REDIS_URL, prefix=prefix, timeout_s=REDIS_TIMEOUT_S)
        await ch.clear()
        await ch.aclose()

    asyncio.run(cleanup())


def test_a_block_holds_for_the_hold_period_whatever_later_cycles_say() -> None:
    from distillguard.gateway.linkage import LinkBook
    from distillguard.gateway.verdicts import External
    from distillguard.watch.cycle import hold_blocks

    t0 = datetime(2026, 5, 4, 18, tzinfo=UTC)
    hold = timedelta(days=2)
    first = hold_blocks(LinkBook(verdicts={"a": External("block", "harvest", "watch"),
                                           "b": External("review", "odd", "watch")}),
                        None, t0, hold)
    assert first.held == {"a": "2026-05-04T18:00:00Z"}
    # The next cycle allows a (a quieter window): the block holds, with its origin.
    second = hold_blocks(LinkBook(verdicts={}), first, t0 + timedelta(hours=6), hold)
    assert second.verdicts["a"].tier == "block"
    assert second.verdicts["a"].reason == "held since 2026-05-04T18:00:00Z: harvest"
    assert second.held == first.held and "b" not in second.verdicts
    # Blocked again later: it keeps the first time, so the hold does not restart.
    third = hold_blocks(LinkBook(verdicts={"a": External("block", "harvest", "watch")}),
                        second, t0 + timedelta(days=1), hold)
    assert third.held == first.held
    # Past the hold and no longer blocked by the hunt: released.
    fourth = hold_blocks(LinkBook(verdicts={}), third, t0 + timedelta(days=2, hours=1), hold)
    assert "a" not in fourth.verdicts and not fourth.held
    # The book's wire form keeps the holds.
    assert LinkBook.from_bytes(second.to_bytes()).held == second.held
