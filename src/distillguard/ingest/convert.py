"""Decoded records and blocks of JSONL lines into EVENT_SCHEMA batches.

:func:`convert_record` is the per-record step every reader and adapter shares
(fast path, else ``Event.from_mapping``; a record that fails is quarantined).
:func:`convert_lines` is the canonical-JSONL hot loop: one block of whole
lines (from :func:`~distillguard.ingest.sources.iter_blocks`) straight to one
Arrow batch, with no per-line generator layers in between. It runs in the
reading process or in a worker (``parallel``) and gives the same rows,
quarantine rows and line numbers as reading line by line would: blank lines
are skipped, lines over the limit are ``line_too_long``, a line orjson
refuses is told apart as ``invalid_utf8`` / ``invalid_json`` by the same
function the line reader uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import orjson
import pyarrow as pa

from distillguard.ingest.columns import build_batch
from distillguard.ingest.fastpath import fast_row, general_row
from distillguard.ingest.quarantine import (
    INVALID_RECORD,
    LINE_TOO_LONG,
    Quarantine,
    dump_raw,
    quarantine_error,
    reject,
)
from distillguard.ingest.sources import decode_json_line
from distillguard.schema import (
    EVENT_FIELDS,
    EVENT_SCHEMA,
    Event,
    InputError,
    RecordError,
)

Record: TypeAlias = tuple[str, int | None, Mapping[str, Any], bytes | str]


def convert_record(rec: Record, quarantine: Quarantine | None) -> tuple[Any, ...] | None:
    """One decoded record as an EVENT_SCHEMA row tuple, or ``None`` after quarantining it."""
    source, line, obj, raw = rec
    try:
        row = fast_row(obj) if type(obj) is dict else None
        if row is None:
            try:
                ev = Event.from_mapping(obj, source=source, line=line)
            except RecordError as err:
                quarantine_error(quarantine, err, raw, obj)
                return None
            row = general_row(ev)
    except (RecordError, InputError):
        raise
    except Exception as exc:  # one odd row (say, nesting too deep to re-encode) never
        # stops a job: it is quarantined with the exception that it caused.
        reject(quarantine, source, line, INVALID_RECORD, "<record>",
                       f"cannot convert ({type(exc).__name__}: {exc})", raw or dump_raw(obj))
        return None
    return row


def build_rows(rows: list[tuple[Any, ...]], where: list[tuple[str, int | None]],
               quarantine: Quarantine | None, raws: list[bytes | str | None] | None = None,
               ) -> tuple[pa.RecordBatch, list[tuple[str, int | None]]]:
    """A batch of ``rows``; rows Arrow cannot hold are quarantined (``where`` follows suit)
    with their text as read (``raws``) where there was one, else the converted row."""
    batch, rejected = build_batch(rows)
    if rejected:
        for i, (fld, why) in sorted(rejected.items()):
            raw = raws[i] if raws is not None else None
            if raw is None:
                row = dict(zip(EVENT_SCHEMA.names, rows[i], strict=True))
                raw = dump_raw({k: row[k] for k in EVENT_FIELDS})
            reject(quarantine, where[i][0], where[i][1], INVALID_RECORD, fld, why, raw)
        where = [w for i, w in enumerate(where) if i not in rejected]
    return batch, where


@dataclass(frozen=True)
class Prepared:
    """A converted block, with what the consumer still has to do (quarantine replay when it
    was converted in another process, dedup, out-of-order accounting across blocks)."""

    batch: pa.RecordBatch
    source: str
    lines: list[int]  # file line of each row of ``batch``
    quarantined: list[dict[str, Any]]
    out_of_order: int
    first_ms: int | None
    last_ms: int | None


def _stripped(line: bytes) -> bytes:
    return line[:-1] if line.endswith(b"\r") else line


Converted = tuple[pa.RecordBatch, list[int], int, "int | None", "int | None"]


def numbered_lines(first: int, block: bytes) -> list[tuple[int, bytes, bool]]:
    """(line number, line, followed by a newline) for each line of a block."""
    lines = block.split(b"\n")
    ends_with_newline = not lines[-1]
    if ends_with_newline:
        lines.pop()
    last = len(lines) - 1
    return [(first + i, line, i < last or ends_with_newline) for i, line in enumerate(lines)]


def convert_lines(source: str, lines: list[tuple[int, bytes, bool]],
                  quarantine: Quarantine | None, *, max_line_bytes: int) -> Converted:
    """Numbered lines one by one: blank, over-long, undecodable and odd lines included."""
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    rows: list[tuple[Any, ...]] = []
    nums: list[int] = []
    raws: list[bytes] = []
    append_row, append_num, append_raw = rows.append, nums.append, raws.append
    ooo = 0
    prev: int | None = None
    for lineno, line, newline in lines:
        if len(line) > max_line_bytes:
            size = len(line) + (1 if newline else 0)
            reject(quarantine, source, lineno, LINE_TOO_LONG, "<line>",
                   f"line is {size} bytes, longer than the limit of {max_line_bytes}",
                   line[:min(64 * 1024, max_line_bytes + 1)], raw_size=size)
            continue
        try:
            obj = loads(line)
        except decode_error:
            raw = _stripped(line)
            if raw.strip():  # blank lines are not records
                decode_json_line(source, lineno, raw, quarantine)
            continue
        if type(obj) is not dict:
            decode_json_line(source, lineno, _stripped(line), quarantine)
            continue
        try:
            row = fast_row(obj)
        except Exception:  # noqa: BLE001 - convert_record says why, with the row's line
            row = None
        if row is None:
            row = convert_record((source, lineno, obj, _stripped(line)), quarantine)
            if row is None:
                continue
        ms = row[1]
        if prev is not None and ms < prev:
            ooo += 1
        prev = ms
        append_row(row)
        append_num(lineno)
        append_raw(line)
    first_ms: int | None = rows[0][1] if rows else None
    batch, rejected = build_batch(rows)
    if rejected:
        for i, (fld, why) in sorted(rejected.items()):
            # The line as read, not the converted row (whose ts is milliseconds and
            # whose request is bytes): what is quarantined must be what came in.
            reject(quarantine, source, nums[i], INVALID_RECORD, fld, why,
                           _stripped(raws[i]))
        nums = [n for i, n in enumerate(nums) if i not in rejected]
        # order is accounted over the rows written, not the ones just left out
        ooo, first_ms, prev = order_stats(batch)
    return batch, nums, ooo, first_ms, prev


def order_stats(batch: pa.RecordBatch) -> tuple[int, int | None, int | None]:
    """(out-of-order count, first ts, last ts) in ms of a batch, as the line loop counts."""
    if not batch.num_rows:
        return 0, None, None
    ts = batch.column(1).cast(pa.int64()).to_numpy()
    return int((np.diff(ts) < 0).sum()), int(ts[0]), int(ts[-1])
