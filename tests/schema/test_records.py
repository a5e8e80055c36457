from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distillguard.schema import Account, Event, Label, RecordError, format_ts, parse_ts

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "spec"


def _lines(name: str) -> list[dict]:
    return [json.loads(x) for x in (SPEC / name).read_text().splitlines() if x.strip()]


def test_spec_examples_parse_and_round_trip() -> None:
    for rec in _lines("example-events.jsonl"):
        ev = Event.from_mapping(rec)
        assert ev.to_json_dict() == rec
    for rec in _lines("example-accounts.jsonl"):
        acc = Account.from_mapping(rec)
        out = acc.to_json_dict()
        assert parse_ts(out["created_at"]) == parse_ts(rec["created_at"])
        assert {k: v for k, v in out.items() if k != "created_at"} == {
            k: v for k, v in rec.items() if k != "created_at"
        }


def test_event_errors_name_every_bad_field() -> None:
    rec = {"event_id": "e1", "ts": "yesterday", "endpoint": "bogus", "model": 3,
           "request": "[not json", "response_text": "", "asn": -1}
    with pytest.raises(RecordError) as ei:
        Event.from_mapping(rec, source="f.jsonl", line=7)
    fields = {p.field for p in ei.value.problems}
    assert fields == {"ts", "account_id", "endpoint", "model", "request", "asn"}
    assert str(ei.value).startswith("f.jsonl:7: ")
    assert ei.value.to_dict()["error"]["details"]["line"] == 7


def test_request_may_be_json_string_as_in_parquet() -> None:
    rec = _lines("example-events.jsonl")[0]
    rec["request"] = json.dumps(rec["request"])
    assert Event.from_mapping(rec).request["model"] == "frontier-1"


def test_bool_is_not_an_integer_and_naive_ts_rejected() -> None:
    rec = _lines("example-events.jsonl")[0] | {"prompt_tokens": True, "ts": "2026-05-02T13:04:05"}
    with pytest.raises(RecordError) as ei:
        Event.from_mapping(rec)
    assert {p.field for p in ei.value.problems} == {"prompt_tokens", "ts"}


def test_account_and_label_choices() -> None:
    with pytest.raises(RecordError):
        Account.from_mapping({"account_id": "a", "created_at": "2026-01-01T00:00:00Z",
                              "plan": "platinum"})
    label = Label.from_mapping({"account_id": "a", "label": "distiller", "campaign": ""})
    assert label.campaign is None
    with pytest.raises(RecordError):
        Label.from_mapping({"account_id": "a", "label": "evil"})


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.just(UTC)))
def test_ts_format_parse_round_trip_to_millisecond(dt: datetime) -> None:
    back = parse_ts(format_ts(dt))
    assert back == dt.replace(microsecond=dt.microsecond // 1000 * 1000)


@given(st.dictionaries(st.sampled_from(["event_id", "ts", "account_id", "endpoint", "model",
                                        "request", "response_text", "asn", "status"]),
                       st.one_of(st.none(), st.integers(), st.text(), st.booleans(),
                                 st.dictionaries(st.text(), st.text()))))
def test_event_parser_never_raises_anything_but_record_error(rec: dict) -> None:
    try:
        Event.from_mapping(rec)
    except RecordError as exc:
        assert exc.problems


def test_event_row_fits_the_canonical_schema() -> None:
    from distillguard.schema import EVENT_SCHEMA, event_row, events_table

    rows = [event_row(Event.from_mapping(r)) for r in _lines("example-events.jsonl")]
    table = events_table(rows)
    assert table.schema == EVENT_SCHEMA
    third = table.slice(2, 1).to_pylist()[0]
    assert third["req_thinking_budget"] == 12000 and third["req_reasoning_enabled"]
    assert third["req_system"].startswith("You are an expert tutor")
    assert third["req_param_keys"] == "max_tokens,messages,model,system,thinking"
    assert json.loads(third["request"])["max_tokens"] == 16000
