"""Forward an admitted request upstream (httpx, pooled connections) and relay
the answer: JSON answers whole, SSE streams chunk by chunk, capturing what the
client received and applying the review tier's output safeguards.

Upstream failures answer in the route's wire format: 504 on timeout, 502 on a
refused or reset connection or a non-JSON error page; upstream JSON errors
(4xx/5xx) pass through with their status, since the client's SDK understands
them.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from distillguard.gateway.capture import apply_request_safeguards, rewrite_json
from distillguard.gateway.layers import Exchange, Receive, Scope, Send, exchange_of, refuse
from distillguard.gateway.metrics import Metrics
from distillguard.gateway.sse import SseRewriter
from distillguard.gateway.wire import WireError, error_body

_PASS_HEADERS = (b"anthropic-version", b"anthropic-beta", b"openai-beta", b"openai-organization")


def shown_url(url: str | httpx.URL) -> str:
    """An upstream URL fit for messages and logs: no credentials, no trailing slash."""
    u = httpx.URL(str(url))
    if u.userinfo:
        u = u.copy_with(username=None, password=None)
    return str(u).rstrip("/")


async def probe_upstream(client: httpx.AsyncClient, api_key: str, timeout_s: float = 3.0
                         ) -> str:
    """``ok``, or why the upstream cannot be used: any HTTP answer to ``GET /v1/models``
    but a 5xx means it is up (a vendor may refuse the listing to our key)."""
    try:
        resp = await client.get("/v1/models", timeout=timeout_s,
                                headers=upstream_headers({}, "openai", api_key))
    except httpx.HTTPError as exc:
        return f"unreachable: {type(exc).__name__}" + (f": {exc}" if str(exc) else "")
    return "ok" if resp.status_code < 500 else f"answers {resp.status_code}"


def upstream_headers(scope: Scope, family: str, api_key: str) -> dict[str, str]:
    headers = {"content-type": "application/json", "accept-encoding": "identity"}
    for k, v in scope.get("headers") or ():
        if k in _PASS_HEADERS:
            headers[k.decode()] = v.decode("latin-1")
    if api_key:
        if family == "anthropic":
            headers["x-api-key"] = api_key
        else:
            headers["authorization"] = f"Bearer {api_key}"
    if family == "anthropic":
        headers.setdefault("anthropic-version", "2023-06-01")
    return headers


async def _watch_disconnect(receive: Receive, ex: Exchange) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            ex.disconnected = True
            return


class Proxy:
    def __init__(self, *, client: Callable[[], httpx.AsyncClient], metrics: Metrics,
                 api_key: str = "") -> None:
        # The hot path talks to the client's transport directly: AsyncClient.send adds
        # URL merging, auth, cookies, redirects and hooks the proxy hop never uses.
        self.client = client
        self._urls: dict[str, httpx.URL] = {}
        self.metrics = metrics
        self.api_key = api_key
        self.upstream = shown_url(client().base_url)  # named in 502/504s for the operator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ex = exchange_of(scope)
        watcher = asyncio.ensure_future(_watch_disconnect(receive, ex))
        try:
            await self._forward(scope, ex, send)
        finally:
            watcher.cancel()

    def _body(self, ex: Exchange) -> bytes:
        if not ex.safeguards.active or ex.request is None:
            return ex.body
        req = copy.deepcopy(ex.request)  # the log keeps the request as the client sent it
        if apply_request_safeguards(ex.endpoint, req, ex.safeguards):
            return orjson.dumps(req)
        return ex.body

    async def _forward(self, scope: Scope, ex: Exchange, send: Send) -> None:
        client = self.client()
        url = self._urls.get(ex.path)
        if url is None:
            url = self._urls[ex.path] = client.base_url.join(ex.path.lstrip("/"))
        request = httpx.Request("POST", url, content=self._body(ex),
                                headers=upstream_headers(scope, ex.family, self.api_key),
                                extensions={"timeout": client.timeout.as_dict()})
        t0 = time.perf_counter()
        try:
            resp = await client._transport.handle_async_request(request)
        except httpx.TimeoutException:
            ex.upstream_s += time.perf_counter() - t0
            self.metrics.upstream_errors.labels("timeout").inc()
            await refuse(send, ex, WireError(
                504, "upstream_timeout",
                f"the model endpoint {self.upstream} did not answer in time"))
            return
        except httpx.HTTPError as exc:
            ex.upstream_s += time.perf_counter() - t0
            self.metrics.upstream_errors.labels("connection").inc()
            await refuse(send, ex, WireError(
                502, "upstream_unavailable",
                f"the model endpoint {self.upstream} failed: {type(exc).__name__}"))
            return
        ex.upstream_s += time.perf_counter() - t0
        try:
            ctype = resp.headers.get("content-type", "")
            if resp.status_code >= 400:
                await self._error(ex, resp, send)
            elif ctype.startswith("text/event-stream"):
                await self._stream(ex, resp, send)
            else:
                await self._whole(ex, resp, send)
        finally:
            await resp.aclose()

    async def _read(self, ex: Exchange, resp: httpx.Response) -> bytes | None:
        t0 = time.perf_counter()
        try:
            return await resp.aread()
        except httpx.HTTPError:
            self.metrics.upstream_errors.labels("read").inc()
            return None
        finally:
            ex.upstream_s += time.perf_counter() - t0

    async def _error(self, ex: Exchange, resp: httpx.Response, send: Send) -> None:
        kind = "status_5xx" if resp.status_code >= 500 else "status_4xx"
        self.metrics.upstream_errors.labels(kind).inc()
        body = await self._read(ex, resp)
        parsed: Any = None
        if body is not None:
            try:
                parsed = orjson.loads(body)
            except orjson.JSONDecodeError:
                parsed = None
        if isinstance(parsed, dict) and body is not None:
            ex.error_code = f"upstream_{resp.status_code}"
            await send({"type": "http.response.start", "status": resp.status_code,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await refuse(send, ex, WireError(
            502, "upstream_error",
            f"the model endpoint {self.upstream} answered {resp.status_code}"))

    async def _whole(self, ex: Exchange, resp: httpx.Response, send: Send) -> None:
        body = await self._read(ex, resp)
        if body is None:
            await refuse(send, ex, WireError(
                502, "upstream_reset",
                f"the model endpoint {self.upstream} dropped the connection"))
            return
        try:
            obj = orjson.loads(body)
        except orjson.JSONDecodeError:
            obj = None
        if obj is not None and rewrite_json(ex.endpoint, obj, ex.safeguards.reasoning,
                                            ex.captured):
            body = orjson.dumps(obj)
        await send({"type": "http.response.start", "status": resp.status_code,
                    "headers": [(b"content-type",
                                 resp.headers.get("content-type", "application/json").encode()),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def _stream(self, ex: Exchange, resp: httpx.Response, send: Send) -> None:
        rewriter = SseRewriter(ex.endpoint, ex.safeguards.reasoning)
        ex.captured = rewriter.cap
        await send({"type": "http.response.start", "status": resp.status_code,
                    "headers": [(b"content-type", b"text/event-stream"),
                                (b"cache-control", b"no-cache")]})
        chunks = resp.aiter_bytes().__aiter__()
        failed = False
        while not ex.disconnected:
            t0 = time.perf_counter()
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                break
            except httpx.HTTPError:
                failed = True
                break
            finally:
                ex.upstream_s += time.perf_counter() - t0
            out = rewriter.feed(chunk)
            if out and not await self._send_chunk(ex, send, out):
                return
        if ex.disconnected:
            return  # no final message: the logging layer records 499
        tail = rewriter.flush()
        if failed:
            self.metrics.upstream_errors.labels("stream").inc()
            ex.status = 502  # headers already said 200; the log says what happened
            err = WireError(502, "upstream_reset",
                            f"the model endpoint {self.upstream} dropped the stream")
            tail += b"event: error\ndata: " + error_body(ex.family, err) + b"\n\n"
        if tail and not await self._send_chunk(ex, send, tail):
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _send_chunk(self, ex: Exchange, send: Send, data: bytes) -> bool:
        try:
            await send({"type": "http.response.body", "body": data, "more_body": True})
        except OSError:  # the server reports a client that has gone away
            ex.disconnected = True
            return False
        return not ex.disconnected
