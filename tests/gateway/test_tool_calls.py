"""What is served is what is logged: tool calls (agentic harvesting) and
summarised reasoning, in every wire format, streamed or not, through the real
proxy in front of the stub model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from distillguard.gateway.capture import Captured, rewrite_json
from distillguard.gateway.sse import SseRewriter
from distillguard.schema import Event
from distillguard.settings import Settings

from .conftest import client, logged, make_gateway, run

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "City and country, e.g. Paris, France"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer"},
    },
    "required": ["location", "unit"],
}
PROMPT = "What's the weather in Paris tomorrow?"
# the stub fills required properties: strings from the prompt's first words, enums' first value
CALL_LINE = ('{"arguments":{"location":"What\'s the weather in","unit":"celsius"},'
             '"name":"get_weather","type":"tool_call"}')

TOOL_REQUESTS: dict[str, dict[str, Any]] = {
    "/v1/chat/completions": {
        "model": "stub-chat", "messages": [{"role": "user", "content": PROMPT}],
        "tools": [{"type": "function", "function": {
            "name": "get_weather", "description": "Current weather",
            "parameters": WEATHER_SCHEMA}}],
        "tool_choice": "auto"},
    "/v1/responses": {
        "model": "stub-chat", "input": [{"role": "user", "content": PROMPT}],
        "tools": [{"type": "function", "name": "get_weather", "description": "Current weather",
                   "parameters": WEATHER_SCHEMA, "strict": False}]},
    "/v1/messages": {
        "model": "stub-claude", "max_tokens": 1024,
        "messages": [{"role": "user", "content": PROMPT}],
        "tools": [{"name": "get_weather", "description": "Current weather",
                   "input_schema": WEATHER_SCHEMA}],
        "tool_choice": {"type": "auto"}},
}


def _through(settings: Settings, tmp_path: Path, path: str, body: dict[str, Any],
             policy: str | None = None) -> tuple[httpx.Response, Event]:
    kw: dict[str, Any] = {"policy": policy} if policy else {}
    gw = make_gateway(settings, tmp_path, **kw)
    key = gw.keys.create("acct-agent")

    async def go() -> httpx.Response:
        async with client(gw) as c:
            r = await c.post(path, json=body, headers={"x-api-key": key.secret})
        await gw.aclose()
        return r

    r = run(go())
    assert r.status_code == 200, r.text
    (ev,) = logged(gw)
    return r, ev


def _sse(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        if line.startswith("data: ") and line != "data: [DONE]":
            out.append(orjson.loads(line[6:]))
    return out


@pytest.mark.parametrize("path", sorted(TOOL_REQUESTS))
def test_tool_calls_are_logged_the_same_streamed_or_not(settings: Settings, tmp_path: Path,
                                                       path: str) -> None:
    whole, ev_whole = _through(settings, tmp_path / "whole", path, TOOL_REQUESTS[path])
    streamed, ev_stream = _through(settings, tmp_path / "stream", path,
                                   {**TOOL_REQUESTS[path], "stream": True})
    assert ev_whole.response_text == ev_stream.response_text
    assert ev_whole.response_text.endswith(CALL_LINE)
    if path == "/v1/messages":  # Claude's text block comes first, then the call
        text, line = ev_whole.response_text.split("\n")
        assert text.startswith("Answer(stub-claude):") and line == CALL_LINE
    else:  # a call and no text: before, the log said nothing was served
        assert ev_whole.response_text == CALL_LINE
    # the client got the call, whole and in fragments
    assert "get_weather" in whole.text and "get_weather" in streamed.text
    if path == "/v1/chat/completions":
        (choice,) = whole.json()["choices"]
        assert choice["finish_reason"] == "tool_calls"
        fragments = [tc["function"]["arguments"] for ev in _sse(streamed.text)
                     for c in ev["choices"] for tc in c["delta"].get("tool_calls", [])]
        assert len(fragments) > 2
        assert orjson.loads("".join(fragments)) == orjson.loads(
            choice["message"]["tool_calls"][0]["function"]["arguments"])


@pytest.mark.parametrize("path", sorted(TOOL_REQUESTS))
def test_a_tool_result_turn_gets_text(settings: Settings, tmp_path: Path, path: str) -> None:
    body = dict(TOOL_REQUESTS[path])
    if path == "/v1/chat/completions":
        body["messages"] = body["messages"] + [
            {"role": "assistant", "content": None, "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": "get_weather", "arguments": '{"location": "Paris"}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18C, sunny"}]
    elif path == "/v1/responses":
        body["input"] = body["input"] + [
            {"type": "function_call", "call_id": "call_1", "name": "get_weather",
             "arguments": '{"location": "Paris"}'},
            {"type": "function_call_output", "call_id": "call_1", "output": "18C, sunny"}]
    else:
        body["messages"] = body["messages"] + [
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1",
                                               "name": "get_weather",
                                               "input": {"location": "Paris"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1",
                                          "content": "18C, sunny"}]}]
    _, ev = _through(settings, tmp_path, path, body)
    assert "tool_call" not in ev.response_text and ev.response_text.startswith("Answer(")


# Real-shaped upstream answers (as the vendors document them), not the stub's.
OPENAI_PARALLEL_STREAM = b"".join(
    b"data: " + orjson.dumps(c) + b"\n\n" for c in [
        {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {
            "role": "assistant", "content": None, "tool_calls": [{
                "index": 0, "id": "call_a", "type": "function",
                "function": {"name": "get_weather", "arguments": ""}}]},
            "finish_reason": None}]},
        {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "function": {"arguments": '{"location": "Par'}}]}}]},
        {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"tool_calls": [{
            "index": 1, "id": "call_b", "type": "function",
            "function": {"name": "get_time", "arguments": '{"tz":'}}]}}]},
        {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "function": {"arguments": 'is, France"}'}}]}}]},
        {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 1, "function": {"arguments": ' "Europe/Paris"}'}}]}}]},
        {"id": "chatcmpl-1", "choices": [{"index": 0, "delta": {},
                                          "finish_reason": "tool_calls"}]},
    ]) + b"data: [DONE]\n\n"

OPENAI_PARALLEL_WHOLE = {
    "id": "chatcmpl-1", "object": "chat.completion", "choices": [{
        "index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": None, "tool_calls": [
                {"id": "call_a", "type": "function", "function": {
                    "name": "get_weather", "arguments": '{"location": "Paris, France"}'}},
                {"id": "call_b", "type": "function", "function": {
                    "name": "get_time", "arguments": '{"tz": "Europe/Paris"}'}}]}}],
    "usage": {"prompt_tokens": 82, "completion_tokens": 41, "total_tokens": 123}}


def test_parallel_calls_of_a_real_openai_stream_match_the_whole_answer() -> None:
    rw = SseRewriter("chat.completions")
    out = rw.feed(OPENAI_PARALLEL_STREAM[:97]) + rw.feed(OPENAI_PARALLEL_STREAM[97:])
    out += rw.flush()
    assert out == OPENAI_PARALLEL_STREAM  # forwarded untouched
    cap = Captured()
    rewrite_json("chat.completions", OPENAI_PARALLEL_WHOLE, "pass", cap)
    assert rw.cap.response_text == cap.response_text == (
        '{"arguments":{"location":"Paris, France"},"name":"get_weather","type":"tool_call"}\n'
        '{"arguments":{"tz":"Europe/Paris"},"name":"get_time","type":"tool_call"}')


def test_arguments_that_are_not_json_are_kept_as_sent() -> None:
    cut = b'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":' \
          b'{"name":"run","arguments":"{\\"cmd\\": \\"ls"}}]}}]}\n\n'
    rw = SseRewriter("chat.completions")
    rw.feed(cut)
    assert rw.cap.response_text == (
        '{"arguments":"{\\"cmd\\": \\"ls","name":"run","type":"tool_call"}')


SUMMARISE = """
version: 1
limits: {}
tiers:
  allow: {action: safeguard, safeguards: {reasoning: summarise}}
"""
LONG_THOUGHT = ("Explain step by step, with every intermediate derivation, why the sum of "
                "the first n odd numbers is n squared")
REASONING_REQUESTS: dict[str, dict[str, Any]] = {
    "/v1/chat/completions": {"model": "stub-reasoner", "reasoning_effort": "high",
                             "messages": [{"role": "user", "content": LONG_THOUGHT}]},
    "/v1/responses": {"model": "stub-reasoner", "input": LONG_THOUGHT,
                      "reasoning": {"effort": "high", "summary": "detailed"}},
    "/v1/messages": {"model": "stub-claude", "max_tokens": 4096,
                     "thinking": {"type": "enabled", "budget_tokens": 2048},
                     "messages": [{"role": "user", "content": LONG_THOUGHT}]},
}


def _client_reasoning(path: str, r: httpx.Response, stream: bool) -> str:
    if not stream:
        obj = r.json()
        if path == "/v1/chat/completions":
            return str(obj["choices"][0]["message"]["reasoning_content"])
        if path == "/v1/responses":
            return "".join(s["text"] for it in obj["output"] if it["type"] == "reasoning"
                           for s in it["summary"])
        return "".join(b["thinking"] for b in obj["content"] if b["type"] == "thinking")
    events = _sse(r.text)
    if path == "/v1/chat/completions":
        return "".join(c["delta"].get("reasoning_content", "") for e in events
                       for c in e["choices"])
    if path == "/v1/responses":
        done = [e["item"] for e in events if e["type"] == "response.output_item.done"
                and e["item"]["type"] == "reasoning"]
        deltas = "".join(e["delta"] for e in events
                         if e["type"] == "response.reasoning_summary_text.delta")
        assert [s["text"] for it in done for s in it["summary"]] == [deltas]
        return deltas
    return "".join(e["delta"].get("thinking", "") for e in events
                   if e["type"] == "content_block_delta")


@pytest.mark.parametrize("path", sorted(REASONING_REQUESTS))
def test_summarised_reasoning_is_the_same_streamed_or_not(settings: Settings, tmp_path: Path,
                                                         path: str) -> None:
    seen = {}
    for stream in (False, True):
        r, ev = _through(settings, tmp_path / str(stream), path,
                         {**REASONING_REQUESTS[path], "stream": stream}, policy=SUMMARISE)
        shown = _client_reasoning(path, r, stream)
        assert ev.reasoning_text == shown  # the log says what the client got
        assert "[distillguard:" in shown and "words of reasoning withheld" in shown
        seen[stream] = shown
    assert seen[True] == seen[False]
