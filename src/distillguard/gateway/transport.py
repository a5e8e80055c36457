"""A lean HTTP/1.1 keep-alive transport for the upstream hop.

httpx's default transport (httpcore) writes request headers and body in
separate syscalls and spends a millisecond or more of CPU per request in
generic machinery; on the gateway's hot path that is most of the latency it
adds. This transport plugs in under the same ``httpx.AsyncClient`` (so tests
still inject ``httpx.MockTransport``/``ASGITransport`` instead): one write per
request, a small pool of idle connections per host, bodies streamed for
content-length, chunked (SSE) and close-delimited responses, and httpx's own
exception types so the proxy's error mapping is unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx

_MAX_IDLE = 256
_CHUNK = 65536


class _Conn:
    __slots__ = ("reader", "writer", "key", "reused")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 key: tuple[str, int]) -> None:
        self.reader = reader
        self.writer = writer
        self.key = key
        self.reused = False

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is already closed
            self.writer.close()


class _Body(httpx.AsyncByteStream):
    def __init__(self, transport: FastTransport, conn: _Conn, length: int | None, chunked: bool,
                 keep_alive: bool, read_timeout: float | None) -> None:
        self.t = transport
        self.conn = conn
        self.length = length
        self.chunked = chunked
        self.keep_alive = keep_alive
        self.read_timeout = read_timeout
        self.done = False

    async def _read(self, coro: Any) -> Any:
        try:
            return await asyncio.wait_for(coro, self.read_timeout)
        except TimeoutError as exc:
            raise httpx.ReadTimeout("upstream read timed out") from exc
        except asyncio.IncompleteReadError as exc:
            raise httpx.RemoteProtocolError("upstream closed the connection mid-body") from exc
        except (ConnectionError, OSError) as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc

    async def __aiter__(self) -> AsyncIterator[bytes]:
        r = self.conn.reader
        if self.chunked:
            while True:
                line = await self._read(r.readuntil(b"\r\n"))
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError as exc:
                    raise httpx.RemoteProtocolError("bad chunk size from upstream") from exc
                if size == 0:
                    while (await self._read(r.readuntil(b"\r\n"))) != b"\r\n":
                        pass  # trailers
                    break
                data = await self._read(r.readexactly(size + 2))
                yield data[:-2]
        elif self.length is not None:
            left = self.length
            while left > 0:
                data = await self._read(r.read(min(left, _CHUNK)))
                if not data:
                    raise httpx.RemoteProtocolError("upstream closed the connection mid-body")
                left -= len(data)
                yield data
        else:
            self.keep_alive = False
            while True:
                data = await self._read(r.read(_CHUNK))
                if not data:
                    break
                yield data
        self.done = True

    async def aclose(self) -> None:
        if self.done and self.keep_alive:
            self.t._release(self.conn)
        else:
            self.conn.close()


class FastTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, max_idle: int = _MAX_IDLE) -> None:
        self._idle: dict[tuple[str, int], list[_Conn]] = {}
        self.max_idle = max_idle

    def _release(self, conn: _Conn) -> None:
        idle = self._idle.setdefault(conn.key, [])
        if len(idle) < self.max_idle and not conn.writer.is_closing():
            conn.reused = True
            idle.append(conn)
        else:
            conn.close()

    async def _connect(self, key: tuple[str, int], timeout: float | None) -> _Conn:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            if not conn.writer.is_closing() and not conn.reader.at_eof():
                return conn
            conn.close()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(key[0], key[1], limit=2**20), timeout)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"connecting to {key[0]}:{key[1]} timed out") from exc
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {key[0]}:{key[1]}: {exc}") from exc
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Conn(reader, writer, key)

    def _head(self, request: httpx.Request, body: bytes) -> bytes:
        url = request.url
        target = url.raw_path.decode("ascii")
        lines = [f"{request.method} {target} HTTP/1.1"]
        has_host = False
        for k, v in request.headers.raw:
            lk = k.lower()
            if lk in (b"content-length", b"transfer-encoding", b"connection"):
                continue
            if lk == b"host":
                has_host = True
            lines.append(f"{k.decode('latin-1')}: {v.decode('latin-1')}")
        if not has_host:
            lines.append(f"Host: {url.netloc.decode('ascii')}")
        if body or request.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol("FastTransport speaks plain http only")
        timeouts = request.extensions.get("timeout", {})
        key = (request.url.host, request.url.port or 80)
        body = await request.aread()
        payload = self._head(request, body) + body
        for attempt in (0, 1):
            conn = await self._connect(key, timeouts.get("connect"))
            try:
                conn.writer.write(payload)
                head = await asyncio.wait_for(conn.reader.readuntil(b"\r\n\r\n"),
                                              timeouts.get("read"))
                break
            except TimeoutError as exc:
                conn.close()
                raise httpx.ReadTimeout("upstream did not answer in time") from exc
            except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
                conn.close()
                # a pooled connection the server had closed: retry once on a fresh one
                if conn.reused and attempt == 0:
                    continue
                raise httpx.RemoteProtocolError(
                    f"upstream closed the connection: {type(exc).__name__}") from exc
            except asyncio.LimitOverrunError as exc:
                conn.close()
                raise httpx.RemoteProtocolError("upstream response head too large") from exc
        lines = head[:-4].split(b"\r\n")
        try:
            _, status_s, *_ = lines[0].split(b" ", 2)
            status = int(status_s)
        except ValueError as exc:
            conn.close()
            raise httpx.RemoteProtocolError("malformed upstream status line") from exc
        headers: list[tuple[bytes, bytes]] = []
        length: int | None = None
        chunked = False
        keep_alive = True
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            k, v = k.strip(), v.strip()
            lk = k.lower()
            if lk == b"content-length":
                length = int(v)
            elif lk == b"transfer-encoding" and b"chunked" in v.lower():
                chunked = True
            elif lk == b"connection" and v.lower() == b"close":
                keep_alive = False
            headers.append((k, v))
        if status in (204, 304) or request.method == "HEAD":
            length = 0
        stream = _Body(self, conn, length, chunked, keep_alive, timeouts.get("read"))
        return httpx.Response(status, headers=headers, stream=stream, request=request)

    async def aclose(self) -> None:
        for conns in self._idle.values():
            for c in conns:
                c.close()
        self._idle.clear()
