"""The gateway's pure ASGI layers, outermost first:

``RequestContext`` (request id, overhead header, metrics, structured access
log) -> ``ExchangeLogging`` (the canonical event, durable before the answer's
last byte) -> ``BodyLimit`` (size, content type) -> ``Authenticate`` (gateway
key -> account) -> policy enforcement and the upstream proxy (in ``proxy``).

Each layer is a class taking ``(app, **options)``; they share one
:class:`Exchange` per request in ``scope["distillguard"]``. A layer that
refuses answers in the wire format of the route (OpenAI or Anthropic), and the
refusal still passes through the logging layer, so it is logged with its
status like any other exchange.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from distillguard.gateway.capture import NO_SAFEGUARDS, Captured, Safeguards
from distillguard.gateway.exchange_log import ExchangeLog
from distillguard.gateway.keys import KeyRecord, KeyStore
from distillguard.gateway.metrics import Metrics
from distillguard.gateway.wire import (
    PASSTHROUGH,
    ROUTES,
    WireError,
    error_body,
    error_headers,
    family_of,
)
from distillguard.schema import Event

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("distillguard.gateway.access")
UNAUTHENTICATED = "unauthenticated"
STATUS_CLIENT_CLOSED = 499  # nginx's convention: the client went away mid-answer


@dataclass
class Exchange:
    """Everything one request accumulates on its way through the layers."""

    request_id: str  # the gateway's own, unique: it becomes the event_id
    path: str
    endpoint: str
    family: str
    started: float
    ts: datetime
    ip: str | None = None
    user_agent: str | None = None
    client_request_id: str | None = None  # X-Client-Request-Id / X-Request-Id, as sent
    body: bytes = b""
    request: dict[str, Any] | None = None
    model: str | None = None
    key: KeyRecord | None = None
    status: int = 0
    upstream_s: float = 0.0
    captured: Captured = field(default_factory=Captured)
    safeguards: Safeguards = NO_SAFEGUARDS
    tier: str = ""
    action: str = ""
    risk: float | None = None
    error_code: str = ""
    degraded: bool = False
    disconnected: bool = False
    logged: bool = False
    headers_sent: bool = False
    conversation: tuple[str, str] = ("", "")  # digests for the hand-off map (door.py)

    @property
    def account_id(self) -> str:
        return self.key.account_id if self.key else UNAUTHENTICATED

    def overhead_ms(self) -> float:
        return max(0.0, (time.perf_counter() - self.started - self.upstream_s) * 1000.0)


def exchange_of(scope: Scope) -> Exchange:
    ex: Exchange = scope["distillguard"]
    return ex


async def refuse(send: Send, ex: Exchange, err: WireError) -> None:
    """Answer with the route's own error shape."""
    ex.error_code = err.code
    body = error_body(ex.family, err)
    await send({"type": "http.response.start", "status": err.status,
                "headers": error_headers(err) + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers") or ():
        if k == name:
            try:
                return str(v.decode("latin-1"))
            except UnicodeDecodeError:
                return None
    return None


def ip_prefix(ip: str | None) -> str | None:
    """The address's /24 (IPv4) or /48 (IPv6), as the event's ``ip_prefix``."""
    if not ip:
        return None
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    bits = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


class RequestContext:
    """Request id, X-Distillguard-Overhead-Ms, metrics and one JSON access-log line."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, trust_forwarded: bool = False,
                 replay_clock: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.trust_forwarded = trust_forwarded
        # benchmarks only (never from settings): the event's time from X-Distillguard-Replay-Ts,
        # so a replayed world is logged on its own clock and a hunt of the log sees its days
        self.replay_clock = replay_clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        route = ROUTES.get(path) or PASSTHROUGH.get(path)
        endpoint, family = route if route else ("", family_of(path))
        # The event id is always the gateway's own: a client-chosen id repeated on
        # several requests would make ingest keep one event and drop the rest as duplicates.
        client_rid = _header(scope, b"x-client-request-id") or _header(scope, b"x-request-id")
        ip = None
        if self.trust_forwarded:
            fwd = _header(scope, b"x-forwarded-for")
            ip = fwd.split(",")[0].strip() if fwd else None
        if ip is None and scope.get("client"):
            ip = scope["client"][0]
        ts = datetime.now(UTC)
        if self.replay_clock and (rts := _header(scope, b"x-distillguard-replay-ts")):
            ts = datetime.fromisoformat(rts)
        ex = Exchange(uuid.uuid4().hex, path, endpoint, family, time.perf_counter(), ts,
                      ip=ip, user_agent=_header(scope, b"user-agent"),
                      client_request_id=client_rid[:128] if client_rid else None)
        scope["distillguard"] = ex

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                ex.status = int(message["status"])
                ex.headers_sent = True
                headers = list(message.get("headers") or [])
                headers.append((b"x-request-id", ex.request_id.encode()))
                if ex.client_request_id:
                    headers.append((b"x-client-request-id",
                                    ex.client_request_id.encode("latin-1")))
                headers.append((b"x-distillguard-overhead-ms", f"{ex.overhead_ms():.3f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapped)
        finally:
            if endpoint:
                self._finish(ex)

    def _finish(self, ex: Exchange) -> None:
        total = time.perf_counter() - ex.started
        status = STATUS_CLIENT_CLOSED if ex.disconnected else (ex.status or 500)
        self.metrics.requests.labels(ex.endpoint, str(status)).inc()
        self.metrics.added_latency.observe(max(0.0, total - ex.upstream_s))
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(orjson.dumps({
                "ts": ex.ts.isoformat(), "request_id": ex.request_id,
                "client_request_id": ex.client_request_id, "path": ex.path,
                "account_id": ex.account_id, "key_id": ex.key.key_id if ex.key else None,
                "model": ex.model, "status": status, "tier": ex.tier, "action": ex.action,
                "risk": ex.risk, "error": ex.error_code or None, "degraded": ex.degraded,
                "latency_ms": round(total * 1000, 3),
                "overhead_ms": round(max(0.0, total - ex.upstream_s) * 1000, 3),
            }).decode())


def build_event(ex: Exchange, status: int) -> Event:
    request: dict[str, Any]
    if ex.request is not None:
        request = ex.request
    else:
        # The spec needs an object; keep what arrived so nothing is lost.
        request = {"_distillguard_unparsed": ex.body[:4096].decode("utf-8", "replace"),
                   "_distillguard_error": ex.error_code or "unreadable"}
    cap = ex.captured
    return Event(
        event_id=ex.request_id, ts=ex.ts, account_id=ex.account_id,
        api_key_id=ex.key.key_id if ex.key else None, ip=ex.ip, ip_prefix=ip_prefix(ex.ip),
        user_agent=ex.user_agent, endpoint=ex.endpoint or "chat.completions",
        model=ex.model or "unknown", request=request, response_text=cap.response_text,
        reasoning_text=cap.reasoning_text, prompt_tokens=cap.prompt_tokens,
        completion_tokens=cap.completion_tokens, reasoning_tokens=cap.reasoning_tokens,
        status=min(599, max(100, status)),
        latency_ms=int((time.perf_counter() - ex.started) * 1000),
    )


class ExchangeLogging:
    """Writes the exchange's canonical event before its last byte leaves.

    The final ``http.response.body`` message is held back until the event is
    durable, so a client that got a complete answer implies a logged event.
    Exchanges that end without a final message (client gone, upstream died)
    are logged on the way out with the status they ended with.
    """

    def __init__(self, app: ASGIApp, *, log: ExchangeLog, metrics: Metrics) -> None:
        self.app = app
        self.log = log
        self.metrics = metrics

    async def _write(self, ex: Exchange, status: int) -> None:
        if ex.logged:
            return
        ex.logged = True
        await self.log.append(build_event(ex, status))
        self.metrics.logged.inc()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ex = exchange_of(scope)

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                status = STATUS_CLIENT_CLOSED if ex.disconnected else ex.status
                await self._write(ex, status)
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        except BaseException:
            if not ex.logged:
                status = STATUS_CLIENT_CLOSED if ex.disconnected else (
                    ex.status if ex.status >= 400 else 500)
                # shield: the event must land even when the task is being cancelled
                await asyncio.shield(self._write(ex, status))
            raise
        if not ex.logged:
            status = STATUS_CLIENT_CLOSED if ex.disconnected else (ex.status or 500)
            await self._write(ex, status)


class BodyLimit:
    """Reads the request body, refusing bodies over the limit (413) and
    bodies that are not JSON by content type (415)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ex = exchange_of(scope)
        if scope["method"] != "POST":
            await refuse(send, ex, WireError(405, "method_not_allowed",
                                             f"{scope['method']} is not allowed on {ex.path}"))
            return
        ctype = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            await refuse(send, ex, WireError(
                415, "unsupported_media_type",
                f"content-type must be application/json, got {ctype or 'none'!r}"))
            return
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            await refuse(send, ex, _too_large(self.max_bytes))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                ex.disconnected = True
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                ex.body = b"".join(chunks)[:4096]
                await refuse(send, ex, _too_large(self.max_bytes))
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        ex.body = b"".join(chunks)
        await self.app(scope, receive, send)


def _too_large(limit: int) -> WireError:
    return WireError(413, "request_too_large", f"request body exceeds {limit} bytes")


class Authenticate:
    """Gateway key (``Authorization: Bearer`` or ``x-api-key``) -> account (401 otherwise)."""

    def __init__(self, app: ASGIApp, *, keys: KeyStore) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ex = exchange_of(scope)
        presented = _header(scope, b"x-api-key")
        auth = _header(scope, b"authorization")
        if not presented and auth and auth.lower().startswith("bearer "):
            presented = auth[7:].strip()
        if not presented:
            await refuse(send, ex, WireError(
                401, "missing_api_key",
                "no API key: send a gateway key as 'Authorization: Bearer <key>' or 'x-api-key'"))
            return
        if self.keys.is_cached(presented):
            record = self.keys.verify(presented)
        else:  # a database round trip (PostgreSQL): keep it off the event loop
            record = await asyncio.to_thread(self.keys.verify, presented)
        if record is None:
            await refuse(send, ex, WireError(401, "invalid_api_key",
                                             "the API key is not valid or has been revoked"))
            return
        ex.key = record
        await self.app(scope, receive, send)
