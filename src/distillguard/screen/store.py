"""The normalised entity store: every loaded list in one JSON-lines file, with
a manifest of what was loaded from where, as of which date, and a quarantine
of what was not.

``lists update --from DIR`` recognises official files by name, parses them all
and replaces the store atomically, so a failed update never leaves a half store.
Without an updated store the screener uses the dated snapshot of the US lists
shipped in the package (``data/lists/snapshot``: built by the same update from
the official publications), so the default is the real lists, not a sample.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from distillguard.opener import open_text
from distillguard.schema.errors import InputError, NotFoundError
from distillguard.screen.csl import parse_csl_csv, parse_csl_json
from distillguard.screen.ftm import parse_ftm
from distillguard.screen.model import Entity, ParseResult
from distillguard.screen.nsfreg import is_nsfreg, parse_nsfreg
from distillguard.screen.ofac import parse_ofac
from distillguard.screen.sources import read_text

STORE_FILE = "entities.jsonl"
SNAPSHOT_STORE = "entities.jsonl.gz"
STALE_DAYS = 30  # lists older than this are reported as stale on every output
MANIFEST_FILE = "manifest.json"
QUARANTINE_FILE = "quarantine.jsonl"
_COMPRESSED = ("", ".gz", ".zst")


@dataclass
class LoadReport:
    """What one load saw: per-file entity, quarantine and skip counts."""

    files: list[dict[str, Any]] = field(default_factory=list)

    def add(self, path: Path, fmt: str, res: ParseResult, skipped: int = 0) -> None:
        dates = sorted({e.as_of for e in res.entities if e.as_of})
        self.files.append(
            {
                "file": str(path),
                "format": fmt,
                "entities": len(res.entities),
                "quarantined": len(res.quarantined),
                "skipped": skipped,
                "as_of": dates[0] if dates else "",
            }
        )


def _find(directory: Path, name: str) -> Path | None:
    for suffix in _COMPRESSED:
        for cand in (directory / (name + suffix), directory / (name.upper() + suffix)):
            if cand.exists():
                return cand
    return None


def _dated(res: ParseResult, path: Path, as_of: str) -> ParseResult:
    """Entities without a date of their own take ``as_of`` (or the file's
    modification date: when the file was downloaded, the lists were current)."""
    if not as_of:
        as_of = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()
    res.entities = [e if e.as_of else replace(e, as_of=as_of) for e in res.entities]
    return res


def parse_directory(directory: Path, as_of: str = "") -> tuple[ParseResult, LoadReport]:
    """Parse every recognised official list file in ``directory`` (not recursive).
    ``as_of`` dates the entities of files that carry no date themselves."""
    if not directory.is_dir():
        raise NotFoundError(f"{directory}: no such directory", details={"dir": str(directory)})
    total = ParseResult()
    report = LoadReport()
    sdn = _find(directory, "sdn.csv")
    if sdn:
        res = _dated(parse_ofac(sdn, "SDN"), sdn, as_of)
        total.extend(res)
        report.add(sdn, "ofac-sdn", res)
    cons = _find(directory, "cons_prim.csv")
    if cons:
        res = _dated(parse_ofac(cons, "NONSDN"), cons, as_of)
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
        elif base.endswith(".json"):
            doc = _json_or_none(path)
            if not isinstance(doc, dict) or not is_nsfreg(doc):
                continue  # metadata beside the lists (lists.json), not a list
            res = parse_nsfreg(path, doc)
            report.add(path, "us-list-json", res)
        else:
            continue
        total.extend(_dated(res, path, as_of))
    if not report.files:
        raise InputError(
            f"{directory}: no recognised list files (sdn.csv, cons_prim.csv, "
            "consolidated*.csv/json, csl*.csv/json, *.ftm.json, *.jsonl)",
            details={"dir": str(directory)},
        )
    return total, report


def _json_or_none(path: Path) -> object:
    try:
        return json.loads(read_text(path))
    except (json.JSONDecodeError, InputError):
        return None


def shipped_dir() -> Path:
    """The official-format samples (parser fixtures; not the default lists)."""
    return Path(str(resources.files("distillguard.screen").joinpath("data/lists")))


def snapshot_dir() -> Path:
    """The shipped dated snapshot of the US lists, in the store's own format."""
    return shipped_dir() / "snapshot"


def store_dir(lists_dir: str, data_dir: Path) -> Path:
    return Path(lists_dir) if lists_dir else data_dir / "screen"


def _atomic_write(path: Path, lines: list[str]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    os.fchmod(fd, 0o644)
    with os.fdopen(fd, "wb") as raw:
        if path.suffix == ".gz":
            # mtime=0: the same lists give the same bytes (a reproducible snapshot).
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                gz.write("".join(line + "\n" for line in lines).encode("utf-8"))
        else:
            raw.write("".join(line + "\n" for line in lines).encode("utf-8"))
    os.replace(tmp, path)


def _source_spec(spec: str | Path) -> tuple[Path, str]:
    """``DIR`` or ``DIR@YYYY-MM-DD`` (the date the files in DIR were current)."""
    text = str(spec)
    head, sep, tail = text.rpartition("@")
    if sep and len(tail) == 10:
        try:
            return Path(head), dt.date.fromisoformat(tail).isoformat()
        except ValueError:
            pass
    return Path(text), ""


def update_store(
    sources: str | Path | Sequence[str | Path],
    target: Path,
    *,
    cn_names: Path | None = None,
    cn_skip: frozenset[str] = frozenset(),
    compress: bool = False,
) -> dict[str, Any]:
    """Parse every source directory (``DIR`` or ``DIR@YYYY-MM-DD``) and replace the
    store in ``target``; returns the manifest. The same entity id from two sources
    keeps the first (list the newest source first)."""
    specs = [sources] if isinstance(sources, (str, Path)) else list(sources)
    res = ParseResult()
    report = LoadReport()
    for spec in specs:
        directory, dated = _source_spec(spec)
        r, rep = parse_directory(directory, dated)
        res.extend(r)
        report.files.extend(rep.files)
    # One OFAC ent_num can be on the SDN and a non-SDN list: both memberships stay.
    seen: set[tuple[str, str]] = set()
    entities: list[Entity] = []
    for e in res.entities:
        if (e.entity_id, e.list) not in seen:
            seen.add((e.entity_id, e.list))
            entities.append(e)
    enrichment: dict[str, Any] = {}
    if cn_names is not None:
        from distillguard.screen.cn_names import enrich_cn_names

        entities, enr = enrich_cn_names(entities, cn_names, skip_sources=cn_skip)
        res.quarantined.extend(enr.unmatched)
        enrichment = {
            "cn_names": str(cn_names),
            "rows": enr.rows,
            "names_added": enr.names_added,
            "entities_enriched": len(enr.entities),
            "rows_unmatched": len(enr.unmatched),
            "rows_skipped": enr.skipped,
            "sources_skipped": sorted(cn_skip),
        }
    target.mkdir(parents=True, exist_ok=True)
    by_list: dict[str, int] = {}
    as_of: dict[str, str] = {}
    for e in entities:
        by_list[e.list] = by_list.get(e.list, 0) + 1
        if e.as_of and (e.list not in as_of or e.as_of < as_of[e.list]):
            as_of[e.list] = e.as_of
    manifest = {
        "updated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source_dir": ", ".join(str(s) for s in specs),
        "entities": len(entities),
        "quarantined": len(res.quarantined),
        "by_list": dict(sorted(by_list.items())),
        "as_of": dict(sorted(as_of.items())),
        "lists_as_of": min(as_of.values(), default=""),
        "enrichment": enrichment,
        "files": report.files,
    }
    _atomic_write(
        target / QUARANTINE_FILE,
        [json.dumps(q.to_dict(), ensure_ascii=False) for q in res.quarantined],
    )
    _atomic_write(
        target / (SNAPSHOT_STORE if compress else STORE_FILE),
        [json.dumps(e.to_dict(), ensure_ascii=False, separators=(",", ":")) for e in entities],
    )
    stale = target / (STORE_FILE if compress else SNAPSHOT_STORE)
    if stale.exists():
        stale.unlink()
    _atomic_write(target / MANIFEST_FILE, [json.dumps(manifest, indent=2, ensure_ascii=False)])
    return manifest


def _read_store(store: Path) -> list[Entity]:
    entities = []
    with open_text(store) as fh:
        for line_no, line in enumerate(fh, start=1):
            try:
                entities.append(Entity.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(
                    f"{store}:{line_no}: corrupt entity store ({exc}); run `distillguard screen "
                    "lists update` again",
                    details={"file": str(store), "line": line_no},
                ) from exc
    return entities


def load_entities(target: Path) -> tuple[list[Entity], dict[str, Any]]:
    """Entities of the store in ``target``; the shipped snapshot when it has none."""
    for directory in (target, snapshot_dir()):
        for name in (STORE_FILE, SNAPSHOT_STORE):
            store = directory / name
            if store.exists():
                manifest_path = directory / MANIFEST_FILE
                manifest = (
                    json.loads(manifest_path.read_text(encoding="utf-8"))
                    if manifest_path.exists()
                    else {}
                )
                if directory != target:
                    manifest["store"] = "(shipped snapshot)"
                return _read_store(store), manifest
    raise NotFoundError(
        f"{target}: no entity store and no shipped snapshot; run `distillguard screen lists "
        "update --from DIR`",
        details={"dir": str(target)},
    )


def staleness(manifest: dict[str, Any], today: dt.date | None = None) -> list[str]:
    """One warning per as-of date older than STALE_DAYS (naming its lists), and one
    for lists of unknown date."""
    today = today or dt.date.today()
    dates: dict[str, str] = manifest.get("as_of") or {}
    by_date: dict[str, list[str]] = {}
    for lst in manifest.get("by_list") or {}:
        by_date.setdefault(dates.get(lst, ""), []).append(lst)
    out = []
    for d, lists in sorted(by_date.items()):
        names = ", ".join(sorted(lists))
        several = len(lists) > 1
        if not d:
            out.append(
                f"list{'s' if several else ''} {names}: as-of date unknown; load current lists"
            )
            continue
        age = (today - dt.date.fromisoformat(d)).days
        if age > STALE_DAYS:
            out.append(
                f"list{'s' if several else ''} {names} {'are' if several else 'is'} as of {d}, "
                f"{age} days old: run `screen lists update`"
            )
    return out
