"""Capture and safeguards over the three wire formats, streamed or whole;
stream parsing must not depend on where the network split the bytes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from distillguard.gateway import stub
from distillguard.gateway.capture import (
    Captured,
    Safeguards,
    apply_request_safeguards,
    rewrite_json,
)
from distillguard.gateway.sse import SseRewriter

ARGS = ("rid1", "m", "the answer is four", "Let me think step by step. two plus two is four.",
        (5, 14, 10), 1, False)
STREAMS = {
    "chat.completions": stub._chat_stream, "responses": stub._responses_stream,
    "messages": stub._messages_stream,
}
WHOLE = {"chat.completions": stub._chat, "responses": stub._responses, "messages": stub._messages}


def _stream(endpoint: str) -> bytes:
    return b"".join(STREAMS[endpoint](*ARGS))


CALL = stub.Call("call_1", "get_weather", '{"location":"Paris, France","unit":"celsius"}')
CALL_LINE = ('{"arguments":{"location":"Paris, France","unit":"celsius"},"name":"get_weather",'
             '"type":"tool_call"}')


@pytest.mark.parametrize("endpoint", sorted(STREAMS))
@pytest.mark.parametrize("mode", ["pass", "withhold", "summarise"])
def test_tool_calls_and_reasoning_are_captured_alike_streamed_or_whole(endpoint: str,
                                                                      mode: str) -> None:
    rw = SseRewriter(endpoint, mode)
    out = rw.feed(b"".join(STREAMS[endpoint](*ARGS, CALL))) + rw.flush()
    cap = Captured()
    rewrite_json(endpoint, WHOLE[endpoint](*ARGS, CALL), mode, cap)
    assert rw.cap.response_text == cap.response_text and CALL_LINE in cap.response_text
    assert rw.cap.reasoning_text == cap.reasoning_text
    if mode == "withhold":
        assert cap.reasoning_text is None and b"two plus two" not in out
        if endpoint == "responses":  # the call item moved up to index 0
            assert {e["output_index"] for e in _events(out) if "output_index" in e} == {0}


@pytest.mark.parametrize("endpoint", sorted(STREAMS))
@given(cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=12))
def test_stream_capture_is_independent_of_chunking(endpoint: str, cuts: list[int]) -> None:
    data = _stream(endpoint)
    whole = SseRewriter(endpoint)
    out_whole = whole.feed(data) + whole.flush()
    pieces = sorted({c % (len(data) + 1) for c in cuts})
    split = SseRewriter(endpoint)
    out, prev = b"", 0
    for c in pieces + [len(data)]:
        out += split.feed(data[prev:c])
        prev = c
    out += split.flush()
    assert out == out_whole == data  # pass mode forwards the bytes untouched
    assert split.cap.response_text == whole.cap.response_text == "the answer is four"
    assert split.cap.reasoning_text == "Let me think step by step. two plus two is four."
    assert split.cap.completion_tokens == 14


def _events(data: bytes) -> list[dict[str, Any]]:
    out = []
    for block in data.split(b"\n\n"):
        for line in block.splitlines():
            if line.startswith(b"data: ") and line != b"data: [DONE]":
                out.append(orjson.loads(line[6:]))
    return out


@pytest.mark.parametrize("endpoint", sorted(STREAMS))
def test_withhold_removes_every_trace_of_reasoning_from_streams(endpoint: str) -> None:
    rw = SseRewriter(endpoint, "withhold")
    out = rw.feed(_stream(endpoint)) + rw.flush()
    assert b"think step by step" not in out and b"thinking_delta" not in out
    assert rw.cap.reasoning_text is None
    assert rw.cap.response_text == "the answer is four"
    if endpoint == "messages":  # remaining blocks are renumbered from 0
        idx = {e["index"] for e in _events(out) if "index" in e}
        assert idx == {0}


@pytest.mark.parametrize("endpoint", sorted(STREAMS))
def test_summarise_keeps_only_a_bounded_head(endpoint: str) -> None:
    long = dict(enumerate(ARGS))
    long[3] = "Let me think. " + "detail " * 200
    rw = SseRewriter(endpoint, "summarise")
    out = rw.feed(b"".join(STREAMS[endpoint](*long.values()))) + rw.flush()
    assert rw.cap.reasoning_text is not None and len(rw.cap.reasoning_text) < 260
    assert out.count(b"detail") < 60  # of 200 (responses repeats the head at the end)


@pytest.mark.parametrize("endpoint", sorted(WHOLE))
@pytest.mark.parametrize("mode", ["pass", "withhold", "summarise"])
def test_whole_answers(endpoint: str, mode: str) -> None:
    obj = WHOLE[endpoint](*ARGS)
    cap = Captured()
    changed = rewrite_json(endpoint, obj, mode, cap)
    assert changed is (mode != "pass")
    assert cap.response_text == "the answer is four"
    text = orjson.dumps(obj)
    if mode == "withhold":
        assert b"two plus two" not in text and cap.reasoning_text is None
    elif mode == "summarise":
        assert b"[distillguard:" in text and cap.reasoning_text
    else:
        assert cap.reasoning_text == ARGS[3]
    assert cap.prompt_tokens == 5


def test_request_safeguards_cap_and_drop() -> None:
    sg = Safeguards("withhold", max_tokens=1000, n=1, drop_logprobs=True)
    body: dict[str, Any] = {"max_tokens": 5000, "n": 4, "logprobs": True, "top_logprobs": 3}
    assert set(apply_request_safeguards("chat.completions", body, sg)) == {
        "max_tokens", "n", "logprobs", "top_logprobs"}
    assert body == {"max_tokens": 1000, "n": 1}
    msg: dict[str, Any] = {"max_tokens": 64000, "thinking": {"type": "enabled",
                                                             "budget_tokens": 32000}}
    apply_request_safeguards("messages", msg, sg)
    assert msg["max_tokens"] == 1000 and msg["thinking"]["budget_tokens"] == 1024
    resp: dict[str, Any] = {"include": ["message.output_text.logprobs"]}
    apply_request_safeguards("responses", resp, sg)
    assert resp == {"include": [], "max_output_tokens": 1000}


def test_crlf_framed_streams_and_mixed_boundaries() -> None:
    data = _stream("chat.completions").replace(b"\n\n", b"\r\n\r\n")
    rw = SseRewriter("chat.completions")
    out = rw.feed(data[:50]) + rw.feed(data[50:]) + rw.flush()
    assert rw.cap.response_text == "the answer is four"
    assert out.count(b"data: ") == data.count(b"data: ")


def test_large_streams_are_parsed_in_linear_time() -> None:
    piece = b'data: {"choices":[{"index":0,"delta":{"content":"x"}}]}\n\n'
    rw = SseRewriter("chat.completions")
    out = rw.feed(piece * 50_000)  # one big chunk of 50k events
    assert len(rw.cap.response_text) == 50_000 and len(out) == len(piece) * 50_000


@pytest.mark.parametrize("endpoint", sorted(STREAMS))
def test_summarised_reasoning_cut_off_before_its_end_is_neither_sent_nor_logged(
        endpoint: str) -> None:
    data = _stream(endpoint)
    cut = data.index(b"\n\n", data.index(b"Let me think")) + 2  # after the first delta
    rw = SseRewriter(endpoint, "summarise")
    out = rw.feed(data[:cut]) + rw.flush()
    assert b"Let me think" not in out and b"distillguard" not in out
    assert rw.cap.reasoning_text is None
