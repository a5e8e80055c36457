"""What the adapters share: response bodies into text, loose timestamps into RFC 3339."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from distillguard.schema import content_text, format_ts

# URL paths and call types of text-generation exchanges, by canonical endpoint.
URL_ENDPOINTS: Final = {
    "/v1/chat/completions": "chat.completions",
    "/v1/responses": "responses",
    "/v1/completions": "completions",
    "/v1/messages": "messages",
}


def maybe_json(value: Any) -> Any:
    """CSV exports carry JSON columns as text; decode them when they look like JSON."""
    if isinstance(value, str):
        s = value.strip()
        if s[:1] in ("{", "[") or s in ("null", "true", "false"):
            try:
                return orjson.loads(s)
            except orjson.JSONDecodeError:
                return value
    return value


def loose_ts(value: Any) -> str | None:
    """An RFC 3339 string from ISO text (naive means UTC), epoch seconds or milliseconds."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        secs = value / 1000.0 if value > 1e11 else float(value)
        return format_ts(datetime.fromtimestamp(secs, tz=UTC))
    if isinstance(value, str):
        text = value.strip().replace(" ", "T", 1) if "T" not in value else value.strip()
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            return value  # let validation name the field and quote the value
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return format_ts(dt)
    return None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def response_parts(body: Any) -> tuple[str, str | None, dict[str, int | None]]:
    """(text, reasoning text, usage) from an OpenAI chat/responses/completions or
    Anthropic messages response body; lenient about shapes it does not know."""
    if isinstance(body, str):
        return body, None, {}
    if not isinstance(body, Mapping):
        return "", None, {}
    texts: list[str] = []
    reasoning: list[str] = []
    choices = body.get("choices")
    if isinstance(choices, Sequence):
        for ch in choices:
            if not isinstance(ch, Mapping):
                continue
            msg = ch.get("message")
            if isinstance(msg, Mapping):
                texts.append(content_text(msg.get("content")))
                for key in ("reasoning_content", "reasoning"):
                    if isinstance(msg.get(key), str):
                        reasoning.append(msg[key])
            elif isinstance(ch.get("text"), str):
                texts.append(ch["text"])
    output = body.get("output")
    if isinstance(output, Sequence) and not isinstance(output, str):
        for item in output:
            if not isinstance(item, Mapping):
                continue
            if item.get("type") == "message":
                texts.append(content_text(item.get("content")))
            elif item.get("type") == "reasoning":
                reasoning.append(content_text(item.get("summary")))
    content = body.get("content")
    if body.get("type") == "message" and isinstance(content, Sequence):
        for block in content:
            if not isinstance(block, Mapping):
                continue
            if block.get("type") == "text":
                texts.append(str(block.get("text", "")))
            elif block.get("type") == "thinking":
                reasoning.append(str(block.get("thinking", "")))
    usage = body.get("usage") if isinstance(body.get("usage"), Mapping) else {}
    prompt = as_int(_get(usage, "prompt_tokens"))
    if prompt is None:
        prompt = as_int(_get(usage, "input_tokens"))
    completion = as_int(_get(usage, "completion_tokens"))
    if completion is None:
        completion = as_int(_get(usage, "output_tokens"))
    rtok = as_int(_get(usage, "completion_tokens_details", "reasoning_tokens"))
    if rtok is None:
        rtok = as_int(_get(usage, "output_tokens_details", "reasoning_tokens"))
    text = "\n\n".join(t for t in texts if t)
    reason = "\n\n".join(r for r in reasoning if r) or None
    return text, reason, {"prompt_tokens": prompt, "completion_tokens": completion,
                          "reasoning_tokens": rtok}


def drop_none(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if v is not None}
