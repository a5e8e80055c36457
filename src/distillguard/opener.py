"""The one opener of input files: compression is known by content, not by name.

Exports get renamed, so ``events.jsonl`` that is really gzip, or a list file
called ``.csv`` that is zstd, still reads. Every area that reads a user's file
(ingest, screening lists and customers, orders, corpora, replay logs) opens it
here; a truncated zstd stream raises instead of ending quietly.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import IO, Any, Final

import zstandard

from distillguard.schema.errors import InputError, NotFoundError

GZIP_MAGIC: Final = b"\x1f\x8b"
ZSTD_MAGIC: Final = b"\x28\xb5\x2f\xfd"
PARQUET_MAGIC: Final = b"PAR1"
READ_BUFFER: Final = 1 << 20


class TruncatedStreamError(OSError):
    """A compressed stream ended in the middle of a frame."""


class _ZstdRaw(io.RawIOBase):
    """Zstandard decompression that notices truncation (the library's reader does not)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self._dctx = zstandard.ZstdDecompressor()
        self._dobj = self._dctx.decompressobj()
        self._in_frame = False
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        view = memoryview(buf).cast("B")
        while not self._pending:
            chunk = self._fh.read(READ_BUFFER)
            if not chunk:
                if self._in_frame:
                    raise TruncatedStreamError("zstd stream ends in the middle of a frame")
                return 0
            out = []
            while chunk:
                self._in_frame = True
                out.append(self._dobj.decompress(chunk))
                if self._dobj.eof:
                    chunk = self._dobj.unused_data
                    self._dobj = self._dctx.decompressobj()
                    self._in_frame = False
                else:
                    chunk = b""
            self._pending = b"".join(out)
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def sniff(path: Path) -> str:
    """``gzip``, ``zstd``, ``parquet`` or ``plain`` from the first bytes of the file."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head == ZSTD_MAGIC:
        return "zstd"
    if head == PARQUET_MAGIC:
        return "parquet"
    return "plain"


def check_file(path: Path) -> None:
    if not path.exists():
        raise NotFoundError(f"{path}: no such file", details={"path": str(path)})
    if not path.is_file():
        raise InputError(f"{path}: not a file", details={"path": str(path)})


def text_head(path: Path, what: str, size: int = 4096) -> bytes:
    """The first ``size`` bytes of a record file (CSV or JSONL) named ``what`` in errors:
    a clear error when it is missing, UTF-16 or binary, before any record is read."""
    check_file(path)
    with path.open("rb") as fh:
        head = fh.read(size)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise InputError(
            f"{path}: UTF-16 or binary content; save the {what} as UTF-8 CSV or JSONL",
            details={"file": str(path)},
        )
    return head


def open_binary(path: Path) -> IO[bytes]:
    """A buffered binary stream of the decompressed content of ``path``."""
    check_file(path)
    kind = sniff(path)
    if kind == "gzip":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if kind == "zstd":
        return io.BufferedReader(_ZstdRaw(path.open("rb")), READ_BUFFER)
    return path.open("rb", buffering=READ_BUFFER)


def open_text(path: Path, encoding: str = "utf-8") -> IO[str]:
    """A text stream of the decompressed content of ``path``."""
    return io.TextIOWrapper(open_binary(path), encoding=encoding)
