"""Country names and codes to ISO 3166-1 alpha-2, from the shipped table.

Lists write "China", "CN" or "People's Republic of China"; customers write any
of those or characters. Agreement is only meaningful on one code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from importlib import resources

_NON_ALNUM = re.compile(r"[^\w]+")


def _key(text: str) -> str:
    return _NON_ALNUM.sub(" ", text.lower()).strip()


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    text = (
        resources.files("distillguard.screen")
        .joinpath("data/countries.tsv")
        .read_text(encoding="utf-8")
    )
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, names = line.split("\t", 1)
        table[code.lower()] = code
        for name in names.split("|"):
            table[_key(name)] = code
    return table


@functools.lru_cache(maxsize=4096)
def country_code(text: str | None) -> str:
    """ISO alpha-2 code for a country name or code; "" when unknown or empty."""
    if not text:
        return ""
    return _table().get(_key(text), "")


@functools.lru_cache(maxsize=65536)
def countries_in(address: str) -> tuple[str, ...]:
    """Country codes named at the end of an address ("..., Beijing, China" or "..., CN")."""
    out: list[str] = []
    for part in reversed([p for p in re.split(r"[,;]", address) if p.strip()][-2:]):
        code = country_code(part)
        if code and code not in out:
            out.append(code)
    return tuple(out)


# Special administrative regions agree with their sovereign: lists file many
# Chinese entities under Hong Kong addresses and customers do the reverse.
_SAME_AS = {"HK": "CN", "MO": "CN"}


def families(codes: Iterable[str]) -> frozenset[str]:
    """Codes with each special administrative region read as its sovereign."""
    return frozenset(_SAME_AS.get(c, c) for c in codes)


def countries_agree(a: Iterable[str], b: Iterable[str]) -> bool:
    return bool(families(a) & families(b))
