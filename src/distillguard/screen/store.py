"""The normalised entity store: every loaded list in one JSON-lines file, with
a manifest of what was loaded from where and a quarantine of what was not.

``lists update --from DIR`` recognises official files by name, parses them all
and replaces the store atomically, so a failed update never leaves a half store.
Without an updated store the screener uses the official-format samples shipped
in the package, so the product works with no download at all.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from distillguard.schema.errors import InputError, NotFoundError
from distillguard.screen.csl import parse_csl_csv, parse_csl_json
from distillguard.screen.ftm import parse_ftm
from distillguard.screen.model import Entity, ParseResult
from distillguard.screen.ofac import parse_ofac

STORE_FILE = "entities.jsonl"
MANIFEST_FILE = "manifest.json"
QUARANTINE_FILE = "quarantine.jsonl"
_COMPRESSED = ("", ".gz", ".zst")


@dataclass
class LoadReport:
    """What one load saw: per-file entity, quarantine and skip counts."""

    files: list[dict[str, Any]] = field(default_factory=list)

    def add(self, path: Path, fmt: str, res: ParseResult, skipped: int = 0) -> None:
        self.files.append(
            {
                "file": str(path),
                "format": fmt,
                "entities": len(res.entities),
                "quarantined": len(res.quarantined),
                "skipped": skipped,
            }
        )


def _find(directory: Path, name: str) -> Path | None:
    for suffix in _COMPRESSED:
        for cand in (directory / (name + suffix), directory / (name.upper() + suffix)):
            if cand.exists():
                return cand
    return None


def parse_directory(directory: Path) -> tuple[ParseResult, LoadReport]:
    """Parse every recognised official list file in ``directory`` (not recursive)."""
    if not directory.is_dir():
        raise NotFoundError(f"{directory}: no such directory", details={"dir": str(directory)})
    total = ParseResult()
    report = LoadReport()
    sdn = _find(directory, "sdn.csv")
    if sdn:
        res = parse_ofac(sdn, "SDN")
        total.extend(res)
        report.add(sdn, "ofac-sdn", res)
    cons = _find(directory, "cons_prim.csv")
    if cons:
        res = parse_ofac(cons, "NONSDN")
        total.extend(res)
        report.add(cons, "ofac-consolidated", res)
    handled = {p for p in (sdn, cons) if p}
    for path in sorted(directory.iterdir()):
        base = path.name.lower()
        for suffix in (".gz", ".zst"):
            base = base.removesuffix(suffix)
        if path in handled or not path.is_file():
            continue
        if base.endswith(".csv") and ("csl" in base or "consolidated" in base):
            res = parse_csl_csv(path)
            report.add(path, "csl-csv", res)
        elif base.endswith(".json") and ("csl" in base or "consolidated" in base):
            res = parse_csl_json(path)
            report.add(path, "csl-json", res)
        elif base.endswith((".ftm.json", ".jsonl", ".ndjson")) or "nested" in base:
            res, skipped = parse_ftm(path)
            report.add(path, "ftm", res, skipped)
        else:
            continue
        total.extend(res)
    if not report.files:
        raise InputError(
            f"{directory}: no recognised list files (sdn.csv, cons_prim.csv, "
            "consolidated*.csv/json, csl*.csv/json, *.ftm.json, *.jsonl)",
            details={"dir": str(directory)},
        )
    return total, report


def shipped_dir() -> Path:
    return Path(str(resources.files("distillguard.screen").joinpath("data/lists")))


def store_dir(lists_dir: str, data_dir: Path) -> Path:
    return Path(lists_dir) if lists_dir else data_dir / "screen"


def _atomic_write(path: Path, lines: list[str]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
    os.replace(tmp, path)


def update_store(source: Path, target: Path) -> dict[str, Any]:
    """Parse ``source`` and replace the store in ``target``; returns the manifest."""
    res, report = parse_directory(source)
    target.mkdir(parents=True, exist_ok=True)
    by_list: dict[str, int] = {}
    for e in res.entities:
        by_list[e.list] = by_list.get(e.list, 0) + 1
    manifest = {
        "updated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source_dir": str(source.resolve()),
        "entities": len(res.entities),
        "quarantined": len(res.quarantined),
        "by_list": dict(sorted(by_list.items())),
        "files": report.files,
    }
    _atomic_write(
        target / QUARANTINE_FILE,
        [json.dumps(q.to_dict(), ensure_ascii=False) for q in res.quarantined],
    )
    _atomic_write(
        target / STORE_FILE, [json.dumps(e.to_dict(), ensure_ascii=False) for e in res.entities]
    )
    _atomic_write(target / MANIFEST_FILE, [json.dumps(manifest, indent=2)])
    return manifest


def load_entities(target: Path) -> tuple[list[Entity], dict[str, Any]]:
    """Entities of the store in ``target``; the shipped samples when it has none."""
    store = target / STORE_FILE
    if not store.exists():
        res, report = parse_directory(shipped_dir())
        return res.entities, {
            "source_dir": "(shipped samples)",
            "entities": len(res.entities),
            "quarantined": len(res.quarantined),
            "files": report.files,
        }
    entities = []
    with store.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            try:
                entities.append(Entity.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(
                    f"{store}:{line_no}: corrupt entity store ({exc}); run `distillguard screen "
                    "lists update` again",
                    details={"file": str(store), "line": line_no},
                ) from exc
    manifest_path = target / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    return entities, manifest
