"""Reading list files: encodings, compression, and the remarks grammar shared
by OFAC and the Consolidated Screening List.

Official files arrive in UTF-8, UTF-8 with BOM or Windows-1252 (OFAC's legacy
CSVs); a file that is none of those is an error naming the file, not a crash.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from distillguard.opener import open_binary
from distillguard.schema.errors import InputError
from distillguard.screen.model import Identifier

MAX_FIELD = 1 << 24
csv.field_size_limit(MAX_FIELD)


def read_text(path: Path) -> str:
    """The text of a list file (optionally .gz or .zst), whatever its legacy encoding."""
    try:
        # Compressed or not is known by content (the one opener), not by the file's name.
        with open_binary(path) as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise InputError(
            f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}",
            details={"file": str(path)},
        ) from exc
    if b"\x00" in data[:4096]:
        raise InputError(
            f"{path}: binary or UTF-16 content; expected UTF-8 or Windows-1252 text",
            details={"file": str(path)},
        )
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc).replace("\x1a", "")
        except UnicodeDecodeError:
            continue
    # Latin-1 maps every byte: the last resort keeps every row (nothing is lost).
    return data.decode("latin-1").replace("\x1a", "")


def csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for each CSV record; line numbers are physical lines."""
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(
                f"{path}:{reader.line_num}: malformed CSV: {exc}",
                details={"file": str(path), "line": reader.line_num},
            ) from exc
        if row and any(c.strip() for c in row):
            yield reader.line_num, row


def null(value: str | None) -> str:
    """OFAC writes missing values as ``-0-``."""
    if value is None:
        return ""
    value = value.strip()
    return "" if value in ("-0-", "-0", "") else value


def split_list(value: str | None, sep: str = ";") -> tuple[str, ...]:
    return tuple(p.strip() for p in (value or "").split(sep) if p.strip() and p.strip() != "-0-")


_ID = re.compile(
    r"(?P<kind>Tax ID No\.|Registration Number|Registration ID|Legal Entity Number|"
    r"Unified Social Credit Code \(USCC\)|USCC:|Business Registration Number|Company Number|"
    r"Passport|National ID No\.|Identification Number|SWIFT/BIC|IMO|MMSI|"
    r"Government Gazette Number|Certificate of Incorporation Number|D-U-N-S Number)"
    r"\s+(?P<value>[A-Za-z0-9][A-Za-z0-9\-/.]*)(?:\s+\((?P<country>[^)]+)\))?"
)
_AKA = re.compile(r"a\.k\.a\.\s+'([^']+)'")
_DATE = re.compile(r"(?:Listing Date|Effective Date)[^:]*:\s*(\d{1,2} \w{3} \d{4})")


def remark_identifiers(remarks: str) -> tuple[Identifier, ...]:
    out = []
    for m in _ID.finditer(remarks):
        value = m.group("value").rstrip(".")
        if any(ch.isdigit() for ch in value):
            out.append(Identifier(m.group("kind").rstrip(".:"), value, m.group("country") or ""))
    return tuple(out)


def remark_aliases(remarks: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in _AKA.findall(remarks) if a.strip())


def remark_date(remarks: str) -> str:
    import datetime as dt

    m = _DATE.search(remarks)
    if not m:
        return ""
    try:
        return dt.datetime.strptime(m.group(1), "%d %b %Y").date().isoformat()
    except ValueError:
        return ""
