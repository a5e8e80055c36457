"""The block engines (Python and native) give what the record-at-a-time engine gives: the
same rows and values, quarantine rows (reason, line, problems, raw), counts and order."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillguard.ingest import Quarantine, ReadStats, iter_event_batches, native, readers
from distillguard.ingest.blocks import convert_block
from distillguard.schema import InputError

from .ingest_helpers import make_event, write_lines
from .test_ingest_fastpath import record, valid_record


def _run(path: Path, engine: str, **kw: Any) -> tuple[list[dict[str, Any]], Quarantine,
                                                     ReadStats]:
    q = Quarantine(memory_rows=None)
    stats = ReadStats()
    batches = list(iter_event_batches(path, quarantine=q, stats=stats, engine=engine, **kw))
    rows = pa.Table.from_batches(batches).to_pylist() if batches else []
    return rows, q, stats


ENGINES = ["blocks", "native"] if native.AVAILABLE else ["blocks"]


def _same(path: Path, **kw: Any) -> None:
    rows_r, q_r, st_r = _run(path, "records", **kw)
    for engine in ENGINES:
        rows_b, q_b, st_b = _run(path, engine, **kw)
        assert rows_b == rows_r, engine
        # Duplicates and values Arrow refuses are found when a batch (records) or a block
        # (blocks) is built, so they may come at another place among the quarantine rows.
        assert sorted(q_b.rows, key=_key) == sorted(q_r.rows, key=_key), engine
        assert st_b == st_r, engine


def _key(row: dict[str, Any]) -> tuple[int, str]:
    return int(row["line"] or 0), orjson.dumps(row, option=orjson.OPT_SORT_KEYS).decode()


line = st.one_of(
    record.map(orjson.dumps),
    valid_record.map(orjson.dumps),
    st.builds(lambda i, k, v: orjson.dumps({**make_event(i), k: v}), st.integers(0, 40),
              st.sampled_from(["ts", "status", "asn", "prompt_tokens", "request", "model"]),
              st.one_of(st.none(), st.integers(-(2**63), 2**64 - 1), st.text(max_size=8),
                        st.booleans(), st.floats(allow_nan=False, allow_infinity=False))),
    st.sampled_from([b"", b"   ", b"\r", b"{oops", b"[1]", b"\"s\"", b"{\"a\": \xff}",
                     orjson.dumps(make_event(3)) + b"\r"]),
    st.integers(0, 40).map(lambda i: orjson.dumps(make_event(i))),
)


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, max_size=30), st.sampled_from([64, 512, 1 << 20]),
       st.sampled_from([3, 50_000]))
def test_blocks_engine_equals_records_engine(lines: list[bytes], block: int,
                                              batch_size: int) -> None:
    old = readers.BLOCK_BYTES, readers.NATIVE_BLOCK_BYTES
    readers.BLOCK_BYTES = readers.NATIVE_BLOCK_BYTES = block
    try:
        with tempfile.TemporaryDirectory() as d:
            src = write_lines(Path(d) / "e.jsonl", [orjson.dumps(make_event(99)), *lines])
            _same(src, batch_size=batch_size)
    finally:
        readers.BLOCK_BYTES, readers.NATIVE_BLOCK_BYTES = old


def test_long_lines_and_crlf_are_read_the_same(tmp_path: Path) -> None:
    lines = [orjson.dumps(make_event(i)) for i in range(30)]
    lines[4] = orjson.dumps(make_event(4, response_text="x" * 3000))
    lines[9] = lines[9] + b"\r"
    data = b"".join(x + b"\n" for x in lines) + orjson.dumps(make_event(40))  # no last newline
    src = tmp_path / "e.jsonl"
    src.write_bytes(data)
    old = readers.BLOCK_BYTES, readers.NATIVE_BLOCK_BYTES
    readers.BLOCK_BYTES = readers.NATIVE_BLOCK_BYTES = 1024
    try:
        _same(src, max_line_bytes=2048)
    finally:
        readers.BLOCK_BYTES, readers.NATIVE_BLOCK_BYTES = old
    rows, q, _ = _run(src, "blocks", max_line_bytes=2048)
    assert [r["line"] for r in q.rows] == [5] and q.rows[0]["reason"] == "line_too_long"
    assert len(rows) == 30


def test_strict_mode_raises_at_the_first_bad_line() -> None:
    with tempfile.TemporaryDirectory() as d:
        src = write_lines(Path(d) / "e.jsonl", [orjson.dumps(make_event(0)), b"{oops"])
        with pytest.raises(InputError, match=":2:"):
            list(iter_event_batches(src))


def test_convert_block_numbers_lines_from_the_block_start() -> None:
    block = b"\n".join([orjson.dumps(make_event(0)), b"", b"[]", orjson.dumps(make_event(1))])
    q = Quarantine()
    batch, lines, ooo, first_ms, last_ms = convert_block("f", 41, block, q,
                                                         max_line_bytes=1 << 20)
    assert batch.num_rows == 2 and lines == [41, 44]
    assert [(r["line"], r["reason"]) for r in q.rows] == [(43, "not_an_object")]
    assert ooo == 0 and first_ms is not None and last_ms is not None and first_ms < last_ms


def test_unknown_engine_is_a_user_error(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "e.jsonl", [orjson.dumps(make_event(0))])
    with pytest.raises(InputError, match="engine"):
        list(iter_event_batches(src, engine="turbo"))


def test_native_engine_without_the_scanner_is_a_clear_error(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    src = write_lines(tmp_path / "e.jsonl", [orjson.dumps(make_event(1))])
    monkeypatch.setattr(native, "AVAILABLE", False)
    assert readers.resolve_engine("auto") == "blocks"
    with pytest.raises(InputError, match="native ingest engine is not built"):
        list(iter_event_batches(src, engine="native"))
    assert [b.num_rows for b in iter_event_batches(src)] == [1]  # auto: the Python engine
