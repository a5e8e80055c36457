"""The native scanner must give exactly what the Python block engine gives, line for line.

Each case converts the same block twice (``native=False`` / ``native=True``) and
compares the batch, the line numbers, the out-of-order accounting and the
quarantine rows. Lines come from the fast-path strategies, written by orjson
(the form the scanner takes) and by the standard library (spaces, ``\\u``
escapes: forms it must leave to Python), and mutated byte by byte.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_helpers import spec_events
from test_ingest_fastpath import record, valid_record

from distillguard.ingest import native
from distillguard.ingest.convert import convert_block
from distillguard.ingest.dedup import SeenIds, digests
from distillguard.ingest.quarantine import Quarantine

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from ingest import make_event  # noqa: E402  (bench/ingest.py's realistic generator)

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
    block = b"\n".join(orjson.dumps(r) for r in recs) + b"\n"
    rows, _, _, fallback = native._scan.scan(block, LIMIT)
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
    assert (digests(["evt-0000005", "é"]) == d[[5, -2]]).all()
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
