"""The trade.gov Consolidated Screening List: CSV (2019 schema and the current
schema with ``_id``) and the JSON API/bulk download. It carries the BIS Entity
List, MEU, DPL and UVL next to OFAC and State lists, each row naming its source.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from distillguard.screen.countries import countries_in, country_code
from distillguard.screen.model import Entity, Identifier, ParseResult, QuarantinedRow
from distillguard.screen.sources import csv_rows, read_text, split_list

REQUIRED = ("source", "name")
_ABBR = re.compile(r"\(([A-Z0-9\-]{2,10})\)")


def list_code(source: str) -> str:
    """'Entity List (EL) - Bureau of Industry and Security' -> 'EL'."""
    m = _ABBR.search(source)
    return m.group(1) if m else (source.split(" - ")[0].strip() or "CSL")


def _ids_from_text(value: str) -> tuple[Identifier, ...]:
    out = []
    for part in split_list(value):
        bits = [b.strip() for b in part.split(",")]
        if len(bits) < 2:
            continue
        # 2019 rows are "country, number, type"; current rows are "type, number, country".
        if len(bits[0]) == 2 and bits[0].isupper():
            country, number, kind = bits[0], bits[1], ", ".join(bits[2:])
        else:
            kind, number, country = bits[0], bits[1], ", ".join(bits[2:])
        # "Secondary sanctions risk:" style entries are flags, not identifiers.
        if any(ch.isdigit() for ch in number) and not kind.endswith(":"):
            out.append(Identifier(kind.rstrip(":. "), number, country))
    return tuple(out)


def _entity(rec: Mapping[str, Any], where: str) -> Entity:
    source = str(rec.get("source") or "")
    name = str(rec.get("name") or "").strip()
    addresses = rec.get("addresses")
    if isinstance(addresses, list):
        addr_texts = []
        countries = []
        for a in addresses:
            if isinstance(a, Mapping):
                parts = [
                    str(a.get(k) or "")
                    for k in ("address", "city", "state", "postal_code", "country")
                ]
                addr_texts.append(", ".join(p for p in parts if p))
                code = country_code(str(a.get("country") or ""))
                if code:
                    countries.append(code)
            elif isinstance(a, str):
                addr_texts.append(a)
    else:
        addr_texts = list(split_list(str(addresses or "")))
        countries = [c for a in addr_texts for c in countries_in(a)]
    alt = rec.get("alt_names")
    aliases = (
        tuple(str(a) for a in alt if a) if isinstance(alt, list) else split_list(str(alt or ""))
    )
    ids_raw = rec.get("ids")
    if isinstance(ids_raw, list):
        ids = tuple(
            Identifier(
                str(i.get("type") or ""), str(i.get("number") or ""), str(i.get("country") or "")
            )
            for i in ids_raw
            if isinstance(i, Mapping) and any(ch.isdigit() for ch in str(i.get("number") or ""))
        )
    else:
        ids = _ids_from_text(str(ids_raw or ""))
    programs_raw = rec.get("programs")
    programs = (
        tuple(str(p) for p in programs_raw)
        if isinstance(programs_raw, list)
        else split_list(str(programs_raw or ""))
    )
    code = list_code(source)
    ident = str(rec.get("_id") or rec.get("id") or "")
    if not ident:
        number = str(rec.get("entity_number") or "")
        key = f"{source}|{name}|{'|'.join(addr_texts)}|{rec.get('start_date') or ''}"
        ident = number or hashlib.sha1(key.encode()).hexdigest()[:16]
    return Entity(
        entity_id=f"csl-{code.lower()}-{ident}",
        list=code,
        name=name,
        kind=str(rec.get("type") or "").lower(),
        aliases=tuple(a for a in dict.fromkeys(aliases) if a != name),
        addresses=tuple(addr_texts),
        countries=tuple(dict.fromkeys(countries)),
        identifiers=ids,
        programs=programs,
        effective_date=str(rec.get("start_date") or ""),
        source=where,
    )


def _collect(records: Iterable[tuple[int, Mapping[str, Any]]], path: Path) -> ParseResult:
    res = ParseResult()
    seen: set[str] = set()
    for line, rec in records:
        missing = [k for k in REQUIRED if not str(rec.get(k) or "").strip()]
        if missing:
            res.quarantined.append(
                QuarantinedRow(
                    str(path),
                    line,
                    f"empty {', '.join(missing)}",
                    json.dumps(rec, default=str)[:500],
                )
            )
            continue
        ent = _entity(rec, path.name)
        if ent.entity_id in seen:
            res.quarantined.append(
                QuarantinedRow(str(path), line, f"duplicate id {ent.entity_id}", ent.name)
            )
            continue
        seen.add(ent.entity_id)
        res.entities.append(ent)
    return res


def parse_csl_csv(path: Path) -> ParseResult:
    rows = csv_rows(path)
    try:
        _, header = next(rows)
    except StopIteration:
        return ParseResult()
    header = [h.strip().lower() for h in header]
    if "name" not in header or "source" not in header:
        return ParseResult(
            quarantined=[
                QuarantinedRow(str(path), 1, "CSL header lacks name/source", ",".join(header))
            ]
        )
    res = ParseResult()

    def records() -> Iterable[tuple[int, Mapping[str, Any]]]:
        for line, row in rows:
            if len(row) != len(header):
                res.quarantined.append(
                    QuarantinedRow(
                        str(path),
                        line,
                        f"expected {len(header)} fields, got {len(row)}",
                        ",".join(row)[:500],
                    )
                )
                continue
            yield line, dict(zip(header, row, strict=True))

    res.extend(_collect(records(), path))
    return res


def parse_csl_json(path: Path) -> ParseResult:
    """The CSL JSON bulk file (``{"results": [...]}``) or a plain array of results."""
    try:
        doc = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        return ParseResult(
            quarantined=[QuarantinedRow(str(path), exc.lineno, f"invalid JSON: {exc.msg}")]
        )
    results = doc.get("results") if isinstance(doc, Mapping) else doc
    if not isinstance(results, list):
        return ParseResult(quarantined=[QuarantinedRow(str(path), 1, "no results array")])
    res = ParseResult()
    good: list[tuple[int, Mapping[str, Any]]] = []
    for i, rec in enumerate(results, start=1):
        if isinstance(rec, Mapping):
            good.append((i, rec))
        else:
            res.quarantined.append(
                QuarantinedRow(str(path), i, "result is not an object", str(rec)[:500])
            )
    res.extend(_collect(good, path))
    return res
