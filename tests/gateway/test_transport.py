"""The lean upstream transport against a raw loopback server that answers in
every framing and fails in every way the proxy must map."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from distillguard.gateway.transport import FastTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await reader.readexactly(length)


async def _with_server(handler: Handler, body: Callable[[str], Awaitable[None]]) -> None:
    tasks: set[asyncio.Task[None]] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handler(reader, writer)
        finally:
            writer.close()
            await writer.wait_closed()

    server = await asyncio.start_server(tracked, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        await body(f"http://127.0.0.1:{port}")
    finally:
        server.close()
        if tasks:  # let every handler finish and close its socket before the loop ends
            await asyncio.wait(tasks, timeout=30)
        await server.wait_closed()


def test_framings_and_keep_alive() -> None:
    seen: list[bytes] = []
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                req = await _read_request(reader)
            except asyncio.IncompleteReadError:
                break
            seen.append(req)
            if b"/chunked" in req:
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                             b"Content-Type: text/event-stream\r\n\r\n"
                             b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
            elif b"/close" in req:
                writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-eof")
                await writer.drain()
                writer.close()
                return
            else:
                writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok")
            await writer.drain()

    async def body(url: str) -> None:
        async with httpx.AsyncClient(base_url=url, transport=FastTransport()) as c:
            r = await c.post("/v1/x?q=1", json={"a": 1})
            assert (r.status_code, r.text, r.headers["x-a"]) == (201, "ok", "b")
            r = await c.get("/chunked")
            assert r.text == "hello world"
            r = await c.post("/v1/x", content=b"")
            assert r.text == "ok"
            async with c.stream("GET", "/chunked") as s:
                parts = [p async for p in s.aiter_bytes()]
            assert b"".join(parts) == b"hello world"
            r = await c.get("/close")
            assert r.text == "until-eof"
            r = await c.get("/again")
            assert r.text == "ok"

    asyncio.run(_with_server(handler, body))
    assert connections == 2  # reused until the server said close
    assert seen[0].startswith(b"POST /v1/x?q=1 HTTP/1.1\r\n")
    assert b"Content-Length: 7\r\n" in seen[0] and seen[0].endswith(b'{"a":1}')


def test_stale_pooled_connection_is_retried_once() -> None:
    count = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal count
        await _read_request(reader)
        count += 1
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + str(count).encode())
        await writer.drain()
        writer.close()  # without saying Connection: close, as idle timeouts do

    async def body(url: str) -> None:
        async with httpx.AsyncClient(base_url=url, transport=FastTransport()) as c:
            assert (await c.get("/")).text == "1"
            await asyncio.sleep(0.05)
            assert (await c.get("/")).text == "2"

    asyncio.run(_with_server(handler, body))


@pytest.mark.parametrize("mode,exc", [
    ("reset-before-head", httpx.RemoteProtocolError),
    ("reset-mid-body", httpx.RemoteProtocolError),
    ("silent", httpx.ReadTimeout),
    ("garbage", httpx.RemoteProtocolError),
])
def test_failures_map_to_httpx_errors(mode: str, exc: type[Exception]) -> None:
    # Only the silent server's read is timed, and it stays silent until the client has
    # given up: a busy machine that is slow to connect or to answer changes no outcome.
    gave_up = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await _read_request(reader)
            if mode == "reset-mid-body":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
                await writer.drain()
            elif mode == "silent":
                await gave_up.wait()
            elif mode == "garbage":
                writer.write(b"NOT-HTTP\r\n\r\n")
                await writer.drain()
        finally:
            writer.close()

    async def body(url: str) -> None:
        timeout = httpx.Timeout(30.0, read=0.3 if mode == "silent" else 30.0)
        try:
            async with httpx.AsyncClient(base_url=url, transport=FastTransport(),
                                         timeout=timeout) as c:
                with pytest.raises(exc):
                    r = await c.get("/")
                    await r.aread()
        finally:
            gave_up.set()

    asyncio.run(_with_server(handler, body))


def test_connection_refused() -> None:
    async def body() -> None:
        async with httpx.AsyncClient(transport=FastTransport()) as c:
            with pytest.raises(httpx.ConnectError):
                await c.get("http://127.0.0.1:1/")

    asyncio.run(body())
