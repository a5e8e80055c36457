"""Streamed answers (SSE) of the three wire formats: capture what the client
receives (text, tool calls, reasoning, usage) and apply the reasoning mode as
the events go by.

Events are forwarded one by one as they complete, so streaming stays
streaming; untouched events are forwarded as the bytes that came. Reasoning
modes:

- ``pass``: everything as it came.
- ``withhold``: every reasoning event is dropped; Anthropic content blocks and
  responses output items after a dropped one are renumbered, as SDKs index
  their snapshots by position.
- ``summarise``: reasoning deltas are held back and, when the reasoning block
  or item ends, replaced by one delta carrying :func:`capture.summarise` of the
  whole: the very text a non-streamed answer gets, so the client and the log
  see the same summary whether the request streamed or not.
"""

from __future__ import annotations

from typing import Any

import orjson

from distillguard.gateway.capture import (
    REASONING_KEYS,
    RESPONSES_CALLS,
    Captured,
    reasoning_item_text,
    summarise,
    summary_item,
)

# responses reasoning deltas -> which part list of the item they belong to
_RESPONSES_REASONING_DELTAS = {
    "response.reasoning_summary_text.delta": ("summary", "summary_index"),
    "response.reasoning_text.delta": ("content", "content_index"),
}
_RESPONSES_CALL_DELTAS = ("response.function_call_arguments.delta",
                          "response.custom_tool_call_input.delta")

Handled = bool | bytes | None  # False: drop, True: re-encode the object, bytes: replace


def _event(name: str, obj: dict[str, Any]) -> bytes:
    head = b"event: " + name.encode() + b"\n" if name else b""
    return head + b"data: " + orjson.dumps(obj)


class _Reasoning:
    """One responses reasoning item's text, part by part, as it streams."""

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: dict[tuple[str, int], list[str]] = {}

    def text(self) -> str:
        order = sorted(self.parts, key=lambda k: (k[0] != "summary", k[1]))
        texts = ("".join(self.parts[k]) for k in order)
        return "\n".join(t for t in texts if t)


class SseRewriter:
    """Feed upstream SSE bytes, get the bytes to forward; captures as it goes."""

    def __init__(self, endpoint: str, mode: str = "pass") -> None:
        self.endpoint = endpoint
        self.mode = mode
        self.cap = Captured()
        self._buf = b""
        self._handler = {"chat.completions": self._chat, "completions": self._chat,
                         "responses": self._responses, "messages": self._messages}[endpoint]
        # chat: (choice, key) -> held reasoning; summarise mode
        self._held: dict[tuple[int, str], list[str]] = {}
        # anthropic: thinking blocks held (summarise) or dropped (withhold)
        self._thinking: dict[int, list[str]] = {}
        self._dropped: set[int] = set()
        # responses: output_index -> reasoning item state; dropped indexes (withhold)
        self._items: dict[int, _Reasoning] = {}
        self._last_part: dict[int, tuple[str, int]] = {}
        self._summaries: dict[int, str] = {}

    # -- framing ----------------------------------------------------------------------------

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
        out = rest  # whitespace after the last event passes as it came
        if rest.strip():
            kept = self._event(rest)
            out = b"" if kept is None else kept + b"\n\n"
        # reasoning still held back here never reached the client, so it is not logged
        return out

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
        result = self._handler(obj)
        if result is False:
            return None
        if result is True:
            return _event(name.decode("latin-1"), obj)
        if isinstance(result, bytes):
            return result
        return raw

    # -- chat completions -------------------------------------------------------------------

    def _chat(self, obj: dict[str, Any]) -> Handled:
        changed = False
        for i, choice in enumerate(obj.get("choices") or []):
            if not isinstance(choice, dict):
                continue
            index = choice.get("index", i)
            delta = choice.get("delta")
            if not isinstance(delta, dict):
                self.cap.add_text(index, choice.get("text"))
                continue
            content = delta.get("content")
            self.cap.add_text(index, content)
            calls = delta.get("tool_calls")
            if isinstance(calls, list):
                for j, tc in enumerate(calls):
                    if isinstance(tc, dict):
                        self._chat_call(index, tc.get("index", j), tc.get("function"))
            if isinstance(delta.get("function_call"), dict):
                self._chat_call(index, -1, delta["function_call"])
            for key in REASONING_KEYS:
                r = delta.get(key)
                if not isinstance(r, str) or not r:
                    continue
                if self.mode == "pass":
                    self.cap.reasoning.append(r)
                    continue
                del delta[key]
                changed = True
                if self.mode == "summarise":
                    self._held.setdefault((index, key), []).append(r)
            if self._held and (content or calls or choice.get("finish_reason")):
                for key in REASONING_KEYS:  # the order a whole answer's capture uses
                    pieces = self._held.pop((index, key), None)
                    if pieces:
                        delta[key] = summary = summarise("".join(pieces))
                        self.cap.reasoning.append(summary)
                        changed = True
        self.cap.usage(obj.get("usage"))
        if changed and all(
            isinstance(c, dict) and not c.get("delta") and not c.get("finish_reason")
            for c in obj.get("choices") or []
        ):
            return False
        return changed or None

    def _chat_call(self, index: int, position: Any, fn: Any) -> None:
        if not isinstance(fn, dict) or not isinstance(position, int):
            return
        tc = self.cap.call(index, position)
        if isinstance(fn.get("name"), str) and fn["name"]:
            tc.name = fn["name"]
        if isinstance(fn.get("arguments"), str):
            tc.pieces.append(fn["arguments"])

    # -- OpenAI responses -------------------------------------------------------------------

    def _responses(self, obj: dict[str, Any]) -> Handled:
        etype = obj.get("type")
        if not isinstance(etype, str):
            return None
        index = obj.get("output_index")
        if etype == "response.output_text.delta":
            self.cap.add_text(0, obj.get("delta"))
        elif etype in ("response.output_item.added", "response.output_item.done"):
            item = obj.get("item")
            if isinstance(item, dict) and isinstance(index, int):
                itype = item.get("type")
                if itype in RESPONSES_CALLS:
                    self.cap.call(0, index).set(item.get("name"), item.get(RESPONSES_CALLS[itype]))
                elif itype == "reasoning":
                    return self._reasoning_item(etype, index, obj, item)
        elif etype in _RESPONSES_CALL_DELTAS:
            if isinstance(index, int) and isinstance(obj.get("delta"), str):
                self.cap.call(0, index).pieces.append(obj["delta"])
        elif etype in ("response.completed", "response.incomplete", "response.failed"):
            return self._completed(obj)
        elif etype.startswith("response.reasoning") and isinstance(index, int):
            self._items.setdefault(index, _Reasoning())  # its output_item.added went unseen
        if isinstance(index, int) and index in self._items:
            return self._reasoning_event(etype, index, obj)
        return self._renumber(obj, index)

    def _renumber(self, obj: dict[str, Any], index: Any) -> Handled:
        if self.mode == "withhold" and isinstance(index, int) and self._items:
            shift = sum(1 for d in self._items if d < index)
            if shift:
                obj["output_index"] = index - shift
                return True
        return None

    def _reasoning_item(self, etype: str, index: int, obj: dict[str, Any],
                        item: dict[str, Any]) -> Handled:
        state = self._items.setdefault(index, _Reasoning())
        if etype == "response.output_item.added":
            if self.mode == "summarise":  # its summary follows when the item is done
                obj["item"] = {**summary_item(item, ""), "summary": []}
                return True
            return False if self.mode == "withhold" else None
        # output_item.done: the item is whole now
        if self.mode == "withhold":
            return False
        full = state.text() or reasoning_item_text(item)
        if self.mode == "pass":
            if not state.parts and full:  # an upstream that sent the item without deltas
                self.cap.reasoning.append(full)
            return None
        summary = self._summaries[index] = summarise(full) if full else ""
        if summary:
            self.cap.reasoning.append(summary)
        obj["item"] = summary_item(item, summary) if summary else {**item, "summary": []}
        if not summary:
            return True
        ids = {"item_id": item.get("id"), "output_index": index, "summary_index": 0}
        seq = {"sequence_number": obj["sequence_number"]} if "sequence_number" in obj else {}
        part = {"type": "summary_text", "text": summary}
        events = [
            ("response.reasoning_summary_part.added",
             {**ids, "part": {"type": "summary_text", "text": ""}}),
            ("response.reasoning_summary_text.delta", {**ids, "delta": summary}),
            ("response.reasoning_summary_text.done", {**ids, "text": summary}),
            ("response.reasoning_summary_part.done", {**ids, "part": part}),
            ("response.output_item.done", obj),
        ]
        return b"\n\n".join(_event(name, {"type": name, **body, **seq}) if name != etype
                            else _event(name, body) for name, body in events)

    def _reasoning_event(self, etype: str, index: int, obj: dict[str, Any]) -> Handled:
        """An event inside a reasoning item (parts, deltas): capture, then pass or drop."""
        where = _RESPONSES_REASONING_DELTAS.get(etype)
        piece = obj.get("delta")
        if where is not None and isinstance(piece, str) and piece:
            kind, part_key = where
            pi = obj.get(part_key)
            part = (kind, pi if isinstance(pi, int) else 0)
            state = self._items[index]
            pieces = state.parts.setdefault(part, [])
            if self.mode == "pass":
                # parts are joined by a newline, as a whole answer's item text is
                last = self._last_part.get(index)
                if last is not None and last != part and not pieces:
                    self.cap.reasoning.append("\n")
                self._last_part[index] = part
                self.cap.reasoning.append(piece)
            pieces.append(piece)
        return None if self.mode == "pass" else False

    def _completed(self, obj: dict[str, Any]) -> Handled:
        resp = obj.get("response")
        if not isinstance(resp, dict):
            return None
        self.cap.usage(resp.get("usage"))
        out = resp.get("output")
        if self.mode == "pass" or not isinstance(out, list):
            return None
        new = []
        for pos, item in enumerate(out):
            if isinstance(item, dict) and item.get("type") == "reasoning":
                if self.mode == "withhold":
                    continue
                summary = self._summaries.get(pos)
                if summary is None:
                    full = reasoning_item_text(item)
                    summary = summarise(full) if full else ""
                item = summary_item(item, summary) if summary else {**item, "summary": []}
            new.append(item)
        resp["output"] = new
        return True

    # -- Anthropic messages -----------------------------------------------------------------

    def _messages(self, obj: dict[str, Any]) -> Handled:
        etype = obj.get("type")
        index = obj.get("index")
        if etype == "message_start":
            msg = obj.get("message")
            if isinstance(msg, dict):
                self.cap.usage(msg.get("usage"))
            return None
        if etype == "message_delta":
            self.cap.usage(obj.get("usage"))
            return None
        if not isinstance(index, int):
            return None
        if etype == "content_block_start":
            block: Any = obj.get("content_block")
            btype = block.get("type") if isinstance(block, dict) else None
            if btype == "tool_use":
                self.cap.call(0, index).set(block.get("name"), None)
            elif btype == "thinking" and self.mode == "summarise":
                self._thinking[index] = []
            elif btype in ("thinking", "redacted_thinking") and self.mode == "withhold":
                self._dropped.add(index)
        if index in self._dropped:
            return False
        if etype == "content_block_delta":
            delta: Any = obj.get("delta")
            dtype = delta.get("type") if isinstance(delta, dict) else None
            if dtype == "text_delta":
                self.cap.add_text(0, delta.get("text"))
            elif dtype == "input_json_delta":
                pj = delta.get("partial_json")
                if isinstance(pj, str):
                    self.cap.call(0, index).pieces.append(pj)
            elif dtype == "thinking_delta":
                piece = delta.get("thinking")
                if isinstance(piece, str):
                    if index in self._thinking:
                        self._thinking[index].append(piece)
                        return False
                    self.cap.reasoning.append(piece)
            elif dtype == "signature_delta" and self.mode == "summarise":
                return False  # the signature signs the whole trace, not the summary
        if etype == "content_block_stop" and index in self._thinking:
            pieces = self._thinking.pop(index)
            if pieces:
                summary = summarise("".join(pieces))
                self.cap.reasoning.append(summary)
                delta_ev = {"type": "content_block_delta", "index": index,
                            "delta": {"type": "thinking_delta", "thinking": summary}}
                return (_event("content_block_delta", delta_ev) + b"\n\n"
                        + _event("content_block_stop", obj))
        shift = sum(1 for d in self._dropped if d < index)
        if shift:
            obj["index"] = index - shift
            return True
        return None
