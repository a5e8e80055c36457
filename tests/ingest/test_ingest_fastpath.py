"""The fast path must accept only what the general path accepts, and agree on every value."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from distillguard.ingest.columns import build_batch
from distillguard.ingest.fastpath import fast_row, general_row
from distillguard.schema import Event, RecordError

from .ingest_helpers import spec_events

text = st.text(max_size=12)
i64 = st.integers(-(2**63), 2**63 - 1)
scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False,
                   allow_infinity=False, width=32), text)
content = st.one_of(st.none(), text, st.lists(st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "image_url", "tool_use"]), "text": text}), max_size=2),
    i64)
message = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["system", "developer", "user", "assistant",
                                                     "tool", ""]), "content": content}),
    st.fixed_dictionaries({"type": st.just("function_call_output"), "output": text}),
    text, i64,
)
tool = st.one_of(
    st.fixed_dictionaries({"type": st.just("function"),
                           "function": st.fixed_dictionaries({"name": text})}),
    st.fixed_dictionaries({"name": text}), st.fixed_dictionaries({"type": text}), text,
)
body = st.fixed_dictionaries(
    {"model": text},
    optional={
        "messages": st.one_of(st.lists(message, max_size=4), text, i64),
        "input": st.one_of(text, st.lists(message, max_size=3)),
        "instructions": st.one_of(text, i64),
        "system": st.one_of(text, st.lists(st.fixed_dictionaries({"type": st.just("text"),
                                                                   "text": text}), max_size=2)),
        "prompt": text,
        "temperature": scalar, "n": scalar, "max_tokens": scalar,
        "max_completion_tokens": scalar, "max_output_tokens": scalar,
        "logprobs": scalar, "top_logprobs": scalar, "stream": scalar,
        "include": st.one_of(st.lists(st.sampled_from(["message.output_text.logprobs", "x"]),
                                      max_size=2), text),
        "tools": st.one_of(st.lists(tool, max_size=3), text, i64),
        "reasoning_effort": scalar,
        "reasoning": st.one_of(st.fixed_dictionaries({}, optional={"effort": scalar,
                                                                   "summary": scalar}), text),
        "thinking": st.one_of(st.fixed_dictionaries(
            {"type": st.sampled_from(["enabled", "adaptive", "disabled"])},
            optional={"budget_tokens": scalar}), text),
        "output_config": st.fixed_dictionaries({"effort": text}),
        "response_format": st.one_of(st.fixed_dictionaries({"type": text}), text),
        "text": st.fixed_dictionaries({"format": st.fixed_dictionaries({"type": text})}),
    },
)
ts = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["2026-05-02T13:04:05.123Z", " 2026-05-02T13:04:05Z ", "2026-05-02",
                     "2026-05-02T13:04:05", "", "yesterday"]),
    i64,
)
record = st.fixed_dictionaries(
    {"event_id": st.one_of(text, i64), "ts": ts,
     "account_id": st.one_of(text, st.none()),
     "endpoint": st.one_of(st.sampled_from(["chat.completions", "messages", "responses",
                                            "completions", "embeddings"]),
                           st.lists(text, max_size=1)),
     "model": st.one_of(text, i64), "request": st.one_of(body, text, i64),
     "response_text": st.one_of(text, st.none())},
    optional={k: scalar for k in ("api_key_id", "ip", "ip_prefix", "asn", "ip_country",
                                  "user_agent", "reasoning_text", "prompt_tokens",
                                  "completion_tokens", "reasoning_tokens", "status",
                                  "latency_ms")},
)

ident = st.text(min_size=1, max_size=8)
count = st.one_of(st.none(), st.integers(0, 10**6))
plain_message = st.fixed_dictionaries({
    "role": st.sampled_from(["system", "developer", "user", "assistant"]),
    "content": st.one_of(text, st.none())})
plain_body = st.fixed_dictionaries(
    {"model": text, "messages": st.lists(plain_message, max_size=4)},
    optional={"temperature": scalar, "n": scalar, "max_tokens": scalar, "stream": scalar,
              "system": text, "input": st.one_of(text, st.lists(plain_message, max_size=3)),
              "instructions": text, "logprobs": scalar, "top_logprobs": scalar,
              "tools": st.lists(tool, max_size=2), "reasoning_effort": scalar,
              "reasoning": st.fixed_dictionaries({}, optional={"effort": scalar}),
              "thinking": st.fixed_dictionaries(
                  {"type": st.sampled_from(["enabled", "adaptive", "disabled"])},
                  optional={"budget_tokens": scalar}),
              "include": st.lists(st.sampled_from(["message.output_text.logprobs", "x"]),
                                  max_size=2)},
)
valid_record = st.fixed_dictionaries(
    {"event_id": ident, "ts": st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
     "account_id": ident, "endpoint": st.sampled_from(["chat.completions", "messages",
                                                        "responses", "completions"]),
     "model": ident, "request": st.one_of(plain_body, body), "response_text": text},
    optional={"api_key_id": text, "ip": text, "asn": count, "ip_country": text,
              "user_agent": text, "reasoning_text": text, "prompt_tokens": count,
              "completion_tokens": count, "reasoning_tokens": count,
              "status": st.one_of(st.none(), st.integers(100, 599)), "latency_ms": count},
)


def _same(rec: dict[str, Any]) -> None:
    try:
        fast = fast_row(rec)
    except (TypeError, ValueError):
        fast = None
    try:
        ev = Event.from_mapping(rec)
    except RecordError:
        assert fast is None, f"fast path accepted a record the general path rejects: {rec}"
        return
    if fast is None:
        return
    a, rej_a = build_batch([fast])
    b, rej_b = build_batch([general_row(ev)])
    assert rej_a == rej_b
    assert a.to_pylist() == b.to_pylist()


@given(st.one_of(record, valid_record))
def test_fast_path_agrees_with_general_path(rec: dict[str, Any]) -> None:
    _same(rec)


@given(valid_record)
def test_fast_path_agrees_on_valid_records(rec: dict[str, Any]) -> None:
    _same(rec)


def test_fast_path_takes_the_spec_examples() -> None:
    for rec in spec_events():
        assert fast_row(rec) is not None
        _same(rec)


def test_fast_path_reads_mixed_turns_once() -> None:
    """A plain system message before a non-plain one must not be counted twice (the plain
    reading gives up half-way and the general reading starts again)."""
    rec = next(iter(spec_events()))
    rec = {**rec, "endpoint": "chat.completions", "request": {"model": "m", "messages": [
        {"role": "system", "content": "Be brief."}, {"content": "no role: a user turn"},
        {"role": "user", "content": [{"type": "text", "text": "and blocks"}]}]}}
    row = fast_row(rec)
    assert row is not None
    _same(rec)
    batch, _ = build_batch([row])
    assert batch.column("req_system").to_pylist() == ["Be brief."]
    assert batch.column("req_n_turns").to_pylist() == [2]
