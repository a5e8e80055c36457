"""The screening vocabulary: list entities, quarantined rows and decisions.

Every list format is parsed into :class:`Entity`; everything downstream
(index, scorer, ownership, the HTTP hook) only ever sees this one shape.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DECISIONS = ("clear", "review", "match")


@dataclass(frozen=True)
class Identifier:
    """An official identifier (tax id, registration number, LEI, passport...)."""

    kind: str
    value: str
    country: str = ""

    @property
    def key(self) -> str:
        """Exact-match key: identifiers are compared without punctuation or case."""
        return "".join(ch for ch in self.value.upper() if ch.isalnum())


@dataclass(frozen=True)
class Entity:
    """One listed party, whatever list and format it came from."""

    entity_id: str
    list: str
    name: str
    kind: str = ""
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    programs: tuple[str, ...] = ()
    effective_date: str = ""
    source: str = ""
    # The date the list this entity came from was current (YYYY-MM-DD).
    as_of: str = ""
    # Where a name that is not on the list itself came from: (name, provenance).
    name_sources: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Entity:
        return cls(
            entity_id=str(d["entity_id"]),
            list=str(d["list"]),
            name=str(d["name"]),
            kind=str(d.get("kind", "")),
            aliases=tuple(d.get("aliases", ())),
            addresses=tuple(d.get("addresses", ())),
            countries=tuple(d.get("countries", ())),
            identifiers=tuple(Identifier(**i) for i in d.get("identifiers", ())),
            programs=tuple(d.get("programs", ())),
            effective_date=str(d.get("effective_date", "")),
            source=str(d.get("source", "")),
            as_of=str(d.get("as_of", "")),
            name_sources=tuple((str(n), str(src)) for n, src in d.get("name_sources", ()) if n),
        )


@dataclass(frozen=True)
class QuarantinedRow:
    """A row that could not be used, kept with where it came from and why."""

    source: str
    line: int
    reason: str
    raw: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ParseResult:
    """What a parser returns: the entities it could read and every row it could not."""

    entities: list[Entity] = field(default_factory=list)
    quarantined: list[QuarantinedRow] = field(default_factory=list)

    def extend(self, other: ParseResult) -> None:
        self.entities.extend(other.entities)
        self.quarantined.extend(other.quarantined)


@dataclass(frozen=True)
class FeatureScore:
    """One line of a score's explanation: feature, raw value, weight, contribution."""

    name: str
    value: float
    weight: float
    detail: str = ""

    @property
    def contribution(self) -> float:
        return self.value * self.weight

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.name,
            "value": round(self.value, 4),
            "weight": self.weight,
            "contribution": round(self.contribution, 4),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Match:
    """The best explanation of why a query may be a listed entity."""

    entity: Entity
    matched_name: str
    score: float
    features: tuple[FeatureScore, ...]

    def reasons(self) -> list[str]:
        return [
            f"{f.name}={f.value:.2f}x{f.weight:g}" + (f" ({f.detail})" if f.detail else "")
            for f in self.features
            if f.value != 0.0
        ]


@dataclass(frozen=True)
class Decision:
    """A screening outcome with the thresholds that produced it."""

    decision: str
    best: Match | None
    review_threshold: float
    match_threshold: float
    reasons: tuple[str, ...] = ()
    others: tuple[Match, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "decision": self.decision,
            "thresholds": {"review": self.review_threshold, "match": self.match_threshold},
            "reasons": list(self.reasons),
        }
        if self.best is not None:
            out["entity_id"] = self.best.entity.entity_id
            out["list"] = self.best.entity.list
            out["matched_name"] = self.best.matched_name
            out["score"] = round(self.best.score, 4)
            out["features"] = [f.to_dict() for f in self.best.features]
        out["other_candidates"] = [
            {
                "entity_id": m.entity.entity_id,
                "list": m.entity.list,
                "matched_name": m.matched_name,
                "score": round(m.score, 4),
            }
            for m in self.others
        ]
        return out
