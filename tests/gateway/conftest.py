"""Fixtures: a gateway in front of the stub upstream, in process (no network)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
import pytest

from distillguard.gateway import Gateway, KeyStore, StubUpstream
from distillguard.gateway.policy import Policy, parse_policy
from distillguard.gateway.state import RedisState
from distillguard.schema import Event
from distillguard.settings import Settings

from .servers import REDIS_TIMEOUT_S, REDIS_URL

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


OPEN_POLICY = """
version: 1
limits: {}
"""


def make_gateway(settings: Settings, tmp_path: Path, *, policy: Policy | str | None = OPEN_POLICY,
                 transport: httpx.AsyncBaseTransport | None = None,
                 stub: StubUpstream | None = None, **kwargs: Any) -> Gateway:
    if isinstance(policy, str):
        policy = parse_policy(policy, "<test>")
    s = settings.with_overrides(
        gateway_upstream_url="http://upstream.test", gateway_fsync="never",
        database_url=f"sqlite:///{tmp_path / 'keys.db'}",
        **kwargs.pop("overrides", {}))
    if transport is None:
        transport = httpx.ASGITransport(app=stub or StubUpstream())
    return Gateway(s, transport=transport, policy=policy, log_dir=tmp_path / "log",
                   replica="test", **kwargs)


def client(gw: Gateway) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=gw.app),
                             base_url="http://gateway.test")


def logged(gw: Gateway) -> list[Event]:
    out = []
    for path in gw.log.files():
        for line in path.read_bytes().splitlines():
            out.append(Event.from_mapping(orjson.loads(line)))
    return out


def chat(text: str = "hello there", **extra: Any) -> dict[str, Any]:
    return {"model": "stub-chat", "messages": [{"role": "user", "content": text}], **extra}


@pytest.fixture
def keystore(tmp_path: Path) -> Iterator[KeyStore]:
    ks = KeyStore(f"sqlite:///{tmp_path / 'keys.db'}")
    yield ks
    ks.close()


@pytest.fixture
def redis_prefix() -> str:
    return f"dgtest:{uuid.uuid4().hex[:10]}:"


@contextlib.asynccontextmanager
async def redis_state(prefix: str) -> AsyncIterator[RedisState]:
    """Online state on the test Redis, its keys deleted and its sockets closed whatever
    the test does (a socket left open fails a later test on its ResourceWarning)."""
    state = RedisState(REDIS_URL, prefix=prefix, timeout_s=REDIS_TIMEOUT_S)
    try:
        yield state
    finally:
        try:
            await state.clear()
        finally:
            await state.aclose()
