"""Assemble the gateway: the layer stack for the model routes, ``/v1/models``,
and the operations routes (``/healthz``, ``/readyz``, ``/metrics``,
``/openapi.json``, ``/admin/reload``, ``/admin/status``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from distillguard.gateway.door import Door, RedisChannel
from distillguard.gateway.enforce import Enforce, Runtime, make_runtime
from distillguard.gateway.exchange_log import ExchangeLog, RedisStreamSink
from distillguard.gateway.keys import KeyStore
from distillguard.gateway.layers import (
    ASGIApp,
    Authenticate,
    BodyLimit,
    ExchangeLogging,
    Receive,
    RequestContext,
    Scope,
    Send,
    exchange_of,
    refuse,
)
from distillguard.gateway.metrics import Metrics
from distillguard.gateway.openapi import openapi_spec
from distillguard.gateway.policy import Policy, load_policy
from distillguard.gateway.proxy import Proxy, probe_upstream, shown_url, upstream_headers
from distillguard.gateway.signals import SignalFn, default_signal_fn
from distillguard.gateway.state import StateStore, make_state
from distillguard.gateway.transport import FastTransport
from distillguard.gateway.wire import PASSTHROUGH, ROUTES, WireError
from distillguard.schema.errors import DistillguardError, ForbiddenError
from distillguard.settings import Settings

log = logging.getLogger("distillguard.gateway")
ROTATE_EVERY_S = 3600.0


class Gateway:
    """One gateway instance; ``gateway.app`` is the ASGI application."""

    def __init__(
        self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None,
        keys: KeyStore | None = None, state: StateStore | None = None,
        policy: Policy | None = None, signal_fn: SignalFn | None = None,
        verdicts: str = "", blocklists: tuple[str, ...] = (), replica: str = "",
        log_dir: Path | None = None, trust_forwarded: bool = False, door: Door | None = None,
        replay_clock: bool = False,
    ) -> None:
        self.settings = settings
        self._policy_override = policy
        self._verdicts = verdicts
        self._blocklists = blocklists
        self.runtime: Runtime = make_runtime(policy or load_policy(settings.gateway_policy),
                                             verdicts, blocklists)
        self.keys = keys or KeyStore(settings.effective_database_url)
        self.state = state or make_state(settings.gateway_state, settings.redis_url,
                                         timeout_s=settings.redis_timeout_s)
        self.log = ExchangeLog(log_dir or settings.data_dir / "gateway" / "log",
                               fsync=settings.gateway_fsync, replica=replica)
        if settings.gateway_log_stream:
            self.log.stream = RedisStreamSink(settings.redis_url, settings.gateway_log_stream,
                                              timeout_s=settings.redis_timeout_s)
        self.metrics = Metrics()
        self._transport = transport
        self.client = self._new_client()
        self._rotator: asyncio.Task[None] | None = None
        self.door = door or make_door(settings)
        proxy = Proxy(client=lambda: self.client, metrics=self.metrics,
                      api_key=settings.gateway_upstream_api_key)
        enforce = Enforce(proxy, runtime=lambda: self.runtime, state=self.state,
                          signal_fn=signal_fn or default_signal_fn(), metrics=self.metrics,
                          fail_mode=settings.gateway_fail_mode, door=self.door)
        model_stack = ExchangeLogging(
            BodyLimit(Authenticate(enforce, keys=self.keys),
                      max_bytes=settings.gateway_max_body_bytes),
            log=self.log, metrics=self.metrics)
        models = Authenticate(self._models, keys=self.keys)
        # count_tokens: authenticated and forwarded; no model output, so no event
        passthrough = BodyLimit(Authenticate(proxy, keys=self.keys),
                                max_bytes=settings.gateway_max_body_bytes)
        self.ops = self._ops_app()
        self.app: ASGIApp = RequestContext(
            _Router(model_stack, models, passthrough, self.ops,
                    frozenset(getattr(r, "path", "") for r in self.ops.routes)),
            metrics=self.metrics,
            trust_forwarded=trust_forwarded, replay_clock=replay_clock)

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.settings.gateway_upstream_url,
            transport=self._transport or _default_transport(self.settings.gateway_upstream_url),
            timeout=httpx.Timeout(self.settings.gateway_upstream_timeout_s),
            limits=httpx.Limits(max_connections=1000, max_keepalive_connections=200),
        )

    # -- what the operator sees ---------------------------------------------------------

    @property
    def upstream(self) -> str:
        return shown_url(self.settings.gateway_upstream_url)

    async def check_upstream(self, timeout_s: float = 3.0) -> str:
        """Probe the upstream on a client of its own (callable before the server's loop)."""
        async with httpx.AsyncClient(base_url=self.settings.gateway_upstream_url) as c:
            return await probe_upstream(c, self.settings.gateway_upstream_api_key, timeout_s)

    def startup_line(self, host: str, port: int, upstream_status: str) -> str:
        """One line saying what this gateway is in front of, and with what."""
        s = self.settings
        state = ("memory (this process only)" if s.gateway_state == "memory"
                 else f"redis {shown_url(s.redis_url)}")
        extra = f", verdicts {self._verdicts}" if self._verdicts else ""
        if self._blocklists:
            extra += f", blocklists {', '.join(self._blocklists)}"
        return (f"distillguard gateway on http://{host}:{port} -> upstream {self.upstream} "
                f"({upstream_status}); state {state}, fail-{s.gateway_fail_mode}; "
                f"policy {self.runtime.policy.source}{extra}; "
                f"keys {_shown_db(s.effective_database_url)}; log {self.log.directory.resolve()}")

    # -- reload -----------------------------------------------------------------------------

    def reload(self) -> dict[str, Any]:
        """Re-read the policy file and the verdict sources; swap them in whole."""
        policy = self._policy_override or load_policy(self.settings.gateway_policy)
        self.runtime = make_runtime(policy, self._verdicts, self._blocklists)
        self.metrics.reloads.inc()
        log.info(orjson.dumps({"event": "reload", "policy": policy.source,
                               "sources": self.runtime.book.status()}).decode())
        return {"policy": policy.source, "sources": self.runtime.book.status()}

    # -- lifecycle --------------------------------------------------------------------------

    def start_background(self) -> None:
        if self._rotator is None:
            self._rotator = asyncio.get_running_loop().create_task(self._rotate_loop())
        if self.door is not None:
            self.door.start()

    async def _rotate_loop(self) -> None:
        while True:
            try:
                for r in await asyncio.to_thread(self.log.rotate):
                    log.info(orjson.dumps({"event": "rotated", "day": r.day,
                                           "parquet": r.parquet, "events": r.events,
                                           "quarantined": r.quarantined}).decode())
            except OSError as exc:
                log.error("exchange-log rotation failed: %s", exc)
            await asyncio.sleep(ROTATE_EVERY_S)

    async def aclose(self) -> None:
        if self._rotator is not None:
            self._rotator.cancel()
            self._rotator = None
        if self.door is not None:
            await self.door.aclose()
        await self.client.aclose()
        await self.log.aclose()
        await self.state.aclose()

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        if self.client.is_closed:  # a server that restarts the app in process
            self.client = self._new_client()
        self.start_background()
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, self.reload)
        try:
            yield
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGHUP)
            await self.aclose()

    # -- routes -----------------------------------------------------------------------------

    async def _models(self, scope: Scope, receive: Receive, send: Send) -> None:
        ex = exchange_of(scope)
        try:
            resp = await self.client.get("/v1/models", headers=upstream_headers(
                scope, "openai", self.settings.gateway_upstream_api_key))
        except httpx.HTTPError as exc:
            self.metrics.upstream_errors.labels("connection").inc()
            await refuse(send, ex, WireError(
                502, "upstream_unavailable",
                f"the model endpoint {self.upstream} failed: {type(exc).__name__}"))
            return
        body = resp.content
        allowed = self.runtime.policy.models
        if resp.status_code == 200 and allowed:
            obj = orjson.loads(body)
            obj["data"] = [m for m in obj.get("data", []) if m.get("id") in allowed]
            body = orjson.dumps(obj)
        await send({"type": "http.response.start", "status": resp.status_code,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _ops_app(self) -> Starlette:
        async def healthz(request: Request) -> Response:
            return JSONResponse({"status": "ok"})

        async def readyz(request: Request) -> Response:
            checks: dict[str, Any] = {}
            try:
                await asyncio.to_thread(self.keys.list, "__readyz__")
                checks["key_store"] = "ok"
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                checks["key_store"] = f"error: {exc}"
            state_ok = await self.state.ping()
            checks["state"] = "ok" if state_ok else (
                "down (fail-open)" if self.settings.gateway_fail_mode == "open" else "down")
            checks["exchange_log"] = "ok" if self.log.directory.is_dir() else "missing"
            checks["upstream"] = await probe_upstream(
                self.client, self.settings.gateway_upstream_api_key, timeout_s=2.0)
            ready = all(checks[k] == "ok" for k in ("key_store", "exchange_log", "upstream")) and (
                state_ok or self.settings.gateway_fail_mode == "open")
            return JSONResponse({"ready": ready, "upstream": self.upstream, "checks": checks},
                                status_code=200 if ready else 503)

        async def metrics(request: Request) -> Response:
            return Response(self.metrics.render(),
                            media_type="text/plain; version=0.0.4; charset=utf-8")

        async def openapi(request: Request) -> Response:
            return JSONResponse(openapi_spec(self.runtime.policy.models))

        def admin_only(request: Request) -> None:
            token = self.settings.gateway_admin_token
            auth = request.headers.get("authorization", "")
            if not (token and hmac.compare_digest(auth.encode(), f"Bearer {token}".encode())):
                raise ForbiddenError("admin token required (DISTILLGUARD_GATEWAY_ADMIN_TOKEN)")

        async def reload(request: Request) -> Response:
            admin_only(request)
            # a policy that fails to load is the one error shape; the old policy stays
            return JSONResponse({"reloaded": True, **self.reload()})

        async def status(request: Request) -> Response:
            admin_only(request)
            return JSONResponse({"policy": self.runtime.policy.source,
                                 "sources": self.runtime.book.status(),
                                 "logged": self.log.written, "replica": self.log.replica,
                                 "book": self.door.status() if self.door else None})

        return Starlette(routes=[
            Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics),
            Route("/openapi.json", openapi), Route("/admin/reload", reload, methods=["POST"]),
            Route("/admin/status", status),
        ], lifespan=self.lifespan, exception_handlers={DistillguardError: _error_response})


async def _error_response(_request: Request, exc: Exception) -> Response:
    """The one JSON error shape for the operations routes, registered once."""
    assert isinstance(exc, DistillguardError)
    return JSONResponse(exc.to_dict(), status_code=exc.http_status)


def _shown_db(url: str) -> str:
    path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
    if path and path != ":memory:":
        return "sqlite:///" + str(Path(path).resolve())
    return shown_url(url)


def _default_transport(url: str) -> httpx.AsyncBaseTransport | None:
    # the lean transport for plain-http upstreams (a local vLLM, a sidecar); httpx's own
    # for https, where TLS and HTTP/2 matter more than the last millisecond
    return FastTransport() if url.startswith("http://") else None


class _Router:
    def __init__(self, model_stack: ASGIApp, models: ASGIApp, passthrough: ASGIApp,
                 ops: ASGIApp, ops_paths: frozenset[str]) -> None:
        self.model_stack = model_stack
        self.models = models
        self.passthrough = passthrough
        self.ops = ops
        self.ops_paths = ops_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path in ROUTES:
                await self.model_stack(scope, receive, send)
                return
            if path in PASSTHROUGH:
                await self.passthrough(scope, receive, send)
                return
            if path == "/v1/models":
                if scope["method"] != "GET":
                    await refuse(send, exchange_of(scope), WireError(
                        405, "method_not_allowed", "use GET /v1/models"))
                    return
                await self.models(scope, receive, send)
                return
            if path not in self.ops_paths:
                # an SDK parses its own error shape only: answer unknown routes in it
                await refuse(send, exchange_of(scope), WireError(
                    404, "unknown_route", f"Invalid URL ({scope['method']} {path})"))
                return
        await self.ops(scope, receive, send)


def make_door(settings: Settings) -> Door | None:
    """The door that follows a continuous hunt's book (``GATEWAY_BOOK=redis``), or none."""
    if settings.gateway_book != "redis":
        return None
    return Door(RedisChannel(settings.redis_url, prefix=settings.gateway_book_prefix,
                             timeout_s=settings.redis_timeout_s),
                poll_s=settings.gateway_book_poll_s,
                quiet_requests=settings.gateway_link_quiet_requests,
                handoff_ttl_s=settings.gateway_handoff_ttl_s)


def build_gateway(settings: Settings, **kwargs: Any) -> Gateway:
    return Gateway(settings, **kwargs)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; access-log records are JSON already and pass as is."""

    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        if msg.startswith("{") and msg.endswith("}"):
            head = orjson.dumps({"level": record.levelname.lower(), "logger": record.name})
            return head[:-1].decode() + "," + msg[1:]
        return orjson.dumps({"level": record.levelname.lower(), "logger": record.name,
                             "msg": msg}).decode()


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("distillguard")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
