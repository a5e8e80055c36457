"""Linkage keys of one request, computed in Python exactly as the hunt's SQL does.

The hunt links accounts through wrapper skeletons (the masked ends of the user
text and the masked system prompt, :func:`distillguard.features.plan.events_view`)
and through infrastructure (egress address, its /24). The gateway needs the
same keys for a single incoming request, to recognise a campaign's wrapper or
address pool on a new account's first request; this module is that twin, and
``tests/features/test_linkage.py`` checks it against DuckDB on generated text.

What the SQL means, spelled out (DuckDB: RE2 regexes, code-point ``substr``):
``lower`` folds case, ``[0-9]+`` runs become ``#``, runs of RE2's ``\\s``
(space, tab, newline, carriage return, form feed: ASCII only, unlike
Python's ``\\s``) become one space. Only the first and last ``2 * 64``
characters of the user text are masked, and the first 800 of the system text.

The tool-schema fingerprint (``tools``: the sorted tool names a request
declares, as ``req_tools`` holds them) is computed by :func:`tool_keys` on
both sides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from distillguard.features.plan import SKELETON_LENGTHS, SYSTEM_SKELETON_CHARS
from distillguard.schema import NormalizedRequest

_DIGITS: Final = re.compile(r"[0-9]+")
_SPACE: Final = re.compile(r"[\t\n\f\r ]+")  # RE2's \s
_ENDS: Final = 2 * max(SKELETON_LENGTHS)

#: Key kinds computed from a request's text (wrapper skeletons) and its tools.
SKELETON_KINDS: Final = tuple(f"{e}{n}" for n in SKELETON_LENGTHS for e in ("p", "s")) + (
    "sysk",)


def _lower(text: str) -> str:
    # DuckDB lowers code point by code point (simple case mapping); Python's ``lower``
    # uses the full mapping, which differs for two letters only: the dotted capital I
    # (two code points in Python) and the capital sigma (final form at a word's end).
    if text.isascii():
        return text.lower()
    if "\u03a3" in text or "\u0130" in text:
        text = text.replace("\u03a3", "\u03c3").replace("\u0130", "i")
    return text.lower()


def mask(text: str | None) -> str:
    """The SQL's ``_mask``: case folded, digit runs ``#``, whitespace runs one space."""
    return _SPACE.sub(" ", _DIGITS.sub("#", _lower(text or "")))


def skeletons(user: str | None, system: str | None) -> dict[str, str]:
    """The wrapper skeletons of one request (kinds absent when the text is too short)."""
    u = user or ""
    head = mask(u[:_ENDS])
    tail = mask(u[-_ENDS:] if u else "")
    out: dict[str, str] = {}
    for n in SKELETON_LENGTHS:
        if len(head) > n:
            out[f"p{n}"] = head[:n]
        if len(tail) > n:
            out[f"s{n}"] = tail[-n:]
    msys = mask((system or "")[:SYSTEM_SKELETON_CHARS * 2])
    if msys:
        out["sysk"] = msys[:SYSTEM_SKELETON_CHARS]
    return out


def tool_keys(tools: tuple[str, ...] | str | None) -> dict[str, str]:
    """``tools``: the declared tool names, sorted and joined (empty: no key)."""
    names = tools.split(",") if isinstance(tools, str) else list(tools or ())
    names = sorted({n for n in names if n})
    return {"tools": ",".join(names)} if names else {}


def request_keys(view: NormalizedRequest, ip: str | None = None,
                 ip_prefix: str | None = None) -> dict[str, str]:
    """Every linkage key of one request: skeletons, tools, address and /24."""
    keys = skeletons(view.last_user_text, view.system)
    keys.update(tool_keys(view.tools))
    if ip:
        keys["ip"] = ip
    if ip_prefix:
        keys["ip_prefix"] = ip_prefix
    return keys


def account_record_keys(record: Mapping[str, str | None]) -> dict[str, str]:
    """Keys an account record carries (payment fingerprint, sign-up address)."""
    out = {}
    for kind, name in (("payment", "payment_fingerprint"), ("signup_ip", "signup_ip")):
        v = record.get(name)
        if v:
            out[kind] = v
    return out


def tools_sql() -> str:
    """(account, kind, value, count) of declared tool sets, over the raw ``events``
    (the per-event view ``ev`` does not carry them)."""
    return ("SELECT account_id, 'tools' AS kind, req_tools AS value, count(*) AS c "
            "FROM events WHERE req_tools IS NOT NULL AND req_tools <> '' "
            "AND account_id IS NOT NULL GROUP BY account_id, req_tools")
