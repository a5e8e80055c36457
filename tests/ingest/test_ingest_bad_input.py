"""Bad input is quarantined with file, line, field and reason, counted, and never fatal."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.ingest import Quarantine, ReadStats, iter_event_batches, iter_events

from .ingest_helpers import make_event, write_events, write_lines


def _read(path: Path | list[Path], **kw: Any) -> tuple[list[str], Quarantine, ReadStats]:
    q = Quarantine()
    stats = ReadStats()
    batches = list(iter_event_batches(path, quarantine=q, stats=stats, **kw))
    ids = [i for b in batches for i in b.column("event_id").to_pylist()]
    return ids, q, stats


def _lines(n: int) -> list[bytes]:
    return [orjson.dumps(make_event(i)) for i in range(n)]


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_truncated_compressed_stream_keeps_good_lines(tmp_path: Path, compression: str) -> None:
    data = b"".join(line + b"\n" for line in _lines(2000))
    packed = gzip.compress(data) if compression == "gzip" else \
        zstandard.ZstdCompressor().compress(data)
    src = tmp_path / f"events.{compression}"
    src.write_bytes(packed[: len(packed) // 2])
    ids, q, stats = _read(src)
    assert 0 < len(ids) < 2000
    assert ids == [f"ev-{i:06d}" for i in range(len(ids))]
    assert q.counts["truncated_input"] == 1
    row = next(r for r in q.rows if r["reason"] == "truncated_input")
    assert row["source"] == str(src) and row["line"] >= len(ids)
    assert "truncated or corrupt" in row["problems"][0]["reason"]
    # a partial last line, if any, is quarantined as invalid JSON, not lost.
    assert set(q.counts) <= {"truncated_input", "invalid_json"}


def test_corrupt_gzip_body(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(b"".join(line + b"\n" for line in _lines(500))))
    packed[len(packed) // 2: len(packed) // 2 + 64] = b"\x00" * 64
    src = tmp_path / "bad.jsonl.gz"
    src.write_bytes(bytes(packed))
    ids, q, _ = _read(src)
    assert q.counts["truncated_input"] == 1
    assert len(ids) < 500


def test_invalid_utf8_wrong_types_missing_fields_non_objects(tmp_path: Path) -> None:
    good = orjson.dumps(make_event(0))
    lines = [
        good,
        good.replace(b"answer 0", b"answer \xff\xfe").replace(b"ev-000000", b"ev-000001"),
        orjson.dumps(make_event(2, prompt_tokens="12", status=True)),
        orjson.dumps({k: v for k, v in make_event(3).items() if k not in ("ts", "model")}),
        b"[1, 2, 3]",
        b"\"just a string\"",
        b"{\"event_id\": \"ev-9\", \"ts\": ",
        orjson.dumps(make_event(4, endpoint="embeddings")),
        orjson.dumps(make_event(5, request="{not json")),
        b"",
        b"   ",
        orjson.dumps(make_event(6)),
    ]
    src = write_lines(tmp_path / "mixed.jsonl", lines)
    ids, q, _ = _read(src)
    assert ids == ["ev-000000", "ev-000006"]
    assert q.counts == {"invalid_utf8": 1, "invalid_record": 4, "not_an_object": 2,
                        "invalid_json": 1}
    by_line = {r["line"]: r for r in q.rows}
    assert by_line[2]["reason"] == "invalid_utf8" and "\\xff" in by_line[2]["raw"]
    assert {p["field"] for p in by_line[3]["problems"]} == {"prompt_tokens", "status"}
    assert {p["field"] for p in by_line[4]["problems"]} == {"ts", "model"}
    assert by_line[5]["problems"][0]["reason"].startswith("expected a JSON object")
    assert by_line[8]["problems"][0]["field"] == "endpoint"
    assert "embeddings" in by_line[8]["problems"][0]["reason"]
    assert by_line[9]["problems"][0]["field"] == "request"
    assert 10 not in by_line and 11 not in by_line  # blank lines are not records
    assert all(r["source"] == str(src) for r in q.rows)


def test_fifty_megabyte_line(tmp_path: Path) -> None:
    huge = orjson.dumps(make_event(1, response_text="x" * (50 * 1024 * 1024)))
    src = write_lines(tmp_path / "huge.jsonl", [orjson.dumps(make_event(0)), huge,
                                                  orjson.dumps(make_event(2))])
    ids, q, _ = _read(src)
    assert ids == ["ev-000000", "ev-000002"]
    row = q.rows[0]
    assert row["reason"] == "line_too_long" and row["line"] == 2
    assert row["raw_truncated"] and row["raw_bytes"] == len(huge) + 1
    assert len(row["raw"]) <= 64 * 1024
    # With a higher limit the same line is a valid event.
    ids, q, _ = _read(src, max_line_bytes=64 * 1024 * 1024)
    assert ids == ["ev-000000", "ev-000001", "ev-000002"] and q.total == 0


def test_empty_files(tmp_path: Path) -> None:
    for name, data in [("empty.jsonl", b""), ("blank.jsonl", b"\n\n  \n"),
                       ("empty.jsonl.gz", gzip.compress(b"")),
                       ("empty.jsonl.zst", zstandard.ZstdCompressor().compress(b""))]:
        (tmp_path / name).write_bytes(data)
        ids, q, _ = _read(tmp_path / name)
        assert ids == [] and q.total == 0, name


def test_duplicates_and_out_of_order(tmp_path: Path) -> None:
    evs = [make_event(i, ts=f"2026-05-02T10:00:{59 - i:02d}.000Z") for i in range(10)]
    evs += [make_event(3, response_text="retried"), make_event(7)]
    src = write_events(tmp_path / "e.jsonl", evs)
    ids, q, stats = _read(src, batch_size=4)
    assert ids == [f"ev-{i:06d}" for i in range(10)]
    assert q.counts == {"duplicate_event_id": 2}
    assert [r["line"] for r in q.rows] == [11, 12]
    assert stats.duplicates == 2 and stats.out_of_order == 10


def test_values_arrow_cannot_hold_are_quarantined_not_fatal(tmp_path: Path) -> None:
    deep: Any = "leaf"
    for _ in range(300):
        deep = [deep]
    evs = [make_event(0), make_event(1, prompt_tokens=2**63 + 5),
           make_event(2, request={"model": "m", "messages": [], "n": 10**12}),
           make_event(3, request={"model": "m", "messages": [{"role": "user",
                                                              "content": "x"}], "x": deep}),
           make_event(4)]
    src = tmp_path / "e.jsonl"
    src.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in evs[:3]) +
                    _nested_line(make_event(3)) + orjson.dumps(evs[4]) + b"\n")
    ids, q, _ = _read(src)
    assert ids == ["ev-000000", "ev-000004"]
    fields = {r["line"]: r["problems"][0]["field"] for r in q.rows}
    assert fields[2] == "prompt_tokens" and fields[3] == "req_n"
    assert 4 in fields
    # What is quarantined is the line as read, not the half-converted row.
    raws = {r["line"]: r["raw"] for r in q.rows}
    assert raws[2] == orjson.dumps(evs[1]).decode()
    assert raws[3] == orjson.dumps(evs[2]).decode()


@pytest.mark.parametrize("engine", ["native", "blocks", "records"])
def test_timestamps_outside_utc_years_are_quarantined_not_fatal(tmp_path: Path,
                                                              engine: str) -> None:
    """Year 1 with a positive offset is year 0 in UTC (and 9999 with a negative one is
    10000): no date holds it, and it must not sink the job when the day is partitioned."""
    from distillguard.ingest import ingest

    evs = [make_event(0), make_event(1, ts="0001-01-01T00:00:00+02:34:48"),
           make_event(2, ts="9999-12-31T23:59:59-05:00"), make_event(3, ts="0001-01-01T05:00Z")]
    src = write_events(tmp_path / "e.jsonl", evs)
    report = ingest([src], None, tmp_path / "out", engine=engine)
    assert report.events_written == 2
    rows = [orjson.loads(x) for x in (tmp_path / "out" / "quarantine.jsonl").read_bytes()
            .splitlines()]
    assert [(r["line"], r["problems"][0]["field"]) for r in rows] == [(2, "ts"), (3, "ts")]
    assert "outside years 1-9999 in UTC" in rows[0]["problems"][0]["reason"]


def _nested_line(ev: dict[str, Any]) -> bytes:
    body = orjson.dumps(ev).decode()
    nested = "[" * 300 + "1" + "]" * 300
    return body.replace('"request":{', '"request":{"deep":' + nested + ",", 1).encode() + b"\n"


def test_iter_events_quarantines_the_same_way(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "e.jsonl", [orjson.dumps(make_event(0)), b"{oops",
                                             orjson.dumps(make_event(0))])
    q = Quarantine(tmp_path / "q.jsonl")
    assert [e.event_id for e in iter_events(src, q)] == ["ev-000000"]
    q.close()
    rows = [orjson.loads(line) for line in (tmp_path / "q.jsonl").read_bytes().splitlines()]
    assert [(r["line"], r["reason"]) for r in rows] == [(2, "invalid_json"),
                                                        (3, "duplicate_event_id")]
    assert set(rows[0]) == {"source", "line", "reason", "problems", "raw"}


@settings(max_examples=60)
@given(st.lists(st.one_of(
    st.binary(max_size=200).filter(lambda b: b"\n" not in b and b"\r" not in b),
    st.builds(lambda i, k, v: orjson.dumps({**make_event(i), k: v}),
              st.integers(0, 30),
              st.sampled_from(["ts", "status", "asn", "request", "endpoint", "event_id",
                               "response_text", "latency_ms"]),
              st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), st.text(max_size=20),
                        st.booleans(), st.lists(st.integers(-9, 9), max_size=2),
                        st.floats(allow_nan=False, allow_infinity=False))),
), max_size=25))
def test_fuzz_never_crashes_and_every_line_is_accounted(lines: list[bytes]) -> None:
    import tempfile

    # A first valid line: a file that *starts* with gzip/zstd/Parquet magic is read as such
    # (one truncated_input row for the whole file), which is right but not what this counts.
    lines = [orjson.dumps(make_event(99)), *lines]
    with tempfile.TemporaryDirectory() as d:
        src = write_lines(Path(d) / "fuzz.jsonl", lines)
        ids, q, stats = _read(src, batch_size=7)
    records = sum(1 for line in lines if line.strip())
    assert len(ids) + q.total == records
    assert len(set(ids)) == len(ids)
    assert stats.events == len(ids)


@settings(max_examples=40)
@given(cut=st.floats(0.05, 0.999), compression=st.sampled_from(["gzip", "zstd"]))
def test_any_truncation_point_keeps_a_prefix(cut: float, compression: str) -> None:
    import tempfile

    data = b"".join(line + b"\n" for line in _lines(400))
    packed = gzip.compress(data) if compression == "gzip" else \
        zstandard.ZstdCompressor().compress(data)
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "e.bin"
        src.write_bytes(packed[: max(4, int(len(packed) * cut))])
        ids, q, _ = _read(src)
    assert ids == [f"ev-{i:06d}" for i in range(len(ids))]
    assert q.counts["truncated_input"] == 1
    assert set(q.counts) <= {"truncated_input", "invalid_json"}


def test_litellm_bad_files(tmp_path: Path) -> None:
    from distillguard.ingest.adapters import litellm

    csv_path = tmp_path / "spend.csv"
    csv_path.write_bytes(b"request_id,call_type,startTime,team_id,model\n"
                         b"r1,acompletion,2026-05-02 10:00:00,t1,m\n"
                         b"r2,acompletion,2026-05-02 10:00:01,t\xff,m\n")
    arr = tmp_path / "spend.json"
    arr.write_bytes(orjson.dumps([{"request_id": "r3", "call_type": "acompletion",
                                   "startTime": "2026-05-02T10:00:02Z", "team_id": "t1",
                                   "model": "m"}, 5]))
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'[{"request_id": "r4"')
    q = Quarantine()
    recs = list(litellm.records([csv_path, arr, broken], q, litellm.LiteLLMOptions()))
    assert [r[2]["event_id"] for r in recs] == ["r1", "r3"]
    assert q.counts == {"invalid_utf8": 1, "not_an_object": 1, "unreadable_file": 1}


def test_workers_handle_long_lines_and_truncation_like_the_serial_path(tmp_path: Path) -> None:
    from distillguard.ingest import parallel

    lines = [orjson.dumps(make_event(i)) for i in range(40)]
    lines[5] = orjson.dumps(make_event(5, response_text="y" * 5000))  # complete, inside a block
    lines[30] = b'{"event_id": "' + b"z" * 20000 + b'"}'  # longer than a block
    data = b"".join(line + b"\n" for line in lines)
    src = tmp_path / "e.jsonl.gz"
    src.write_bytes(gzip.compress(data)[:-30])  # lose the tail of the stream
    old = parallel.BLOCK_BYTES
    parallel.BLOCK_BYTES = 2048
    try:
        results = [_read(src, max_line_bytes=4096, workers=w) for w in (1, 2)]
    finally:
        parallel.BLOCK_BYTES = old
    (ids1, q1, _), (ids2, q2, _) = results
    assert ids1 == ids2 and "ev-000005" not in ids1 and "ev-000031" in ids1
    # Workers also see (and quarantine) the partial line the serial reader's buffer loses.
    assert q2.counts - q1.counts in ({}, {"invalid_json": 1}) and not q1.counts - q2.counts
    assert q1.counts["line_too_long"] == 2 and q1.counts["truncated_input"] == 1
    long1 = sorted((r["line"], r["raw_bytes"]) for r in q1.rows if r["reason"] == "line_too_long")
    long2 = sorted((r["line"], r["raw_bytes"]) for r in q2.rows if r["reason"] == "line_too_long")
    assert long1 == long2 == [(6, len(lines[5]) + 1), (31, len(lines[30]) + 1)]
