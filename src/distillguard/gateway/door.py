"""The door: published verdicts, linkage of new accounts to known campaigns,
and conversations that move to another account right after a refusal.

A :class:`Channel` carries the continuous hunt's :class:`LinkBook` to every
replica: ``MemoryChannel`` within one process, ``RedisChannel`` across
replicas. Publication is versioned and atomic: the book is stored under its
version, then the version key is moved to it in one ``MULTI``; replicas poll
the version key (one ``GET`` every ``poll_s``, off the request path) and swap
the whole book when it changes. Accounts linked at the door are remembered
(``linked``) so they stay refused once their online request count leaves the
"quiet" range, and the replicas share them.

The hand-off map: when a request is refused (blocked, or 429 rate-limited),
a hash of its conversation is kept for ``handoff_ttl_s``; the same
conversation arriving from another account (of another org) within that time
is refused and linked to the first: a pool rotating accounts to dodge a limit
or a block.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any, Final, Protocol

import orjson

from distillguard.gateway.linkage import EMPTY, LinkBook
from distillguard.gateway.verdicts import External
from distillguard.schema import NormalizedRequest

log = logging.getLogger("distillguard.gateway")
BOOK_PREFIX: Final = "dg:book:"
LINKED_KEY: Final = "dg:linked"
HANDOFF_PREFIX: Final = "dg:handoff:"
#: Conversations shorter than this are too generic to say anything about who sent them.
HANDOFF_MIN_CHARS: Final = 64
BOOK_TTL_S: Final = 7 * 86400


class Channel(Protocol):
    async def publish(self, book: LinkBook) -> int: ...

    async def version(self) -> int: ...

    async def fetch(self, version: int) -> LinkBook | None: ...

    async def add_linked(self, account_id: str, ext: External) -> None: ...

    async def linked(self, known: int) -> dict[str, External] | None:
        """All linked accounts, or None when there are still ``known`` of them."""
        ...

    async def remember(self, digest: str, value: str, ttl_s: float) -> None: ...

    async def recall(self, digest: str) -> str | None: ...

    async def aclose(self) -> None: ...


class MemoryChannel:
    """One process: the publisher and every gateway share this object. ``clock`` (seconds)
    times the hand-off map: a replay passes its simulated clock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._books: dict[int, LinkBook] = {}
        self._version = 0
        self._linked: dict[str, External] = {}
        self._handoff: dict[str, tuple[float, str]] = {}

    async def publish(self, book: LinkBook) -> int:
        v = self._version + 1
        self._books = {v: book.with_version(v, time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                             time.gmtime()))}
        self._version = v
        return v

    async def version(self) -> int:
        return self._version

    async def fetch(self, version: int) -> LinkBook | None:
        return self._books.get(version)

    async def add_linked(self, account_id: str, ext: External) -> None:
        self._linked[account_id] = ext

    async def linked(self, known: int) -> dict[str, External] | None:
        return None if len(self._linked) == known else dict(self._linked)

    async def remember(self, digest: str, value: str, ttl_s: float) -> None:
        now = self.clock()
        if len(self._handoff) > 100_000:  # bounded: drop what has expired
            self._handoff = {k: v for k, v in self._handoff.items() if v[0] > now}
        self._handoff[digest] = (now + ttl_s, value)

    async def recall(self, digest: str) -> str | None:
        hit = self._handoff.get(digest)
        if hit is None or hit[0] < self.clock():
            return None
        return hit[1]

    async def aclose(self) -> None:
        return None


class RedisChannel:
    """Replicas: the book, the linked accounts and the hand-off map live in Redis."""

    def __init__(self, url: str, *, prefix: str = "", timeout_s: float = 0.5) -> None:
        import redis.asyncio as aioredis

        self.prefix = prefix
        self._redis: Any = aioredis.Redis.from_url(
            url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)

    def _k(self, name: str) -> str:
        return self.prefix + name

    async def publish(self, book: LinkBook) -> int:
        v = int(await self._redis.incr(self._k(BOOK_PREFIX + "seq")))
        blob = book.with_version(v, time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                  time.gmtime())).to_bytes()
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(self._k(f"{BOOK_PREFIX}v{v}"), blob, ex=BOOK_TTL_S)
        pipe.set(self._k(BOOK_PREFIX + "version"), v)
        await pipe.execute()
        if v > 2:  # replicas still fetching the previous version find it for a while
            await self._redis.expire(self._k(f"{BOOK_PREFIX}v{v - 2}"), 60)
        return v

    async def version(self) -> int:
        raw = await self._redis.get(self._k(BOOK_PREFIX + "version"))
        return int(raw) if raw else 0

    async def fetch(self, version: int) -> LinkBook | None:
        raw = await self._redis.get(self._k(f"{BOOK_PREFIX}v{version}"))
        return LinkBook.from_bytes(raw) if raw else None

    async def add_linked(self, account_id: str, ext: External) -> None:
        await self._redis.hset(self._k(LINKED_KEY), account_id,
                               orjson.dumps([ext.tier, ext.reason, ext.source]))

    async def linked(self, known: int) -> dict[str, External] | None:
        if int(await self._redis.hlen(self._k(LINKED_KEY))) == known:
            return None
        raw = await self._redis.hgetall(self._k(LINKED_KEY))
        return {k.decode(): External(*orjson.loads(v)) for k, v in raw.items()}

    async def remember(self, digest: str, value: str, ttl_s: float) -> None:
        await self._redis.set(self._k(HANDOFF_PREFIX + digest), value,
                              px=max(1, int(ttl_s * 1000)))

    async def recall(self, digest: str) -> str | None:
        raw = await self._redis.get(self._k(HANDOFF_PREFIX + digest))
        return raw.decode() if raw else None

    async def clear(self) -> None:
        """Delete every key under this channel's prefix (tests)."""
        if not self.prefix:
            raise ValueError("refusing to clear a channel without a prefix")
        keys = [k async for k in self._redis.scan_iter(match=self.prefix + "*", count=500)]
        if keys:
            await self._redis.delete(*keys)

    async def aclose(self) -> None:
        await self._redis.aclose(close_connection_pool=True)
        # connections a cancelled command left behind are closed too (no ResourceWarning)
        await self._redis.connection_pool.disconnect()


def conversation_digests(view: NormalizedRequest) -> tuple[str, str]:
    """(this conversation, the conversation it continues): hashes of the system text and
    every turn, and of all but the last two turns (the answer and the next question);
    empty when too short to be telling."""

    def digest(turns: int) -> str:
        parts = [view.system] + [f"{t.role}\x1f{t.text}" for t in view.turns[:turns]]
        text = "\x1e".join(parts)
        if sum(len(p) for p in parts) < HANDOFF_MIN_CHARS:
            return ""
        return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).hexdigest()

    n = len(view.turns)
    return digest(n), (digest(n - 2) if n >= 3 else "")


class Door:
    """What a replica knows of the continuous hunt, and the checks at the door."""

    def __init__(self, channel: Channel | None, *, poll_s: float = 1.0,
                 quiet_requests: int = 10, handoff_ttl_s: float = 120.0) -> None:
        self.channel = channel
        self.poll_s = poll_s
        self.quiet_requests = quiet_requests
        self.handoff_ttl_s = handoff_ttl_s
        self.book: LinkBook = EMPTY
        self.linked: dict[str, External] = {}
        self.errors = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def refresh(self) -> bool:
        """Fetch a newer book (and linked accounts) if one was published; True if swapped."""
        if self.channel is None:
            return False
        swapped = False
        v = await self.channel.version()
        if v != self.book.version:
            book = await self.channel.fetch(v)
            if book is not None:
                self.book = book  # one assignment: the swap is atomic for every request
                swapped = True
                log.info(orjson.dumps({"event": "book", **book.summary()}).decode())
        linked = await self.channel.linked(len(self.linked))
        if linked is not None:
            self.linked = linked
        return swapped

    def start(self) -> None:
        if self.channel is not None and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        # a flag, not only the cancellation: a client library may turn a cancellation that
        # lands mid-command into its own error, which the loop below survives
        while not self._stopping:
            try:
                await self.refresh()
            except Exception as exc:  # noqa: BLE001 - keep the book in force, say why
                self.errors += 1
                log.error("book refresh failed, keeping version %d: %s", self.book.version,
                          exc)
            await asyncio.sleep(self.poll_s)

    async def aclose(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait([self._task], timeout=5.0)
            self._task = None
        if self.channel is not None:
            await self.channel.aclose()

    # -- the checks ---------------------------------------------------------------------------

    def verdict(self, account_id: str) -> External | None:
        """The published hunt verdict, or an earlier link at the door."""
        return self.linked.get(account_id) or self.book.lookup(account_id)

    async def link(self, account_id: str, requests_seen: float | None,
                   keys: dict[str, str]) -> External | None:
        """A new or quiet account whose request links to a campaign: its verdict."""
        if requests_seen is None or requests_seen > self.quiet_requests:
            return None
        hit = self.book.match(account_id, keys)
        if hit is None:
            return None
        ext = hit.external()
        await self._remember_link(account_id, ext)
        return ext

    async def handoff(self, account_id: str, org_id: str | None,
                      digests: tuple[str, str]) -> External | None:
        """This conversation was refused to another account (of another org) just now."""
        if self.channel is None:
            return None
        for d in digests:
            if not d:
                continue
            hit = await self.channel.recall(d)
            if hit is None:
                continue
            other, other_org, why = hit.split("\t", 2)
            if other == account_id or (org_id and other_org == org_id):
                continue
            ext = External("block", f"conversation continued from account {other} right "
                                    f"after it was refused ({why})", "handoff")
            await self._remember_link(account_id, ext)
            return ext
        return None

    async def refused(self, account_id: str, org_id: str | None, digest: str,
                      why: str) -> None:
        if self.channel is not None and digest:
            await self.channel.remember(digest, f"{account_id}\t{org_id or ''}\t{why}",
                                        self.handoff_ttl_s)

    async def _remember_link(self, account_id: str, ext: External) -> None:
        self.linked[account_id] = ext
        if self.channel is not None:
            await self.channel.add_linked(account_id, ext)

    def status(self) -> dict[str, Any]:
        return {**self.book.summary(), "linked_accounts": len(self.linked),
                "refresh_errors": self.errors, "quiet_requests": self.quiet_requests}
