"""The wire formats the gateway speaks: which route is which API, and the error
body each API's own clients expect.

A client built on the OpenAI SDK parses ``{"error": {"message", "type", "code"}}``;
one built on the Anthropic SDK parses ``{"type": "error", "error": {"type",
"message"}}``. Answering either with the other's shape turns a clear refusal
into an opaque SDK exception, so every refusal goes through :func:`error_body`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import orjson

# route path -> (canonical endpoint name of the log-format spec, wire family)
ROUTES: Final[dict[str, tuple[str, str]]] = {
    "/v1/chat/completions": ("chat.completions", "openai"),
    "/v1/responses": ("responses", "openai"),
    "/v1/messages": ("messages", "anthropic"),
    "/v1/completions": ("completions", "openai"),
}

# routes proxied as they are, not model exchanges: authenticated, not logged as events
PASSTHROUGH: Final[dict[str, tuple[str, str]]] = {
    "/v1/messages/count_tokens": ("count_tokens", "anthropic"),
}

_OPENAI_TYPES: Final = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    429: "rate_limit_error",
}
_ANTHROPIC_TYPES: Final = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    415: "invalid_request_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


@dataclass(frozen=True, slots=True)
class WireError:
    """A refusal the gateway answers itself, independent of wire format."""

    status: int
    code: str
    message: str
    retry_after_s: float | None = None


def family_of(path: str) -> str:
    """Wire family of a path, known or not: Anthropic's under ``/v1/messages``, else
    OpenAI's (its SDK is the commoner one, and the shape most clients parse)."""
    return "anthropic" if path.startswith("/v1/messages") else "openai"


def error_body(family: str, err: WireError) -> bytes:
    if family == "anthropic":
        etype = _ANTHROPIC_TYPES.get(err.status, "api_error")
        return orjson.dumps({
            "type": "error",
            "error": {"type": etype, "message": err.message, "code": err.code},
        })
    fallback = "api_error" if err.status >= 500 else "invalid_request_error"
    etype = _OPENAI_TYPES.get(err.status, fallback)
    return orjson.dumps({
        "error": {"message": err.message, "type": etype, "param": None, "code": err.code},
    })


def error_headers(err: WireError, request_id: str = "") -> list[tuple[bytes, bytes]]:
    headers = [(b"content-type", b"application/json")]
    if err.retry_after_s is not None:
        headers.append((b"retry-after", str(max(1, int(err.retry_after_s + 0.999))).encode()))
    if request_id:
        headers.append((b"x-request-id", request_id.encode()))
    return headers


def error_message(family: str, body: bytes) -> str:
    """The human message inside an error body of either family ('' when not one)."""
    try:
        obj: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    if isinstance(obj, dict) and isinstance(obj.get("error"), dict):
        msg = obj["error"].get("message")
        return msg if isinstance(msg, str) else ""
    return ""
