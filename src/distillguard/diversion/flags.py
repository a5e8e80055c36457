"""The red-flag set as data: every flag with its severity, weight, evidence and
legal source, and the parameters the checks read (hubs, power per accelerator,
plausible quantities per end use), from the shipped YAML overlaid with the
user's file. Errors name the file and line (screen's located YAML loader).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from distillguard.screen.config import Located, load_located, read_located
from distillguard.screen.countries import country_code
from distillguard.screen.jurisdiction import load_rules

SEVERITIES = ("review", "hold")
FLAG_IDS = (
    "listed_party",
    "prc_parent",
    "inspection_mismatch",
    "residential_or_virtual_address",
    "new_buyer_post_2022",
    "forwarder_destination",
    "transshipment_route",
    "site_power_cooling",
    "quantity_vs_use",
    "business_mismatch",
    "third_country_payment",
    "unusual_payment",
    "end_use_withheld",
    "installation_declined",
    "little_business_background",
)
SHIPPED = "distillguard/diversion/data/flags.yaml"
MEMO_SIZE = 200_000  # distinct texts remembered per word list


@dataclass(frozen=True)
class FlagSpec:
    id: str
    severity: str
    weight: float
    title: str
    evidence: str
    source: str


@dataclass(frozen=True)
class Phrases:
    """Words and phrases matched on word boundaries, compiled once. Order files
    repeat the same products, uses and payment methods, so answers are memoised."""

    items: tuple[str, ...]
    pattern: re.Pattern[str]
    memo: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, items: list[Any]) -> Phrases:
        words = tuple(str(i).lower().strip() for i in items if str(i).strip())
        if not words:
            return cls((), re.compile(r"(?!x)x"))
        alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        return cls(words, re.compile(rf"(?<![\w])(?:{alt})(?![\w])"))

    def find(self, text: str) -> str:
        hit = self.memo.get(text)
        if hit is None:
            m = self.pattern.search(text.lower())
            hit = m.group(0) if m else ""
            if len(self.memo) < MEMO_SIZE:
                self.memo[text] = hit
        return hit


@dataclass(frozen=True)
class FlagConfig:
    review: float
    hold: float
    flags: dict[str, FlagSpec]
    data_centre_quantity: int
    october_2022_rules: dt.date
    parent_countries: frozenset[str]
    parent_group: str
    hubs: frozenset[str]
    kw_per_accelerator: float
    max_quantity_by_use: tuple[tuple[Phrases, int], ...]
    unrelated_businesses: Phrases
    residential_words: Phrases
    virtual_office_words: Phrases
    unusual_payments: Phrases
    vague_end_uses: frozenset[str]
    controlled_products: Phrases
    inspection_findings: Phrases
    young_company_days: int
    sources: tuple[str, ...]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _num(doc: Located, value: Any, path: tuple[str | int, ...], lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise doc.error(path, f"must be a number, got {value!r}")
    if not lo <= float(value) <= hi:
        raise doc.error(path, f"must be between {lo:g} and {hi:g}, got {value}")
    return float(value)


def _list(doc: Located, value: Any, path: tuple[str | int, ...]) -> list[Any]:
    if not isinstance(value, list):
        raise doc.error(path, "must be a list")
    return value


def _flags(doc: Located, raw: Any) -> dict[str, FlagSpec]:
    if not isinstance(raw, dict):
        raise doc.error(("flags",), "must map flag ids to their definitions")
    out = {}
    for fid in FLAG_IDS:
        spec = raw.get(fid)
        if not isinstance(spec, dict):
            raise doc.error(("flags", fid), "missing flag definition")
        sev = spec.get("severity")
        if sev not in SEVERITIES:
            raise doc.error(("flags", fid, "severity"), f"must be review|hold, got {sev!r}")
        for key in ("title", "source"):
            if not str(spec.get(key) or "").strip():
                raise doc.error(("flags", fid, key), f"every flag needs a {key}")
        out[fid] = FlagSpec(
            fid,
            str(sev),
            _num(doc, spec.get("weight"), ("flags", fid, "weight"), 0.0, 10.0),
            str(spec["title"]),
            str(spec.get("evidence") or ""),
            str(spec["source"]),
        )
    return out


def _validate(doc: Located, data: dict[str, Any], sources: tuple[str, ...]) -> FlagConfig:
    th = data.get("thresholds") or {}
    review = _num(doc, th.get("review"), ("thresholds", "review"), 0.0, 100.0)
    hold = _num(doc, th.get("hold"), ("thresholds", "hold"), 0.0, 100.0)
    if review > hold:
        raise doc.error(("thresholds", "review"), f"review {review} exceeds hold {hold}")
    p = data.get("parameters") or {}
    P = ("parameters",)
    group = str(p.get("parent_group") or "D:5")
    rules_j = load_rules()
    groups = rules_j.groups
    if group not in groups:
        raise doc.error((*P, "parent_group"), f"unknown country group {group!r}")
    hubs = set()
    for i, h in enumerate(_list(doc, p.get("transshipment_hubs"), (*P, "transshipment_hubs"))):
        code = country_code(str(h))
        if not code:
            raise doc.error((*P, "transshipment_hubs", i), f"unknown country {h!r}")
        hubs.add(code)
    uses = p.get("max_quantity_by_use")
    if not isinstance(uses, dict):
        raise doc.error((*P, "max_quantity_by_use"), "must map end-use words to quantities")
    by_use = tuple(
        (Phrases.of([k]), int(_num(doc, v, (*P, "max_quantity_by_use", str(k)), 0, 1e9)))
        for k, v in uses.items()
    )
    rules = p.get("october_2022_rules")
    try:
        rules_date = rules if isinstance(rules, dt.date) else dt.date.fromisoformat(str(rules))
    except ValueError:
        raise doc.error((*P, "october_2022_rules"), f"must be a date, got {rules!r}") from None

    def phrases(key: str) -> Phrases:
        return Phrases.of(_list(doc, p.get(key), (*P, key)))

    return FlagConfig(
        review=review,
        hold=hold,
        flags=_flags(doc, data.get("flags")),
        data_centre_quantity=int(
            _num(doc, p.get("data_centre_quantity"), (*P, "data_centre_quantity"), 1, 1e9)
        ),
        october_2022_rules=rules_date,
        # Hong Kong: the EAR treats it as China (screen's treat_as rules say so once).
        parent_countries=groups[group] | {"MO"} | {
            c for c, (to, _why) in rules_j.treat_as.items() if to in groups[group]},
        parent_group=group,
        hubs=frozenset(hubs),
        kw_per_accelerator=_num(
            doc, p.get("kw_per_accelerator"), (*P, "kw_per_accelerator"), 0.01, 100.0
        ),
        max_quantity_by_use=by_use,
        unrelated_businesses=phrases("unrelated_businesses"),
        residential_words=phrases("residential_words"),
        virtual_office_words=phrases("virtual_office_words"),
        unusual_payments=phrases("unusual_payments"),
        vague_end_uses=frozenset(
            str(v).strip().lower()
            for v in _list(doc, p.get("vague_end_uses"), (*P, "vague_end_uses"))
        ),
        controlled_products=phrases("controlled_products"),
        inspection_findings=phrases("inspection_findings"),
        young_company_days=int(
            _num(doc, p.get("young_company_days"), (*P, "young_company_days"), 0, 36500)
        ),
        sources=sources,
    )


def load_flags(path: str = "") -> FlagConfig:
    """The shipped flag set overlaid with ``path`` (when given)."""
    shipped = load_located(
        resources.files("distillguard.diversion").joinpath("data/flags.yaml").read_text("utf-8"),
        SHIPPED,
    )
    data: dict[str, Any] = shipped.data
    doc = shipped
    sources = [SHIPPED]
    if path:
        user = read_located(Path(path))
        if not isinstance(user.data, dict):
            raise user.error((), "must be a mapping of sections")
        for k in user.data:
            if k not in ("thresholds", "parameters", "flags"):
                raise user.error((k,), "unknown section; known: thresholds, parameters, flags")
        for fid in user.data.get("flags") or {}:
            if fid not in FLAG_IDS:
                raise user.error(("flags", fid), f"unknown flag; known: {', '.join(FLAG_IDS)}")
        data = _merge(data, user.data)
        doc = user
        sources.append(user.source)
    return _validate(doc, data, tuple(sources))
