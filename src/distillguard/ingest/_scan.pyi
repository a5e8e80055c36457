# Stub of the native scanner compiled from _scan.c (see hatch_build.py).
from typing_extensions import Buffer

COLUMNS: int

def scan(block: Buffer, max_line_bytes: int, /) -> tuple[
    int, list[tuple[bytes, bytes, bytes | None]], bytes, list[int], bytes]: ...
def digest(offsets: Buffer, data: Buffer, offset: int, length: int, /) -> bytes: ...
