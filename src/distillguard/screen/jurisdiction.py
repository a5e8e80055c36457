"""Jurisdiction rules as data: headquarters or ultimate parent in a country
group of concern gives a decision per product, with the rule's reason.

The rules file is validated before use; every error names the file and line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from distillguard.screen.config import Located, load_located, read_located
from distillguard.screen.countries import country_code

DECISION_ORDER = {"allow": 0, "review": 1, "deny": 2}
CONDITIONS = ("hq_in", "parent_in", "hq_or_parent_in")


@dataclass(frozen=True)
class Rule:
    id: str
    condition: str
    groups: tuple[str, ...]
    decisions: dict[str, str]
    reason: str


@dataclass(frozen=True)
class JurisdictionDecision:
    product: str
    decision: str
    rule: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {
            "product": self.product,
            "decision": self.decision,
            "rule": self.rule,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class JurisdictionRules:
    groups: dict[str, frozenset[str]]
    products: tuple[str, ...]
    rules: tuple[Rule, ...]
    source: str
    # Destinations the rules treat as another (Hong Kong and Macau as China).
    treat_as: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Decisions already made, per (product, headquarters, parents...): customers
    # share a few dozen countries.
    memo: dict[tuple[str, ...], tuple[str, str, str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def evaluate(
        self,
        product: str,
        hq_country: str = "",
        parent_country: str | Sequence[str] = "",
        parent_reasons: Mapping[str, str] | None = None,
    ) -> JurisdictionDecision:
        """The strictest decision for ``product``. An unknown or missing headquarters
        country (or an unrecognised parent country) is a review: the rules cannot
        be applied to a place we do not know."""
        if product not in self.products:
            from distillguard.schema.errors import InputError

            raise InputError(
                f"unknown product {product!r}; known: {', '.join(self.products)}",
                details={"product": product},
            )
        hq = country_code(hq_country)
        raw_parents = [parent_country] if isinstance(parent_country, str) else parent_country
        parents = [country_code(p) for p in raw_parents if p and p.strip()]
        best = JurisdictionDecision(product, "allow", "", "no jurisdiction rule applies")
        if not hq:
            why = f"country {hq_country!r} unknown" if hq_country.strip() else "no country given"
            best = JurisdictionDecision(
                product, "review", "unknown-country", f"{why}: jurisdiction rules cannot be applied"
            )
        bad = [p for p in raw_parents if p and p.strip() and not country_code(p)]
        if bad and DECISION_ORDER[best.decision] < DECISION_ORDER["review"]:
            best = JurisdictionDecision(
                product, "review", "unknown-country", f"parent country {bad[0]!r} unknown"
            )
        roles = [("headquarters", hq)] if hq else []
        roles += [("ultimate parent", p) for p in parents if p]
        for rule in self.rules:
            allowed = {
                "hq_in": ("headquarters",),
                "parent_in": ("ultimate parent",),
                "hq_or_parent_in": ("headquarters", "ultimate parent"),
            }[rule.condition]
            hit = next(
                (
                    (role, c)
                    for role, c in roles
                    if role in allowed and any(self._in(c, g) for g in rule.groups)
                ),
                None,
            )
            if hit is None:
                continue
            decision = rule.decisions.get(product, "allow")
            if DECISION_ORDER[decision] > DECISION_ORDER[best.decision]:
                role, c = hit
                where = c
                if c in self.treat_as:
                    where = f"{c} (treated as {self.treat_as[c][0]}: {self.treat_as[c][1]})"
                trail = ""
                if role == "ultimate parent" and parent_reasons and c in parent_reasons:
                    trail = f" [{parent_reasons[c]}]"
                best = JurisdictionDecision(
                    product, decision, rule.id, f"{role} in {where}{trail}: {rule.reason}"
                )
        return best

    def _in(self, code: str, group: str) -> bool:
        members = self.groups[group]
        return code in members or (code in self.treat_as and self.treat_as[code][0] in members)


def _validate(doc: Located) -> JurisdictionRules:
    data: Any = doc.data
    if not isinstance(data, dict):
        raise doc.error((), "must be a mapping with country_groups, products and rules")
    groups_raw = data.get("country_groups")
    if not isinstance(groups_raw, dict) or not groups_raw:
        raise doc.error(("country_groups",), "must map group names to lists of ISO country codes")
    groups: dict[str, frozenset[str]] = {}
    for g, members in groups_raw.items():
        if not isinstance(members, list):
            raise doc.error(("country_groups", str(g)), "must be a list of ISO country codes")
        codes = set()
        for i, m in enumerate(members):
            code = country_code(str(m))
            if not code:
                raise doc.error(("country_groups", str(g), i), f"unknown country {m!r}")
            codes.add(code)
        groups[str(g)] = frozenset(codes)
    products = data.get("products")
    if not isinstance(products, list) or not products:
        raise doc.error(("products",), "must be a non-empty list of product names")
    products_t = tuple(str(p) for p in products)
    rules_raw = data.get("rules")
    if not isinstance(rules_raw, list):
        raise doc.error(("rules",), "must be a list of rules")
    rules = []
    seen: set[str] = set()
    for i, r in enumerate(rules_raw):
        if not isinstance(r, dict):
            raise doc.error(("rules", i), "each rule must be a mapping")
        for key in ("id", "when", "decisions", "reason"):
            if key not in r:
                raise doc.error(("rules", i), f"rule lacks {key!r}")
        rid = str(r["id"])
        if rid in seen:
            raise doc.error(("rules", i, "id"), f"duplicate rule id {rid!r}")
        seen.add(rid)
        when = r["when"]
        if not isinstance(when, dict) or len(when) != 1 or next(iter(when)) not in CONDITIONS:
            raise doc.error(
                ("rules", i, "when"),
                f"must be one of {', '.join(CONDITIONS)} with a list of groups",
            )
        cond, gs = next(iter(when.items()))
        gs = gs if isinstance(gs, list) else [gs]
        for g in gs:
            if str(g) not in groups:
                raise doc.error(("rules", i, "when", cond), f"unknown country group {g!r}")
        decisions = r["decisions"]
        if not isinstance(decisions, dict):
            raise doc.error(("rules", i, "decisions"), "must map products to allow|review|deny")
        for p, d in decisions.items():
            if str(p) not in products_t:
                raise doc.error(("rules", i, "decisions", str(p)), f"unknown product {p!r}")
            if d not in DECISION_ORDER:
                raise doc.error(
                    ("rules", i, "decisions", str(p)),
                    f"decision must be allow|review|deny, got {d!r}",
                )
        rules.append(
            Rule(
                rid,
                cond,
                tuple(str(g) for g in gs),
                {str(k): str(v) for k, v in decisions.items()},
                str(r["reason"]),
            )
        )
    treat_raw = data.get("treat_as") or {}
    if not isinstance(treat_raw, dict):
        raise doc.error(("treat_as",), "must map a country to {as: COUNTRY, reason: text}")
    treat_as: dict[str, tuple[str, str]] = {}
    for k, v in treat_raw.items():
        src = country_code(str(k))
        dst = country_code(str(v.get("as"))) if isinstance(v, dict) else ""
        if not src:
            raise doc.error(("treat_as", str(k)), f"unknown country {k!r}")
        if not dst:
            raise doc.error(("treat_as", str(k)), "needs as: COUNTRY (a known country)")
        treat_as[src] = (dst, str(v.get("reason") or ""))
    return JurisdictionRules(groups, products_t, tuple(rules), doc.source, treat_as)


def load_rules(path: str = "") -> JurisdictionRules:
    """The shipped rules, or the file at ``path``."""
    if path:
        return _validate(read_located(Path(path)))
    text = (
        resources.files("distillguard.screen").joinpath("data/jurisdiction.yaml").read_text("utf-8")
    )
    return _validate(load_located(text, "distillguard/screen/data/jurisdiction.yaml"))
