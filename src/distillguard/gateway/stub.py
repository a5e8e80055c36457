"""A stub upstream model API that speaks the OpenAI chat completions, OpenAI
responses and Anthropic messages wire formats, streaming (SSE) included, with
usage and reasoning content.

It is a real component, not a test double: ``distillguard gateway
stub-upstream`` serves it so the gateway, ``replay`` and the benchmark run end
to end on a machine without a model. Answers are deterministic functions of the
request, so logs and golden files are stable.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import orjson

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
            await _json(send, 404, {"error": {"message": f"no route {path}", "type": "not_found"}})
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
        view = normalize_request(endpoint, req)
        if not 1 <= view.n <= MAX_N:  # as the real APIs do: n is bounded
            await _json(send, 400, _err(endpoint, "invalid_request_error",
                                        f"n must be between 1 and {MAX_N}"))
            return
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        text, thinking = compose(view.last_user_text, model, view.max_tokens,
                                 view.reasoning.enabled)
        usage = (_tokens(view.prompt_text), _tokens(text) + _tokens(thinking), _tokens(thinking))
        rid = hashlib.blake2b(body, digest_size=6).hexdigest()
        if view.stream:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/event-stream"),
                                    (b"cache-control", b"no-cache")]})
            chunks = {
                "chat.completions": _chat_stream, "responses": _responses_stream,
                "messages": _messages_stream,
            }[endpoint](rid, model, text, thinking, usage, view.n, view.logprobs)
            for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                if self.chunk_delay_s:
                    await asyncio.sleep(self.chunk_delay_s)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        builder = {"chat.completions": _chat, "responses": _responses, "messages": _messages}
        await _json(send, 200, builder[endpoint](rid, model, text, thinking, usage, view.n,
                                                 view.logprobs))


def _err(endpoint: str, etype: str, message: str) -> dict[str, Any]:
    if endpoint == "messages":
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
          logprobs: bool) -> dict[str, Any]:
    choices = []
    for i in range(n):
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if thinking:
            message["reasoning_content"] = thinking
        choices.append({"index": i, "message": message, "finish_reason": "stop",
                        "logprobs": _logprobs(text) if logprobs else None})
    p, c, r = usage
    return {"id": f"chatcmpl-{rid}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": choices,
            "usage": {"prompt_tokens": p, "completion_tokens": c * n, "total_tokens": p + c * n,
                      "completion_tokens_details": {"reasoning_tokens": r * n}}}


def _pieces(text: str, size: int = 4) -> Iterator[str]:
    words = text.split(" ")
    for i in range(0, len(words), size):
        yield (" " if i else "") + " ".join(words[i:i + size])


def _sse(obj: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + orjson.dumps(obj) + b"\n\n"


def _chat_stream(rid: str, model: str, text: str, thinking: str, usage: Usage, n: int,
                 logprobs: bool) -> Iterator[bytes]:
    base = {"id": f"chatcmpl-{rid}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model}
    for i in range(n):
        yield _sse({**base, "choices": [{"index": i, "delta": {"role": "assistant",
                                                                "content": ""}}]})
        for piece in _pieces(thinking) if thinking else ():
            yield _sse({**base, "choices": [{"index": i, "delta": {"reasoning_content": piece}}]})
        for piece in _pieces(text):
            choice: dict[str, Any] = {"index": i, "delta": {"content": piece}}
            if logprobs:
                choice["logprobs"] = _logprobs(piece)
            yield _sse({**base, "choices": [choice]})
        yield _sse({**base, "choices": [{"index": i, "delta": {}, "finish_reason": "stop"}]})
    p, c, r = usage
    yield _sse({**base, "choices": [], "usage": {
        "prompt_tokens": p, "completion_tokens": c * n, "total_tokens": p + c * n,
        "completion_tokens_details": {"reasoning_tokens": r * n}}})
    yield b"data: [DONE]\n\n"


def _responses(rid: str, model: str, text: str, thinking: str, usage: Usage, n: int,
               logprobs: bool) -> dict[str, Any]:
    output: list[dict[str, Any]] = []
    if thinking:
        output.append({"type": "reasoning", "id": f"rs_{rid}",
                       "summary": [{"type": "summary_text", "text": thinking}]})
    content: dict[str, Any] = {"type": "output_text", "text": text, "annotations": []}
    if logprobs:
        content["logprobs"] = _logprobs(text)["content"]
    output.append({"type": "message", "id": f"msg_{rid}", "role": "assistant",
                   "status": "completed", "content": [content]})
    p, c, r = usage
    return {"id": f"resp_{rid}", "object": "response", "created_at": int(time.time()),
            "model": model, "status": "completed", "output": output,
            "usage": {"input_tokens": p, "output_tokens": c, "total_tokens": p + c,
                      "output_tokens_details": {"reasoning_tokens": r}}}


def _responses_stream(rid: str, model: str, text: str, thinking: str, usage: Usage, n: int,
                      logprobs: bool) -> Iterator[bytes]:
    final = _responses(rid, model, text, thinking, usage, n, logprobs)
    shell = {**final, "status": "in_progress", "output": [], "usage": None}
    yield _sse({"type": "response.created", "response": shell}, "response.created")
    idx = 0
    if thinking:
        for piece in _pieces(thinking):
            yield _sse({"type": "response.reasoning_summary_text.delta", "item_id": f"rs_{rid}",
                        "output_index": 0, "summary_index": 0, "delta": piece},
                       "response.reasoning_summary_text.delta")
        idx = 1
    for piece in _pieces(text):
        yield _sse({"type": "response.output_text.delta", "item_id": f"msg_{rid}",
                    "output_index": idx, "content_index": 0, "delta": piece},
                   "response.output_text.delta")
    yield _sse({"type": "response.completed", "response": final}, "response.completed")


def _messages(rid: str, model: str, text: str, thinking: str, usage: Usage, n: int,
              logprobs: bool) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if thinking:
        content.append({"type": "thinking", "thinking": thinking, "signature": f"stub-{rid}"})
    content.append({"type": "text", "text": text})
    p, c, _ = usage
    return {"id": f"msg_{rid}", "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": p, "output_tokens": c}}


def _messages_stream(rid: str, model: str, text: str, thinking: str, usage: Usage, n: int,
                     logprobs: bool) -> Iterator[bytes]:
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
    yield _sse({"type": "message_delta", "delta": {"stop_reason": "end_turn",
                                                   "stop_sequence": None},
                "usage": {"output_tokens": c}}, "message_delta")
    yield _sse({"type": "message_stop"}, "message_stop")
