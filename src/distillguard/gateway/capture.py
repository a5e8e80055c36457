"""Read what the model answered (text, tool calls, reasoning, usage) out of
upstream responses of all three wire formats, and apply the output safeguards
of the review tier on the way through. Whole (JSON) answers are handled here,
streamed ones in :mod:`distillguard.gateway.sse`; both fill one
:class:`Captured`, and the same answer captures the same text either way.

The event log must record what the client actually received, so capture runs
after the safeguards: a withheld reasoning trace is logged as withheld.

The log format has no field for tool calls, so each call the model returned
is appended to its choice's ``response_text`` as one line of canonical JSON,
``{"arguments": ..., "name": ..., "type": "tool_call"}`` (keys sorted,
arguments parsed when they are JSON), after the choice's text: agentic
harvesting (tool calls with no text) stays visible to the hunt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

SUMMARY_CHARS = 160


@dataclass(frozen=True, slots=True)
class Safeguards:
    """Output safeguards (policy ``safeguards:`` block). ``reasoning`` is
    ``pass``, ``withhold`` or ``summarise``; caps of 0 mean no cap."""

    reasoning: str = "pass"
    max_tokens: int = 0
    n: int = 0
    drop_logprobs: bool = False

    @property
    def active(self) -> bool:
        return self.reasoning != "pass" or bool(self.max_tokens or self.n or self.drop_logprobs)


NO_SAFEGUARDS = Safeguards()


def summarise(text: str) -> str:
    """The reasoning a review-tier client may see: its first sentence, bounded."""
    head = text.strip().split(". ", 1)[0][:SUMMARY_CHARS].rstrip(".")
    withheld = max(0, len(text.split()) - len(head.split()))
    return f"{head}. [distillguard: {withheld} words of reasoning withheld]"


def apply_request_safeguards(endpoint: str, body: dict[str, Any], sg: Safeguards) -> list[str]:
    """Cap max tokens and n, drop logprobs, in place; returns what was changed."""
    changed: list[str] = []
    if sg.max_tokens:
        keys = {"messages": ("max_tokens",), "responses": ("max_output_tokens",)}.get(
            endpoint, ("max_tokens", "max_completion_tokens"))
        for k in keys:
            v = body.get(k)
            if isinstance(v, int) and not isinstance(v, bool) and v > sg.max_tokens:
                body[k] = sg.max_tokens
                changed.append(k)
        if not any(k in body for k in keys):
            body[keys[-1] if endpoint != "chat.completions" else "max_completion_tokens"] = (
                sg.max_tokens)
            changed.append("max_tokens")
        thinking = body.get("thinking")
        if isinstance(thinking, dict) and isinstance(thinking.get("budget_tokens"), int):
            cap = max(1024, sg.max_tokens - 1) if endpoint == "messages" else sg.max_tokens
            if thinking["budget_tokens"] > cap:
                thinking["budget_tokens"] = cap
                changed.append("thinking.budget_tokens")
    if sg.n:
        n = body.get("n")
        if isinstance(n, int) and not isinstance(n, bool) and n > sg.n:
            body["n"] = sg.n
            changed.append("n")
    if sg.drop_logprobs:
        for k in ("logprobs", "top_logprobs"):
            if k in body:
                del body[k]
                changed.append(k)
        include = body.get("include")
        if isinstance(include, list):
            kept = [i for i in include if "logprobs" not in str(i)]
            if len(kept) != len(include):
                body["include"] = kept
                changed.append("include")
    return changed


_NO_OBJECT: Any = object()


@dataclass
class ToolCall:
    """One tool call as it arrives: whole, or as streamed fragments of its arguments."""

    name: str = ""
    pieces: list[str] = field(default_factory=list)
    value: Any = _NO_OBJECT  # arguments already decoded (Anthropic's tool_use input)

    def set(self, name: Any, arguments: Any) -> None:
        if isinstance(name, str) and name:
            self.name = name
        if isinstance(arguments, str):
            self.pieces = [arguments]
            self.value = _NO_OBJECT
        elif arguments is not None:
            self.value = arguments

    def render(self) -> str:
        value = self.value
        if value is _NO_OBJECT:
            raw = "".join(self.pieces)
            try:
                value = orjson.loads(raw) if raw.strip() else {}
            except orjson.JSONDecodeError:
                value = raw  # cut short or not JSON: kept as sent
        return orjson.dumps({"type": "tool_call", "name": self.name, "arguments": value},
                            option=orjson.OPT_SORT_KEYS).decode()


@dataclass
class Captured:
    texts: dict[int, list[str]] = field(default_factory=dict)
    calls: dict[int, dict[int, ToolCall]] = field(default_factory=dict)  # choice -> position
    reasoning: list[str] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None

    @property
    def response_text(self) -> str:
        if not self.calls:
            return "\n\n".join("".join(self.texts[i]) for i in sorted(self.texts))
        out = []
        for i in sorted(self.texts.keys() | self.calls.keys()):
            text = "".join(self.texts.get(i, ()))
            calls = self.calls.get(i, {})
            lines = [calls[k].render() for k in sorted(calls)]
            out.append("\n".join([text, *lines] if text else lines))
        return "\n\n".join(out)

    @property
    def reasoning_text(self) -> str | None:
        return "".join(self.reasoning) or None

    def add_text(self, index: int, text: Any) -> None:
        if isinstance(text, str) and text:
            self.texts.setdefault(index, []).append(text)

    def call(self, choice: int, position: int) -> ToolCall:
        calls = self.calls.setdefault(choice, {})
        tc = calls.get(position)
        if tc is None:
            tc = calls[position] = ToolCall()
        return tc

    def usage(self, usage: Any, *, anthropic: bool = False) -> None:
        if not isinstance(usage, dict):
            return
        p = usage.get("prompt_tokens", usage.get("input_tokens"))
        c = usage.get("completion_tokens", usage.get("output_tokens"))
        if isinstance(p, int):
            self.prompt_tokens = p
        if isinstance(c, int):
            self.completion_tokens = c
        details = usage.get("completion_tokens_details") or usage.get("output_tokens_details")
        if isinstance(details, dict) and isinstance(details.get("reasoning_tokens"), int):
            self.reasoning_tokens = details["reasoning_tokens"]


REASONING_KEYS = ("reasoning_content", "reasoning")  # chat: vLLM/DeepSeek, OpenRouter/Ollama
RESPONSES_CALLS = {"function_call": "arguments", "custom_tool_call": "input"}


def reasoning_item_text(item: dict[str, Any]) -> str:
    """A responses ``reasoning`` item's text: its summary parts, then its content parts."""
    parts = list(item.get("summary") or []) + list(item.get("content") or [])
    texts = [s.get("text", "") for s in parts if isinstance(s, dict)]
    return "\n".join(t for t in texts if isinstance(t, str) and t)


def summary_item(item: dict[str, Any], summary: str) -> dict[str, Any]:
    """The reasoning item a summarise-tier client gets: the summary, nothing else."""
    out = {k: v for k, v in item.items() if k not in ("content", "encrypted_content")}
    out["summary"] = [{"type": "summary_text", "text": summary}]
    return out


def _reasoning_out(text: str, mode: str) -> str | None:
    if mode == "withhold":
        return None
    if mode == "summarise":
        return summarise(text)
    return text


def _chat_calls(cap: Captured, index: int, msg: dict[str, Any]) -> None:
    calls = msg.get("tool_calls")
    if isinstance(calls, list):
        for j, tc in enumerate(calls):
            fn = tc.get("function") if isinstance(tc, dict) else None
            if isinstance(fn, dict):
                cap.call(index, j).set(fn.get("name"), fn.get("arguments"))
    fc = msg.get("function_call")  # the deprecated functions API
    if isinstance(fc, dict):
        cap.call(index, -1).set(fc.get("name"), fc.get("arguments"))


def rewrite_json(endpoint: str, obj: Any, mode: str, cap: Captured) -> bool:
    """Capture a non-streamed answer and apply the reasoning mode; True if changed."""
    if not isinstance(obj, dict):
        return False
    changed = False
    if endpoint in ("chat.completions", "completions"):
        for i, choice in enumerate(obj.get("choices") or []):
            if not isinstance(choice, dict):
                continue
            msg = choice.get("message")
            index = choice.get("index", i)
            if isinstance(msg, dict):
                cap.add_text(index, msg.get("content"))
                _chat_calls(cap, index, msg)
                for key in REASONING_KEYS:
                    r = msg.get(key)
                    if isinstance(r, str) and r:
                        out = _reasoning_out(r, mode)
                        if out is None:
                            del msg[key]
                        else:
                            msg[key] = out
                            cap.reasoning.append(out)
                        changed = changed or out != r
            else:
                cap.add_text(index, choice.get("text"))
    elif endpoint == "responses":
        kept = []
        for pos, item in enumerate(obj.get("output") or []):
            if not isinstance(item, dict):
                kept.append(item)
                continue
            itype = item.get("type")
            if itype == "reasoning":
                full = reasoning_item_text(item)
                if mode == "withhold":
                    changed = True
                    continue
                if mode == "summarise" and full:
                    full = summarise(full)
                    item = summary_item(item, full)
                    changed = True
                if full:
                    cap.reasoning.append(full)
            elif itype == "message":
                for part in item.get("content") or []:
                    if isinstance(part, dict) and part.get("type") == "output_text":
                        cap.add_text(0, part.get("text"))
            elif itype in RESPONSES_CALLS:
                cap.call(0, pos).set(item.get("name"), item.get(RESPONSES_CALLS[itype]))
            kept.append(item)
        if changed:
            obj["output"] = kept
    elif endpoint == "messages":
        kept = []
        for pos, block in enumerate(obj.get("content") or []):
            btype = block.get("type") if isinstance(block, dict) else None
            if btype == "thinking":
                r = block.get("thinking") or ""
                out = _reasoning_out(r, mode)
                if out is None:
                    changed = True
                    continue
                if out != r:
                    block["thinking"] = out
                    changed = True
                cap.reasoning.append(out)
            elif btype == "text":
                cap.add_text(0, block.get("text"))
            elif btype == "tool_use":
                cap.call(0, pos).set(block.get("name"), block.get("input"))
            kept.append(block)
        if changed:
            obj["content"] = kept
    cap.usage(obj.get("usage"))
    return changed
