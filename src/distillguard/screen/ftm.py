"""OpenSanctions FollowTheMoney entities, one JSON object per line
(``entities.ftm.json`` / ``targets.nested.json``).

Only party schemata become screening entities; other schemata (Address,
Sanction, Ownership ...) are counted as skipped, never silently dropped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from distillguard.screen.countries import country_code
from distillguard.screen.model import Entity, Identifier, ParseResult, QuarantinedRow
from distillguard.screen.sources import read_text

PARTY_SCHEMATA = frozenset(
    {"Person", "Company", "Organization", "LegalEntity", "PublicBody", "Vessel", "Airplane"}
)
ID_PROPS = (
    "registrationNumber",
    "taxNumber",
    "innCode",
    "ogrnCode",
    "leiCode",
    "swiftBic",
    "idNumber",
    "passportNumber",
    "imoNumber",
    "uniqueEntityId",
    "vatCode",
    "okpoCode",
)


def _vals(props: dict[str, Any], key: str) -> list[str]:
    v = props.get(key) or []
    if isinstance(v, str):
        v = [v]
    return [str(x) for x in v if isinstance(x, (str, int)) and str(x).strip()]


def parse_ftm(path: Path) -> tuple[ParseResult, int]:
    """(result, number of non-party records skipped)."""
    res = ParseResult()
    skipped = 0
    for line_no, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            res.quarantined.append(
                QuarantinedRow(str(path), line_no, f"invalid JSON: {exc.msg}", line[:500])
            )
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("properties"), dict):
            res.quarantined.append(
                QuarantinedRow(str(path), line_no, "no properties object", line[:500])
            )
            continue
        if obj.get("schema") not in PARTY_SCHEMATA:
            skipped += 1
            continue
        props = obj["properties"]
        names = _vals(props, "name")
        if not names or not obj.get("id"):
            res.quarantined.append(
                QuarantinedRow(str(path), line_no, "party without id or name", line[:500])
            )
            continue
        aliases = [a for key in ("alias", "previousName") for a in _vals(props, key)]
        countries = [
            c
            for key in ("country", "jurisdiction", "nationality", "citizenship", "mainCountry")
            for c in (
                country_code(x) or (x.upper() if len(x) == 2 else "") for x in _vals(props, key)
            )
            if c
        ]
        ids = tuple(Identifier(key, v) for key in ID_PROPS for v in _vals(props, key))
        datasets = obj.get("datasets") or ["opensanctions"]
        res.entities.append(
            Entity(
                entity_id=f"ftm-{obj['id']}",
                list=str(datasets[0]),
                name=names[0],
                kind=str(obj["schema"]).lower(),
                aliases=tuple(dict.fromkeys(names[1:] + aliases)),
                addresses=tuple(_vals(props, "address")),
                countries=tuple(dict.fromkeys(countries)),
                identifiers=ids,
                programs=tuple(_vals(props, "program") or _vals(props, "topics")),
                effective_date=str(obj.get("first_seen") or "")[:10],
                source=path.name,
            )
        )
    return res, skipped
