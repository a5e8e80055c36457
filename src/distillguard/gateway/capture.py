"""Read what the model answered (text, reasoning, usage) out of upstream
responses of all three wire formats, streamed or not, and apply the output
safeguards of the review tier on the way through.

The event log must record what the client actually received, so capture runs
after the safeguards: a withheld reasoning trace is logged as withheld.
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


@dataclass
class Captured:
    texts: dict[int, list[str]] = field(default_factory=dict)
    reasoning: list[str] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None

    @property
    def response_text(self) -> str:
        return "\n\n".join("".join(self.texts[i]) for i in sorted(self.texts))

    @property
    def reasoning_text(self) -> str | None:
        return "".join(self.reasoning) or None

    def add_text(self, index: int, text: Any) -> None:
        if isinstance(text, str) and text:
            self.texts.setdefault(index, []).append(text)

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


def _reasoning_out(text: str, mode: str) -> str | None:
    if mode == "withhold":
        return None
    if mode == "summarise":
        return summarise(text)
    return text


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
            if isinstance(msg, dict):
                cap.add_text(choice.get("index", i), msg.get("content"))
                for key in ("reasoning_content", "reasoning"):
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
                cap.add_text(choice.get("index", i), choice.get("text"))
    elif endpoint == "responses":
        kept = []
        for item in obj.get("output") or []:
            if not isinstance(item, dict):
                kept.append(item)
                continue
            if item.get("type") == "reasoning":
                parts = list(item.get("summary") or []) + list(item.get("content") or [])
                texts = [s.get("text", "") for s in parts if isinstance(s, dict)]
                full = "\n".join(t for t in texts if isinstance(t, str) and t)
                if mode == "withhold":
                    changed = True
                    continue
                if mode == "summarise" and full:
                    item["summary"] = [{"type": "summary_text", "text": summarise(full)}]
                    item.pop("content", None)
                    item.pop("encrypted_content", None)
                    full = item["summary"][0]["text"]
                    changed = True
                if full:
                    cap.reasoning.append(full)
            elif item.get("type") == "message":
                for part in item.get("content") or []:
                    if isinstance(part, dict) and part.get("type") == "output_text":
                        cap.add_text(0, part.get("text"))
            kept.append(item)
        if changed:
            obj["output"] = kept
        cap.usage(obj.get("usage"))
        return changed
    elif endpoint == "messages":
        kept = []
        for block in obj.get("content") or []:
            if isinstance(block, dict) and block.get("type") == "thinking":
                r = block.get("thinking") or ""
                out = _reasoning_out(r, mode)
                if out is None:
                    changed = True
                    continue
                if out != r:
                    block["thinking"] = out
                    changed = True
                cap.reasoning.append(out)
            elif isinstance(block, dict) and block.get("type") == "text":
                cap.add_text(0, block.get("text"))
            kept.append(block)
        if changed:
            obj["content"] = kept
    cap.usage(obj.get("usage"))
    return changed


class SseRewriter:
    """Feed upstream SSE bytes, get the bytes to forward; captures as it goes.

    Events are forwarded one by one as they complete, so streaming stays
    streaming. When reasoning passes through untouched the original bytes are
    forwarded as they came; otherwise only reasoning events are rebuilt.
    """

    def __init__(self, endpoint: str, mode: str = "pass") -> None:
        self.endpoint = endpoint
        self.mode = mode
        self.cap = Captured()
        self._buf = b""
        self._shown = 0  # reasoning chars shown so far (summarise mode)
        self._dropped_blocks: set[int] = set()  # anthropic thinking blocks removed

    def feed(self, chunk: bytes) -> bytes:
        buf = self._buf + chunk
        out: list[bytes] = []
        pos = 0  # scan forward once; the buffer is cut once per feed, not per event
        while True:
            cut = self._next_boundary(buf, pos)
            if cut is None:
                break
            end, sep = cut
            kept = self._event(buf[pos:end])
            if kept is not None:
                out.append(kept + b"\n\n")
            pos = end + sep
        self._buf = buf[pos:]
        return b"".join(out)

    def flush(self) -> bytes:
        rest, self._buf = self._buf, b""
        if rest.strip():
            kept = self._event(rest)
            return b"" if kept is None else kept + b"\n\n"
        return rest

    @staticmethod
    def _next_boundary(buf: bytes, pos: int) -> tuple[int, int] | None:
        i = buf.find(b"\n\n", pos)
        # a CRLF boundary only wins if it starts before i: bound the second scan
        j = buf.find(b"\r\n\r\n", pos) if i < 0 else buf.find(b"\r\n\r\n", pos, i + 4)
        if i < 0 and j < 0:
            return None
        if j >= 0 and (i < 0 or j < i):
            return j, 4
        return i, 2

    def _event(self, raw: bytes) -> bytes | None:
        name = b""
        data_lines: list[bytes] = []
        for line in raw.splitlines():
            if line.startswith(b"data:"):
                data_lines.append(line[5:].lstrip(b" "))
            elif line.startswith(b"event:"):
                name = line[6:].strip()
        data = b"\n".join(data_lines)
        if not data or data == b"[DONE]":
            return raw
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            return raw
        if not isinstance(obj, dict):
            return raw
        handler = {"chat.completions": self._chat, "completions": self._chat,
                   "responses": self._responses, "messages": self._messages}[self.endpoint]
        result = handler(obj)
        if result is False:
            return None
        if result is True:
            head = b"event: " + name + b"\n" if name else b""
            return head + b"data: " + orjson.dumps(obj)
        return raw

    def _reason(self, piece: str) -> str | None:
        """The part of a reasoning delta the client may see (None: nothing)."""
        if self.mode == "pass":
            self.cap.reasoning.append(piece)
            return piece
        if self.mode == "withhold" or self._shown >= SUMMARY_CHARS:
            return None
        shown = piece[: SUMMARY_CHARS - self._shown]
        self._shown += len(shown)
        if self._shown >= SUMMARY_CHARS:
            shown += " [distillguard: rest of reasoning withheld]"
        self.cap.reasoning.append(shown)
        return shown

    def _chat(self, obj: dict[str, Any]) -> bool | None:
        changed = False
        for i, choice in enumerate(obj.get("choices") or []):
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict):
                self.cap.add_text(choice.get("index", i), delta.get("content"))
                for key in ("reasoning_content", "reasoning"):
                    r = delta.get(key)
                    if isinstance(r, str) and r:
                        out = self._reason(r)
                        if out != r:
                            changed = True
                            if out is None:
                                del delta[key]
                            else:
                                delta[key] = out
            else:
                self.cap.add_text(choice.get("index", i), choice.get("text"))
        self.cap.usage(obj.get("usage"))
        if changed and all(
            isinstance(c, dict) and not c.get("delta") and not c.get("finish_reason")
            for c in obj.get("choices") or []
        ):
            return False
        return changed or None

    def _responses(self, obj: dict[str, Any]) -> bool | None:
        etype = obj.get("type")
        if not isinstance(etype, str):
            return None
        if etype == "response.output_text.delta":
            self.cap.add_text(0, obj.get("delta"))
            return None
        if etype in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            piece = obj.get("delta")
            if not isinstance(piece, str):
                return None
            out = self._reason(piece)
            if out is None:
                return False
            if out != piece:
                obj["delta"] = out
                return True
            return None
        if etype.startswith(("response.reasoning", "response.output_item")) and self.mode != "pass":
            item = obj.get("item")
            if etype.startswith("response.reasoning") or (
                isinstance(item, dict) and item.get("type") == "reasoning"
            ):
                return False
        if etype in ("response.completed", "response.incomplete", "response.failed"):
            resp = obj.get("response")
            if isinstance(resp, dict):
                self.cap.usage(resp.get("usage"))
                if self.mode != "pass":
                    out = resp.get("output")
                    if isinstance(out, list):
                        shown = "".join(self.cap.reasoning)
                        new = []
                        for item in out:
                            if isinstance(item, dict) and item.get("type") == "reasoning":
                                if self.mode == "withhold" or not shown:
                                    continue
                                item = {**item, "summary": [{"type": "summary_text",
                                                             "text": shown}]}
                                item.pop("content", None)
                                item.pop("encrypted_content", None)
                            new.append(item)
                        resp["output"] = new
                        return True
        return None

    def _messages(self, obj: dict[str, Any]) -> bool | None:
        etype = obj.get("type")
        index = obj.get("index")
        shift = 0
        if isinstance(index, int):
            shift = sum(1 for d in self._dropped_blocks if d < index)
        if etype == "message_start":
            msg = obj.get("message")
            if isinstance(msg, dict):
                self.cap.usage(msg.get("usage"))
            return None
        if etype == "message_delta":
            self.cap.usage(obj.get("usage"))
            return None
        if etype == "content_block_start" and isinstance(index, int):
            block = obj.get("content_block")
            if self.mode == "withhold" and isinstance(block, dict) and block.get("type") in (
                "thinking", "redacted_thinking"
            ):
                self._dropped_blocks.add(index)
                return False
        if isinstance(index, int) and index in self._dropped_blocks:
            return False
        if etype == "content_block_delta":
            delta = obj.get("delta")
            if isinstance(delta, dict):
                if delta.get("type") == "text_delta":
                    self.cap.add_text(0, delta.get("text"))
                elif delta.get("type") == "thinking_delta" and isinstance(delta.get("thinking"),
                                                                          str):
                    out = self._reason(delta["thinking"])
                    if out is None:
                        return False
                    if out != delta["thinking"]:
                        delta["thinking"] = out
                        shift = shift or 0
                        if shift:
                            obj["index"] = index - shift  # type: ignore[operator]
                        return True
                elif delta.get("type") == "signature_delta" and self.mode == "summarise":
                    return False
        if shift:
            obj["index"] = index - shift  # type: ignore[operator]
            return True
        return None
