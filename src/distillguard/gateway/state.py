"""Online state: token buckets and per-account running sums of request
features, in process (one replica) or in Redis (several replicas).

Replicas that each keep their own buckets let a client through at N times the
configured rate, which is how the popular gateways overshoot. Here every
bucket lives in Redis and one Lua script checks and debits all the buckets a
request touches (account, key, org) atomically, using Redis' clock, so the
limit holds whatever the number of replicas.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

BUCKET_PREFIX = "dg:tb:"
ACCOUNT_PREFIX = "dg:acct:"
MINUTE_PREFIX = "dg:rpm:"


class StateUnavailable(Exception):
    """The state store cannot be reached; the fail mode decides what happens."""


@dataclass(frozen=True, slots=True)
class Bucket:
    key: str  # e.g. "account:a1", "key:k1", "org:o1"
    rate: float  # tokens per second
    burst: float
    cost: float = 1.0


@dataclass(frozen=True, slots=True)
class TakeResult:
    allowed: bool
    retry_after_s: float = 0.0
    limited_by: str = ""


@dataclass(frozen=True, slots=True)
class AccountState:
    """Running sums for one account after the current request was added."""

    n: float
    sums: Mapping[str, float]
    rpm: float  # requests in the last ~minute

    def mean(self, name: str) -> float:
        return self.sums.get(name, 0.0) / self.n if self.n else 0.0


class StateStore(Protocol):
    async def take(self, buckets: Sequence[Bucket]) -> TakeResult: ...

    async def observe(self, account_id: str, obs: Mapping[str, float]) -> AccountState: ...

    async def observe_and_take(self, account_id: str, obs: Mapping[str, float],
                               buckets: Sequence[Bucket]) -> tuple[AccountState, TakeResult]:
        """Both in one go (one Redis round trip on the hot path)."""
        ...

    async def ping(self) -> bool: ...

    async def aclose(self) -> None: ...


def _rpm(cur: float, prev: float, frac: float) -> float:
    # sliding window over two fixed minutes: the previous one weighted by how
    # much of it still lies inside the last 60 s
    return cur + prev * (1.0 - frac)


class MemoryState:
    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._sums: dict[str, dict[str, float]] = {}
        self._minutes: dict[str, tuple[int, float, float]] = {}

    async def take(self, buckets: Sequence[Bucket]) -> TakeResult:
        now = time.monotonic()
        levels = []
        wait, blocked = 0.0, ""
        for b in buckets:
            tokens, ts = self._buckets.get(b.key, (b.burst, now))
            tokens = min(b.burst, tokens + max(0.0, now - ts) * b.rate)
            levels.append(tokens)
            if tokens < b.cost:
                w = (b.cost - tokens) / b.rate if b.rate > 0 else 3600.0
                if w > wait:
                    wait, blocked = w, b.key
        if blocked:
            return TakeResult(False, wait, blocked)
        for b, tokens in zip(buckets, levels, strict=True):
            self._buckets[b.key] = (tokens - b.cost, now)
        return TakeResult(True)

    async def observe(self, account_id: str, obs: Mapping[str, float]) -> AccountState:
        sums = self._sums.setdefault(account_id, {"n": 0.0})
        sums["n"] += 1.0
        for k, v in obs.items():
            sums[k] = sums.get(k, 0.0) + v
        now = time.time()
        minute = int(now // 60)
        m, cur, prev = self._minutes.get(account_id, (minute, 0.0, 0.0))
        if m != minute:
            prev = cur if m == minute - 1 else 0.0
            cur = 0.0
        cur += 1.0
        self._minutes[account_id] = (minute, cur, prev)
        return AccountState(sums["n"], dict(sums), _rpm(cur, prev, (now % 60) / 60))

    async def observe_and_take(self, account_id: str, obs: Mapping[str, float],
                               buckets: Sequence[Bucket]) -> tuple[AccountState, TakeResult]:
        return await self.observe(account_id, obs), await self.take(buckets)

    async def ping(self) -> bool:
        return True

    async def aclose(self) -> None:
        return None


# Token buckets, shared by both scripts. Bucket i (1..nb) has KEYS[i] and its
# (rate, burst, cost) at ARGV[(i - 1) * 3 + @B@ ..]; @B@ is where they start.
# CHECK refills every bucket and finds the one that limits; COMMIT takes the
# cost from all of them (only called when none limits: all or nothing).
_BUCKETS_CHECK_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local levels = {}
local wait = 0
local blocked = 0
for i = 1, nb do
  local rate = tonumber(ARGV[(i - 1) * 3 + @B@])
  local burst = tonumber(ARGV[(i - 1) * 3 + @B@ + 1])
  local cost = tonumber(ARGV[(i - 1) * 3 + @B@ + 2])
  local v = redis.call('HMGET', KEYS[i], 't', 'ts')
  local tokens = tonumber(v[1])
  local ts = tonumber(v[2])
  if tokens == nil or ts == nil then tokens = burst; ts = now end
  local elapsed = now - ts
  if elapsed < 0 then elapsed = 0 end
  tokens = math.min(burst, tokens + elapsed * rate)
  levels[i] = tokens
  if tokens < cost then
    local w = 3600
    if rate > 0 then w = (cost - tokens) / rate end
    if w > wait then wait = w; blocked = i end
  end
end
"""

_BUCKETS_COMMIT_LUA = """
for i = 1, nb do
  local rate = tonumber(ARGV[(i - 1) * 3 + @B@])
  local burst = tonumber(ARGV[(i - 1) * 3 + @B@ + 1])
  local cost = tonumber(ARGV[(i - 1) * 3 + @B@ + 2])
  redis.call('HSET', KEYS[i], 't', tostring(levels[i] - cost), 'ts', tostring(now))
  local ttl = 60000
  if rate > 0 then ttl = math.ceil(burst / rate * 1000) + 1000 end
  redis.call('PEXPIRE', KEYS[i], ttl)
end
"""


def _buckets(fragment: str, base: int) -> str:
    return fragment.replace("@B@", str(base))


# KEYS: bucket keys. ARGV: per bucket (rate, burst, cost).
# Returns {allowed, wait seconds as string, index of the limiting bucket}.
TAKE_LUA = (
    "local nb = #KEYS\n"
    + _buckets(_BUCKETS_CHECK_LUA, 1)
    + "if blocked > 0 then\n  return {0, tostring(wait), blocked}\nend\n"
    + _buckets(_BUCKETS_COMMIT_LUA, 1)
    + "return {1, '0', 0}\n"
)


# Buckets as TAKE_LUA, plus the account's running sums and minute counters.
# KEYS: nb bucket keys, then the account hash, this minute's and last minute's counter.
# ARGV: nb, account ttl, 3 per bucket, then (name, value) pairs to add.
OBSERVE_TAKE_LUA = (
    "local nb = tonumber(ARGV[1])\nlocal ttl_account = tonumber(ARGV[2])\n"
    + _buckets(_BUCKETS_CHECK_LUA, 3)
    + "local allowed = 0\nif blocked == 0 then\n  allowed = 1\n"
    + _buckets(_BUCKETS_COMMIT_LUA, 3)
    + """end
local akey = KEYS[nb + 1]
redis.call('HINCRBYFLOAT', akey, 'n', 1)
local j = nb * 3 + 3
while j < #ARGV do
  redis.call('HINCRBYFLOAT', akey, ARGV[j], ARGV[j + 1])
  j = j + 2
end
redis.call('EXPIRE', akey, ttl_account)
local cur = redis.call('INCR', KEYS[nb + 2])
redis.call('EXPIRE', KEYS[nb + 2], 130)
local prev = redis.call('GET', KEYS[nb + 3]) or '0'
return {allowed, tostring(wait), blocked, cur, prev, redis.call('HGETALL', akey)}
"""
)


class RedisState:
    """State in Redis; every call is one round trip (a script or a pipeline)."""

    def __init__(self, url: str, *, prefix: str = "", timeout_s: float = 0.5,
                 account_ttl_s: int = 7 * 86400, max_connections: int = 32) -> None:
        import redis.asyncio as aioredis

        self.prefix = prefix
        self.account_ttl_s = account_ttl_s
        # bounded: a burst of requests waits for a connection instead of opening hundreds
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=timeout_s,
            socket_connect_timeout=timeout_s, socket_timeout=timeout_s,
            health_check_interval=0, retry_on_timeout=False)
        self._redis: Any = aioredis.Redis(connection_pool=pool)
        self._take = self._redis.register_script(TAKE_LUA)
        self._observe_take = self._redis.register_script(OBSERVE_TAKE_LUA)

    async def _call(self, coro: Any) -> Any:
        import redis.exceptions

        try:
            return await coro
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError,
                TimeoutError) as exc:
            raise StateUnavailable(str(exc)) from exc

    async def take(self, buckets: Sequence[Bucket]) -> TakeResult:
        if not buckets:
            return TakeResult(True)
        keys = [f"{self.prefix}{BUCKET_PREFIX}{b.key}" for b in buckets]
        args: list[float] = []
        for b in buckets:
            args += [b.rate, b.burst, b.cost]
        allowed, wait, idx = await self._call(self._take(keys=keys, args=args))
        if int(allowed):
            return TakeResult(True)
        return TakeResult(False, float(wait), buckets[int(idx) - 1].key)

    async def observe(self, account_id: str, obs: Mapping[str, float]) -> AccountState:
        key = f"{self.prefix}{ACCOUNT_PREFIX}{account_id}"
        now = time.time()
        minute = int(now // 60)
        mkey = f"{self.prefix}{MINUTE_PREFIX}{account_id}:"
        pipe = self._redis.pipeline(transaction=False)
        pipe.hincrbyfloat(key, "n", 1.0)
        for k, v in obs.items():
            if v:
                pipe.hincrbyfloat(key, k, float(v))
        pipe.expire(key, self.account_ttl_s)
        pipe.incr(mkey + str(minute))
        pipe.expire(mkey + str(minute), 130)
        pipe.get(mkey + str(minute - 1))
        pipe.hgetall(key)
        res = await self._call(pipe.execute())
        raw = res[-1]
        sums = {k.decode(): float(v) for k, v in raw.items()}
        cur = float(res[-4])
        prev = float(res[-2] or 0)
        return AccountState(sums.get("n", 1.0), sums, _rpm(cur, prev, (now % 60) / 60))

    async def observe_and_take(self, account_id: str, obs: Mapping[str, float],
                               buckets: Sequence[Bucket]) -> tuple[AccountState, TakeResult]:
        now = time.time()
        minute = int(now // 60)
        mkey = f"{self.prefix}{MINUTE_PREFIX}{account_id}:"
        keys = [f"{self.prefix}{BUCKET_PREFIX}{b.key}" for b in buckets]
        keys += [f"{self.prefix}{ACCOUNT_PREFIX}{account_id}", mkey + str(minute),
                 mkey + str(minute - 1)]
        args: list[Any] = [len(buckets), self.account_ttl_s]
        for b in buckets:
            args += [b.rate, b.burst, b.cost]
        for k, v in obs.items():
            if v:
                args += [k, float(v)]
        allowed, wait, idx, cur, prev, flat = await self._call(
            self._observe_take(keys=keys, args=args))
        sums = {flat[i].decode(): float(flat[i + 1]) for i in range(0, len(flat), 2)}
        state = AccountState(sums.get("n", 1.0), sums,
                             _rpm(float(cur), float(prev or 0), (now % 60) / 60))
        if int(allowed):
            return state, TakeResult(True)
        return state, TakeResult(False, float(wait), buckets[int(idx) - 1].key)

    async def ping(self) -> bool:
        try:
            return bool(await self._call(self._redis.ping()))
        except StateUnavailable:
            return False

    async def aclose(self) -> None:
        await self._redis.aclose(close_connection_pool=True)
        await self._redis.connection_pool.disconnect()

    async def clear(self) -> None:
        """Delete every key under this store's prefix (tests and benchmarks)."""
        if not self.prefix:
            raise ValueError("refusing to clear a store without a prefix")
        keys = [k async for k in self._redis.scan_iter(match=self.prefix + "*", count=500)]
        if keys:
            await self._call(self._redis.delete(*keys))


def make_state(kind: str, redis_url: str, *, prefix: str = "", timeout_s: float = 0.5
               ) -> StateStore:
    if kind == "redis":
        return RedisState(redis_url, prefix=prefix, timeout_s=timeout_s)
    return MemoryState()
