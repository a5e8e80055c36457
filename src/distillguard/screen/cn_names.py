"""Chinese names of listed entities from a sourced table (``cn_names``).

US lists write Chinese entities in English or pinyin; customers register with
the characters (中兴通讯股份有限公司) or the short name (寒武纪). A table that
pairs a listed name with its Chinese full and short names, each row naming
its source, adds those names as aliases of the listed entity, with the row's
provenance kept on the entity. Nothing is translated here: a row only joins
on the English name (or an alias) the list itself carries.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from distillguard.screen.han import has_han
from distillguard.screen.latin import latin_tokens
from distillguard.screen.model import Entity, QuarantinedRow
from distillguard.screen.sources import read_text

TABLE_FILE = "candidates.csv"
REQUIRED = ("list_name", "zh_name", "source")
# The table's list names -> list codes of the entity store.
LISTS = {
    "BIS Entity List": ("EL",),
    "BIS MEU": ("MEU",),
    "DoD/DoW 1260H": ("1260H",),
    "OFAC NS-CMIC": ("CMIC", "NONSDN"),
}


@dataclass
class Enrichment:
    rows: int = 0
    names_added: int = 0
    skipped: int = 0
    entities: set[str] = field(default_factory=set)
    unmatched: list[QuarantinedRow] = field(default_factory=list)


def _key(name: str) -> str:
    return " ".join(latin_tokens(name))


def enrich_cn_names(
    entities: list[Entity], source: Path, *, skip_sources: frozenset[str] = frozenset()
) -> tuple[list[Entity], Enrichment]:
    """``entities`` with the Chinese names of ``source`` (a cn_names directory or its
    candidates.csv) added as aliases; rows that join no entity are reported. Rows whose
    ``source`` is in ``skip_sources`` (terms that do not allow shipping) are skipped."""
    path = source / TABLE_FILE if source.is_dir() else source
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(entities):
        for n in e.names:
            if not has_han(n):
                by_key[_key(n)].append(i)
    added: dict[int, dict[str, str]] = defaultdict(dict)
    rep = Enrichment()
    for rec in reader:
        line = reader.line_num
        rep.rows += 1
        missing = [k for k in REQUIRED if not (rec.get(k) or "").strip()]
        if missing:
            rep.unmatched.append(QuarantinedRow(str(path), line, f"empty {', '.join(missing)}"))
            continue
        if rec["source"].strip() in skip_sources:
            rep.skipped += 1
            continue
        codes = LISTS.get((rec.get("list") or "").strip(), ())
        keys = {_key(rec["list_name"]), _key(rec.get("matched_on") or rec["list_name"])}
        hits = {
            i
            for k in keys
            for i in by_key.get(k, ())
            if not codes or entities[i].list in codes or _same_party(entities[i], rec["list_name"])
        }
        if not hits:
            rep.unmatched.append(
                QuarantinedRow(
                    str(path), line, f"no listed entity named {rec['list_name']!r}", rec["zh_name"]
                )
            )
            continue
        prov = (
            f"cn_names {path.name}:{line} ({rec['source']}; {rec.get('source_url_or_path', '')}; "
            f"{rec.get('licence', '')}); joined on {rec.get('matched_on') or rec['list_name']!r} "
            f"({rec.get('confidence', '')})"
        )
        for zh in (rec["zh_name"], rec.get("zh_short") or ""):
            zh = zh.strip()
            if zh and has_han(zh):
                for i in hits:
                    added[i].setdefault(zh, prov)
    out = list(entities)
    for i, names in added.items():
        e = out[i]
        new = {n: p for n, p in names.items() if n not in e.names}
        if not new:
            continue
        out[i] = replace(
            e,
            aliases=(*e.aliases, *new),
            name_sources=(*e.name_sources, *new.items()),
        )
        rep.names_added += len(new)
        rep.entities.add(e.entity_id)
    return out, rep


def _same_party(entity: Entity, list_name: str) -> bool:
    """An entity of another list under exactly the same name is the same party."""
    return _key(entity.name) == _key(list_name)
