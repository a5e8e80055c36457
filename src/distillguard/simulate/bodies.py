"""Render one logical call into the request body of its endpoint.

Personas describe what a client asks for (system text, turns, tool calls,
sampling, reasoning); this module writes it the way the OpenAI chat
completions, OpenAI responses or Anthropic messages SDK would put it on the
wire, so the detector sees the three real shapes and never a simulator dialect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

EFFORT_BUDGET: Final = {"low": 2048, "medium": 8000, "high": 16000}


@dataclass(frozen=True, slots=True)
class ToolDef:
    name: str
    description: str
    params: tuple[str, ...]
    # JSON Schema type of each parameter, in order; "string" when not given.
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Msg:
    """A turn. ``tool`` = (call id, tool name, arguments) on an assistant tool call,
    (call id, tool name, None) on the tool's result."""

    role: str  # user | assistant | tool
    text: str
    tool: tuple[str, str, dict[str, Any] | None] | None = None


@dataclass(slots=True)
class Call:
    system: str
    messages: list[Msg]
    response: str
    reasoning: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    effort: str | None = None
    thinking_budget: int | None = None
    tools: tuple[ToolDef, ...] = ()
    n: int = 1
    logprobs: bool = False
    stream: bool = False
    json_mode: bool = False
    user: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    status: int | None = None  # forced HTTP status of this attempt (a 429 before a retry)


def _schema(tool: ToolDef) -> dict[str, Any]:
    kinds = tool.kinds or ("string",) * len(tool.params)
    return {"type": "object",
            "properties": {p: {"type": k} for p, k in zip(tool.params, kinds, strict=False)},
            "required": [p for p, k in zip(tool.params, kinds, strict=False)
                         if k == "string"] or list(tool.params[:1])}


def _chat(model: str, c: Call) -> dict[str, Any]:
    msgs: list[dict[str, Any]] = []
    if c.system:
        msgs.append({"role": "system", "content": c.system})
    for m in c.messages:
        if m.role == "assistant" and m.tool is not None and m.tool[2] is not None:
            msgs.append({"role": "assistant", "content": m.text or None, "tool_calls": [
                {"id": m.tool[0], "type": "function",
                 "function": {"name": m.tool[1], "arguments": json.dumps(m.tool[2])}}]})
        elif m.role == "tool" and m.tool is not None:
            msgs.append({"role": "tool", "tool_call_id": m.tool[0], "content": m.text})
        else:
            msgs.append({"role": m.role, "content": m.text})
    body: dict[str, Any] = {"model": model, "messages": msgs}
    if c.temperature is not None:
        body["temperature"] = c.temperature
    effort = c.effort
    if effort is None and c.thinking_budget:
        effort = "high" if c.thinking_budget >= 12000 else "medium"
    if effort:
        body["reasoning_effort"] = effort
    if c.max_tokens:
        body["max_completion_tokens" if effort else "max_tokens"] = c.max_tokens
    if c.tools:
        body["tools"] = [{"type": "function", "function": {
            "name": t.name, "description": t.description, "parameters": _schema(t)}}
            for t in c.tools]
    if c.n > 1:
        body["n"] = c.n
    if c.logprobs:
        body["logprobs"] = True
        body["top_logprobs"] = 5
    if c.json_mode:
        body["response_format"] = {"type": "json_object"}
    if c.stream:
        body["stream"] = True
    if c.user:
        body["user"] = c.user
    return body


def _responses(model: str, c: Call) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for m in c.messages:
        if m.role == "assistant" and m.tool is not None and m.tool[2] is not None:
            if m.text:
                items.append({"role": "assistant", "content": m.text})
            items.append({"type": "function_call", "call_id": m.tool[0], "name": m.tool[1],
                          "arguments": json.dumps(m.tool[2])})
        elif m.role == "tool" and m.tool is not None:
            items.append({"type": "function_call_output", "call_id": m.tool[0],
                          "output": m.text})
        else:
            items.append({"role": m.role, "content": m.text})
    body: dict[str, Any] = {"model": model}
    if c.system:
        body["instructions"] = c.system
    single = len(items) == 1 and items[0].get("role") == "user"
    body["input"] = items[0]["content"] if single else items
    if c.max_tokens:
        body["max_output_tokens"] = c.max_tokens
    if c.temperature is not None:
        body["temperature"] = c.temperature
    effort = c.effort or (("high" if c.thinking_budget >= 12000 else "medium")
                          if c.thinking_budget else None)
    if effort:
        body["reasoning"] = {"effort": effort, "summary": "auto"}
    if c.tools:
        body["tools"] = [{"type": "function", "name": t.name, "description": t.description,
                          "parameters": _schema(t)} for t in c.tools]
    if c.logprobs:
        body["include"] = ["message.output_text.logprobs"]
        body["top_logprobs"] = 5
    if c.json_mode:
        body["text"] = {"format": {"type": "json_object"}}
    if c.stream:
        body["stream"] = True
    if c.user:
        body["user"] = c.user
    return body


def _messages(model: str, c: Call) -> dict[str, Any]:
    msgs: list[dict[str, Any]] = []
    for m in c.messages:
        if m.role == "assistant" and m.tool is not None and m.tool[2] is not None:
            blocks: list[dict[str, Any]] = []
            if m.text:
                blocks.append({"type": "text", "text": m.text})
            blocks.append({"type": "tool_use", "id": m.tool[0], "name": m.tool[1],
                           "input": m.tool[2]})
            msgs.append({"role": "assistant", "content": blocks})
        elif m.role == "tool" and m.tool is not None:
            msgs.append({"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": m.tool[0], "content": m.text}]})
        else:
            msgs.append({"role": m.role, "content": m.text})
    budget = c.thinking_budget or (EFFORT_BUDGET[c.effort] if c.effort else None)
    max_tokens = c.max_tokens or 4096
    if budget and max_tokens <= budget:
        max_tokens = budget + 4000
    body: dict[str, Any] = {"model": model, "max_tokens": max_tokens}
    if c.system:
        body["system"] = c.system
    body["messages"] = msgs
    if budget:
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    elif c.temperature is not None:
        body["temperature"] = c.temperature
    if c.tools:
        body["tools"] = [{"name": t.name, "description": t.description,
                          "input_schema": _schema(t)} for t in c.tools]
    if c.stream:
        body["stream"] = True
    if c.user:
        body["metadata"] = {"user_id": c.user}
    return body


def render(endpoint: str, model: str, call: Call) -> dict[str, Any]:
    """The request body ``call`` becomes when sent to ``endpoint``."""
    if endpoint == "messages":
        body = _messages(model, call)
    elif endpoint == "responses":
        body = _responses(model, call)
    else:
        body = _chat(model, call)
    body.update(call.extra)
    return body


def reasoning_requested(call: Call) -> bool:
    return bool(call.effort or call.thinking_budget)
