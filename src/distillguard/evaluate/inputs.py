"""Read and validate what the evaluation compares: labels, a hunt's accounts.csv,
and the simulator's personas file.

Every problem is reported with the file, the line and the field, and all the
problems of a file are collected before failing, so one run tells the user
everything that is wrong.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from distillguard.evaluate.metrics import Prediction, Truth
from distillguard.schema import (
    ACCOUNTS_CSV_HEADER,
    LABELS_CSV_HEADER,
    VERDICTS,
    FieldError,
    InputError,
    Label,
    NotFoundError,
    RecordError,
)

PERSONAS_HEADER: Final = ("account_id", "persona", "campaign", "tactic")
MAX_PROBLEMS: Final = 20


class _Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[dict[str, object]] = []
        self.total = 0

    def add(self, line: int, field: str, reason: str) -> None:
        self.total += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append({"line": line, "field": field, "reason": reason})

    def raise_if_any(self, what: str) -> None:
        if not self.total:
            return
        first = self.items[0]
        more = f" (and {self.total - 1} more)" if self.total > 1 else ""
        raise InputError(
            f"{self.path}:{first['line']}: {what}: {first['field']}: {first['reason']}{more}",
            details={"file": str(self.path), "problems": self.items, "total": self.total},
        )


def _rows(path: Path, header: tuple[str, ...], exact: bool) -> Iterator[tuple[int, dict[str,
                                                                                      str]]]:
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file", details={"path": str(path)})
    try:
        fh = path.open(newline="", encoding="utf-8-sig")  # tolerate a BOM (spreadsheet exports)
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({exc})", details={"file": str(path)}) from exc
    with fh:
        reader = csv.reader(fh)
        try:
            got = next(reader, None)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"{path}:1: unreadable header ({exc})",
                             details={"file": str(path), "line": 1}) from exc
        if got is None:
            raise InputError(f"{path}: empty file, expected header {','.join(header)}",
                             details={"file": str(path), "line": 1})
        got = [g.strip() for g in got]
        ok = tuple(got) == header if exact else set(header) <= set(got)
        if not ok:
            raise InputError(
                f"{path}:1: header must be {','.join(header)}, got {','.join(got)}",
                details={"file": str(path), "line": 1, "field": "<header>"})
        try:
            for n, row in enumerate(reader, start=2):
                if not row or not any(c.strip() for c in row):
                    continue
                yield n, dict(zip(got, row, strict=False)) | (
                    {"<extra>": ",".join(row[len(got):])} if len(row) > len(got) else {})
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"{path}: unreadable CSV ({exc})",
                             details={"file": str(path)}) from exc


def read_truth(labels: Path, personas: Path | None = None) -> dict[str, Truth]:
    """Labels (spec header ``account_id,label,campaign``), optionally joined with personas."""
    probs = _Problems(labels)
    out: dict[str, Truth] = {}
    for n, row in _rows(labels, LABELS_CSV_HEADER, exact=True):
        try:
            lab = Label.from_mapping({k: v for k, v in row.items() if v != ""},
                                     source=str(labels), line=n)
        except RecordError as exc:
            for p in exc.problems:
                probs.add(n, p.field, p.reason)
            continue
        if lab.account_id in out:
            probs.add(n, "account_id", f"duplicate account {lab.account_id!r}")
            continue
        if not lab.is_distiller and lab.campaign:
            probs.add(n, "campaign", "a benign account cannot belong to a campaign")
            continue
        out[lab.account_id] = Truth(lab.account_id, lab.is_distiller, lab.campaign or "")
    probs.raise_if_any("bad label")
    if not out:
        raise InputError(f"{labels}: no labelled accounts", details={"file": str(labels)})
    if personas is not None:
        out = _join_personas(out, personas)
    return out


def _join_personas(truth: dict[str, Truth], personas: Path) -> dict[str, Truth]:
    probs = _Problems(personas)
    seen: dict[str, tuple[str, str]] = {}
    for n, row in _rows(personas, PERSONAS_HEADER, exact=False):
        aid, persona = row.get("account_id", "").strip(), row.get("persona", "").strip()
        if not aid:
            probs.add(n, "account_id", "required field is empty")
        elif not persona:
            probs.add(n, "persona", "required field is empty")
        elif aid not in truth:
            probs.add(n, "account_id", f"account {aid!r} is not in the labels")
        elif (persona == "distiller") != truth[aid].distiller:
            probs.add(n, "persona", f"{persona!r} contradicts the label of {aid!r}")
        else:
            seen[aid] = (persona, row.get("tactic", "").strip())
    probs.raise_if_any("bad persona row")
    return {aid: Truth(t.account_id, t.distiller, t.campaign, *seen.get(aid, ("", "")))
            for aid, t in truth.items()}


def resolve_pred(pred: Path) -> Path:
    """``--pred`` may be a hunt's output directory or its accounts.csv."""
    return pred / "accounts.csv" if pred.is_dir() else pred


def read_predictions(pred: Path, truth: dict[str, Truth]) -> tuple[dict[str, Prediction],
                                                                    list[str]]:
    """A hunt's ``accounts.csv``; returns the predictions and the unlabelled account ids.

    Every labelled account must have a row (the hunt contract says one row per
    account seen): a missing one is an error naming the accounts.
    """
    path = resolve_pred(pred)
    probs = _Problems(path)
    out: dict[str, Prediction] = {}
    for n, row in _rows(path, ACCOUNTS_CSV_HEADER, exact=True):
        aid = row.get("account_id", "").strip()
        if "<extra>" in row:
            probs.add(n, "<row>", f"more than {len(ACCOUNTS_CSV_HEADER)} columns")
            continue
        if not aid:
            probs.add(n, "account_id", "required field is empty")
            continue
        if aid in out:
            probs.add(n, "account_id", f"duplicate account {aid!r}")
            continue
        problems = []
        try:
            risk = float(row.get("risk", ""))
            if math.isnan(risk) or not 0.0 <= risk <= 1.0:
                problems.append(FieldError("risk", f"must be in [0, 1], got {row['risk']!r}"))
        except ValueError:
            problems.append(FieldError("risk", f"not a number: {row.get('risk')!r}"))
            risk = 0.0
        verdict = row.get("verdict", "").strip()
        if verdict not in VERDICTS:
            problems.append(FieldError("verdict", f"must be one of {list(VERDICTS)}, "
                                                  f"got {verdict!r}"))
        for p in problems:
            probs.add(n, p.field, p.reason)
        if not problems:
            out[aid] = Prediction(aid, risk, verdict, row.get("cluster_id", "").strip())
    probs.raise_if_any("bad prediction")
    missing = sorted(set(truth) - set(out))
    if missing:
        raise InputError(
            f"{path}: {len(missing)} labelled account(s) have no row, e.g. "
            f"{', '.join(missing[:5])}",
            details={"file": str(path), "field": "account_id", "missing": missing[:MAX_PROBLEMS],
                     "total": len(missing)})
    unlabelled = sorted(set(out) - set(truth))
    return out, unlabelled
