"""US restricted-party lists as one JSON document per list
(``{"list_id", "extracted", "entities": [{name, aliases, country, address,
effective_date, federal_register, notes}]}``), the shape of the NSF
restricted-entities snapshot (BIS Entity List, MEU, DPL, DoW 1260H and 1286,
OFAC NS-CMIC and the EO 14032 annex, State, DHS UFLPA, CBP, FCC).

Each document says when it was extracted; that date is the entities' as-of date.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from distillguard.screen.countries import countries_in, country_code
from distillguard.screen.model import Entity, ParseResult, QuarantinedRow
from distillguard.screen.sources import read_text, remark_identifiers

# list_id -> the code the CSL and our outputs use for the list.
LIST_CODES = {
    "bis-entity-list": "EL",
    "bis-meu": "MEU",
    "bis-dpl": "DPL",
    "bis-uvl": "UVL",
    "dow-1260h": "1260H",
    "dow-1286": "1286",
    "ofac-nscmic": "CMIC",
    "ofac-eo14032": "EO14032",
    "fcc-covered": "FCC",
    "state-nonproliferation": "ISN",
    "state-debarred-statutory": "DTC",
    "state-debarred-admin": "DTCA",
    "dhs-uflpa": "UFLPA",
    "cbp-wro": "WRO",
}


def is_nsfreg(doc: Any) -> bool:
    return isinstance(doc, Mapping) and "list_id" in doc and isinstance(doc.get("entities"), list)


def _iso(value: str) -> str:
    import datetime as dt

    value = value.strip()
    for fmt in ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return ""


def parse_nsfreg(path: Path, doc: Mapping[str, Any] | None = None) -> ParseResult:
    """Entities of one list document; rows without a name are quarantined."""
    if doc is None:
        try:
            doc = json.loads(read_text(path))
        except json.JSONDecodeError as exc:
            return ParseResult(
                quarantined=[QuarantinedRow(str(path), exc.lineno, f"invalid JSON: {exc.msg}")]
            )
    if not is_nsfreg(doc):
        return ParseResult(
            quarantined=[QuarantinedRow(str(path), 1, "no list_id and entities array")]
        )
    list_id = str(doc["list_id"])
    code = LIST_CODES.get(list_id, list_id.upper())
    as_of = _iso(str(doc.get("extracted") or ""))
    res = ParseResult()
    seen: dict[str, int] = {}
    for i, rec in enumerate(doc["entities"], start=1):
        if not isinstance(rec, Mapping):
            res.quarantined.append(
                QuarantinedRow(str(path), i, f"entities[{i - 1}] is not an object", str(rec)[:500])
            )
            continue
        name = str(rec.get("name") or "").strip()
        if not name:
            res.quarantined.append(
                QuarantinedRow(
                    str(path), i, f"entities[{i - 1}].name is empty", json.dumps(rec)[:500]
                )
            )
            continue
        address = str(rec.get("address") or "").strip()
        country_text = str(rec.get("country") or "")
        countries = [c for c in (country_code(country_text),) if c]
        countries += [c for c in countries_in(address) if c not in countries]
        aliases_raw = rec.get("aliases") or []
        aliases = tuple(
            dict.fromkeys(
                str(a).strip()
                for a in (aliases_raw if isinstance(aliases_raw, list) else [aliases_raw])
                if str(a).strip() and str(a).strip() != name
            )
        )
        notes = str(rec.get("notes") or "")
        # Ids stay stable across list editions: they hash what identifies the entry.
        key = f"{name}|{country_text}|{address}"
        ident = hashlib.sha1(key.encode()).hexdigest()[:12]
        n = seen.get(ident, 0)
        seen[ident] = n + 1
        if n:
            ident = f"{ident}-{n}"
        fr = str(rec.get("federal_register") or "")
        res.entities.append(
            Entity(
                entity_id=f"us-{code.lower()}-{ident}",
                list=code,
                name=name,
                kind="",
                aliases=aliases,
                addresses=(address,) if address else (),
                countries=tuple(countries),
                identifiers=remark_identifiers(notes),
                programs=tuple(p for p in (fr,) if p),
                effective_date=_iso(str(rec.get("effective_date") or "")),
                source=path.name,
                as_of=as_of,
            )
        )
    return res
