"""Read a hunt's output directory (the cross-area contract) for export."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from distillguard.schema import AccountVerdict, read_verdicts
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
    verdicts = {v.account_id: v for v in read_verdicts(root / "accounts.csv")}
    return HuntResult(verdicts, _top_features(root / "evidence.jsonl"))


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
