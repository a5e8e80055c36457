"""Bad input: the hunt completes and says what it saw."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from distillguard.detect import hunt
from distillguard.schema import InputError

ACCOUNT = {"account_id": "solo", "created_at": "2026-01-01T00:00:00Z", "kyc_level": "card",
           "plan": "payg"}


def _event(eid: str, acct: str, ts: str) -> dict[str, object]:
    return {"event_id": eid, "ts": ts, "account_id": acct, "endpoint": "chat.completions",
            "model": "m", "request": {"model": "m", "messages": [{"role": "user",
                                                                  "content": "hello"}]},
            "response_text": "hi"}


def _write(p: Path, rows: list[object]) -> Path:
    p.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return p


def _accounts_csv(out: Path) -> dict[str, dict[str, str]]:
    with (out / "accounts.csv").open() as fh:
        return {r["account_id"]: r for r in csv.DictReader(fh)}


def test_empty_inputs_are_nothing_to_hunt(tmp_path: Path) -> None:
    ev = _write(tmp_path / "ev.jsonl", [])
    ac = _write(tmp_path / "ac.jsonl", [])
    with pytest.raises(InputError, match="nothing to hunt"):
        hunt(ev, ac, tmp_path / "out")


def test_accounts_without_any_event_are_scored_from_their_records(tmp_path: Path) -> None:
    ev = _write(tmp_path / "ev.jsonl", [])
    ac = _write(tmp_path / "ac.jsonl", [ACCOUNT])
    res = hunt(ev, ac, tmp_path / "out")
    assert res.summary["accounts"] == 1 and res.summary["events"] == 0
    assert any("no usable events" in n for n in res.summary["notes"])


def test_a_run_where_every_event_was_quarantined_fails_loudly(tmp_path: Path) -> None:
    # A CSV given as events: every line is quarantined, nothing is usable.
    ev = tmp_path / "events.csv"
    ev.write_text("event_id,ts,account_id\ne1,2026-05-01T00:00:00Z,a\ne2,2026-05-01,b\n")
    with pytest.raises(InputError, match="no usable event; 3 rows quarantined") as exc:
        hunt(ev, None, tmp_path / "out")
    assert exc.value.details["quarantined"] == 3
    # Nothing is lost: the rows are in the quarantine file the error names.
    q = (tmp_path / "out" / "quarantine.jsonl").read_text().splitlines()
    assert len(q) == 3 and str(tmp_path / "out" / "quarantine.jsonl") in str(exc.value)


def test_accounts_without_events_and_events_without_accounts(tmp_path: Path) -> None:
    ev = _write(tmp_path / "ev.jsonl", [_event("e1", "ghost", "2026-05-01T00:00:00Z")])
    ac = _write(tmp_path / "ac.jsonl", [ACCOUNT])
    res = hunt(ev, ac, tmp_path / "out")
    rows = _accounts_csv(tmp_path / "out")
    assert set(rows) == {"solo", "ghost"}
    assert res.summary["accounts_without_events"] == 1
    assert res.summary["accounts_without_record"] == 1
    assert all(r["verdict"] == "allow" for r in rows.values())


def test_duplicates_out_of_order_and_garbage_are_counted(tmp_path: Path) -> None:
    ev = _write(tmp_path / "ev.jsonl", [
        _event("e2", "solo", "2026-05-01T10:00:00Z"),
        _event("e1", "solo", "2026-05-01T09:00:00Z"),
        _event("e1", "solo", "2026-05-01T09:00:00Z"),
        "{not json",
        {"event_id": "e9", "account_id": "solo"},
    ])
    ac = _write(tmp_path / "ac.jsonl", [ACCOUNT, ACCOUNT])
    res = hunt(ev, ac, tmp_path / "out")
    assert res.summary["events"] == 2
    q = res.summary["quarantine"]
    assert q["total"] == 4
    assert q["by_reason"]["duplicate_event_id"] == 1
    assert q["by_reason"]["duplicate_account_id"] == 1
    lines = (tmp_path / "out" / "quarantine.jsonl").read_text().splitlines()
    assert len(lines) == 4 and all("reason" in json.loads(x) for x in lines)


def test_world_without_attackers_says_so(tmp_path: Path) -> None:
    ev = _write(tmp_path / "ev.jsonl", [
        _event(f"e{i}", "solo", f"2026-05-01T{i:02d}:00:00Z") for i in range(10)])
    ac = _write(tmp_path / "ac.jsonl", [ACCOUNT])
    res = hunt(ev, ac, tmp_path / "out")
    assert res.summary["verdicts"]["block"] == 0 and res.summary["clusters"] == 0
    assert any("no attack seen" in n for n in res.summary["notes"])


def test_missing_events_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        hunt(tmp_path / "nope.jsonl", None, tmp_path / "out")


def test_canonical_parquet_directory_is_read_directly(tmp_path: Path,
                                                      tiny_world: tuple[Path, Path, dict[str, str]]
                                                      ) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from distillguard.ingest import iter_event_batches

    ev, ac, truth = tiny_world
    d = tmp_path / "canon" / "events"
    d.mkdir(parents=True)
    pq.write_table(pa.Table.from_batches(list(iter_event_batches(ev))), d / "part-0.parquet")
    res = hunt(tmp_path / "canon", ac, tmp_path / "out")
    assert "ingest" not in res.summary  # no conversion step
    assert res.summary["accounts"] == len(truth)


def test_stage_progress_is_a_callback(tmp_path: Path) -> None:
    ev = _write(tmp_path / "ev.jsonl", [_event("e1", "solo", "2026-05-01T00:00:00Z")])
    ac = _write(tmp_path / "ac.jsonl", [ACCOUNT])
    heard: list[tuple[str, float | None, int | None]] = []
    hunt(ev, ac, tmp_path / "out", progress=lambda name, s, rows: heard.append((name, s, rows)))
    started = [n for n, s, _ in heard if s is None]
    finished = [n for n, s, _ in heard if s is not None]
    assert sorted(started) == sorted(finished)  # each stage heard at its start and its end
    assert {"reading inputs", "starting duckdb", "scoring and attribution",
            "writing outputs"} <= set(finished)
    # each engine query is a step of its own, its end telling the rows it produced
    rows = {n: r for n, s, r in heard if s is not None}
    assert rows["account features"] == 1 and rows["totals"] == 1
    assert rows["reading inputs"] is None
