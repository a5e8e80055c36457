"""Read a hunt's output directory (the cross-area contract) for export."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from distillguard.schema import ACCOUNTS_CSV_HEADER, AccountVerdict, FieldError, RecordError
from distillguard.schema.errors import InputError

# Feature names travel in campaign descriptions; anything that does not look like
# an identifier could be data and stays home.
_FEATURE_NAME: Final = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")


@dataclass(frozen=True, slots=True)
class HuntResult:
    verdicts: Mapping[str, AccountVerdict]
    top_features: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    bad_rows: int = 0


def read_hunt(hunt_dir: str | Path) -> HuntResult:
    """``accounts.csv`` (required) and ``evidence.jsonl`` (optional) of a hunt."""
    root = Path(hunt_dir)
    path = root / "accounts.csv"
    if not path.is_file():
        raise InputError(f"{path}: hunt output not found (expected accounts.csv)",
                         details={"source": str(path)})
    verdicts: dict[str, AccountVerdict] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or tuple(header[:5]) != ACCOUNTS_CSV_HEADER:
            raise InputError(
                f"{path}:1: header must start with {','.join(ACCOUNTS_CSV_HEADER)}, got {header}",
                details={"source": str(path), "line": 1},
            )
        for line, row in enumerate(reader, start=2):
            verdicts_row = _verdict(row, str(path), line)
            verdicts[verdicts_row.account_id] = verdicts_row
    return HuntResult(verdicts, _top_features(root / "evidence.jsonl"))


def _verdict(row: list[str], source: str, line: int) -> AccountVerdict:
    problems: list[FieldError] = []
    if len(row) < 5:
        raise RecordError([FieldError("<row>", f"expected 5 columns, got {len(row)}")],
                          source=source, line=line)
    account_id, risk_s, verdict, cluster_id, reasons = row[:5]
    if not account_id:
        problems.append(FieldError("account_id", "required field is empty"))
    try:
        risk = float(risk_s)
        if not 0.0 <= risk <= 1.0:
            raise ValueError("outside [0, 1]")
    except ValueError as exc:
        problems.append(FieldError("risk", f"not a number in [0, 1] ({exc})"))
        risk = 0.0
    if verdict not in ("allow", "review", "block"):
        problems.append(FieldError("verdict", f"must be allow, review or block, got {verdict!r}"))
    if problems:
        raise RecordError(problems, source=source, line=line)
    return AccountVerdict(account_id, risk, verdict, cluster_id or None, reasons)


def _top_features(path: Path, limit: int = 3) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    if not path.is_file():
        return out
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                feats = sorted(rec.get("features") or [],
                               key=lambda f: -float(f.get("contribution") or 0.0))
                names = tuple(str(f["name"]) for f in feats
                              if float(f.get("contribution") or 0.0) > 0
                              and _FEATURE_NAME.match(str(f.get("name", ""))))
                out[str(rec["account_id"])] = names[:limit]
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise InputError(f"{path}:{line_no}: unreadable evidence row ({exc})",
                                 details={"source": str(path), "line": line_no}) from exc
    return out
