"""Where unusable rows go: every one written with file, line, reason and raw text, and counted.

Nothing is dropped silently: a reader that meets a row it cannot use hands it
to a :class:`Quarantine` and carries on. The quarantine file is JSON Lines with
``source``, ``line``, ``reason``, ``problems`` [{field, reason}] and ``raw``.
Raw text is capped (``max_raw_bytes``) so that one 50 MB garbage line cannot
blow up the quarantine itself; a capped row says so (``raw_truncated``, and
``raw_bytes`` carries the full length) and still names the file and line, so
the original can always be found again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

import orjson

from distillguard.schema.errors import FieldError, RecordError

# Reasons a row can be quarantined; stable strings, counted and documented.
INVALID_JSON: Final = "invalid_json"
INVALID_UTF8: Final = "invalid_utf8"
NOT_AN_OBJECT: Final = "not_an_object"
INVALID_RECORD: Final = "invalid_record"
DUPLICATE_EVENT_ID: Final = "duplicate_event_id"
DUPLICATE_ACCOUNT_ID: Final = "duplicate_account_id"
LINE_TOO_LONG: Final = "line_too_long"
TRUNCATED_INPUT: Final = "truncated_input"
UNREADABLE_FILE: Final = "unreadable_file"
UNMATCHED_BATCH_LINE: Final = "unmatched_batch_line"
UNSUPPORTED_CALL_TYPE: Final = "unsupported_call_type"

REASONS: Final = (
    INVALID_JSON, INVALID_UTF8, NOT_AN_OBJECT, INVALID_RECORD, DUPLICATE_EVENT_ID,
    DUPLICATE_ACCOUNT_ID, LINE_TOO_LONG, TRUNCATED_INPUT, UNREADABLE_FILE, UNMATCHED_BATCH_LINE,
    UNSUPPORTED_CALL_TYPE,
)

DEFAULT_MAX_RAW_BYTES: Final = 64 * 1024
# In-memory quarantines (no file) keep this many rows for inspection; counts are always exact.
MEMORY_ROWS: Final = 1000


def dump_raw(obj: Any) -> bytes:
    """A record re-encoded for the quarantine, whatever it holds (huge ints, bytes, ...)."""
    try:
        return orjson.dumps(obj, default=str)
    except TypeError:
        import json

        return json.dumps(obj, default=str, ensure_ascii=False).encode("utf-8", "replace")


def _raw_text(raw: str | bytes, cap: int) -> tuple[str, int, bool]:
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    size = len(data)
    truncated = size > cap
    if truncated:
        data = data[:cap]
    # backslashreplace keeps invalid bytes visible instead of losing or crashing on them.
    return data.decode("utf-8", "backslashreplace"), size, truncated


class Quarantine:
    """Counts unusable rows by reason and (optionally) writes each one to a JSONL file."""

    def __init__(self, path: str | Path | None = None, *,
                 max_raw_bytes: int = DEFAULT_MAX_RAW_BYTES,
                 memory_rows: int | None = MEMORY_ROWS) -> None:
        """``memory_rows``: rows kept in memory when there is no file (``None``: all)."""
        self.path = Path(path) if path is not None else None
        self.max_raw_bytes = max_raw_bytes
        self.memory_rows = memory_rows
        self.counts: Counter[str] = Counter()
        self.field_counts: Counter[str] = Counter()
        self.rows: list[dict[str, Any]] = []
        self._fh: IO[bytes] | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("wb")

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(
        self,
        *,
        source: str,
        line: int | None,
        reason: str,
        problems: Iterable[FieldError] = (),
        raw: str | bytes = "",
        raw_size: int | None = None,
    ) -> None:
        """Record one unusable row; ``raw_size`` is the full length when ``raw`` is a prefix."""
        text, size, truncated = _raw_text(raw, self.max_raw_bytes)
        if raw_size is not None and raw_size > size:
            size, truncated = raw_size, True
        probs = [{"field": p.field, "reason": p.reason} for p in problems]
        row: dict[str, Any] = {
            "source": source, "line": line, "reason": reason, "problems": probs, "raw": text,
        }
        if truncated:
            row["raw_truncated"] = True
            row["raw_bytes"] = size
        self.add_row(row)

    def add_row(self, row: dict[str, Any]) -> None:
        """Record a row already in the quarantine shape (as another process built it)."""
        self.counts[row["reason"]] += 1
        for p in row["problems"]:
            self.field_counts[p["field"]] += 1
        if self._fh is not None:
            self._fh.write(orjson.dumps(row) + b"\n")
        elif self.memory_rows is None or len(self.rows) < self.memory_rows:
            self.rows.append(row)

    def add_error(self, err: RecordError, *, raw: str | bytes = "",
                  reason: str = INVALID_RECORD) -> None:
        self.add(source=err.source, line=err.line, reason=reason, problems=err.problems, raw=raw)

    def summary(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_reason": dict(sorted(self.counts.items())),
            "by_field": dict(sorted(self.field_counts.items())),
            "path": str(self.path) if self.path is not None else None,
        }

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> Quarantine:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def quarantine_error(quarantine: Quarantine | None, err: RecordError, raw: str | bytes,
                     obj: Any = None, *, reason: str = INVALID_RECORD,
                     raw_size: int | None = None) -> None:
    """The one step every reader takes with a record it cannot use: strict (no
    quarantine) raises ``err``; otherwise the record is quarantined as read (``raw``),
    or re-encoded when there was no text (a Parquet row)."""
    if quarantine is None:
        raise err
    if not raw and obj is not None:
        raw = dump_raw(obj)
    quarantine.add(source=err.source, line=err.line, reason=reason, problems=err.problems,
                   raw=raw, raw_size=raw_size)


def reject(quarantine: Quarantine | None, source: str, line: int | None, reason: str,
           fld: str, why: str, raw: bytes | str, *, raw_size: int | None = None) -> None:
    """:func:`quarantine_error` for one field's problem found while reading."""
    err = RecordError([FieldError(fld, why)], source=source, line=line)
    err.details["reason"] = reason
    quarantine_error(quarantine, err, raw, reason=reason, raw_size=raw_size)
