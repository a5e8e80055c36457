"""The Python twin of the hunt's skeleton SQL gives DuckDB's values, string for string."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillguard.features import plan
from distillguard.features.engine import DuckDBEngine
from distillguard.features.linkage import (
    SKELETON_KINDS,
    mask,
    request_keys,
    skeletons,
    tool_keys,
)
from distillguard.schema import Event, event_row, events_table, normalize_request

T0 = datetime(2026, 5, 1, tzinfo=UTC)
# Digits (ASCII and not), every kind of whitespace RE2 and Python disagree on, case pairs,
# CJK, accents and astral characters.
ALPHABET = st.sampled_from(list(
    "aZ09 \t\n\r\f\v\u00a0\u2003\u3000\u0085x#Éé\u0130\u00df\u03a3\u0663\uff11中文思考"
    "\U0001f600,.:-_") + ["Step ", "step BY step ", "  ", "12345", "\n\n"])
TEXT = st.lists(ALPHABET, max_size=90).map("".join) | st.text(
    st.characters(exclude_categories=("Cs",)), max_size=300)


def _sql_skeletons(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    rows = []
    for i, (user, system) in enumerate(pairs):
        msgs: list[dict[str, str]] = []
        if system:
            msgs.append({"role": "system", "content": system})
        msgs.append({"role": "user", "content": user})
        ev = Event(event_id=f"e{i:04d}", ts=T0, account_id="a", endpoint="chat.completions",
                   model="m", request={"model": "m", "messages": msgs}, response_text="")
        rows.append(event_row(ev))
    eng = DuckDBEngine(threads=1)
    try:
        eng.con.register("events_arrow", events_table(rows))
        eng.con.execute("CREATE VIEW events AS SELECT * FROM events_arrow")
        cols = ", ".join(SKELETON_KINDS)
        out = eng.query(f"SELECT event_id, {cols} FROM ({plan.events_view(eng.dialect)}) v "
                        "ORDER BY event_id")
    finally:
        eng.close()
    return out.to_pylist()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(TEXT.map(lambda s: s * 3), TEXT), min_size=1, max_size=25))
def test_skeletons_match_duckdb(pairs: list[tuple[str, str]]) -> None:
    sql = _sql_skeletons(pairs)
    for (user, system), row in zip(pairs, sql, strict=True):
        msgs = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": user}]
        view = normalize_request("chat.completions", {"model": "m", "messages": msgs})
        py = skeletons(view.last_user_text, view.system)
        want = {k: row[k] for k in SKELETON_KINDS if row[k] is not None}
        assert py == want, (user, system)


def test_mask_examples() -> None:
    assert mask("Order 123 of\t\t 45\n") == "order # of # "
    assert mask("\u00a0X\u3000") == "\u00a0x\u3000"  # RE2's \s is ASCII: these stay
    assert mask(None) == ""


def test_request_keys_and_tools() -> None:
    body = {"model": "m", "tools": [{"type": "function", "function": {"name": "b"}},
                                    {"type": "function", "function": {"name": "a"}}],
            "messages": [{"role": "user", "content": "Please solve: " + "x" * 200}]}
    keys = request_keys(normalize_request("chat.completions", body), "10.0.0.7", "10.0.0.0/24")
    assert keys["tools"] == "a,b" and keys["ip"] == "10.0.0.7"
    assert keys["ip_prefix"] == "10.0.0.0/24"
    assert keys["p24"] == "please solve: xxxxxxxxxx"
    assert tool_keys("b,a,") == {"tools": "a,b"} and tool_keys(()) == {}
    assert pa.array([keys["s64"]]).to_pylist() == ["x" * 64]
