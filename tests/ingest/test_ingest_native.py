"""The native scanner must give exactly what the Python block engine gives, line for line.

Each case converts the same block twice (``native=False`` / ``native=True``) and
compares the batch, the line numbers, the out-of-order accounting and the
quarantine rows. Lines come from the fast-path strategies, written by orjson
(the form the scanner takes) and by the standard library (spaces, ``\\u``
escapes: forms it must leave to Python), and mutated byte by byte.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillguard.ingest import native
from distillguard.ingest.blocks import convert_block
from distillguard.ingest.dedup import SeenIds, digests
from distillguard.ingest.quarantine import Quarantine

from .ingest_helpers import spec_events
from .test_ingest_fastpath import record, valid_record

# bench/ingest.py's realistic generator, loaded by path (bench/ is not a package)
_BENCH = importlib.util.spec_from_file_location(
    "bench_ingest", Path(__file__).resolve().parents[2] / "bench" / "ingest.py")
assert _BENCH is not None and _BENCH.loader is not None
_bench = importlib.util.module_from_spec(_BENCH)
_BENCH.loader.exec_module(_bench)
make_event = _bench.make_event

pytestmark = pytest.mark.skipif(not native.AVAILABLE and os.environ.get(
    "DISTILLGUARD_NO_NATIVE") == "1", reason="built without the native scanner on purpose")


def test_native_scanner_is_built() -> None:
    """A build with a C compiler has the scanner (hatch_build.py fails loudly otherwise);
    only DISTILLGUARD_NO_NATIVE=1 builds without it, and skips these tests."""
    assert native.AVAILABLE
    assert len(native.EVENT_SCHEMA) == native._scan.COLUMNS

LIMIT = 1 << 20


def _both(block: bytes, max_line_bytes: int = LIMIT) -> tuple[Any, ...]:
    out = []
    for use_native in (False, True):
        q = Quarantine(memory_rows=None)
        batch, lines, ooo, first_ms, last_ms = convert_block(
            "f.jsonl", 7, block, q, max_line_bytes=max_line_bytes, native=use_native)
        batch.validate(full=True)
        out.append((batch, lines, ooo, first_ms, last_ms, q.rows))
    py, nat = out
    assert nat[0].schema == py[0].schema
    differ = [f.name for f, a, b in zip(py[0].schema, py[0].columns, nat[0].columns, strict=True)
              if not a.equals(b)]
    assert not differ, (differ, [(py[0].column(n), nat[0].column(n)) for n in differ])
    assert nat[1:] == py[1:]
    return py


def _variants(rec: dict[str, Any]) -> list[bytes]:
    return [
        orjson.dumps(rec),
        json.dumps(rec).encode(),  # ", " and ": " separators, \\u escapes
        json.dumps(rec, separators=(",", ":")).encode(),  # compact, \\u escapes
        json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode(),
        b"  " + orjson.dumps(rec) + b" \r",
    ]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(valid_record, record), min_size=1, max_size=6), st.data())
def test_native_agrees_with_python_on_generated_lines(recs: list[dict[str, Any]],
                                                      data: st.DataObject) -> None:
    lines = [data.draw(st.sampled_from(_variants(r))) for r in recs]
    block = b"\n".join(lines) + data.draw(st.sampled_from([b"\n", b""]))
    _both(block)


floats = st.floats(allow_nan=False, allow_infinity=False)

# Agentic traffic: content blocks, tool calls whose input Python re-writes with
# json.dumps(sort_keys=True), tool results nesting content, odd and missing roles.
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), floats, st.text()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=8)
block = st.recursive(
    st.one_of(
        st.text(),
        st.fixed_dictionaries({"type": st.just("text"), "text": st.text()}),
        st.fixed_dictionaries({"type": st.just("tool_use"), "id": st.text(max_size=4),
                               "name": st.text(max_size=6)}, optional={"input": json_value}),
        st.fixed_dictionaries({"type": st.sampled_from(["image", "thinking", "tool_use"])}),
        st.integers(-(2**63), 2**63 - 1), st.none(),
    ),
    lambda inner: st.fixed_dictionaries(
        {"type": st.just("tool_result")},
        optional={"content": st.one_of(st.text(), st.lists(inner, max_size=3), inner)}),
    max_leaves=6)
agentic_message = st.one_of(
    st.fixed_dictionaries({}, optional={
        "role": st.one_of(st.sampled_from(["user", "assistant", "system", "developer", "tool",
                                           ""]), st.none(), st.booleans(), st.integers(0, 2)),
        "content": st.one_of(st.none(), st.text(), st.lists(block, max_size=4), block,
                             st.integers(-(2**63), 2**63 - 1)),
        "type": st.sampled_from(["message", "function_call", "function_call_output"]),
        "output": st.one_of(st.text(), st.lists(block, max_size=2)),
        "arguments": st.text(max_size=8)}),
    st.text(max_size=3), st.integers(-(2**63), 2**63 - 1),
)
agentic_body = st.fixed_dictionaries(
    {"model": st.text(max_size=4)},
    optional={"messages": st.lists(agentic_message, max_size=5),
              "input": st.one_of(st.text(), st.lists(agentic_message, max_size=4)),
              "system": st.one_of(st.text(), st.lists(block, max_size=3), st.integers(0, 1)),
              "instructions": st.text(), "max_tokens": st.integers(0, 9)})


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(agentic_body, st.sampled_from(["chat.completions", "messages",
                                                         "responses"])), min_size=1,
                max_size=4), st.data())
def test_native_agrees_on_agentic_requests(bodies: list[tuple[dict[str, Any], str]],
                                           data: st.DataObject) -> None:
    lines = []
    for i, (body, endpoint) in enumerate(bodies):
        ev = make_event(i, random.Random(i), 5)
        ev["request"], ev["endpoint"] = body, endpoint
        lines.append(data.draw(st.sampled_from(_variants(ev))))
    _both(b"\n".join(lines))


@settings(max_examples=300)
@given(floats, st.integers(-(2**63), 2**63 - 1), st.text(), st.text())
def test_native_agrees_on_numbers_and_unicode(x: float, n: int, user: str, system: str) -> None:
    ev = make_event(0, random.Random(1), 5)
    ev["request"] = {"model": "m", "temperature": x, "n": n, "max_tokens": n,
                     "messages": [{"role": "system", "content": system},
                                  {"role": "user", "content": user}]}
    ev["endpoint"] = "chat.completions"
    ev["response_text"] = user + system
    _both(b"\n".join(_variants(ev)))


number_text = st.one_of(
    st.from_regex(r"-?(0|[1-9][0-9]{0,19})(\.[0-9]{1,19})?([eE][+-]?[0-9]{1,3})?",
                  fullmatch=True),
    st.sampled_from(["0.50", "1.0", "100.0", "0.70000", "-0.0", "-0", "1e2", "0.00001",
                     "0.0001", "1000000000000000.0", "10000000000000000.0", "1.5e300",
                     "123456789012345678", "1234567890123456789", "9223372036854775808"]),
)


@settings(max_examples=300)
@given(number_text, st.sampled_from(["temperature", "n", "max_tokens", "top_logprobs"]))
def test_native_agrees_on_number_spellings(num: str, key: str) -> None:
    """Hand-written JSON spells numbers many ways; only orjson's own spelling is copied."""
    ev = make_event(0, random.Random(2), 5)
    ev["endpoint"] = "chat.completions"
    ev["request"] = {"model": "m", key: 0, "messages": [{"role": "user", "content": "hi"}]}
    line = orjson.dumps(ev).replace(f'"{key}":0'.encode(), f'"{key}":{num}'.encode())
    top = orjson.dumps(ev).replace(b'"model":"m"', b'"model":"m","x":' + num.encode())
    _both(line + b"\n" + top + b"\n")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 6))
def test_native_agrees_on_mutated_bytes(seed: int, edits: int) -> None:
    rng = random.Random(seed)
    lines = [bytearray(orjson.dumps(make_event(i, rng, 20))) for i in range(4)]
    for _ in range(edits):
        line = rng.choice(lines)
        pos = rng.randrange(len(line))
        op = rng.random()
        byte = rng.choice(b'{}[]",:\\0123456789.eE-+ \ntrufalsn\xc3\xa9\xff\x00')
        if op < 0.4:
            line[pos] = byte
        elif op < 0.7:
            del line[pos]
        else:
            line.insert(pos, byte)
    _both(b"\n".join(bytes(x) for x in lines) + b"\n")


def test_native_takes_realistic_and_spec_lines_itself() -> None:
    rng = random.Random(3)
    recs = [make_event(i, rng, 50) for i in range(500)] + list(spec_events())
    agentic = make_event(0, rng, 5)
    agentic["endpoint"] = "messages"
    agentic["request"] = {"model": "m", "system": [{"type": "text", "text": "Be terse."}],
                          "messages": [
        {"role": "user", "content": "Fix the bug in app.py"},
        {"role": "assistant", "content": [{"type": "text", "text": "Reading it."}, {
            "type": "tool_use", "id": "t1", "name": "read_file",
            "input": {"path": "app.py", "lines": [1, 40], "follow": True, "é": None}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                                      "content": [{"type": "text", "text": "def f(): ..."}]}]}]}
    recs.append(agentic)
    block = b"\n".join(orjson.dumps(r) for r in recs) + b"\n"
    rows, _, _, fallback, _ = native._scan.scan(block, LIMIT)
    # the scanner must carry the traffic itself, or the engine is only the Python one
    assert fallback == [] and rows == len(recs)
    py = _both(block)
    assert py[0].num_rows == len(recs)


def test_native_leaves_odd_lines_to_python_with_their_line_numbers() -> None:
    good = orjson.dumps(make_event(0, random.Random(1), 5))
    block = b"\n".join([good, b"", b"{not json", b"[1,2]", b'{"event_id": 5}', good.replace(
        b'"ts":"', b'"ts":" ', 1), b"x" * 300, good]) + b"\n"
    py = _both(block, max_line_bytes=len(good) + 10)
    batch, lines, _, _, _, quarantined = py
    # the padded timestamp is Python's to take (it strips); duplicate ids are the reader's
    assert lines == [7, 12, 14]
    assert [r["line"] for r in quarantined] == [9, 10, 11, 13]
    assert batch.num_rows == 3


def test_native_block_order_and_out_of_order_count_match() -> None:
    rng = random.Random(5)
    recs = [make_event(i, rng, 5) for i in range(50)]
    recs[10]["ts"], recs[20]["ts"] = recs[20]["ts"], recs[10]["ts"]
    recs[30]["request"] = {"model": "m", "messages": "not a list"}  # general path
    recs[31]["ts"] = "2026-05-02T13:04:05.1234+02:00"  # a timestamp form left to Python
    _, _, ooo, _, _, _ = _both(b"\n".join(orjson.dumps(r) for r in recs))
    assert ooo >= 1


def test_digests_are_stable_across_slices_and_distinct() -> None:
    ids = pa.array([f"evt-{i:07d}" for i in range(20_000)] + ["", "é", "evt-0000001"])
    d = digests(ids)
    assert len(set(d[:-1].tolist())) == len(ids) - 1
    assert d[-1] == d[1]
    assert (digests(ids.slice(5, 100)) == d[5:105]).all()
    assert (digests(pa.array(["evt-0000005", "é"])) == d[[5, -2]]).all()
    seen = SeenIds()
    assert not seen.add_many(d[:100]).any()
    assert seen.add_many(digests(ids.slice(50, 10))).all()


BAD_UTF8 = [b"\xc0\x80", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf4\x90\x80\x80",
            b"\xf0\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\x80", b"\xc3", b"\xe2\x82", b"\xff"]
GOOD_UTF8 = [b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xef\xbf\xbf",
             b"\xf4\x8f\xbf\xbf", b"\xed\x9f\xbf", b"\xee\x80\x80"]


@pytest.mark.parametrize("seq", BAD_UTF8 + GOOD_UTF8)
@pytest.mark.parametrize("field", [b'"response_text":"', b'"ip":"', b'"content":"'])
def test_native_agrees_on_utf8_validity(seq: bytes, field: bytes) -> None:
    good = orjson.dumps(make_event(0, random.Random(4), 5))
    assert field in good
    line = good.replace(field, field + b"a" + seq + b"b", 1)
    nat_batch = _both(line + b"\n")[0]
    assert nat_batch.num_rows == (1 if seq in GOOD_UTF8 else 0)


@pytest.mark.parametrize(("old", "new"), [
    (b'"ip":', b'"\\u0069p":'), (b'"model":"frontier-1"', b'"m\\u006fdel":"frontier-1"'),
    (b'"temperature":', b'"temp\\u0065rature":'), (b'"role":"user"', b'"r\\u006fle":"user"'),
    (b'"role":"user"', b'"role":"\\u0075ser"'), (b'"ip":', b'"ip":"x","ip":'),
    (b'"temperature":', b'"temperature":1,"temperature":'),
    (b'"content":"', b'"content":"\\u00e9\\/\\u001F\\u001f\\u000a\\n\\"'),
])
def test_native_agrees_on_escaped_and_repeated_keys(old: bytes, new: bytes) -> None:
    rng = random.Random(6)
    lines = []
    for i in range(40):
        good = orjson.dumps(make_event(i, rng, 5))
        if old in good:
            lines.append(good.replace(old, new, 1))
    assert lines
    _both(b"\n".join(lines))


@pytest.mark.parametrize("tool_input", [
    {"path": "src/é/😀.py", "z": 1, "a": [True, None, -3], "m": {"b": "\x7f\x01\n\t\"\\/"}},
    {"ratio": 0.25, "big": 10**17, "neg": -0.0},  # floats: Python's repr, so Python's line
    {"nested": [{"y": 1, "x": {"k": "\u2028"}}], "": "empty key", "ü": "ß"},
    [], {}, "just a string", 7, None,
])
@pytest.mark.parametrize("endpoint", ["messages", "chat.completions", "responses"])
def test_native_agrees_on_tool_call_inputs(tool_input: Any, endpoint: str) -> None:
    """A tool call's input is part of the turn's text as json.dumps(sort_keys=True)
    writes it: key order, ensure_ascii escapes, separators."""
    ev = make_event(0, random.Random(8), 5)
    key = "input" if endpoint == "responses" else "messages"
    ev["endpoint"] = endpoint
    ev["request"] = {"model": "m", key: [
        {"role": "system", "content": [{"type": "tool_use", "input": tool_input}]},
        {"role": "user", "content": [{"type": "text", "text": "go"}, {
            "type": "tool_use", "id": "t", "name": "edit", "input": tool_input}, {
            "type": "tool_result", "content": [{"type": "tool_use", "input": tool_input}]}]}]}
    batch = _both(b"\n".join(_variants(ev)))[0]
    user = batch.column("req_user").to_pylist()[0]
    assert user.startswith("go\n") and json.dumps(tool_input, sort_keys=True) in user
