"""The native block engine: ``_scan.c`` converts the lines it is sure of, Python the rest.

The C scanner applies the fast path's rules (``fastpath.fast_row``) to each
line of a block and hands back Arrow buffers, never Python objects; each line
it is not certain about (blank, over-long, not strict JSON, an unusual shape,
a request body orjson would re-encode differently) comes back as a line
index and goes through :func:`~distillguard.ingest.convert.convert_lines`, the
pure-Python path, which decides, quarantines and words errors as always. The
two sets of rows are put back in file order, so the batch, line numbers and
out-of-order count are what the Python block engine gives for the same block.

The extension is compiled when the package is built (``hatch_build.py``);
``AVAILABLE`` says whether it was, and ``ingest`` falls back to the Python
block engine without it.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pyarrow as pa

from distillguard.ingest.convert import convert_lines, order_stats
from distillguard.ingest.quarantine import Quarantine
from distillguard.schema import EVENT_SCHEMA

try:
    from distillguard.ingest import _scan
except ImportError:  # built without a C compiler (DISTILLGUARD_NO_NATIVE=1)
    _scan = None  # type: ignore[assignment]

AVAILABLE: Final = _scan is not None
_FIELDS: Final = tuple(EVENT_SCHEMA)


def _array(field: pa.Field, rows: int, valid: bytes, data: bytes,
           offsets: bytes | None) -> pa.Array:
    bufs = [pa.py_buffer(valid)]
    if offsets is not None:
        bufs.append(pa.py_buffer(offsets))
    bufs.append(pa.py_buffer(data))
    return pa.Array.from_buffers(field.type, rows, bufs)


def scan_block(source: str, first: int, block: bytes, quarantine: Quarantine | None, *,
               max_line_bytes: int) -> tuple[pa.RecordBatch, list[int], int, Any, Any]:
    """``blocks.convert_block`` for one block, through the C scanner."""
    if _scan is None:
        raise RuntimeError("distillguard.ingest._scan is not built")
    rows, cols, row_lines, fallback, spans = _scan.scan(block, max_line_bytes)
    batch = pa.RecordBatch.from_arrays(
        [_array(f, rows, *c) for f, c in zip(_FIELDS, cols, strict=True)], schema=EVENT_SCHEMA)
    nums = np.frombuffer(row_lines, dtype=np.int32).astype(np.int64) + first
    if fallback:
        ends = np.frombuffer(spans, dtype=np.int64).reshape(-1, 2).tolist()
        lines = [(first + i, block[a:b], b < len(block)) for i, (a, b) in
                 zip(fallback, ends, strict=True)]
        py_batch, py_nums, _, _, _ = convert_lines(source, lines, quarantine,
                                                   max_line_bytes=max_line_bytes)
        if py_batch.num_rows:
            batch, nums = _merge(batch, nums, py_batch, np.asarray(py_nums, dtype=np.int64))
    ooo, first_ms, last_ms = order_stats(batch)
    return batch, nums.tolist(), ooo, first_ms, last_ms


def _merge(a: pa.RecordBatch, a_lines: np.ndarray[Any, Any], b: pa.RecordBatch,
           b_lines: np.ndarray[Any, Any]) -> tuple[pa.RecordBatch, np.ndarray[Any, Any]]:
    """Two batches, each in line order, as one in line order: runs of ``a`` sliced around
    the rows of ``b`` and concatenated (copying each value once, in runs, where ``take``
    would gather it value by value)."""
    at = np.searchsorted(a_lines, b_lines)  # rows of a before each row of b
    parts: list[pa.RecordBatch] = []
    prev = 0
    for j, k in enumerate(at.tolist()):
        if k > prev:
            parts.append(a.slice(prev, k - prev))
            prev = k
        parts.append(b.slice(j, 1))
    if prev < a.num_rows:
        parts.append(a.slice(prev))
    merged = pa.Table.from_batches(parts, schema=EVENT_SCHEMA).combine_chunks()
    lines = np.insert(a_lines, at, b_lines)
    return merged.to_batches()[0], lines


def digests(ids: pa.Array | pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.int64]] | None:
    """64-bit digests of a string array's values, or ``None`` without the extension."""
    if _scan is None:
        return None
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    if ids.type != pa.string():
        ids = ids.cast(pa.string())
    bufs = ids.buffers()
    data = bufs[2] if bufs[2] is not None else pa.py_buffer(b"")
    out = _scan.digest(bufs[1], data, ids.offset, len(ids))
    return np.frombuffer(out, dtype=np.int64)
