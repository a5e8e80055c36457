"""Reading a customer file (CSV or JSON lines) into :class:`CustomerRow`.

Reading is split in two so a batch can spread it over worker processes: the
parent only cuts the file into chunks of whole records (:func:`raw_chunks`:
decoding and finding record ends, a few percent of the cost), and each worker
turns its chunk into rows (:func:`parse_chunk`). Serially the two compose into
:func:`read_customers`. A row without a customer id, with the wrong number of
fields or with invalid JSON goes to the quarantine list with its line and
reason; a line that is not UTF-8 is read as Windows-1252 and noted.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillguard.opener import text_head
from distillguard.schema.errors import InputError

REQUIRED = ("customer_id", "name")


@dataclass(frozen=True)
class CustomerRow:
    line: int
    customer_id: str
    name: str
    country: str = ""
    address: str = ""
    identifiers: tuple[str, ...] = ()
    note: str = ""
    parent_country: str = ""


@dataclass(frozen=True)
class RawChunk:
    """Whole records as decoded text: the file's format and (CSV) header, the
    number of the chunk's first line, its lines, and lines read as Windows-1252."""

    fmt: str  # "csv" or "jsonl"
    header: tuple[str, ...]
    first_line: int
    lines: tuple[str, ...]
    notes: dict[int, str]


def _decode_lines(path: Path, notes: dict[int, str]) -> Iterator[str]:
    """Lines of ``path`` as text; a line that is not UTF-8 is read as Windows-1252
    and noted, so one mis-encoded row neither stops the job nor goes missing."""
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                yield raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                notes[n] = "line is not UTF-8; read as Windows-1252"
                yield raw.decode("cp1252", errors="replace")


def raw_chunks(path: Path, size: int) -> Iterator[RawChunk]:
    """Chunks of about ``size`` records each. The file is checked (exists, not
    UTF-16, required columns) before this returns, not on first iteration."""
    raw_head = text_head(path, "customer file")
    head = raw_head[:64].lstrip(b"\xef\xbb\xbf \r\n\t")
    notes: dict[int, str] = {}
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json") or head.startswith(b"{"):
        return _jsonl_chunks(_decode_lines(path, notes), notes, size)
    buf: list[str] = []
    lines = _decode_lines(path, notes)

    def tee() -> Iterator[str]:
        for line in lines:
            buf.append(line)
            yield line

    # The csv reader pulls exactly the lines of one record before handing it out,
    # so after each record ``buf`` holds whole records and nothing more.
    reader = csv.reader(tee())
    try:
        header = tuple(h.strip().lower() for h in next(reader))
    except StopIteration:
        return iter(())
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"{path}:1: customer file lacks column(s) {', '.join(missing)}; "
            "need at least customer_id,name,country,address",
            details={"file": str(path), "line": 1, "missing": missing},
        )
    return _csv_chunks(reader, header, buf, notes, size)


def _csv_chunks(
    reader: Any, header: tuple[str, ...], buf: list[str], notes: dict[int, str], size: int
) -> Iterator[RawChunk]:
    first = reader.line_num + 1
    buf.clear()
    notes.clear()
    count = 0
    for _ in reader:
        count += 1
        if count >= size:
            yield RawChunk("csv", header, first, tuple(buf), dict(notes))
            first = reader.line_num + 1
            buf.clear()
            notes.clear()
            count = 0
    if buf:
        yield RawChunk("csv", header, first, tuple(buf), dict(notes))


def _jsonl_chunks(lines: Iterator[str], notes: dict[int, str], size: int) -> Iterator[RawChunk]:
    buf: list[str] = []
    first = 1
    for line in lines:
        buf.append(line)
        if len(buf) >= size:
            yield RawChunk("jsonl", (), first, tuple(buf), dict(notes))
            first += len(buf)
            buf.clear()
            notes.clear()
    if buf:
        yield RawChunk("jsonl", (), first, tuple(buf), dict(notes))


def parse_chunk(chunk: RawChunk, quarantine: list[dict[str, Any]]) -> list[CustomerRow]:
    """The customer rows of one chunk; unusable records go to ``quarantine``."""
    return (_parse_csv if chunk.fmt == "csv" else _parse_jsonl)(chunk, quarantine)


def read_customers(path: Path, quarantine: list[dict[str, Any]]) -> Iterator[CustomerRow]:
    """Customer rows from CSV or JSON lines (by extension, or by a leading ``{``)."""
    for chunk in raw_chunks(path, 4000):
        yield from parse_chunk(chunk, quarantine)


def _parse_jsonl(chunk: RawChunk, quarantine: list[dict[str, Any]]) -> list[CustomerRow]:
    out = []
    for n, line in enumerate(chunk.lines, start=chunk.first_line):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            quarantine.append(
                {"line": n, "customer_id": "", "reason": f"invalid JSON: {exc}", "raw": line[:300]}
            )
            continue
        row = _row(rec, n, chunk.notes.get(n, ""), quarantine, line)
        if row:
            out.append(row)
    return out


def _parse_csv(chunk: RawChunk, quarantine: list[dict[str, Any]]) -> list[CustomerRow]:
    header = chunk.header
    width = len(header)
    # Column positions; a repeated column name keeps its last position, as a dict would.
    col = {h: i for i, h in enumerate(header)}
    i_id, i_name = col["customer_id"], col["name"]
    i_country, i_address = col.get("country"), col.get("address")
    i_ids, i_ident = col.get("identifiers"), col.get("identifier")
    i_parent = col.get("parent_country")
    offset = chunk.first_line - 1
    notes = chunk.notes
    out = []
    reader = csv.reader(chunk.lines)
    for fields in reader:
        n = offset + reader.line_num
        if not "".join(fields).strip():
            continue  # blank record
        if len(fields) != width:
            quarantine.append(
                {
                    "line": n,
                    "customer_id": fields[0] if fields else "",
                    "reason": f"expected {width} fields, got {len(fields)}",
                    "raw": ",".join(fields)[:300],
                }
            )
            continue
        cid = fields[i_id].strip()
        if not cid:
            quarantine.append(
                {
                    "line": n,
                    "customer_id": "",
                    "reason": "empty customer_id",
                    "raw": ",".join(fields)[:300],
                }
            )
            continue
        ids = (
            (fields[i_ids] if i_ids is not None else "")
            or (fields[i_ident] if i_ident is not None else "")
            or ""
        )
        out.append(
            CustomerRow(
                n,
                cid,
                fields[i_name].strip(),
                fields[i_country].strip() if i_country is not None else "",
                fields[i_address].strip() if i_address is not None else "",
                tuple(p.strip() for p in ids.split(";") if p.strip()) if ids else (),
                notes.get(n, ""),
                fields[i_parent].strip() if i_parent is not None else "",
            )
        )
    return out


def _row(
    rec: dict[str, Any], n: int, note: str, quarantine: list[dict[str, Any]], raw: str
) -> CustomerRow | None:
    cid = str(rec.get("customer_id") or "").strip()
    if not cid:
        quarantine.append(
            {"line": n, "customer_id": "", "reason": "empty customer_id", "raw": raw[:300]}
        )
        return None
    ids = rec.get("identifiers") or rec.get("identifier") or ""
    id_list = (
        tuple(str(i) for i in ids)
        if isinstance(ids, list)
        else tuple(p.strip() for p in str(ids).split(";") if p.strip())
    )
    return CustomerRow(
        n,
        cid,
        str(rec.get("name") or "").strip(),
        str(rec.get("country") or "").strip(),
        str(rec.get("address") or "").strip(),
        id_list,
        note,
        str(rec.get("parent_country") or "").strip(),
    )
