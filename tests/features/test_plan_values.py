"""Each per-account aggregate of the query plan on hand-made events (DuckDB)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from distillguard.features import plan
from distillguard.features.engine import DuckDBEngine
from distillguard.schema import Event, event_row, events_table

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _ev(i: int, acct: str, minutes: float, text: str, **body: Any) -> Event:
    req = {"model": body.pop("model", "m-1"), "messages": [{"role": "user", "content": text}]}
    req.update(body)
    return Event(event_id=f"e{i}", ts=T0 + timedelta(minutes=minutes), account_id=acct,
                 endpoint="chat.completions", model=str(req["model"]), request=req,
                 response_text="r", prompt_tokens=10, completion_tokens=50)


@pytest.fixture
def engine(tmp_path: Path) -> DuckDBEngine:
    evs = []
    # acct a: 4 requests every 10 minutes exactly, 2 of 4 coerce reasoning, one duplicate id.
    for k in range(4):
        text = f"Show your full reasoning step by step. Q{k}" if k % 2 else f"Hello there {k}"
        evs.append(_ev(k, "a", 10 * k, text, max_tokens=8000 if k == 0 else 100))
    evs.append(evs[0])  # duplicate event id
    # acct b: three grading prompts on a new model released late in the log.
    for k in range(3):
        evs.append(_ev(10 + k, "b", 60 * 24 * 3 + k, "Rate the following response on a "
                       "scale of 1 to 10.", model="m-2"))
    for k in range(3):
        evs.append(_ev(20 + k, "c", 60 * 24 * 3 + 5 + k, "hi", model="m-2"))
        evs.append(_ev(30 + k, "d", 60 * 24 * 3 + 9 + k, "hello", model="m-2"))
    path = tmp_path / "ev.parquet"
    pq.write_table(events_table([event_row(e) for e in evs]), path)
    eng = DuckDBEngine()
    eng.load_events([path])
    eng.materialize("ev", plan.events_view(eng.dialect))
    return eng


def test_account_aggregates(engine: DuckDBEngine) -> None:
    rows = {r["account_id"]: r for r in engine.query(plan.account_features(plan.DUCKDB))
            .to_pylist()}
    a = rows["a"]
    assert a["n_events"] == 4  # the duplicate id counted once
    assert a["reasoning_coercion"] == pytest.approx(0.5)
    assert a["long_output"] == pytest.approx(0.25)
    assert a["gap_mean"] == pytest.approx(600_000.0)
    assert a["gap_sd"] == pytest.approx(0.0)
    assert a["single_turn"] == pytest.approx(1.0)
    assert a["completion_tokens"] / a["prompt_tokens"] == pytest.approx(5.0)
    assert rows["b"]["rubric_grading"] == pytest.approx(1.0)
    assert rows["b"]["hour_entropy"] == pytest.approx(0.0)


def test_totals_count_duplicates(engine: DuckDBEngine) -> None:
    t = engine.query(plan.totals()).to_pylist()[0]
    assert t["raw_rows"] == 14 and t["events"] == 13


def test_pivot_to_new_model(engine: DuckDBEngine) -> None:
    rows = engine.query(plan.model_pivot()).to_pylist()
    b = [r for r in rows if r["account_id"] == "b"]
    assert len(b) == 1 and b[0]["model"] == "m-2"
    assert b[0]["share"] == pytest.approx(1.0) and b[0]["delay_ms"] == pytest.approx(0.0)


def test_reused_wrapper_keys(engine: DuckDBEngine) -> None:
    keys = engine.query(plan.account_keys()).to_pylist()
    b = {(r["kind"], r["value"]) for r in keys if r["account_id"] == "b"}
    # Three identical grading prompts: the masked skeleton counts as b's wrapper.
    assert ("p24", "rate the following respo") in b
    a_skel = [r for r in keys if r["account_id"] == "a" and r["kind"] in ("p24", "p64")]
    assert a_skel == []  # two of four is below the reuse count


def test_duckdb_spills_beyond_its_memory_limit(tmp_path: Path) -> None:
    # ~200 MB of text under a 64 MB cap: it must spill into a directory whose parents
    # do not exist yet (the hunt points it at OUT/work/duckdb before OUT/work exists).
    spill = tmp_path / "work" / "duckdb"
    eng = DuckDBEngine(memory_limit="64MB", temp_directory=spill)
    try:
        eng.materialize("big", "SELECT i, md5(CAST(i AS VARCHAR)) || md5(CAST(i + 1 AS VARCHAR)) "
                               "|| md5(CAST(i + 2 AS VARCHAR)) AS s FROM range(2000000) t(i)")
        assert spill.is_dir() and any(spill.iterdir())
        got = eng.query("SELECT count(*) AS n, count(DISTINCT s) AS d FROM big").to_pylist()
        assert got == [{"n": 2_000_000, "d": 2_000_000}]
    finally:
        eng.close()
