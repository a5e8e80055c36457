"""Readers: round trips on the spec examples in every format and compression."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from distillguard.ingest import (
    Quarantine,
    ReadStats,
    iter_event_batches,
    iter_events,
    read_accounts,
    read_labels,
)
from distillguard.schema import (
    EVENT_FIELDS,
    EVENT_SCHEMA,
    Event,
    InputError,
    event_row,
    events_table,
)

from .ingest_helpers import SPEC, make_event, spec_events, write_events


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_spec_events_round_trip(tmp_path: Path, compression: str) -> None:
    src = write_events(tmp_path / "events.jsonl", spec_events(), compression)
    q = Quarantine()
    evs = list(iter_events(src, q))
    assert q.total == 0
    expected = [Event.from_mapping(r) for r in spec_events()]
    assert evs == expected
    assert [e.to_json_dict() for e in evs] == spec_events()


def test_spec_events_batches_match_event_rows(tmp_path: Path) -> None:
    batches = list(iter_event_batches(SPEC / "example-events.jsonl"))
    assert len(batches) == 1
    assert batches[0].schema == EVENT_SCHEMA
    expected = events_table([event_row(Event.from_mapping(r)) for r in spec_events()])
    assert batches[0].to_pylist() == expected.to_pylist()


def test_parquet_spec_shape_and_canonical_pass_through(tmp_path: Path) -> None:
    rows = spec_events()
    plain = pa.Table.from_pylist([
        {k: (json.dumps(r[k]) if k == "request" else r.get(k)) for k in EVENT_FIELDS}
        for r in rows
    ])
    pq.write_table(plain, tmp_path / "plain.parquet")
    evs = list(iter_events(tmp_path / "plain.parquet"))
    assert [e.event_id for e in evs] == [r["event_id"] for r in rows]
    assert evs == [Event.from_mapping(r) for r in rows]

    canonical = pa.Table.from_batches(list(iter_event_batches(SPEC / "example-events.jsonl")))
    (tmp_path / "canon" / "day=2026-05-02").mkdir(parents=True)
    pq.write_table(canonical, tmp_path / "canon" / "day=2026-05-02" / "part-00000.parquet")
    again = pa.Table.from_batches(list(iter_event_batches(tmp_path / "canon")))
    assert again.to_pylist() == canonical.to_pylist()


def test_batches_are_bounded_and_dedup_across_files(tmp_path: Path) -> None:
    a = write_events(tmp_path / "a.jsonl", [make_event(i) for i in range(250)])
    b = write_events(tmp_path / "b.jsonl.gz", [make_event(i) for i in range(200, 300)], "gzip")
    q = Quarantine()
    stats = ReadStats()
    batches = list(iter_event_batches([a, b], batch_size=64, quarantine=q, stats=stats))
    assert all(bt.num_rows <= 64 for bt in batches)
    ids = [i for bt in batches for i in bt.column("event_id").to_pylist()]
    assert ids == [f"ev-{i:06d}" for i in range(300)]
    assert q.counts == {"duplicate_event_id": 50}
    assert stats.events == 300 and stats.duplicates == 50 and stats.files == 2
    assert {r["source"] for r in q.rows} == {str(b)}


def test_strict_mode_names_file_line_and_field(tmp_path: Path) -> None:
    src = write_events(tmp_path / "e.jsonl", [make_event(1), make_event(2, model=7)])
    with pytest.raises(InputError) as ei:
        list(iter_events(src))
    assert f"{src}:2" in ei.value.message and "model" in ei.value.message


def test_accounts_and_labels() -> None:
    accs = read_accounts(SPEC / "example-accounts.jsonl")
    assert [a.account_id for a in accs] == ["acct-7f3a", "acct-c21b"]
    labels = read_labels(SPEC / "example-labels.csv")
    assert [(lb.account_id, lb.label, lb.campaign) for lb in labels] == [
        ("acct-7f3a", "benign", None), ("acct-c21b", "distiller", "op-tutor")]


def test_accounts_duplicates_quarantined(tmp_path: Path) -> None:
    rows = [{"account_id": "a", "created_at": "2026-01-01T00:00:00Z"},
            {"account_id": "a", "created_at": "2026-01-02T00:00:00Z"},
            {"account_id": "b", "created_at": "yesterday"}]
    src = write_events(tmp_path / "acc.jsonl", rows)
    q = Quarantine()
    accs = read_accounts(src, q)
    assert [a.account_id for a in accs] == ["a"]
    assert q.counts == {"duplicate_account_id": 1, "invalid_record": 1}
    assert q.rows[1]["problems"][0]["field"] == "created_at"


def test_labels_bad_row_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "labels.csv"
    p.write_text("account_id,label,campaign\na,benign,\nb,evil,\n")
    with pytest.raises(InputError) as ei:
        read_labels(p)
    assert f"{p}:3" in ei.value.message and "label" in ei.value.message


def test_canonical_parquet_rows_missing_required_values_are_quarantined(tmp_path: Path) -> None:
    table = pa.Table.from_batches(list(iter_event_batches(SPEC / "example-events.jsonl")))
    ids = table.column("event_id").to_pylist()
    ids[2] = None
    table = table.set_column(0, "event_id", pa.array(ids, pa.string()))
    pq.write_table(table, tmp_path / "looks-canonical.parquet")
    q = Quarantine()
    got = pa.Table.from_batches(list(iter_event_batches(tmp_path / "looks-canonical.parquet",
                                                        quarantine=q)))
    assert got.column("event_id").to_pylist() == ["e-0001", "e-0002", "e-0004"]
    assert q.counts == {"invalid_record": 1}
    assert q.rows[0]["line"] == 3 and q.rows[0]["problems"][0]["field"] == "event_id"


def test_progress_is_a_callback_that_does_not_disturb_output(tmp_path: Path) -> None:
    from distillguard.ingest import ingest

    heard: list[tuple[int, float]] = []
    report = ingest([SPEC / "example-events.jsonl"], None, tmp_path / "out",
                    progress=lambda done, s: heard.append((done, s)))
    assert report.events_written == 4
    assert heard and heard[-1][0] == 4 and all(s >= 0 for _, s in heard)
