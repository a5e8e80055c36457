"""`distillguard ingest` end to end: layout on disk, counts, the CLI and later readers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.ingest import ingest, iter_event_batches, native, read_accounts
from distillguard.schema import ACCOUNT_SCHEMA, EVENT_SCHEMA, ConflictError, InputError

from .ingest_helpers import SPEC, make_event, write_events, write_lines

GOLDEN = Path(__file__).resolve().parent / "data" / "golden-quarantine.jsonl"


def _bad_file(tmp_path: Path) -> Path:
    return write_lines(tmp_path / "bad.jsonl", [
        orjson.dumps(make_event(0)),
        b"{not json",
        orjson.dumps(make_event(1, endpoint="embeddings", asn=-1)),
        orjson.dumps(make_event(0)),
        b"[]",
        orjson.dumps(make_event(2, ts="2026-05-03T23:59:59.999+02:00")),
    ])


def test_layout_counts_and_readback(tmp_path: Path) -> None:
    evs = [make_event(i) for i in range(120)]
    src = write_events(tmp_path / "events.jsonl.zst", evs, "zstd")
    out = tmp_path / "out"
    report = ingest([src], SPEC / "example-accounts.jsonl", out, batch_size=50)
    assert report.events_read == 120 and report.events_written == 120
    assert report.days == 3 and (report.first_day, report.last_day) == ("2026-05-01",
                                                                        "2026-05-03")
    days = sorted(p.name for p in (out / "events").iterdir())
    assert days == ["day=2026-05-01", "day=2026-05-02", "day=2026-05-03"]
    for part in (out / "events").rglob("*.parquet"):
        assert pq.read_schema(part).equals(EVENT_SCHEMA, check_metadata=False)
    assert pq.read_schema(out / "accounts.parquet").equals(ACCOUNT_SCHEMA,
                                                           check_metadata=False)
    assert (out / "quarantine.jsonl").read_bytes() == b""
    assert not list(out.glob(".events.staging-*"))
    back = [i for b in iter_event_batches(out) for i in b.column("event_id").to_pylist()]
    assert sorted(back) == sorted(e["event_id"] for e in evs)
    assert [a.account_id for a in read_accounts(out / "accounts.parquet")] == [
        "acct-7f3a", "acct-c21b"]
    con = duckdb.connect()
    n, ndays = con.execute(
        f"select count(*), count(distinct day) from read_parquet('{out}/events/*/*.parquet', "
        "hive_partitioning=true)").fetchone() or (0, 0)
    assert (n, ndays) == (120, 3)


def test_quarantine_file_matches_golden(tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = ingest([_bad_file(tmp_path)], None, out)
    assert report.events_written == 2 and report.events_quarantined == 4
    assert report.events_read == 6 and report.duplicates == 1
    assert report.quarantined_by_reason == {"duplicate_event_id": 1, "invalid_json": 1,
                                            "invalid_record": 1, "not_an_object": 1}
    rows = [orjson.loads(x) for x in (out / "quarantine.jsonl").read_bytes().splitlines()]
    for r in rows:
        assert r["source"].endswith("bad.jsonl")
        r["source"] = "bad.jsonl"
    got = b"".join(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) + b"\n" for r in rows)
    assert got == GOLDEN.read_bytes()
    # The +02:00 event lands on its UTC day.
    assert (out / "events" / "day=2026-05-03").is_dir()


def test_refuses_to_overwrite_and_keeps_previous_quarantine(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ingest([_bad_file(tmp_path)], None, out)
    before = (out / "quarantine.jsonl").read_bytes()
    with pytest.raises(ConflictError):
        ingest([SPEC / "example-events.jsonl"], None, out)
    assert (out / "quarantine.jsonl").read_bytes() == before
    report = ingest([SPEC / "example-events.jsonl"], None, out, overwrite=True)
    assert report.events_written == 4
    assert sorted(p.name for p in (out / "events").iterdir()) == ["day=2026-05-02"]


def test_cli_ingest(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    res = runner.invoke(cli, ["ingest", "--events", str(SPEC / "example-events.jsonl"),
                              "--events", str(_bad_file(tmp_path)),
                              "--accounts", str(SPEC / "example-accounts.jsonl"),
                              "--out", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = orjson.loads(res.output)
    assert data["events_written"] == 6 and data["accounts_written"] == 2
    assert data["quarantined_by_reason"]["invalid_json"] == 1
    res = runner.invoke(cli, ["ingest", "--events", str(SPEC / "example-events.jsonl"),
                              "--out", str(out)])
    assert res.exit_code == 1
    assert orjson.loads(res.output.strip().splitlines()[-1])["error"]["code"] == "conflict"
    res = runner.invoke(cli, ["ingest", "--events", str(tmp_path / "missing.jsonl"),
                              "--out", str(tmp_path / "o2"), "--format", "csv"])
    assert res.exit_code == 1 and "not_found" in res.output
    res = runner.invoke(cli, ["ingest", "--events", str(SPEC / "example-events.jsonl"),
                              "--out", str(tmp_path / "o3"), "--format", "csv"])
    assert res.exit_code == 0 and res.output.startswith("metric,value\n")
    assert "events_written,4" in res.output


@pytest.mark.parametrize("engine", ["blocks", pytest.param("native", marks=pytest.mark.skipif(
    not native.AVAILABLE, reason="native scanner not built"))])
def test_workers_give_the_same_output(tmp_path: Path, engine: str) -> None:
    import pyarrow as pa

    from distillguard.ingest import parallel

    lines = [orjson.dumps(make_event(i)) for i in range(300)]
    lines[10] = b"{broken"
    lines[50] = orjson.dumps(make_event(7))  # duplicate of line 8
    lines[120] = orjson.dumps(make_event(120, prompt_tokens=2**63 + 1))
    lines[200] = orjson.dumps(make_event(200, ts="2020-01-01T00:00:00Z"))  # out of order
    src = write_lines(tmp_path / "e.jsonl.gz", lines, "gzip")
    old = parallel.BLOCK_BYTES
    parallel.BLOCK_BYTES = 4096  # many blocks in flight even for a small file
    try:
        one = ingest([src], None, tmp_path / "one", engine="blocks")
        two = ingest([src], None, tmp_path / "two", workers=2, engine=engine)
    finally:
        parallel.BLOCK_BYTES = old
    assert (one.engine, two.engine) == ("blocks", engine)
    for field in ("events_read", "events_written", "events_quarantined", "duplicates",
                  "out_of_order", "quarantined_by_reason", "days"):
        assert getattr(one, field) == getattr(two, field), field
    assert one.out_of_order >= 1 and one.duplicates == 1

    def table(out: Path) -> list[dict[str, object]]:
        batches = list(iter_event_batches(out))
        return sorted(pa.Table.from_batches(batches).to_pylist(), key=lambda r: str(r["event_id"]))

    assert table(tmp_path / "one") == table(tmp_path / "two")

    def quarantine(out: Path) -> list[tuple[int, str]]:
        rows = [orjson.loads(x) for x in (out / "quarantine.jsonl").read_bytes().splitlines()]
        return sorted((r["line"], r["reason"]) for r in rows)

    assert quarantine(tmp_path / "one") == quarantine(tmp_path / "two") == [
        (11, "invalid_json"), (51, "duplicate_event_id"), (121, "invalid_record")]


def test_spec_examples_round_trip_through_ingest(tmp_path: Path) -> None:
    from distillguard.ingest import iter_events
    from distillguard.schema import Event

    out = tmp_path / "out"
    ingest([SPEC / "example-events.jsonl"], SPEC / "example-accounts.jsonl", out)
    spec = [Event.from_mapping(orjson.loads(x))
            for x in (SPEC / "example-events.jsonl").read_bytes().splitlines()]
    back = sorted(iter_events(out), key=lambda e: e.event_id)
    assert back == spec
    assert [e.to_json_dict() for e in back] == [e.to_json_dict() for e in spec]


@pytest.mark.parametrize("codec", ["snappy", "lz4", "none"])
def test_compression_changes_the_codec_not_the_rows(tmp_path: Path, codec: str) -> None:
    src = write_events(tmp_path / "e.jsonl", [make_event(i) for i in range(50)])
    ingest([src], None, tmp_path / "zstd")
    ingest([src], None, tmp_path / codec, compression=codec)

    def rows(out: Path) -> list[dict[str, object]]:
        got = duckdb.sql(f"SELECT * EXCLUDE (day) FROM read_parquet('{out}/events/*/*.parquet') "
                         "ORDER BY event_id").fetchall()
        return [dict(enumerate(r)) for r in got]

    assert rows(tmp_path / codec) == rows(tmp_path / "zstd")
    part = next((tmp_path / codec / "events").rglob("*.parquet"))
    want = "UNCOMPRESSED" if codec == "none" else codec.upper().replace("LZ4", "LZ4_RAW")
    assert pq.ParquetFile(part).metadata.row_group(0).column(0).compression in (want, "LZ4")


def test_unknown_compression_is_a_clear_error(tmp_path: Path) -> None:
    src = write_events(tmp_path / "e.jsonl", [make_event(0)])
    res = CliRunner().invoke(cli, ["ingest", "--events", str(src), "--out", str(tmp_path / "o"),
                                   "--compression", "brotli"])
    assert res.exit_code != 0 and "brotli" in res.output
    with pytest.raises(InputError, match="brotli"):
        ingest([src], None, tmp_path / "o2", compression="brotli")
