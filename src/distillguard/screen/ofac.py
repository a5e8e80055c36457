"""OFAC legacy delimited files: the SDN trio (sdn/add/alt.csv, plus sdn_comments)
and the consolidated non-SDN quartet (cons_prim/alt/add/comments.csv).

The files have no header; every row is keyed by ``ent_num``. Rows that cannot
be keyed, or that point at an ``ent_num`` the primary file does not have, are
quarantined with file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from distillguard.screen.countries import country_code
from distillguard.screen.model import Entity, Identifier, ParseResult, QuarantinedRow
from distillguard.screen.sources import (
    csv_rows,
    null,
    remark_aliases,
    remark_date,
    remark_identifiers,
)

PRIMARY_FIELDS = 12  # ent_num, name, type, program, title, call_sign, ... , remarks
ALT_FIELDS = 5
ADD_FIELDS = 6


@dataclass
class _Draft:
    ent_num: str
    name: str
    kind: str
    programs: tuple[str, ...]
    remarks: str
    aliases: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


def _quarantine(res: ParseResult, path: Path, line: int, reason: str, row: list[str]) -> None:
    res.quarantined.append(QuarantinedRow(str(path), line, reason, ",".join(row)[:500]))


def parse_ofac(primary: Path, list_name: str) -> ParseResult:
    """Parse one OFAC primary file and its siblings (``alt``, ``add``, ``comments``)."""
    res = ParseResult()
    stem = primary.name.split(".")[0]
    prefix = "cons_" if stem.startswith("cons_") else ""
    siblings = {
        kind: primary.with_name(primary.name.replace(stem, f"{prefix}{kind}" if prefix else kind))
        for kind in ("alt", "add", "comments")
    }
    if not prefix:
        siblings["comments"] = primary.with_name(primary.name.replace(stem, "sdn_comments"))
    drafts: dict[str, _Draft] = {}
    for line, row in csv_rows(primary):
        ent, name = null(row[0]) if row else "", null(row[1]) if len(row) > 1 else ""
        if len(row) != PRIMARY_FIELDS:
            _quarantine(
                res, primary, line, f"expected {PRIMARY_FIELDS} fields, got {len(row)}", row
            )
        elif not ent.isdigit():
            _quarantine(res, primary, line, f"ent_num {ent!r} is not a number", row)
        elif not name:
            _quarantine(res, primary, line, "empty name", row)
        elif ent in drafts:
            _quarantine(res, primary, line, f"duplicate ent_num {ent}", row)
        else:
            programs = tuple(p.strip("[] ") for p in null(row[3]).split("] [") if p.strip("[] "))
            drafts[ent] = _Draft(ent, name, null(row[2]) or "entity", programs, null(row[11]))
    if siblings["comments"].exists():
        for line, row in csv_rows(siblings["comments"]):
            if len(row) < 2 or row[0].strip() not in drafts:
                _quarantine(res, siblings["comments"], line, "comment for unknown ent_num", row)
                continue
            drafts[row[0].strip()].remarks += " " + null(row[1])
    if siblings["alt"].exists():
        for line, row in csv_rows(siblings["alt"]):
            if len(row) != ALT_FIELDS or row[0].strip() not in drafts or not null(row[3]):
                _quarantine(
                    res, siblings["alt"], line, "alias row malformed or for unknown ent_num", row
                )
                continue
            drafts[row[0].strip()].aliases.append(null(row[3]))
    if siblings["add"].exists():
        for line, row in csv_rows(siblings["add"]):
            if len(row) != ADD_FIELDS or row[0].strip() not in drafts:
                _quarantine(
                    res, siblings["add"], line, "address row malformed or for unknown ent_num", row
                )
                continue
            d = drafts[row[0].strip()]
            parts = [null(x) for x in row[2:5]]
            text = ", ".join(p for p in parts if p)
            if text:
                d.addresses.append(text)
            code = country_code(parts[2])
            if code and code not in d.countries:
                d.countries.append(code)
    for d in drafts.values():
        aliases = list(dict.fromkeys([*d.aliases, *remark_aliases(d.remarks)]))
        ids: tuple[Identifier, ...] = remark_identifiers(d.remarks)
        res.entities.append(
            Entity(
                entity_id=f"ofac-{d.ent_num}",
                list=list_name,
                name=d.name,
                kind=d.kind.lower(),
                aliases=tuple(a for a in aliases if a != d.name),
                addresses=tuple(d.addresses),
                countries=tuple(d.countries),
                identifiers=ids,
                programs=d.programs,
                effective_date=remark_date(d.remarks),
                source=primary.name,
            )
        )
    return res
