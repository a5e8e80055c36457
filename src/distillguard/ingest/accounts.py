"""Accounts and ground-truth labels: small tables, read whole, validated row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from distillguard.ingest.quarantine import (
    DUPLICATE_ACCOUNT_ID,
    Quarantine,
    dump_raw,
    quarantine_error,
    reject,
)
from distillguard.ingest.readers import expand_paths, iter_records
from distillguard.ingest.sources import DEFAULT_MAX_LINE_BYTES
from distillguard.opener import check_file, open_binary
from distillguard.schema import Account, InputError, Label, RecordError


def read_accounts(path: str | Path | Iterable[str | Path], quarantine: Quarantine | None = None, *,
                  max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> list[Account]:
    """Every usable account of a JSONL or Parquet file (duplicate ids quarantined)."""
    out: list[Account] = []
    seen: set[str] = set()
    for file in expand_paths(path, layout_entry="accounts.parquet"):
        for source, line, obj, raw in iter_records(file, quarantine,
                                                   max_line_bytes=max_line_bytes):
            try:
                acc = Account.from_mapping(obj, source=source, line=line)
            except RecordError as err:
                quarantine_error(quarantine, err, raw, obj)
                continue
            if acc.account_id in seen:
                why = f"account_id {acc.account_id!r} was already seen (first occurrence kept)"
                reject(quarantine, source, line, DUPLICATE_ACCOUNT_ID, "account_id", why,
                       raw or dump_raw(obj))
                continue
            seen.add(acc.account_id)
            out.append(acc)
    return out


def read_labels(path: str | Path) -> list[Label]:
    """Ground-truth labels from ``account_id,label,campaign`` CSV; any bad row is an error."""
    p = Path(path)
    check_file(p)
    with open_binary(p) as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
        reader = csv.DictReader(text)
        header = reader.fieldnames or []
        missing = [c for c in ("account_id", "label") if c not in header]
        if missing:
            raise InputError(f"{p}:1: header lacks {missing} (expected account_id,label,campaign)",
                             details={"source": str(p), "line": 1, "header": header})
        out: list[Label] = []
        seen: set[str] = set()
        try:
            for row in reader:
                line = reader.line_num
                rec = {k: (v if v != "" else None) for k, v in row.items() if k is not None}
                lab = Label.from_mapping(rec, source=str(p), line=line)
                if lab.account_id in seen:
                    raise InputError(f"{p}:{line}: account_id {lab.account_id!r} labelled twice",
                                     details={"source": str(p), "line": line})
                seen.add(lab.account_id)
                out.append(lab)
        except UnicodeDecodeError as exc:
            raise InputError(f"{p}: invalid UTF-8 ({exc})", details={"source": str(p)}) from exc
    return out
