"""Training compute at GPU clouds: usage records -> operations per account,
flagged against configured levels (1e26 as in the proposed IaaS rule, plus
early-warning levels) for foreign customers, joined with screening results.

operations = peak ops/s of the chip (shipped table, with sources)
             x utilisation (configuration) x chips x hours x 3600.
"""

from __future__ import annotations

import csv
import functools
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

from distillguard.schema.errors import NotFoundError
from distillguard.screen.config import ScreenConfig
from distillguard.screen.countries import country_code


@dataclass(frozen=True)
class Chip:
    chip: str
    peak_ops_per_s: float
    precision: str
    source: str


#: Vendor words that usage exports put in front of a model name ("NVIDIA H100").
VENDORS: Final = ("NVIDIA", "AMD", "GOOGLE", "INTEL", "HUAWEI")


def chip_key(name: str) -> str:
    key = "".join(ch for ch in name.upper() if ch.isalnum())
    for vendor in VENDORS:
        if key.startswith(vendor) and len(key) > len(vendor):
            return key[len(vendor) :]
    return key


@functools.lru_cache(maxsize=1)
def chips() -> dict[str, Chip]:
    """Every chip of the table under its own name and the common names usage exports
    give it (``aliases``: "H100" is the SXM part, as clouds rent it)."""
    text = resources.files("distillguard.screen").joinpath("data/chips.csv").read_text("utf-8")
    out = {}
    for rec in csv.DictReader(text.splitlines()):
        c = Chip(rec["chip"], float(rec["peak_ops_per_s"]), rec["precision"], rec["source"])
        for name in (c.chip, *filter(None, (rec.get("aliases") or "").split(";"))):
            out[chip_key(name)] = c
    return out


def chip_names() -> list[str]:
    """The table's chip names (each also reachable by its aliases)."""
    return sorted({c.chip for c in chips().values()})


@dataclass
class AccountCompute:
    account: str
    country: str = ""
    chip_hours: float = 0.0
    operations: float = 0.0
    chips: dict[str, float] = field(default_factory=dict)

    def row(self, cfg: ScreenConfig, screening: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
        foreign = bool(self.country) and self.country != cfg.home_country
        level = ""
        for lv in cfg.compute_levels:
            if self.operations >= lv.ops:
                level = lv.level
        s = screening.get(self.account, {})
        flagged = bool(level) and (foreign or not self.country)
        return {
            "account": self.account,
            "country": self.country or "unknown",
            "foreign": foreign if self.country else "unknown",
            "chip_hours": round(self.chip_hours, 1),
            "operations": float(f"{self.operations:.4g}"),
            "level": level,
            "flag": flagged,
            "screening": s.get("decision", ""),
            "entity_id": s.get("entity_id", ""),
            "list": s.get("list", ""),
            "chips": ";".join(f"{k}:{v:g}h" for k, v in sorted(self.chips.items())),
        }


def _records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    if not path.exists():
        raise NotFoundError(f"{path}: no such file", details={"file": str(path)})
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() in (".jsonl", ".ndjson") or text.lstrip().startswith("{"):
        out = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    out.append((n, json.loads(line)))
                except ValueError:
                    out.append((n, {"__error__": "invalid JSON"}))
        return out
    reader = csv.DictReader(text.splitlines())
    return [(i + 2, dict(r)) for i, r in enumerate(reader)]


def compute_report(
    usage: Path,
    cfg: ScreenConfig,
    screening: Mapping[str, Mapping[str, str]] | None = None,
    countries: Mapping[str, str] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(one row per account, largest first; quarantined usage rows)."""
    table = chips()
    accounts: dict[str, AccountCompute] = defaultdict(lambda: AccountCompute(""))
    quarantine: list[dict[str, Any]] = []
    for line, rec in _records(usage):
        problems = []
        if "__error__" in rec:
            problems.append(rec["__error__"])
        acct = str(rec.get("account") or rec.get("account_id") or "").strip()
        chip = table.get(chip_key(str(rec.get("chip") or rec.get("chip_type") or "")))
        if not acct:
            problems.append("empty account")
        if chip is None and "__error__" not in rec:
            problems.append(
                f"unknown chip {rec.get('chip') or rec.get('chip_type')!r} "
                f"(known: {', '.join(chip_names())})"
            )
        try:
            count = float(rec.get("count") or 0)
            hours = float(rec.get("hours") or 0)
            if count < 0 or hours < 0:
                problems.append("negative count or hours")
        except (TypeError, ValueError):
            problems.append("count and hours must be numbers")
            count = hours = 0.0
        if problems or chip is None:
            quarantine.append({"line": line, "account": acct, "reason": "; ".join(problems)})
            continue
        a = accounts[acct]
        a.account = acct
        a.country = country_code(str(rec.get("country") or "")) or a.country
        a.chip_hours += count * hours
        a.chips[chip.chip] = a.chips.get(chip.chip, 0.0) + count * hours
        a.operations += chip.peak_ops_per_s * cfg.utilization * count * hours * 3600.0
    for acct, a in accounts.items():
        if not a.country and countries and acct in countries:
            a.country = country_code(countries[acct])
    rows = [a.row(cfg, screening or {}) for a in accounts.values()]
    rows.sort(key=lambda r: -float(r["operations"]))
    return rows, quarantine
