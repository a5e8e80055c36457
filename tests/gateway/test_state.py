"""Online state in Redis: buckets that hold across replicas, account sums,
and the fail-open / fail-closed behaviour when the store is down."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from distillguard.gateway.state import Bucket, MemoryState, RedisState, StateUnavailable
from distillguard.settings import Settings

from .conftest import chat, client, logged, make_gateway, redis_state, run
from .servers import REDIS_TIMEOUT_S, REDIS_URL

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.mark.redis
def test_buckets_hold_across_replicas(redis_prefix: str) -> None:
    async def go() -> int:
        # Atomicity is under test, not speed (REDIS_TIMEOUT_S), and the replicas are
        # cleared and closed whatever happens.
        async with contextlib.AsyncExitStack() as stack:
            replicas = [await stack.enter_async_context(redis_state(redis_prefix))
                        for _ in range(3)]
            buckets = [Bucket("account:a", 0.001, 25), Bucket("org:o", 0.001, 1000)]
            results = await asyncio.gather(*(replicas[i % 3].take(buckets)
                                             for i in range(120)))
        return sum(1 for r in results if r.allowed)

    assert run(go()) == 25  # exactly the burst, not 3x it


@pytest.mark.redis
def test_a_denied_request_debits_no_bucket(redis_prefix: str) -> None:
    async def go() -> tuple[bool, bool, str]:
        async with redis_state(redis_prefix) as s:
            key_bucket = Bucket("key:k", 0.001, 1)
            first = await s.take([Bucket("account:a", 0.001, 5), key_bucket])
            denied = await s.take([Bucket("account:a", 0.001, 5), key_bucket])
            other_key = await s.take([Bucket("account:a", 0.001, 5),
                                      Bucket("key:k2", 0.001, 1)])
        assert first.allowed
        return denied.allowed, other_key.allowed, denied.limited_by

    denied, other, by = run(go())
    assert (denied, other, by) == (False, True, "key:k")


@pytest.mark.redis
def test_account_sums_match_memory(redis_prefix: str) -> None:
    async def go() -> tuple[float, float, float, float]:
        m = MemoryState()
        async with redis_state(redis_prefix) as r:
            for i in range(10):
                obs = {"reasoning_coercion": float(i % 2), "logprobs": 1.0}
                rs = await r.observe("acct", obs)
                ms = await m.observe("acct", obs)
        return rs.mean("reasoning_coercion"), ms.mean("reasoning_coercion"), rs.rpm, ms.rpm

    r_mean, m_mean, r_rpm, m_rpm = run(go())
    assert r_mean == m_mean == 0.5
    assert r_rpm >= 10 and m_rpm >= 10


def test_unreachable_store_raises_state_unavailable() -> None:
    async def go() -> None:
        s = RedisState(CLOSED_PORT)
        try:
            with pytest.raises(StateUnavailable):
                await s.take([Bucket("account:a", 1, 1)])
            assert await s.ping() is False
        finally:
            await s.aclose()

    run(go())


@pytest.mark.parametrize("mode,status", [("open", 200), ("closed", 503)])
def test_fail_mode_when_redis_is_down(settings: Settings, tmp_path: Path, mode: str,
                                      status: int) -> None:
    gw = make_gateway(settings, tmp_path, state=RedisState(CLOSED_PORT),
                      policy="limits: {account: {rate: 1, burst: 1}}\n",
                      overrides={"gateway_fail_mode": mode, "gateway_state": "redis"})
    key = gw.keys.create("acct")

    async def go() -> tuple[int, int, int]:
        async with client(gw) as c:
            r = await c.post("/v1/messages", json={
                "model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
                headers={"x-api-key": key.secret})
            ready = await c.get("/readyz")
            health = await c.get("/healthz")
        await gw.aclose()
        if status == 503:
            assert r.json()["error"]["code"] == "state_unavailable"
            assert r.json()["type"] == "error"  # Anthropic shape on the messages route
        return r.status_code, ready.status_code, health.status_code

    assert run(go()) == (status, 200 if mode == "open" else 503, 200)
    (ev,) = logged(gw)
    assert ev.status == status
    assert f'fail_mode="{mode}"' in gw.metrics.render().decode()


@pytest.mark.redis
def test_gateway_on_redis_state(settings: Settings, tmp_path: Path, redis_prefix: str) -> None:
    async def go() -> list[int]:
        async with redis_state(redis_prefix) as state:
            gw = make_gateway(settings, tmp_path, state=state,
                              policy="limits: {account: {rate: 0.01, burst: 2}}\n")
            key = gw.keys.create("acct")
            try:
                async with client(gw) as c:
                    return [(await c.post("/v1/chat/completions", json=chat(),
                                          headers={"x-api-key": key.secret})).status_code
                            for _ in range(3)]
            finally:
                await gw.aclose()

    assert run(go()) == [200, 200, 429]


@pytest.mark.redis
def test_observe_and_take_in_one_round_trip_matches_memory(redis_prefix: str) -> None:
    async def go() -> list[tuple[float, float, bool]]:
        m = MemoryState()
        out = []
        async with redis_state(redis_prefix) as r:
            for i in range(6):
                obs = {"reasoning_coercion": float(i % 2), "single_turn": 1.0}
                for store in (r, m):
                    state, take = await store.observe_and_take(
                        "acct", obs, [Bucket("account:acct", 0.001, 4)])
                    out.append((state.n, state.mean("reasoning_coercion"), take.allowed))
        return out

    rows = run(go())
    assert rows[0::2] == rows[1::2]  # redis == memory, request by request
    assert [allowed for _, _, allowed in rows[0::2]] == [True] * 4 + [False] * 2
    assert rows[-1][:2] == (6.0, 0.5)


@pytest.mark.redis
def test_events_also_go_to_a_redis_stream(settings: Settings, tmp_path: Path,
                                          redis_prefix: str) -> None:
    import orjson
    import redis

    from distillguard.schema import Event

    stream = f"{redis_prefix}exchanges"
    gw = make_gateway(settings, tmp_path, overrides={"gateway_log_stream": stream,
                                                     "redis_url": REDIS_URL,
                                                     "redis_timeout_s": REDIS_TIMEOUT_S})
    key = gw.keys.create("acct-s")

    async def go() -> list[int]:
        try:
            async with client(gw) as c:
                codes = [(await c.post("/v1/chat/completions", json=chat(f"q{i}"),
                                       headers={"x-api-key": key.secret})).status_code
                         for i in range(2)]
                codes.append((await c.post("/v1/chat/completions", content=b"{",
                                           headers={"x-api-key": key.secret,
                                                    "content-type": "application/json"})
                              ).status_code)
        finally:
            await gw.aclose()
        return codes

    assert run(go()) == [200, 200, 400]
    r = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=REDIS_TIMEOUT_S,
                             socket_timeout=REDIS_TIMEOUT_S)
    try:
        entries = r.xrange(stream)
        events = [Event.from_mapping(orjson.loads(fields[b"event"])) for _, fields in entries]
    finally:
        r.delete(stream)
        r.close()
    assert [e.status for e in events] == [200, 200, 400]
    assert [e.event_id for e in events] == [e.event_id for e in logged(gw)]


def test_stream_down_still_answers_and_logs_to_file(settings: Settings, tmp_path: Path) -> None:
    gw = make_gateway(settings, tmp_path, overrides={"gateway_log_stream": "s",
                                                     "redis_url": CLOSED_PORT})
    key = gw.keys.create("acct-s")

    async def go() -> int:
        async with client(gw) as c:
            r = await c.post("/v1/chat/completions", json=chat(),
                             headers={"x-api-key": key.secret})
        assert gw.log.stream is not None and gw.log.stream.failures == 1
        await gw.aclose()
        return r.status_code

    assert run(go()) == 200
    assert len(logged(gw)) == 1
