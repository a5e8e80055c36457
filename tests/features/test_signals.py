"""One registry, three evaluations: every per-request signal is the same in Python (the
gateway), on DuckDB and on Spark (the hunt), on generated requests of every API shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillguard.features import SIGNALS, request_signals
from distillguard.features.engine import make_engine
from distillguard.schema import Event, event_row, events_table, normalize_request

T0 = datetime(2026, 5, 1, tzinfo=UTC)
PHRASES = ["Think step by step and show your full reasoning.", "Rate the response on a "
           "scale of 1 to 10.", "Generate 20 diverse questions about chemistry.",
           "Answer with the letter of the correct option.", "请一步一步地思考。", "hello",
           "Fix the failing test in utils.py"]
text = st.one_of(st.sampled_from(PHRASES), st.text(max_size=60),
                 st.builds(lambda a, b: f"{a} {b}", st.sampled_from(PHRASES),
                           st.text(max_size=40)))
tools = st.lists(st.sampled_from(["bash", "read_file", "search", ""]), max_size=3)


@st.composite
def request(draw: Any) -> tuple[str, dict[str, Any]]:
    endpoint = draw(st.sampled_from(["chat.completions", "messages", "responses"]))
    turns = draw(st.integers(1, 10))
    msgs: list[dict[str, Any]] = []
    for i in range(turns):
        msgs.append({"role": "user", "content": draw(text)})
        if i < turns - 1:
            msgs.append({"role": "assistant", "content": "ok"})
    body: dict[str, Any] = {"model": "m-1"}
    system = draw(st.one_of(st.none(), text))
    names = draw(tools)
    if endpoint == "messages":
        body["messages"] = msgs
        body["max_tokens"] = draw(st.sampled_from([16, 4095, 4096, 32000]))
        if system is not None:
            body["system"] = system
        if draw(st.booleans()):
            body["thinking"] = {"type": "enabled",
                                "budget_tokens": draw(st.sampled_from([1024, 8000, 20000]))}
        if names:
            body["tools"] = [{"name": n, "input_schema": {"type": "object"}} for n in names]
    elif endpoint == "responses":
        body["input"] = msgs
        if system is not None:
            body["instructions"] = system
        if draw(st.booleans()):
            body["reasoning"] = {"effort": draw(st.sampled_from(["low", "medium", "high"]))}
        if draw(st.booleans()):
            body["max_output_tokens"] = draw(st.sampled_from([100, 4096]))
        if names:
            body["tools"] = [{"type": "function", "name": n} for n in names]
    else:
        body["messages"] = ([{"role": "system", "content": system}] if system else []) + msgs
        for key, values in (("max_tokens", [None, 100, 8000]), ("n", [None, 1, 3]),
                            ("logprobs", [None, False, True]),
                            ("reasoning_effort", [None, "low", "high", "xhigh"])):
            v = draw(st.sampled_from(values))
            if v is not None:
                body[key] = v
        if names:
            body["tools"] = [{"type": "function", "function": {"name": n}} for n in names]
    return endpoint, body


def _events(reqs: list[tuple[str, dict[str, Any]]]) -> list[Event]:
    return [Event(event_id=f"e{i}", ts=T0 + timedelta(seconds=i), account_id="a",
                  endpoint=ep, model="m-1", request=body, response_text="r")
            for i, (ep, body) in enumerate(reqs)]


def _engine_values(engine: str, reqs: list[tuple[str, dict[str, Any]]],
                   tmp: Path) -> dict[str, dict[str, float]]:
    path = tmp / f"{engine}.parquet"
    pq.write_table(events_table([event_row(e) for e in _events(reqs)]), path)
    eng = make_engine(engine)
    try:
        eng.load_events([path])
        eng.materialize_events("ev")
        cols = ", ".join(f"f_{s.name}" for s in SIGNALS)
        rows = eng.query(f"SELECT event_id, {cols} FROM ev").to_pylist()
    finally:
        eng.close()
    return {r["event_id"]: {s.name: float(r[f"f_{s.name}"]) for s in SIGNALS} for r in rows}


def _python_values(reqs: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, float]]:
    return {f"e{i}": request_signals(normalize_request(ep, body))
            for i, (ep, body) in enumerate(reqs)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(st.lists(request(), min_size=1, max_size=20))
def test_python_equals_duckdb(tmp_path_factory: pytest.TempPathFactory,
                              reqs: list[tuple[str, dict[str, Any]]]) -> None:
    tmp = tmp_path_factory.mktemp("sig")
    assert _engine_values("duckdb", reqs, tmp) == _python_values(reqs)


@pytest.mark.spark
@pytest.mark.timeout(600)
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(st.lists(request(), min_size=10, max_size=30))
def test_python_equals_spark(tmp_path_factory: pytest.TempPathFactory,
                             reqs: list[tuple[str, dict[str, Any]]]) -> None:
    pytest.importorskip("pyspark")
    tmp = tmp_path_factory.mktemp("sig")
    assert _engine_values("spark", reqs, tmp) == _python_values(reqs)


def test_every_signal_is_in_the_unit_interval_and_named_once() -> None:
    names = [s.name for s in SIGNALS]
    assert len(names) == len(set(names))
    view = normalize_request("chat.completions", {"model": "m", "messages": [
        {"role": "user", "content": "x"}] * 30, "reasoning_effort": "high"})
    assert all(0.0 <= v <= 1.0 for v in request_signals(view).values())
