"""Row tuples into Arrow record batches of ``EVENT_SCHEMA``, a column at a time.

Rows arrive as tuples in schema order (``ts`` and ``day`` as integers: ms and
days since the epoch) and are transposed once per batch; one ``pa.array`` per
column is several times faster than ``Table.from_pylist`` over dicts. A value
Arrow refuses (an integer beyond the column's range, a string that is not
valid Unicode) must not sink the whole batch: the offending rows are found,
reported, and the batch is rebuilt without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import pyarrow as pa

from distillguard.schema import EVENT_SCHEMA

FIELDS: Final = tuple(EVENT_SCHEMA)
_INT_TYPES: Final = {f.name: f.type for f in EVENT_SCHEMA if pa.types.is_integer(f.type)}
_ARROW_ERRORS: Final = (pa.ArrowException, OverflowError, UnicodeError, TypeError, ValueError)


def _bad_cells(values: Sequence[Any], typ: pa.DataType) -> list[tuple[int, str]]:
    bad: list[tuple[int, str]] = []
    for i, v in enumerate(values):
        try:
            pa.array([v], type=typ)
        except _ARROW_ERRORS as exc:
            bad.append((i, f"cannot be stored as {typ} ({type(exc).__name__}: {exc})"))
    return bad


def build_batch(rows: Sequence[tuple[Any, ...]]
                ) -> tuple[pa.RecordBatch, dict[int, tuple[str, str]]]:
    """A record batch of ``rows`` and {row index: (field, reason)} for rows left out."""
    if not rows:
        return pa.RecordBatch.from_pylist([], schema=EVENT_SCHEMA), {}
    columns = list(zip(*rows, strict=True))
    arrays: list[pa.Array] = []
    rejected: dict[int, tuple[str, str]] = {}
    for f, values in zip(FIELDS, columns, strict=True):
        try:
            arrays.append(pa.array(values, type=f.type))
        except _ARROW_ERRORS:
            for i, why in _bad_cells(values, f.type):
                rejected.setdefault(i, (f.name, why))
            arrays.append(pa.array([None] * len(values), type=f.type))
    if not rejected:
        return pa.RecordBatch.from_arrays(arrays, schema=EVENT_SCHEMA), {}
    keep = [r for i, r in enumerate(rows) if i not in rejected]
    batch, _ = build_batch(keep)
    return batch, rejected
