"""The agent on the server: answers every well-formed challenge at once with
the device's signature. It holds the key, so a relay that wants valid answers
has to forward challenges to it, and pay the delay of the way there and back.
``added_ms`` lets a test make it slower (a prover can always add delay)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any, cast

from distillguard.diversion.challenge import Answer, Challenge


class _AgentProtocol(asyncio.DatagramProtocol):
    def __init__(self, key: bytes, device: str, added_ms: float) -> None:
        self.key = key
        self.device = device
        self.added_s = added_ms / 1000.0
        self.transport: asyncio.DatagramTransport | None = None
        self.answered = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # CPython's selector transport is not a DatagramTransport subclass on 3.11.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        ch = Challenge.decode(data)
        if ch is None or self.transport is None:
            return  # not a challenge: nothing to sign
        out = Answer.sign(self.key, self.device, ch).encode()
        self.answered += 1
        if self.added_s > 0:
            asyncio.get_running_loop().call_later(self.added_s, self.transport.sendto, out, addr)
        else:
            self.transport.sendto(out, addr)


async def serve_agent(
    host: str,
    port: int,
    key: bytes,
    device: str,
    added_ms: float = 0.0,
    ready: Any = None,
) -> None:
    """Answer challenges on ``host:port`` until cancelled; ``ready`` gets the bound
    address (the CLI prints it, so a caller can use port 0)."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _AgentProtocol(key, device, added_ms), local_addr=(host, port)
    )
    try:
        addr = transport.get_extra_info("sockname")
        (ready or _print_ready)(addr)
        await asyncio.Event().wait()
    finally:
        transport.close()


def _print_ready(addr: Any) -> None:
    sys.stdout.write(f"ready {addr[0]}:{addr[1]}\n")
    sys.stdout.flush()
