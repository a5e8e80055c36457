"""Jurisdiction rules as data: headquarters or ultimate parent in a country
group of concern gives a decision per product, with the rule's reason.

The rules file is validated before use; every error names the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
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

    def evaluate(
        self, product: str, hq_country: str = "", parent_country: str = ""
    ) -> JurisdictionDecision:
        if product not in self.products:
            from distillguard.schema.errors import InputError

            raise InputError(
                f"unknown product {product!r}; known: {', '.join(self.products)}",
                details={"product": product},
            )
        hq, parent = country_code(hq_country), country_code(parent_country)
        best = JurisdictionDecision(product, "allow", "", "no jurisdiction rule applies")
        for rule in self.rules:
            where = {"hq_in": [hq], "parent_in": [parent], "hq_or_parent_in": [hq, parent]}[
                rule.condition
            ]
            hit = next(
                (c for c in where if c and any(c in self.groups[g] for g in rule.groups)), ""
            )
            if not hit:
                continue
            decision = rule.decisions.get(product, "allow")
            if DECISION_ORDER[decision] > DECISION_ORDER[best.decision]:
                role = "headquarters" if hit == hq else "ultimate parent"
                best = JurisdictionDecision(
                    product, decision, rule.id, f"{role} in {hit}: {rule.reason}"
                )
        return best


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
    return JurisdictionRules(groups, products_t, tuple(rules), doc.source)


def load_rules(path: str = "") -> JurisdictionRules:
    """The shipped rules, or the file at ``path``."""
    if path:
        return _validate(read_located(Path(path)))
    text = (
        resources.files("distillguard.screen").joinpath("data/jurisdiction.yaml").read_text("utf-8")
    )
    return _validate(load_located(text, "distillguard/screen/data/jurisdiction.yaml"))
