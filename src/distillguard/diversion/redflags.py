"""The red flags of one order, each with its evidence in words, and the
decision they add up to: clear / review / hold.

A flag fires only on what the order shows. Each check is a small function over
an :class:`Order`; the weights, severities, sources and word lists are data
(:mod:`distillguard.diversion.flags`). Parties are screened against the
restricted-party lists through ``screen`` (a :class:`PartyScreen`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from distillguard.diversion.flags import FlagConfig, FlagSpec
from distillguard.diversion.orders import Order
from distillguard.screen.countries import country_code, families

DECISIONS = ("clear", "review", "hold")
_LOGISTICS = re.compile(
    r"(?<!\w)(logistics?|freight|forwarding|forwarder|cargo|shipping|express|courier|"
    r"supply chain|warehouse|warehousing|3pl)(?!\w)",
    re.I,
)
_DECLINED = re.compile(r"(?<!\w)(declin\w*|refus\w*|waived?|no|none|not required)(?!\w)", re.I)
_NON_WORD = re.compile(r"[^\w]+")

# (decision, what matched) for a name, or None when it screens clear.
ScreenHit = tuple[str, str] | None
NameScreen = Callable[[str, str], ScreenHit]


@dataclass(frozen=True)
class FlagHit:
    """One red flag on one order: which, how severe, how much it weighs, and why."""

    flag: FlagSpec
    evidence: str
    severity: str
    weight: float

    def reason(self) -> str:
        """The flag and its evidence; the legal source is in ``flags.csv`` beside it
        (once per flag, not once per order: a million rows would repeat it)."""
        return f"{self.flag.id}: {self.evidence}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "flag": self.flag.id,
            "title": self.flag.title,
            "severity": self.severity,
            "weight": self.weight,
            "evidence": self.evidence,
            "source": self.flag.source,
        }


@dataclass(frozen=True)
class Assessment:
    order_id: str
    decision: str
    score: float
    hits: tuple[FlagHit, ...]

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(h.flag.id for h in self.hits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "decision": self.decision,
            "score": round(self.score, 3),
            "flags": [h.to_dict() for h in self.hits],
        }


@functools.lru_cache(maxsize=65536)
def _norm(name: str) -> str:
    return _NON_WORD.sub(" ", name.lower()).strip()


def _code(text: str) -> str:
    return country_code(text) if text else ""


@functools.lru_cache(maxsize=4096)
def _families(codes: frozenset[str]) -> frozenset[str]:
    return families(codes)


class RedFlags:
    """Evaluates every flag of ``cfg`` on orders; ``screen`` answers list hits."""

    def __init__(self, cfg: FlagConfig, screen: NameScreen | None = None) -> None:
        self.cfg = cfg
        self.screen = screen
        self._caps: dict[str, tuple[int, str] | None] = {}

    def use_cap(self, use: str) -> tuple[int, str] | None:
        """The tightest plausible quantity for a stated use, and the word that set it."""
        try:
            return self._caps[use]
        except KeyError:
            pass
        caps = [(cap, p.items[0]) for p, cap in self.cfg.max_quantity_by_use if p.find(use)]
        out = min(caps) if caps else None
        if len(self._caps) < 100_000:
            self._caps[use] = out
        return out

    def assess(self, o: Order) -> Assessment:
        cfg = self.cfg
        hits: list[FlagHit] = []

        def hit(fid: str, evidence: str, severity: str = "", weight: float = -1.0) -> None:
            spec = cfg.flags[fid]
            hits.append(
                FlagHit(
                    spec, evidence, severity or spec.severity, spec.weight if weight < 0 else weight
                )
            )

        product = o.product
        controlled = not product or bool(cfg.controlled_products.find(product))
        dc = o.quantity >= cfg.data_centre_quantity
        what = f"{o.quantity} x {product or 'accelerators'}"
        countries = {
            "buyer": _code(o.buyer_country),
            "consignee": _code(o.consignee_country),
            "end user": _code(o.end_user_country),
            "ultimate parent": _code(o.parent_country),
            "ship-to": _code(o.ship_to_country),
        }

        if self.screen is not None:
            self._listed(o, countries, hit)

        if controlled:
            d5 = [
                f"{role} country {c} ({cfg.parent_group}, Macau, or Hong Kong as China)"
                for role, c in countries.items()
                if c in cfg.parent_countries
            ]
            if d5:
                hit("prc_parent", "; ".join(d5) + f" for {what}")

        found = cfg.inspection_findings.find(o.inspection) if o.inspection else ""
        if found:
            hit("inspection_mismatch", f"inspection found {found!r}: {o.inspection[:120]}")

        if dc:
            for role, addr in (
                ("consignee", o.consignee_address),
                ("end-user", o.end_user_address),
                ("ship-to", o.ship_to_address),
            ):
                w = cfg.residential_words.find(addr) or cfg.virtual_office_words.find(addr)
                if w:
                    hit(
                        "residential_or_virtual_address",
                        f"{role} address {addr[:80]!r} reads as residential or a virtual office "
                        f"({w!r}) for {what}",
                    )
                    break

        if controlled and o.buyer_since is not None and o.buyer_since >= cfg.october_2022_rules:
            hit(
                "new_buyer_post_2022",
                f"first order {o.buyer_since.isoformat()}, after the "
                f"{cfg.october_2022_rules.isoformat()} rules, for {what}",
            )

        fwd = _norm(o.forwarder)
        cons = _norm(o.consignee)
        if fwd and (
            cons == fwd
            or fwd in _norm(o.ship_to_address)
            or (cons and (cons in fwd or fwd in cons))
        ):
            hit("forwarder_destination", f"forwarder {o.forwarder!r} is the consignee or ship-to")
        elif o.consignee and _LOGISTICS.search(o.consignee):
            hit("forwarder_destination", f"consignee {o.consignee!r} is a logistics business")

        ship = countries["ship-to"] or countries["consignee"]
        end = countries["end user"]
        if (
            controlled
            and ship in cfg.hubs
            and _families(frozenset((end,))) != _families(frozenset((ship,)))
        ):
            hit(
                "transshipment_route",
                f"ship-to {ship} is a transshipment hub; end user "
                + (f"in {end}" if end else "country not stated"),
            )
        elif controlled and fwd and ship in cfg.hubs and countries["consignee"] != end:
            hit("transshipment_route", f"forwarder {o.forwarder!r} carries on from hub {ship}")

        if dc and controlled:
            need = o.quantity * cfg.kw_per_accelerator
            if o.site_power_kw is None:
                hit(
                    "site_power_cooling",
                    f"no site power stated for {what} (needs about {need:,.0f} kW)",
                )
            elif o.site_power_kw < need:
                hit(
                    "site_power_cooling",
                    f"site power {o.site_power_kw:,.0f} kW below the {need:,.0f} kW {what} need",
                )

        cap_use = self.use_cap(o.stated_end_use) if o.stated_end_use else None
        if cap_use is not None and o.quantity > cap_use[0]:
            hit(
                "quantity_vs_use",
                f"{o.quantity} accelerators for stated use {o.stated_end_use[:60]!r} "
                f"(plausible at most {cap_use[0]} for {cap_use[1]!r})",
            )

        if dc and o.buyer_business:
            w = cfg.unrelated_businesses.find(o.buyer_business)
            if w:
                hit(
                    "business_mismatch",
                    f"buyer's business {o.buyer_business[:60]!r} ({w!r}) buying {what}",
                )

        payer = _code(o.payer_country)
        if payer:
            parties = {c for r, c in countries.items() if c and r != "ultimate parent"}
            if parties and not _families(frozenset((payer,))) & _families(frozenset(parties)):
                hit(
                    "third_country_payment",
                    f"paid from {payer}; parties in {', '.join(sorted(parties))}",
                )

        w = cfg.unusual_payments.find(o.payment_method) if o.payment_method else ""
        if w:
            hit("unusual_payment", f"payment by {o.payment_method[:40]!r} for {what}")

        if controlled and (
            o.stated_end_use.strip().lower() in cfg.vague_end_uses or not o.end_user
        ):
            missing = []
            if o.stated_end_use.strip().lower() in cfg.vague_end_uses:
                missing.append(f"end use {o.stated_end_use or 'not stated'!r}")
            if not o.end_user:
                missing.append("end user not named")
            hit("end_use_withheld", "; ".join(missing))

        if dc and o.installation and _DECLINED.search(o.installation):
            hit("installation_declined", f"installation {o.installation[:40]!r} for {what}")

        if o.buyer_founded is not None and o.order_date is not None:
            age = (o.order_date - o.buyer_founded).days
            if 0 <= age <= cfg.young_company_days:
                hit("little_business_background", f"buyer incorporated {age} days before the order")

        return self._decide(o.order_id, hits)

    def _listed(
        self,
        o: Order,
        countries: dict[str, str],
        hit: Callable[[str, str, str, float], None],
    ) -> None:
        assert self.screen is not None
        roles: dict[tuple[str, str], list[str]] = {}
        for role, name, country in (
            ("buyer", o.buyer, countries["buyer"]),
            ("consignee", o.consignee, countries["consignee"]),
            ("end user", o.end_user, countries["end user"]),
            ("ultimate parent", o.ultimate_parent, countries["ultimate parent"]),
            ("forwarder", o.forwarder, ""),
        ):
            if name:
                roles.setdefault((name, country), []).append(role)
        # One flag per party, however many roles it plays in the order.
        for (name, country), rs in roles.items():
            found = self.screen(name, country)
            if found is None:
                continue
            decision, matched = found
            who = f"{'/'.join(rs)} {name!r}"
            if decision == "match":
                hit("listed_party", f"{who} matches {matched}", "", -1.0)
            else:
                # A possible match is worth a human look, not a hold by itself.
                hit(
                    "listed_party",
                    f"{who} resembles {matched} (possible match)",
                    "review",
                    self.cfg.review,
                )

    def _decide(self, order_id: str, hits: list[FlagHit]) -> Assessment:
        score = sum(h.weight for h in hits)
        if any(h.severity == "hold" for h in hits) or score >= self.cfg.hold:
            decision = "hold"
        elif hits and score >= self.cfg.review:
            decision = "review"
        else:
            decision = "clear"
        return Assessment(order_id, decision, score, tuple(hits))
