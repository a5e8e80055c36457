"""A user-space delay line for UDP: what distance (or a relay's extra leg)
does to packets, for machines whose kernel has no ``netem``. Every datagram
from a client is forwarded to ``upstream`` after half of ``delay_ms`` plus
exponential jitter, and every answer comes back the same way; each packet is
dropped with probability ``loss``. A client gets its own upstream socket, so
answers find their way back."""

from __future__ import annotations

import asyncio
import random
import sys
from typing import Any, cast


class _Leg:
    def __init__(self, delay_ms: float, jitter_ms: float, loss: float, seed: int | None) -> None:
        self.one_way_s = delay_ms / 2000.0
        self.jitter_s = jitter_ms / 1000.0
        self.loss = loss
        self.rng = random.Random(seed)

    def later(self, send: Any, data: bytes, *addr: Any) -> None:
        if self.rng.random() < self.loss:
            return
        wait = self.one_way_s + (self.rng.expovariate(1 / self.jitter_s) if self.jitter_s else 0)
        loop = asyncio.get_running_loop()
        if wait > 0:
            loop.call_later(wait, send, data, *addr)
        else:
            send(data, *addr)


class _Upstream(asyncio.DatagramProtocol):
    def __init__(self, front: asyncio.DatagramTransport, client: Any, leg: _Leg) -> None:
        self.front, self.client, self.leg = front, client, leg

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.leg.later(self.front.sendto, data, self.client)


class _Front(asyncio.DatagramProtocol):
    def __init__(self, upstream: tuple[str, int], leg: _Leg) -> None:
        self.upstream = upstream
        self.leg = leg
        self.transport: asyncio.DatagramTransport | None = None
        self.clients: dict[Any, asyncio.DatagramTransport] = {}
        self.pending: dict[Any, list[bytes]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # CPython's selector transport is not a DatagramTransport subclass on 3.11.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        up = self.clients.get(addr)
        if up is not None:
            self.leg.later(up.sendto, data)
            return
        if addr in self.pending:
            self.pending[addr].append(data)
            return
        self.pending[addr] = [data]
        asyncio.get_running_loop().create_task(self._open(addr))

    async def _open(self, addr: Any) -> None:
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        front = self.transport
        up, _ = await loop.create_datagram_endpoint(
            lambda: _Upstream(front, addr, self.leg), remote_addr=self.upstream
        )
        self.clients[addr] = up
        for data in self.pending.pop(addr, []):
            self.leg.later(up.sendto, data)


async def serve_delayline(
    listen: tuple[str, int],
    upstream: tuple[str, int],
    delay_ms: float,
    *,
    jitter_ms: float = 0.0,
    loss: float = 0.0,
    seed: int | None = None,
    ready: Any = None,
) -> None:
    loop = asyncio.get_running_loop()
    leg = _Leg(delay_ms, jitter_ms, loss, seed)
    transport, proto = await loop.create_datagram_endpoint(
        lambda: _Front(upstream, leg), local_addr=listen
    )
    try:
        addr = transport.get_extra_info("sockname")
        if ready is not None:
            ready(addr)
        else:
            sys.stdout.write(f"ready {addr[0]}:{addr[1]}\n")
            sys.stdout.flush()
        await asyncio.Event().wait()
    finally:
        for t in proto.clients.values():
            t.close()
        transport.close()
