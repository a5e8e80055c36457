"""The verdict and linkage book a continuous hunt publishes to every replica.

One :class:`LinkBook` is one hunt's word: the verdict of every account it
flagged, the campaigns it attributed, and each campaign's *linkage keys*, the
values its members share that ordinary accounts do not (a payment instrument,
a wrapper skeleton, an address pool, a tool schema; see
:mod:`distillguard.watch.keys` for how they are chosen). A replica swaps the
whole book at once when a new version is published, so a request never sees
half of two hunts.

:meth:`LinkBook.match` is the door: a new or quiet account whose request (plus
its account record's keys, which the book carries for the accounts whose
records match) shows one strong key of a campaign, or weaker keys of two
different families, gets that campaign's verdict on that request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from distillguard.gateway.verdicts import SEVERITY, External
from distillguard.graph.kinds import WORDS

#: Keys that link on their own: they come from one operator's own setup.
STRONG: Final = frozenset({"payment", "p64", "s64", "sysk"})
#: Families of weaker keys; two different families are needed (an address and a tool
#: schema, say), and an address with its own /24 counts once.
WEAK_FAMILY: Final = {"ip": "address", "ip_prefix": "address", "signup_ip": "signup",
                      "tools": "tools", "p24": "short_wrapper", "s24": "short_wrapper"}
KIND_WORDS: Final = WORDS


@dataclass(frozen=True, slots=True)
class Campaign:
    campaign_id: str
    tier: str  # block or review
    members: int
    reason: str


@dataclass(frozen=True, slots=True)
class Link:
    """A request tied to a campaign at the door."""

    campaign: Campaign
    kinds: tuple[str, ...]

    def external(self) -> External:
        words = ", ".join(dict.fromkeys(KIND_WORDS.get(k, k) for k in self.kinds))
        return External(self.campaign.tier,
                        f"linked to campaign {self.campaign.campaign_id} by {words}",
                        "linkage")


@dataclass(frozen=True)
class LinkBook:
    version: int = 0
    published_at: str = ""
    verdicts: Mapping[str, External] = field(default_factory=dict)
    campaigns: Mapping[str, Campaign] = field(default_factory=dict)
    #: kind -> value -> campaign ids holding it
    keys: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    #: account -> its record's keys (payment, signup_ip), for accounts whose records match
    record_keys: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    stats: Mapping[str, Any] = field(default_factory=dict)
    #: account -> when (ISO, the hunt's clock) its block was first issued; a block holds
    #: for the watch's hold period (see :func:`distillguard.watch.cycle.hold_blocks`)
    held: Mapping[str, str] = field(default_factory=dict)

    def lookup(self, account_id: str) -> External | None:
        return self.verdicts.get(account_id)

    def match(self, account_id: str, request_keys: Mapping[str, str]) -> Link | None:
        """The most severe campaign this request links to, by the rule above."""
        if not self.keys:
            return None
        found: dict[str, list[str]] = {}
        rec = self.record_keys.get(account_id)
        items = list(request_keys.items()) + (list(rec.items()) if rec else [])
        for kind, value in items:
            for cid in self.keys.get(kind, {}).get(value, ()):
                found.setdefault(cid, []).append(kind)
        best: Link | None = None
        for cid, kinds in found.items():
            strong = [k for k in kinds if k in STRONG]
            families = {WEAK_FAMILY[k] for k in kinds if k in WEAK_FAMILY}
            if not strong and len(families) < 2:
                continue
            camp = self.campaigns[cid]
            if best is None or SEVERITY[camp.tier] > SEVERITY[best.campaign.tier]:
                best = Link(camp, tuple(strong or sorted(kinds)))
        return best

    # -- wire form ----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        return orjson.dumps({
            "version": self.version, "published_at": self.published_at,
            "verdicts": {a: [e.tier, e.reason, e.source] for a, e in self.verdicts.items()},
            "campaigns": {c.campaign_id: [c.tier, c.members, c.reason]
                          for c in self.campaigns.values()},
            "keys": {k: {v: list(c) for v, c in vals.items()} for k, vals in self.keys.items()},
            "record_keys": {a: dict(k) for a, k in self.record_keys.items()},
            "stats": dict(self.stats), "held": dict(self.held),
        })

    @classmethod
    def from_bytes(cls, raw: bytes) -> LinkBook:
        obj = orjson.loads(raw)
        return cls(
            version=int(obj["version"]), published_at=str(obj.get("published_at", "")),
            verdicts={a: External(t, r, s) for a, (t, r, s) in obj["verdicts"].items()},
            campaigns={cid: Campaign(cid, t, int(m), r)
                       for cid, (t, m, r) in obj["campaigns"].items()},
            keys={k: {v: tuple(c) for v, c in vals.items()} for k, vals in obj["keys"].items()},
            record_keys=obj.get("record_keys", {}), stats=obj.get("stats", {}),
            held=obj.get("held", {}),
        )

    def with_version(self, version: int, published_at: str) -> LinkBook:
        return LinkBook(version, published_at, self.verdicts, self.campaigns, self.keys,
                        self.record_keys, self.stats, self.held)

    def summary(self) -> dict[str, Any]:
        return {"version": self.version, "published_at": self.published_at,
                "verdicts": len(self.verdicts), "campaigns": len(self.campaigns),
                "keys": sum(len(v) for v in self.keys.values()),
                "linked_records": len(self.record_keys)}


EMPTY: Final = LinkBook()
