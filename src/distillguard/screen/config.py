"""Screening configuration: thresholds, the feature table, ownership-rule dates
and compute thresholds, from the shipped YAML overlaid with the user's file.

Validation errors name the file and line of the offending value, so a typo in a
compliance team's override file is found in seconds, not after a bad screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from distillguard.schema.documents import parse_yaml, read_yaml
from distillguard.schema.errors import ConfigError

FEATURES = (
    "name_tokens",
    "name_sort",
    "name_compact",
    "acronym",
    "rare_word",
    "distinctive_word",
    "extra_words",
    "number_conflict",
    "country_agree",
    "country_conflict",
    "address_overlap",
    "identifier",
)
NAME_FEATURES = ("name_tokens", "name_sort", "name_compact")


@dataclass(frozen=True)
class Located:
    """A YAML document with the line of every mapping key and sequence item."""

    source: str
    data: Any
    lines: dict[tuple[str | int, ...], int]

    def line(self, *path: str | int) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def error(self, path: tuple[str | int, ...], message: str) -> ConfigError:
        line = self.line(*path)
        where = ".".join(str(p) for p in path)
        return ConfigError(
            f"{self.source}:{line}: {where}: {message}",
            details={"file": self.source, "line": line, "path": where},
        )


def load_located(text: str, source: str) -> Located:
    doc = parse_yaml(text, source)
    return Located(source, doc.data if doc.data is not None else {}, doc.lines)


def read_located(path: Path) -> Located:
    doc = read_yaml(path)
    return Located(doc.source, doc.data if doc.data is not None else {}, doc.lines)


@dataclass(frozen=True)
class OwnershipRule:
    rule: str
    in_force_from: dt.date
    suspended_from: dt.date
    suspended_until: dt.date
    affiliate_share: float
    significant_minority_share: float
    parent_share: float = 0.5

    def status(self, as_of: dt.date) -> str:
        """not_in_force | in_force | suspended on ``as_of``."""
        if as_of < self.in_force_from:
            return "not_in_force"
        if self.suspended_from <= as_of < self.suspended_until:
            return "suspended"
        return "in_force"


@dataclass(frozen=True)
class ComputeLevel:
    level: str
    ops: float


@dataclass(frozen=True)
class ScreenConfig:
    review: float
    match: float
    weights: dict[str, float]
    ownership: OwnershipRule
    utilization: float
    home_country: str
    compute_levels: tuple[ComputeLevel, ...]
    sources: tuple[str, ...]
    downloads: tuple[tuple[str, str], ...] = ()
    ofac_rule_lists: frozenset[str] = frozenset({"SDN"})
    bis_rule_lists: frozenset[str] = frozenset({"EL", "MEU"})


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _number(
    doc: Located, data: dict[str, Any], path: tuple[str, ...], lo: float, hi: float
) -> float:
    cur: Any = data
    for p in path:
        cur = cur.get(p) if isinstance(cur, dict) else None
    if isinstance(cur, bool) or not isinstance(cur, (int, float)):
        raise doc.error(path, f"must be a number, got {cur!r}")
    if not lo <= float(cur) <= hi:
        raise doc.error(path, f"must be between {lo} and {hi}, got {cur}")
    return float(cur)


def _date(doc: Located, section: dict[str, Any], key: str) -> dt.date:
    v = section.get(key)
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise doc.error(("ownership", key), f"must be a date YYYY-MM-DD, got {v!r}") from None


def load_config(path: str = "") -> ScreenConfig:
    """The shipped configuration overlaid with ``path`` (when given)."""
    shipped = load_located(
        resources.files("distillguard.screen").joinpath("data/screen.yaml").read_text("utf-8"),
        "distillguard/screen/data/screen.yaml",
    )
    data: dict[str, Any] = shipped.data
    doc = shipped
    sources = [shipped.source]
    if path:
        user = read_located(Path(path))
        if not isinstance(user.data, dict):
            raise user.error((), "must be a mapping of sections")
        unknown = [
            k
            for k in user.data
            if k not in ("thresholds", "features", "ownership", "compute", "jurisdiction", "lists")
        ]
        if unknown:
            raise user.error((unknown[0],), "unknown section")
        for k in user.data.get("features") or {}:
            if k not in FEATURES:
                raise user.error(("features", k), f"unknown feature; known: {', '.join(FEATURES)}")
        data = _merge(data, user.data)
        user_lists = user.data.get("lists")
        if isinstance(user_lists, dict) and "download" in user_lists:
            # A download table replaces the shipped one: a mirror serves every file.
            data["lists"] = {**data.get("lists", {}), "download": user_lists["download"]}
        doc = user
        sources.append(user.source)
    review = _number(doc, data, ("thresholds", "review"), 0.0, 1.0)
    match = _number(doc, data, ("thresholds", "match"), 0.0, 1.0)
    if review > match:
        raise doc.error(
            ("thresholds", "review"), f"review threshold {review} exceeds match threshold {match}"
        )
    weights = {f: _number(doc, data, ("features", f), -1.0, 1.0) for f in FEATURES}
    total = sum(weights[f] for f in NAME_FEATURES)
    if abs(total - 1.0) > 1e-6:
        raise doc.error(
            ("features", NAME_FEATURES[0]), f"name feature weights must sum to 1, got {total:g}"
        )
    own = data.get("ownership") or {}
    rule = OwnershipRule(
        rule=str(own.get("rule", "")),
        in_force_from=_date(doc, own, "in_force_from"),
        suspended_from=_date(doc, own, "suspended_from"),
        suspended_until=_date(doc, own, "suspended_until"),
        affiliate_share=_number(doc, data, ("ownership", "affiliate_share"), 0.0, 1.0),
        significant_minority_share=_number(
            doc, data, ("ownership", "significant_minority_share"), 0.0, 1.0
        ),
        parent_share=_number(doc, data, ("ownership", "parent_share"), 0.0, 1.0),
    )
    comp = data.get("compute") or {}
    levels = []
    for i, lv in enumerate(comp.get("thresholds") or []):
        if (
            not isinstance(lv, dict)
            or not lv.get("level")
            or not isinstance(lv.get("ops"), (int, float))
        ):
            raise doc.error(
                ("compute", "thresholds", i), "each threshold needs level and numeric ops"
            )
        levels.append(ComputeLevel(str(lv["level"]), float(lv["ops"])))
    lists = data.get("lists") or {}
    dl = lists.get("download") or {}
    if not isinstance(dl, dict):
        raise doc.error(("lists", "download"), "must map file names to URLs")
    for k, v in dl.items():
        if not isinstance(v, str) or not v.startswith(("http://", "https://")):
            raise doc.error(("lists", "download", str(k)), f"must be an http(s) URL, got {v!r}")

    def _codes(key: str) -> frozenset[str]:
        v = own.get(key)
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise doc.error(("ownership", key), "must be a list of list codes")
        return frozenset(v)

    return ScreenConfig(
        downloads=tuple((str(k), str(v)) for k, v in dl.items()),
        ofac_rule_lists=_codes("ofac_rule_lists"),
        bis_rule_lists=_codes("bis_rule_lists"),
        review=review,
        match=match,
        weights=weights,
        ownership=rule,
        utilization=_number(doc, data, ("compute", "utilization"), 0.0, 1.0),
        home_country=str(comp.get("home_country", "US")),
        compute_levels=tuple(sorted(levels, key=lambda lv: lv.ops)),
        sources=tuple(sources),
    )
