"""Reading an order file (CSV or JSON lines) into :class:`Order`.

Every column but ``order_id`` is optional: a flag fires only on what the data
shows. A record without an order id, with a quantity that is not a whole
number, a date that is not a date or the wrong number of CSV fields is
quarantined (ingest's :class:`Quarantine`: file, line, field, reason, raw text)
and the run goes on. The parent only cuts the file into chunks of parsed
records; workers turn them into orders (:func:`parse_records`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillguard.ingest.quarantine import INVALID_JSON, INVALID_RECORD, NOT_AN_OBJECT, Quarantine
from distillguard.opener import text_head
from distillguard.schema.errors import FieldError, InputError, RecordError

TEXT_FIELDS = (
    "buyer",
    "buyer_country",
    "buyer_business",
    "consignee",
    "consignee_address",
    "consignee_country",
    "end_user",
    "end_user_address",
    "end_user_country",
    "ultimate_parent",
    "parent_country",
    "forwarder",
    "ship_to_address",
    "ship_to_country",
    "product",
    "stated_end_use",
    "site",
    "payment_method",
    "payer_country",
    "installation",
    "inspection",
)
DATE_FIELDS = ("order_date", "buyer_since", "buyer_founded")
COLUMNS = ("order_id", *DATE_FIELDS, *TEXT_FIELDS, "quantity", "site_power_kw")


@dataclass(frozen=True, slots=True)
class Order:
    """One order of accelerators or servers, as the exporter recorded it."""

    order_id: str
    line: int = 0
    order_date: dt.date | None = None
    buyer_since: dt.date | None = None  # the buyer's first order with the exporter
    buyer_founded: dt.date | None = None  # the buyer's incorporation
    buyer: str = ""
    buyer_country: str = ""
    buyer_business: str = ""
    consignee: str = ""
    consignee_address: str = ""
    consignee_country: str = ""
    end_user: str = ""
    end_user_address: str = ""
    end_user_country: str = ""
    ultimate_parent: str = ""
    parent_country: str = ""
    forwarder: str = ""
    ship_to_address: str = ""
    ship_to_country: str = ""
    product: str = ""
    stated_end_use: str = ""
    site: str = ""
    payment_method: str = ""
    payer_country: str = ""
    installation: str = ""  # accepted | declined | ""
    inspection: str = ""  # what an inspection found; "" when none was done
    quantity: int = 0  # accelerators (a server counts its accelerators)
    site_power_kw: float | None = None


def _date(v: Any, name: str, problems: list[FieldError]) -> dt.date | None:
    text = str(v or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        problems.append(FieldError(name, f"not a date YYYY-MM-DD: {text[:40]!r}"))
        return None


def to_order(rec: dict[str, Any], line: int, source: str) -> Order:
    """An order from one record; raises :class:`RecordError` naming every bad field."""
    problems: list[FieldError] = []
    oid = str(rec.get("order_id") or "").strip()
    if not oid:
        problems.append(FieldError("order_id", "empty"))
    qty_raw = rec.get("quantity")
    quantity = 0
    if qty_raw not in (None, ""):
        try:
            q = float(str(qty_raw).replace(",", "").strip())
            if q < 0 or q != int(q):
                raise ValueError
            quantity = int(q)
        except ValueError:
            problems.append(FieldError("quantity", f"not a whole number >= 0: {qty_raw!r}"))
    power_raw = rec.get("site_power_kw")
    power = None
    if power_raw not in (None, ""):
        try:
            power = float(str(power_raw).replace(",", "").strip())
            if power < 0:
                raise ValueError
        except ValueError:
            problems.append(FieldError("site_power_kw", f"not a number >= 0: {power_raw!r}"))
            power = None
    order_date = _date(rec.get("order_date"), "order_date", problems)
    buyer_since = _date(rec.get("buyer_since"), "buyer_since", problems)
    buyer_founded = _date(rec.get("buyer_founded"), "buyer_founded", problems)
    if problems:
        raise RecordError(problems, source=source, line=line)
    texts = {name: str(rec.get(name) or "").strip() for name in TEXT_FIELDS}
    return Order(
        oid,
        line,
        order_date,
        buyer_since,
        buyer_founded,
        quantity=quantity,
        site_power_kw=power,
        **texts,
    )


@dataclass(frozen=True)
class Chunk:
    """Records of one part of the file: (line, record), or for a line that is no
    record (line, "reason\\0detail\\0raw text")."""

    source: str
    records: list[tuple[int, dict[str, Any] | list[str] | str]]
    header: tuple[str, ...] = ()  # CSV: the names of a record's fields


def read_chunks(path: Path, size: int = 5000) -> Iterator[Chunk]:
    """The order file in chunks of ``size`` records; checked (exists, text, a CSV
    header with order_id) before the first chunk is asked for."""
    head = text_head(path, "order file")
    stripped = head.lstrip(b"\xef\xbb\xbf \r\n\t")
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json") or stripped.startswith(b"{"):
        return _jsonl(path, size)
    fh2 = path.open(encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(fh2)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        fh2.close()
        return iter(())
    if "order_id" not in header:
        fh2.close()
        raise InputError(
            f"{path}:1: order file lacks column order_id; columns: {', '.join(COLUMNS)}",
            details={"file": str(path), "line": 1, "missing": ["order_id"]},
        )
    return _csv(fh2, reader, header, str(path), size)


def _csv(fh: Any, reader: Any, header: list[str], source: str, size: int) -> Iterator[Chunk]:
    width = len(header)
    with fh:
        cols = tuple(header)
        buf: list[tuple[int, dict[str, Any] | list[str] | str]] = []
        for fields in reader:
            n = reader.line_num
            if len(fields) != width:
                if not "".join(fields).strip():
                    continue
                bad = f"expected {width} fields, got {len(fields)}"
                buf.append((n, f"{INVALID_RECORD}\x00{bad}\x00" + ",".join(fields)))
            else:
                # Field lists, not dicts: the parent only cuts, workers build records.
                buf.append((n, fields))
            if len(buf) >= size:
                yield Chunk(source, buf, cols)
                buf = []
        if buf:
            yield Chunk(source, buf, cols)


def _jsonl(path: Path, size: int) -> Iterator[Chunk]:
    buf: list[tuple[int, dict[str, Any] | list[str] | str]] = []
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                buf.append((n, f"{INVALID_JSON}\x00{exc}\x00{line}"))
            else:
                bad = f"{NOT_AN_OBJECT}\x00not a JSON object\x00{line}"
                buf.append((n, rec if isinstance(rec, dict) else bad))
            if len(buf) >= size:
                yield Chunk(str(path), buf)
                buf = []
    if buf:
        yield Chunk(str(path), buf)


def parse_records(chunk: Chunk, quarantine: Quarantine) -> list[Order]:
    """The orders of one chunk; unusable records go to ``quarantine``."""
    out = []
    for n, rec in chunk.records:
        if isinstance(rec, str):
            reason, detail, raw = rec.split("\x00", 2)
            quarantine.add(
                source=chunk.source,
                line=n,
                reason=reason,
                problems=[FieldError("record", detail)],
                raw=raw,
            )
            continue
        if isinstance(rec, list):
            rec = dict(zip(chunk.header, rec, strict=True))
        try:
            out.append(to_order(rec, n, chunk.source))
        except RecordError as err:
            quarantine.add_error(err, raw=json.dumps(rec, default=str)[:2000])
    return out


def read_orders(path: Path, quarantine: Quarantine) -> Iterator[Order]:
    """Every usable order of ``path`` in file order."""
    for chunk in read_chunks(path):
        yield from parse_records(chunk, quarantine)
