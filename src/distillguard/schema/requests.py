"""One normalised view of OpenAI chat completions, OpenAI responses and Anthropic
messages request bodies.

Detection must not care which wire format a client used, but must never lose
what the client sent: the view keeps the raw body alongside the parsed fields.
Parsing is lenient (clients send odd shapes); anything it cannot interpret is
simply not lifted into the view and stays in ``raw``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

SAMPLING_KEYS: Final = (
    "temperature", "top_p", "top_k", "frequency_penalty", "presence_penalty", "seed",
    "stop", "stop_sequences",
)


@dataclass(frozen=True, slots=True)
class Turn:
    role: str
    text: str


@dataclass(frozen=True, slots=True)
class Reasoning:
    """Whatever the client asked for in reasoning or thinking."""

    enabled: bool = False
    effort: str | None = None  # OpenAI reasoning_effort / reasoning.effort
    budget_tokens: int | None = None  # Anthropic thinking.budget_tokens
    summary: str | None = None  # OpenAI responses reasoning.summary


@dataclass(frozen=True, slots=True)
class NormalizedRequest:
    endpoint: str
    model: str | None
    system: str
    turns: tuple[Turn, ...]
    sampling: Mapping[str, Any]
    tools: tuple[str, ...]
    reasoning: Reasoning
    max_tokens: int | None
    n: int
    logprobs: bool
    top_logprobs: int | None
    stream: bool
    response_format: str | None
    metadata_user: str | None
    raw: Mapping[str, Any] = field(repr=False)

    @property
    def user_texts(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.turns if t.role == "user")

    @property
    def last_user_text(self) -> str:
        for t in reversed(self.turns):
            if t.role == "user":
                return t.text
        return ""

    @property
    def prompt_text(self) -> str:
        """System text and every turn, joined: what the model was shown."""
        parts = [self.system] if self.system else []
        parts.extend(t.text for t in self.turns)
        return "\n\n".join(parts)

    @property
    def n_user_turns(self) -> int:
        return sum(1 for t in self.turns if t.role == "user")


def content_text(content: Any) -> str:
    """Flatten a message ``content`` in any of the wire formats to plain text."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        content = [content]
    if isinstance(content, Sequence):
        parts: list[str] = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, Mapping):
                btype = block.get("type")
                if isinstance(block.get("text"), str):
                    parts.append(block["text"])
                elif btype == "tool_result":
                    parts.append(content_text(block.get("content")))
                elif btype == "tool_use" and "input" in block:
                    parts.append(json.dumps(block["input"], sort_keys=True, default=str))
        return "\n".join(p for p in parts if p)
    return str(content)


def int_or_none(v: Any) -> int | None:
    """An integer field as clients send it (7 or 7.0), else None (True is not 1)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def tool_name(t: Mapping[str, Any]) -> str | None:
    """The name one tool definition declares, in any of the three APIs' shapes."""
    fn = t.get("function")
    if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
        return str(fn["name"])
    if isinstance(t.get("name"), str):
        return str(t["name"])
    if isinstance(t.get("type"), str):
        return str(t["type"])
    return None


def _tool_names(tools: Any) -> tuple[str, ...]:
    names: list[str] = []
    if isinstance(tools, Sequence) and not isinstance(tools, str):
        for t in tools:
            if isinstance(t, Mapping) and (name := tool_name(t)) is not None:
                names.append(name)
    return tuple(names)


def split_turns(messages: Any) -> tuple[list[str], list[Turn]]:
    """Split a messages/input array into system texts and conversation turns."""
    system: list[str] = []
    turns: list[Turn] = []
    if isinstance(messages, str):
        return system, [Turn("user", messages)]
    if not isinstance(messages, Sequence):
        return system, turns
    for m in messages:
        if not isinstance(m, Mapping):
            continue
        role = m.get("role")
        if role is None and m.get("type") == "function_call_output":
            turns.append(Turn("tool", content_text(m.get("output"))))
            continue
        role = str(role or "user")
        text = content_text(m.get("content"))
        if role in ("system", "developer"):
            system.append(text)
        else:
            turns.append(Turn(role, text))
    return system, turns


def response_format(body: Mapping[str, Any]) -> str | None:
    """``response_format.type`` (chat) or ``text.format.type`` (responses)."""
    rf = body.get("response_format")
    if isinstance(rf, Mapping) and isinstance(rf.get("type"), str):
        return str(rf["type"])
    text = body.get("text")
    if isinstance(text, Mapping):
        fmt = text.get("format")
        if isinstance(fmt, Mapping) and isinstance(fmt.get("type"), str):
            return str(fmt["type"])
    return None


def normalize_request(endpoint: str, body: Mapping[str, Any]) -> NormalizedRequest:
    """Parse ``body`` (as sent to ``endpoint``) into the one view detection uses."""
    sampling = {k: body[k] for k in SAMPLING_KEYS if k in body}
    system_parts: list[str] = []
    turns: list[Turn] = []
    reasoning = Reasoning()
    max_tokens: int | None = None

    if endpoint == "messages":
        sys_field = body.get("system")
        if sys_field:
            system_parts.append(content_text(sys_field))
        s, turns = split_turns(body.get("messages"))
        system_parts.extend(s)
        max_tokens = int_or_none(body.get("max_tokens"))
        thinking = body.get("thinking")
        if isinstance(thinking, Mapping):
            ttype = thinking.get("type")
            reasoning = Reasoning(
                enabled=ttype in ("enabled", "adaptive"),
                budget_tokens=int_or_none(thinking.get("budget_tokens")),
            )
        oc = body.get("output_config")
        if isinstance(oc, Mapping) and isinstance(oc.get("effort"), str):
            reasoning = Reasoning(True, oc["effort"], reasoning.budget_tokens, None)
    elif endpoint == "responses":
        if isinstance(body.get("instructions"), str):
            system_parts.append(body["instructions"])
        s, turns = split_turns(body.get("input"))
        system_parts.extend(s)
        max_tokens = int_or_none(body.get("max_output_tokens"))
        r = body.get("reasoning")
        if isinstance(r, Mapping):
            effort = r.get("effort") if isinstance(r.get("effort"), str) else None
            summary = r.get("summary") if isinstance(r.get("summary"), str) else None
            reasoning = Reasoning(enabled=effort not in (None, "none"), effort=effort,
                                  summary=summary)
    elif endpoint == "completions":
        prompt = body.get("prompt")
        if isinstance(prompt, list):
            prompt = "\n".join(str(p) for p in prompt)
        turns = [Turn("user", str(prompt))] if prompt is not None else []
        max_tokens = int_or_none(body.get("max_tokens"))
    else:  # chat.completions, and the fallback for unknown endpoints
        system_parts, turns = split_turns(body.get("messages"))
        max_tokens = int_or_none(body.get("max_completion_tokens"))
        if max_tokens is None:
            max_tokens = int_or_none(body.get("max_tokens"))
        effort = body.get("reasoning_effort")
        if isinstance(effort, str):
            reasoning = Reasoning(enabled=effort != "none", effort=effort)

    logprobs_v = body.get("logprobs")
    top_logprobs = int_or_none(body.get("top_logprobs"))
    logprobs = bool(logprobs_v) or (top_logprobs is not None and top_logprobs > 0)
    if endpoint == "completions" and int_or_none(logprobs_v) is not None:
        top_logprobs = int_or_none(logprobs_v)
    include = body.get("include")
    if isinstance(include, Sequence) and any("logprobs" in str(i) for i in include):
        logprobs = True
    n = int_or_none(body.get("n")) or 1
    metadata = body.get("metadata")
    user = body.get("user")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("user_id"), str):
        user = metadata["user_id"]
    elif isinstance(metadata, Mapping) and isinstance(metadata.get("user"), str):
        user = metadata["user"]
    model = body.get("model")
    return NormalizedRequest(
        endpoint=endpoint,
        model=model if isinstance(model, str) else None,
        system="\n\n".join(p for p in system_parts if p),
        turns=tuple(turns),
        sampling=sampling,
        tools=_tool_names(body.get("tools")),
        reasoning=reasoning,
        max_tokens=max_tokens,
        n=max(n, 1),
        logprobs=logprobs,
        top_logprobs=top_logprobs,
        stream=bool(body.get("stream")),
        response_format=response_format(body),
        metadata_user=user if isinstance(user, str) else None,
        raw=body,
    )
