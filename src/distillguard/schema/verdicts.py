"""The one reader of a hunt's ``accounts.csv`` (the output contract), for every area
that acts on a hunt: the continuous hunt's book, intel export, the console.

A missing file, a wrong header or an unusable row is an error naming the file,
the line and the field; a hunt's own output is never half read.
"""

from __future__ import annotations

import csv
from pathlib import Path

from distillguard.schema.errors import FieldError, InputError, RecordError
from distillguard.schema.records import ACCOUNTS_CSV_HEADER, VERDICTS, AccountVerdict


def read_verdicts(path: str | Path) -> list[AccountVerdict]:
    """Every row of ``accounts.csv`` at ``path``, in file order."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: hunt output not found (expected accounts.csv)",
                         details={"source": str(p)})
    out: list[AccountVerdict] = []
    with p.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or tuple(header[:5]) != ACCOUNTS_CSV_HEADER:
            raise InputError(
                f"{p}:1: header must start with {','.join(ACCOUNTS_CSV_HEADER)}, got {header}",
                details={"source": str(p), "line": 1})
        for line, row in enumerate(reader, start=2):
            out.append(_row(row, str(p), line))
    return out


def _row(row: list[str], source: str, line: int) -> AccountVerdict:
    if len(row) < 5:
        raise RecordError([FieldError("<row>", f"expected 5 columns, got {len(row)}")],
                          source=source, line=line)
    account_id, risk_s, verdict, cluster_id, reasons = row[:5]
    problems: list[FieldError] = []
    if not account_id:
        problems.append(FieldError("account_id", "required field is empty"))
    try:
        risk = float(risk_s)
        if not 0.0 <= risk <= 1.0:
            raise ValueError("outside [0, 1]")
    except ValueError as exc:
        problems.append(FieldError("risk", f"not a number in [0, 1] ({exc})"))
        risk = 0.0
    if verdict not in VERDICTS:
        problems.append(FieldError("verdict", f"must be allow, review or block, got {verdict!r}"))
    if problems:
        raise RecordError(problems, source=source, line=line)
    return AccountVerdict(account_id, risk, verdict, cluster_id or None, reasons)
