"""One block of canonical JSONL to an Arrow batch: by the C scanner (``native``) or by
the Python path (``convert``), the same rows either way.

The dispatch lives here, above both, so that ``convert`` and ``native`` do not import
each other (native falls back to convert's line converter for lines it is unsure of).
"""

from __future__ import annotations

from distillguard.ingest.convert import Converted, Prepared, convert_lines, numbered_lines
from distillguard.ingest.native import scan_block
from distillguard.ingest.quarantine import Quarantine


def convert_block(source: str, first: int, block: bytes, quarantine: Quarantine | None, *,
                  max_line_bytes: int, native: bool = False) -> Converted:
    """(batch, line of each row, out-of-order count, first ts, last ts) for one block whose
    first line is line ``first`` of ``source``; unusable lines go to ``quarantine``.
    ``native`` converts with the C scanner (``ingest.native``), the same rows faster."""
    if native:
        return scan_block(source, first, block, quarantine, max_line_bytes=max_line_bytes)
    return convert_lines(source, numbered_lines(first, block), quarantine,
                         max_line_bytes=max_line_bytes)


def prepare_block(source: str, first: int, block: bytes, max_line_bytes: int,
                  native: bool = False) -> Prepared:
    """Worker side: one block converted with its quarantine rows collected, not written."""
    q = Quarantine(memory_rows=None)
    batch, nums, ooo, first_ms, last_ms = convert_block(source, first, block, q,
                                                        max_line_bytes=max_line_bytes,
                                                        native=native)
    return Prepared(batch, source, nums, q.rows, ooo, first_ms, last_ms)
