"""Reading input files as a stream of lines or decoded records, never whole.

Compression is recognised by magic bytes, not by file name (exports get
renamed), so ``events.jsonl`` that is really gzip still reads. A truncated or
corrupt compressed stream stops that file with one ``truncated_input``
quarantine row naming the last good line; everything before it is kept.
Lines longer than ``max_line_bytes`` are skipped in bounded memory (only a
prefix is kept for the quarantine) so that a 50 MB garbage line cannot take a
job down.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Final, TypeAlias

import orjson
import zstandard

from distillguard.ingest.quarantine import (
    INVALID_JSON,
    INVALID_UTF8,
    LINE_TOO_LONG,
    NOT_AN_OBJECT,
    TRUNCATED_INPUT,
    UNREADABLE_FILE,
    Quarantine,
    reject,
)
from distillguard.opener import READ_BUFFER, open_binary, sniff

DEFAULT_MAX_LINE_BYTES: Final = 16 * 1024 * 1024


_STREAM_ERRORS: Final = (EOFError, OSError, zlib.error, zstandard.ZstdError)


def iter_lines(
    path: Path, quarantine: Quarantine | None, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line without newline) for every non-blank line of ``path``."""
    source = str(path)
    lineno = 0
    with open_binary(path) as fh:
        while True:
            try:
                line = fh.readline(max_line_bytes + 1)
            except _STREAM_ERRORS as exc:
                _stream_failed(quarantine, source, lineno, exc)
                return
            if not line:
                return
            lineno += 1
            if len(line) > max_line_bytes and not line.endswith(b"\n"):
                size = len(line)
                prefix = line[:64 * 1024]
                try:
                    # Skip the rest of the line without holding it.
                    while not line.endswith(b"\n"):
                        line = fh.readline(READ_BUFFER)
                        if not line:
                            break
                        size += len(line)
                except _STREAM_ERRORS as exc:
                    _stream_failed(quarantine, source, lineno, exc)
                    return
                reject(quarantine, source, lineno, LINE_TOO_LONG, "<line>",
                       f"line is {size} bytes, longer than the limit of {max_line_bytes}",
                       prefix, raw_size=size)
                continue
            if line.endswith(b"\n"):
                line = line[:-1]
                if line.endswith(b"\r"):
                    line = line[:-1]
            if line.strip():
                yield lineno, line


def iter_blocks(
    path: Path, quarantine: Quarantine | None, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    block_bytes: int = 8 * READ_BUFFER,
) -> Iterator[tuple[int, bytes]]:
    """(line number of its first line, block) for blocks of whole lines of ``path``.

    For handing work to other processes: one bytes object a block is far cheaper to
    ship than a list of lines. Lines without a newline within ``max_line_bytes`` are
    skipped here in bounded memory (quarantined as ``line_too_long``); complete lines
    inside a block are checked by :func:`split_block`.
    """
    for lineno, _, block in iter_blocks_at(path, quarantine, max_line_bytes=max_line_bytes,
                                           block_bytes=block_bytes):
        yield lineno, block


def iter_blocks_at(
    path: Path, quarantine: Quarantine | None, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    block_bytes: int = 8 * READ_BUFFER,
) -> Iterator[tuple[int, int, bytes]]:
    """:func:`iter_blocks` with the offset of each block in the decompressed content
    (for an uncompressed file, where a block can be read again from the file itself)."""
    source = str(path)
    lineno = 1
    offset = 0  # of the start of buf in the decompressed content
    buf = b""
    with open_binary(path) as fh, _reads(fh, block_bytes, sniff(path) != "plain") as next_read:
        while True:
            chunk, exc = next_read()
            if exc is not None:
                buf += chunk
                if buf:
                    yield lineno, offset, buf
                    lineno += buf.count(b"\n") + (0 if buf.endswith(b"\n") else 1)
                _stream_failed(quarantine, source, lineno - 1, exc)
                return
            if not chunk:
                if buf:
                    yield lineno, offset, buf
                return
            buf = buf + chunk if buf else chunk
            cut = buf.rfind(b"\n")
            if cut >= 0:
                yield lineno, offset, buf[:cut + 1]
                lineno += buf.count(b"\n", 0, cut + 1)
                offset += cut + 1
                buf = buf[cut + 1:]
            if len(buf) <= max_line_bytes:
                continue
            # The prefix the line reader keeps, so both readers quarantine the same raw text.
            size, prefix, buf = len(buf), buf[:min(64 * 1024, max_line_bytes + 1)], b""
            # Skip the rest of the line without holding it.
            while True:
                chunk, err = next_read()
                if err is not None:
                    _stream_failed(quarantine, source, lineno, err)
                    return
                if not chunk:
                    break
                nl = chunk.find(b"\n")
                if nl < 0:
                    size += len(chunk)
                    continue
                size += nl + 1
                buf = chunk[nl + 1:]
                break
            offset += size
            reject(quarantine, source, lineno, LINE_TOO_LONG, "<line>",
                   f"line is {size} bytes, longer than the limit of {max_line_bytes}",
                   prefix, raw_size=size)
            lineno += 1


Read: TypeAlias = Callable[[], tuple[bytes, BaseException | None]]


@contextlib.contextmanager
def _reads(fh: IO[bytes], size: int, prefetch: bool) -> Iterator[Read]:
    """Successive :func:`_read_block` results of ``fh``. With ``prefetch`` they come from a
    background thread, a few blocks ahead: zlib and zstd decompress without holding the
    GIL, so a compressed file is inflated while the caller converts the previous block.
    The blocks and the error that ends them (say, a truncated stream) are the same,
    in the same order, as reading in the caller's thread."""
    if not prefetch:
        yield lambda: _read_block(fh, size)
        return
    ready: queue.Queue[tuple[bytes, BaseException | None]] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        while not stop.is_set():
            item = _read_block(fh, size)
            while not stop.is_set():
                try:
                    ready.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if item[1] is not None or not item[0]:
                return

    thread = threading.Thread(target=produce, name="ingest-prefetch", daemon=True)
    thread.start()
    done = False

    def next_read() -> tuple[bytes, BaseException | None]:
        nonlocal done
        if done:  # the stream already ended: answer as a file at its end does
            return b"", None
        item = ready.get()
        done = item[1] is not None or not item[0]
        return item

    try:
        yield next_read
    finally:
        stop.set()
        thread.join()


def _read_block(fh: IO[bytes], size: int) -> tuple[bytes, BaseException | None]:
    """About ``size`` bytes, one buffered read at a time, and the error that stopped it:
    when a compressed stream breaks only the failing read is lost, as when reading lines."""
    parts: list[bytes] = []
    got = 0
    read1 = getattr(fh, "read1", fh.read)
    while got < size:
        try:
            part = read1(size - got)
        except _STREAM_ERRORS as exc:
            return b"".join(parts), exc
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts), None


def split_block(source: str, first: int, block: bytes, quarantine: Quarantine | None, *,
                max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a block from :func:`iter_blocks`, numbered as in the file."""
    lines = block.split(b"\n")
    ends_with_newline = not lines[-1]
    if ends_with_newline:
        lines.pop()
    last = len(lines) - 1
    for i, line in enumerate(lines):
        if len(line) > max_line_bytes:
            size = len(line) + (1 if i < last or ends_with_newline else 0)
            reject(quarantine, source, first + i, LINE_TOO_LONG, "<line>",
                   f"line is {size} bytes, longer than the limit of {max_line_bytes}",
                   line[:64 * 1024], raw_size=size)
            continue
        if line.endswith(b"\r"):
            line = line[:-1]
        if line.strip():
            yield first + i, line


def _stream_failed(quarantine: Quarantine | None, source: str, lineno: int,
                   exc: BaseException) -> None:
    msg = (f"compressed data is truncated or corrupt after line {lineno} "
           f"({type(exc).__name__}: {exc}); the rest of the file could not be read")
    reject(quarantine, source, lineno + 1, TRUNCATED_INPUT, "<file>", msg, b"")


def decode_json_line(
    source: str, lineno: int, line: bytes, quarantine: Quarantine | None,
) -> dict[str, Any] | None:
    """The JSON object on one line, or ``None`` after quarantining it."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as uexc:
            reject(quarantine, source, lineno, INVALID_UTF8, "<line>",
                    f"invalid UTF-8 at byte {uexc.start}", line)
            return None
        reject(quarantine, source, lineno, INVALID_JSON, "<line>",
                f"not valid JSON ({exc})", line)
        return None
    if not isinstance(obj, dict):
        reject(quarantine, source, lineno, NOT_AN_OBJECT, "<record>",
                f"expected a JSON object, got {type(obj).__name__}", line)
        return None
    return obj


def iter_json_records(
    path: Path, quarantine: Quarantine | None, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[tuple[int, dict[str, Any], bytes]]:
    """(line number, decoded object, raw line) for every usable JSON line of ``path``."""
    source = str(path)
    for lineno, line in iter_lines(path, quarantine, max_line_bytes=max_line_bytes):
        obj = decode_json_line(source, lineno, line, quarantine)
        if obj is not None:
            yield lineno, obj, line


def read_json_document(path: Path, quarantine: Quarantine | None) -> Any:
    """A whole JSON document (for exports that are one array); ``None`` if unreadable."""
    try:
        with open_binary(path) as fh:
            data = fh.read()
        return orjson.loads(data)
    except (*_STREAM_ERRORS, orjson.JSONDecodeError) as exc:
        reject(quarantine, str(path), None, UNREADABLE_FILE, "<file>",
                f"cannot read a JSON document ({type(exc).__name__}: {exc})", b"")
        return None


def first_significant_byte(path: Path) -> bytes:
    """The first non-whitespace byte of the decompressed content (b'' when empty)."""
    with open_binary(path) as fh:
        while True:
            chunk = fh.read(4096)
            if not chunk:
                return b""
            stripped = chunk.lstrip()
            if stripped:
                return stripped[:1]
