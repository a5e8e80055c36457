"""Helpers for TAXII tests: STIX objects to post, and a uvicorn server on a free port."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import httpx
import uvicorn
from starlette.applications import Starlette

from gateway.servers import free_port

COLL = "9c2a3c8e-1f5b-4d7e-8a6b-2f0e1d3c4b5a"
OTHER = "0e8b1d7a-3c2f-4b6e-9d5a-7c1f2e3d4a5b"
TAXII = "application/taxii+json;version=2.1"


def indicator(i: int, modified: str = "2026-05-03T12:00:00.000Z") -> dict[str, Any]:
    return {
        "type": "indicator", "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, str(i))}",
        "created": "2026-05-03T12:00:00.000Z", "modified": modified,
        "name": f"indicator {i}", "pattern_type": "stix", "valid_from": "2026-05-03T12:00:00Z",
        "pattern": f"[ipv4-addr:value = '10.0.{i // 250 % 250}.{i % 250}']",
    }


@contextmanager
def serve(app: Starlette, *, lifespan: Literal["auto", "on", "off"] = "off",
          log_level: str = "error", timeout_s: float = 60.0) -> Iterator[str]:
    """Run ``app`` under uvicorn on a loopback port in a thread; yields the base URL.
    ``timeout_s`` only bounds a start that never comes: the wait ends when uvicorn says
    it has started, which on a busy machine may take many seconds."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level=log_level, lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class SyncASGITransport(httpx.BaseTransport):
    """Drive an ASGI app in-process from a synchronous httpx client."""

    def __init__(self, app: Starlette) -> None:
        self._inner = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def go() -> httpx.Response:
            resp = await self._inner.handle_async_request(request)
            body = await resp.aread()
            return httpx.Response(resp.status_code, headers=resp.headers, content=body)

        return asyncio.run(go())


def asgi_client(app: Starlette, headers: dict[str, str]) -> httpx.Client:
    return httpx.Client(transport=SyncASGITransport(app), base_url="http://taxii.test",
                        headers=headers)
