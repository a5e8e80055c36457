"""A stub upstream model API that speaks the OpenAI chat completions, OpenAI
responses and Anthropic messages wire formats, streaming (SSE) included, with
usage, reasoning content, tool calls and Anthropic's token counting.

Streams carry the events the real APIs send, in their order (the responses
stream: ``response.created``, ``response.in_progress``, per output item
``output_item.added``, its parts and deltas, ``output_item.done``, then
``response.completed``), so the vendors' own SDK stream helpers run against
it. A request that offers function tools (and does not forbid them with
``tool_choice``) gets a call of the chosen or first tool, with arguments
filled from the tool's JSON schema, unless its last turn is a tool result.

It is a real component, not a test double: ``distillguard gateway
stub-upstream`` serves it so the gateway, ``replay`` and the benchmark run end
to end on a machine without a model. Answers are deterministic functions of the
request, so logs and golden files are stable.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import orjson

from distillguard.gateway.stub_calls import Call, plan_call
from distillguard.schema import normalize_request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_SENTENCE = (
    "the answer follows from the premises because each step preserves the invariant "
    "so we conclude that the result holds and the method generalises to similar cases"
)
_WORDS = tuple(_SENTENCE.split(" "))
MAX_N = 8
_ENDPOINTS = {
    "/v1/chat/completions": "chat.completions",
    "/v1/responses": "responses",
    "/v1/messages": "messages",
    "/v1/messages/count_tokens": "count_tokens",
}


def _words(seed: str, n: int) -> list[str]:
    h = int.from_bytes(hashlib.blake2b(seed.encode(), digest_size=8).digest(), "big")
    return [_WORDS[(h + i * 7) % len(_WORDS)] for i in range(n)]


def compose(prompt: str, model: str, max_tokens: int | None, reasoning: bool) -> tuple[str, str]:
    """(answer text, reasoning text) for a prompt: deterministic, bounded by max_tokens."""
    budget = max(1, min(max_tokens or 48, 48))
    head = " ".join(prompt.split()[:6])
    answer_words = [f"Answer({model}):"] + _words(prompt + model, budget - 1)
    text = " ".join(answer_words)
    if head:
        text += f" [re: {head}]"
    thinking = ""
    if reasoning:
        thinking = "Let me think step by step. " + " ".join(_words("r" + prompt, 24)) + "."
    return text, thinking


def _tokens(text: str) -> int:
    return len(text.split())


class StubUpstream:
    """The ASGI app. ``models`` None accepts any model name; ``delay_s`` is added
    before each answer and ``chunk_delay_s`` between stream chunks."""

    def __init__(
        self, *, models: tuple[str, ...] | None = None, delay_s: float = 0.0,
        chunk_delay_s: float = 0.0,
    ) -> None:
        self.models = models
        self.delay_s = delay_s
        self.chunk_delay_s = chunk_delay_s
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        self.requests += 1
        path = scope["path"]
        if path == "/v1/models" and scope["method"] == "GET":
            names = self.models or ("stub-chat", "stub-reasoner", "stub-claude")
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "stub"} for m in names]
            await _json(send, 200, {"object": "list", "data": data})
            return
        endpoint = _ENDPOINTS.get(path)
        if endpoint is None or scope["method"] != "POST":
            await _json(send, 404, _err("messages" if path.startswith("/v1/messages") else "",
                                        "not_found_error", f"no route {scope['method']} {path}"))
            return
        body = b""
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        try:
            req = orjson.loads(body)
        except orjson.JSONDecodeError:
            await _json(send, 400, _err(endpoint, "invalid_request_error", "body is not JSON"))
            return
        if not isinstance(req, dict):
            await _json(send, 400, _err(endpoint, "invalid_request_error", "body not an object"))
            return
        model = req.get("model")
        if not isinstance(model, str) or (self.models is not None and model not in self.models):
            await _json(send, 404, _err(endpoint, "not_found_error", f"model {model!r} not found"))
            return
        if endpoint == "count_tokens":
            counted = normalize_request("messages", req)
            tools = orjson.dumps(req.get("tools")).decode() if req.get("tools") else ""
            await _json(send, 200, {"input_tokens": _tokens(counted.prompt_text) + _tokens(tools)})
            return
        view = normalize_request(endpoint, req)
        if not 1 <= view.n <= MAX_N:  # as the real APIs do: n is bounded
            await _json(send, 400, _err(endpoint, "invalid_request_error",
                                        f"n must be between 1 and {MAX_N}"))
            return
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        text, thinking = compose(view.last_user_text, model, view.max_tokens,
                                 view.reasoning.enabled)
        rid = hashlib.blake2b(body, digest_size=6).hexdigest()
        call = plan_call(endpoint, req, view.last_user_text, rid)
        out_tokens = _tokens(text) + _tokens(thinking) + (len(call.arguments) // 4 if call else 0)
        usage = (_tokens(view.prompt_text), out_tokens, _tokens(thinking))
        if view.stream:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/event-stream"),
                                    (b"cache-control", b"no-cache")]})
            chunks = {
                "chat.completions": _chat_stream, "responses": _responses_stream,
                "messages": _messages_stream,
            }[endpoint](rid, model, text, thinking, usage, view.n, view.logprobs, call)
            for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                if self.chunk_delay_s:
                    await asyncio.sleep(self.chunk_delay_s)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        builder = {"chat.completions": _chat, "responses": _responses, "messages": _messages}
        await _json(send, 200, builder[endpoint](rid, model, text, thinking, usage, view.n,
                                                 view.logprobs, call))


def _err(endpoint: str, etype: str, message: str) -> dict[str, Any]:
    if endpoint in ("messages", "count_tokens"):
        return {"type": "error", "error": {"type": etype, "message": message}}
    return {"error": {"message": message, "type": etype, "param": None, "code": None}}


async def _json(send: Send, status: int, obj: Any) -> None:
    body = orjson.dumps(obj)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


Usage = tuple[int, int, int]


def _logprobs(text: str) -> dict[str, Any]:
    return {"content": [{"token": w, "logprob": -0.05, "bytes": None, "top_logprobs": []}
                        for w in text.split()]}



def _chat(rid: str, model: str, text: str, thinking: str, usage: Usage, n: int,
          logprobs: bool, call: Call | None = None) -> dict[str, Any]:
    choices = []
    for i in range(n):
        message: dict[str, Any] = {"role": "assistant", "content": None if call else text,
                                   "refusal": None}
        if thinking:
            message["reasoning_content"] = thinking
        if call:
            message["tool_calls"] = [{"id": call.call_id, "type": "function", "function": {
                "name": call.name, "arguments": call.arguments}}]
        choices.append({"index": i, "message": message,
                        "finish_reason": "tool_calls" if call else "stop",
                        "logprobs": _logprobs(text) if logprobs and not call else None})
    p, c, r = usage
    return {"id": f"chatcmpl-{rid}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": choices,
            "usage": {"prompt_tokens": p, "completion_tokens": c * n, "total_tokens": p + c * n,
                      "completion_tokens_details": {"reasoning_tokens": r * n}}}


def _pieces(text: str, size: int = 4) -> Iterator[str]:
    words = text.split(" ")
    for i in range(0, len(words), size):
        yield (" " if i else "") + " ".join(words[i:i + size])


def _fragments(text: str, size: int = 8) -> Iterator[str]:
    """JSON argument text in the arbitrary slices the APIs stream it in."""
    for i in range(0, len(text), size):
        yield text[i:i + size]


def _sse(obj: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + orjson.dumps(obj) + b"\n\n"


def _chat_stream(rid: str, model: str, text: str, thinking: str, usage: Usage, n: int,
                 logprobs: bool, call: Call | None = None) -> Iterator[bytes]:
    base = {"id": f"chatcmpl-{rid}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model}
    for i in range(n):
        yield _sse({**base, "choices": [{"index": i, "delta": {"role": "assistant",
                                                                "content": ""}}]})
        for piece in _pieces(thinking) if thinking else ():
            yield _sse({**base, "choices": [{"index": i, "delta": {"reasoning_content": piece}}]})
        if call:
            head = {"index": 0, "id": call.call_id, "type": "function",
                    "function": {"name": call.name, "arguments": ""}}
            yield _sse({**base, "choices": [{"index": i, "delta": {"tool_calls": [head]}}]})
            for frag in _fragments(call.arguments):
                yield _sse({**base, "choices": [{"index": i, "delta": {"tool_calls": [
                    {"index": 0, "function": {"arguments": frag}}]}}]})
        else:
            for piece in _pieces(text):
                choice: dict[str, Any] = {"index": i, "delta": {"content": piece}}
                if logprobs:
                    choice["logprobs"] = _logprobs(piece)
                yield _sse({**base, "choices": [choice]})
        yield _sse({**base, "choices": [{"index": i, "delta": {},
                                         "finish_reason": "tool_calls" if call else "stop"}]})
    p, c, r = usage
    yield _sse({**base, "choices": [], "usage": {
        "prompt_tokens": p, "completion_tokens": c * n, "total_tokens": p + c * n,
        "completion_tokens_details": {"reasoning_tokens": r * n}}})
    yield b"data: [DONE]\n\n"


def _reasoning_item(rid: str, thinking: str) -> dict[str, Any]:
    return {"type": "reasoning", "id": f"rs_{rid}",
            "summary": [{"type": "summary_text", "text": thinking}]}


def _message_item(rid: str, text: str, logprobs: bool) -> dict[str, Any]:
    content: dict[str, Any] = {"type": "output_text", "text": text, "annotations": []}
    if logprobs:
        content["logprobs"] = _logprobs(text)["content"]
    return {"type": "message", "id": f"msg_{rid}", "role": "assistant", "status": "completed",
            "content": [content]}


def _call_item(rid: str, call: Call) -> dict[str, Any]:
    return {"type": "function_call", "id": f"fc_{rid}", "call_id": call.call_id,
            "name": call.name, "arguments": call.arguments, "status": "completed"}


def _responses(rid: str, model: str, text: str, thinking: str, usage: Usage, n: int,
               logprobs: bool, call: Call | None = None) -> dict[str, Any]:
    output: list[dict[str, Any]] = []
    if thinking:
        output.append(_reasoning_item(rid, thinking))
    output.append(_call_item(rid, call) if call else _message_item(rid, text, logprobs))
    p, c, r = usage
    return {"id": f"resp_{rid}", "object": "response", "created_at": int(time.time()),
            "model": model, "status": "completed", "error": None, "incomplete_details": None,
            "output": output, "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
            "usage": {"input_tokens": p, "output_tokens": c, "total_tokens": p + c,
                      "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": r}}}


def _responses_stream(rid: str, model: str, text: str, thinking: str, usage: Usage, n: int,
                      logprobs: bool, call: Call | None = None) -> Iterator[bytes]:
    """The event sequence of the real API, ``sequence_number`` included."""
    final = _responses(rid, model, text, thinking, usage, n, logprobs, call)
    shell = {**final, "status": "in_progress", "output": [], "usage": None}
    seq = itertools.count()

    def ev(etype: str, **fields: Any) -> bytes:
        return _sse({"type": etype, "sequence_number": next(seq), **fields}, etype)

    yield ev("response.created", response=shell)
    yield ev("response.in_progress", response=shell)
    for idx, item in enumerate(final["output"]):
        at = {"item_id": item["id"], "output_index": idx}
        if item["type"] == "reasoning":
            yield ev("response.output_item.added", output_index=idx, item={**item, "summary": []})
            empty = {"type": "summary_text", "text": ""}
            yield ev("response.reasoning_summary_part.added", **at, summary_index=0, part=empty)
            for piece in _pieces(thinking):
                yield ev("response.reasoning_summary_text.delta", **at, summary_index=0,
                         delta=piece)
            yield ev("response.reasoning_summary_text.done", **at, summary_index=0,
                     text=thinking)
            yield ev("response.reasoning_summary_part.done", **at, summary_index=0,
                     part=item["summary"][0])
        elif item["type"] == "function_call":
            yield ev("response.output_item.added", output_index=idx,
                     item={**item, "arguments": "", "status": "in_progress"})
            for frag in _fragments(item["arguments"]):
                yield ev("response.function_call_arguments.delta", **at, delta=frag)
            yield ev("response.function_call_arguments.done", **at,
                     arguments=item["arguments"])
        else:
            yield ev("response.output_item.added", output_index=idx,
                     item={**item, "status": "in_progress", "content": []})
            part = item["content"][0]
            yield ev("response.content_part.added", **at, content_index=0,
                     part={"type": "output_text", "text": "", "annotations": []})
            for piece in _pieces(text):
                yield ev("response.output_text.delta", **at, content_index=0, delta=piece,
                         logprobs=_logprobs(piece)["content"] if logprobs else [])
            yield ev("response.output_text.done", **at, content_index=0, text=text,
                     logprobs=part.get("logprobs", []))
            yield ev("response.content_part.done", **at, content_index=0, part=part)
        yield ev("response.output_item.done", output_index=idx, item=item)
    yield ev("response.completed", response=final)


def _messages(rid: str, model: str, text: str, thinking: str, usage: Usage, n: int,
              logprobs: bool, call: Call | None = None) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if thinking:
        content.append({"type": "thinking", "thinking": thinking, "signature": f"stub-{rid}"})
    content.append({"type": "text", "text": text})
    if call:
        content.append({"type": "tool_use", "id": f"toolu_{rid}", "name": call.name,
                        "input": orjson.loads(call.arguments)})
    p, c, _ = usage
    return {"id": f"msg_{rid}", "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": "tool_use" if call else "end_turn",
            "stop_sequence": None, "usage": {"input_tokens": p, "output_tokens": c}}


def _messages_stream(rid: str, model: str, text: str, thinking: str, usage: Usage, n: int,
                     logprobs: bool, call: Call | None = None) -> Iterator[bytes]:
    p, c, _ = usage
    start: dict[str, Any] = {
        "id": f"msg_{rid}", "type": "message", "role": "assistant", "model": model,
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": p, "output_tokens": 1}}
    yield _sse({"type": "message_start", "message": start}, "message_start")
    index = 0
    if thinking:
        yield _sse({"type": "content_block_start", "index": index,
                    "content_block": {"type": "thinking", "thinking": ""}}, "content_block_start")
        for piece in _pieces(thinking):
            yield _sse({"type": "content_block_delta", "index": index,
                        "delta": {"type": "thinking_delta", "thinking": piece}},
                       "content_block_delta")
        yield _sse({"type": "content_block_delta", "index": index,
                    "delta": {"type": "signature_delta", "signature": f"stub-{rid}"}},
                   "content_block_delta")
        yield _sse({"type": "content_block_stop", "index": index}, "content_block_stop")
        index += 1
    yield _sse({"type": "content_block_start", "index": index,
                "content_block": {"type": "text", "text": ""}}, "content_block_start")
    for piece in _pieces(text):
        yield _sse({"type": "content_block_delta", "index": index,
                    "delta": {"type": "text_delta", "text": piece}}, "content_block_delta")
    yield _sse({"type": "content_block_stop", "index": index}, "content_block_stop")
    if call:
        index += 1
        yield _sse({"type": "content_block_start", "index": index, "content_block": {
            "type": "tool_use", "id": f"toolu_{rid}", "name": call.name, "input": {}}},
            "content_block_start")
        for frag in _fragments(call.arguments):
            yield _sse({"type": "content_block_delta", "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": frag}},
                       "content_block_delta")
        yield _sse({"type": "content_block_stop", "index": index}, "content_block_stop")
    yield _sse({"type": "message_delta", "delta": {"stop_reason": "tool_use" if call else
                                                   "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": c}}, "message_delta")
    yield _sse({"type": "message_stop"}, "message_stop")
