"""The scorer: a declarative table of weighted features (see ``data/screen.yaml``)
applied to the candidates the index proposes, with a per-feature explanation
and the thresholds used on every decision.

Name features compare the best pair of renderings (query x listed name);
country and address only qualify a name score, they never make a match alone;
an identical official identifier does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from distillguard.screen.config import ScreenConfig
from distillguard.screen.countries import countries_agree, countries_in, country_code, families
from distillguard.screen.index import CandidateIndex, NameEntry
from distillguard.screen.latin import LEGAL_FORMS, fold_latin, latin_tokens
from distillguard.screen.model import Decision, Entity, FeatureScore, Match
from distillguard.screen.names import NameValues, english_words, name_values, place_words
from distillguard.screen.normalize import Rendering, renderings

ENTRIES_SCORED = 2  # names per candidate entity given the full feature table
NAME_CACHE = 500_000  # normalised names whose candidate scores are memoised (per process)
CAP_MARGIN = 0.0001  # a capped score sits this far below the match threshold
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Query:
    """Who is being screened: a customer, an owner, an account being created."""

    name: str
    country: str = ""
    address: str = ""
    identifiers: tuple[str, ...] = ()


def query_countries(query: Query) -> set[str]:
    """The customer's country and any country named at the end of its address."""
    return {c for c in [country_code(query.country), *countries_in(query.address)] if c}


def _words(text: str) -> frozenset[str]:
    return frozenset(t for t in _WORD.findall(fold_latin(text)) if len(t) > 2)


@functools.lru_cache(maxsize=65536)
def address_words(address: str) -> frozenset[str]:
    """Words of an address that can show two addresses are the same place."""
    return _words(address)


_PERSON_NAME = re.compile(r"^[^,\d]+, [^,\d]+$")


def _organisation(ent: Entity) -> bool:
    """Whether a shared rare word can point at ``ent``: it does for organisations;
    a person sharing a surname, a ship or plane sharing a word, is not evidence.
    Lists without a kind write people "SURNAME, Given"."""
    if ent.kind:
        return ent.kind not in ("individual", "vessel", "aircraft")
    return not _PERSON_NAME.match(ent.name) or bool(
        set(latin_tokens(ent.name, drop_legal=False)) & LEGAL_FORMS
    )


class EntityQualifiers:
    """Country families and address words of each listed entity, derived once
    per entity instead of once per customer that has it as a candidate."""

    def __init__(self, entities: Sequence[Entity]) -> None:
        self._entities = entities
        self._countries: dict[int, frozenset[str]] = {}
        self._addresses: dict[int, tuple[frozenset[str], ...]] = {}

    def countries(self, ei: int) -> frozenset[str]:
        got = self._countries.get(ei)
        if got is None:
            got = self._countries[ei] = families(self._entities[ei].countries)
        return got

    def has_addresses(self, ei: int) -> bool:
        return bool(self._entities[ei].addresses)

    def address_overlap(self, qa: frozenset[str], ei: int) -> float:
        """Largest share of the query's address words found in one listed address."""
        got = self._addresses.get(ei)
        if got is None:
            got = self._addresses[ei] = tuple(_words(a) for a in self._entities[ei].addresses)
        return max((len(qa & a) / max(1, len(qa)) for a in got), default=0.0)


class Screener:
    """Screens queries against an entity store with a configuration."""

    def __init__(
        self, entities: Sequence[Entity], config: ScreenConfig, *, candidates: int = 6
    ) -> None:
        self.index = CandidateIndex(entities, places=place_words(), ordinary=english_words())
        self.config = config
        self.limit = candidates
        self._qualifiers = EntityQualifiers(self.index.entities)
        self._name_cache: dict[str, tuple[tuple[int, float], ...]] = {}
        self._texts: dict[int, list[str]] = {}

    @property
    def entities(self) -> list[Entity]:
        return self.index.entities

    def name_score(
        self, qr: Sequence[Rendering], ei: int
    ) -> tuple[float, NameEntry | None, NameValues | None]:
        """The best (name score, listed name, name features) of entity ``ei``."""
        w = self.config.weights
        w_tokens, w_sort, w_compact = w["name_tokens"], w["name_sort"], w["name_compact"]
        w_acronym = w["acronym"]
        w_rare = w["rare_word"]
        w_distinct = w["distinctive_word"]
        org = _organisation(self.index.entities[ei])
        w_extra = w["extra_words"]
        w_numbers = w["number_conflict"]
        best: tuple[float, NameEntry | None, NameValues | None] = (-1.0, None, None)
        entries = self.index.entries_of(ei)
        if len(entries) > ENTRIES_SCORED:
            # Entities with dozens of aliases: full features only for the closest few
            # (a name spelled exactly as the query first, then ties keep list order).
            closest = [0.0] * len(entries)
            choices = self._entry_texts(ei)
            # A query word that is a name's initials ("SAIRC") puts that name first:
            # string similarity ranks the entity's shortest names above it.
            q_words = {t for r in qr for t in r.tokens}
            for i, entry in enumerate(entries):
                if not entry.acronyms.isdisjoint(q_words):
                    closest[i] = 101.0
            for r in qr:
                for _, sim, i in process.extract(
                    r.text, choices, scorer=fuzz.token_set_ratio, limit=None
                ):
                    if choices[i] == r.text:
                        sim = 101.0
                    if sim > closest[i]:
                        closest[i] = sim
            order = sorted(range(len(entries)), key=lambda i: -closest[i])
            entries = [entries[i] for i in order[:ENTRIES_SCORED]]
        index = self.index
        for cand in entries:
            for r in qr:
                v = name_values(r, cand.rendering, index, cand.acronyms)
                # Summed in the order of the feature table, as the explanation adds up.
                base = w_tokens * v.tokens + w_sort * v.sort + w_compact * v.compact
                base += w_extra * v.extra
                if v.numbers:
                    base += w_numbers
                if v.acronym:
                    base = max(base, w_acronym)
                if v.rare:
                    base = max(base, w_rare)
                if v.distinctive and org:
                    base = max(base, w_distinct)
                if base > best[0]:
                    best = (base, cand, v)
        return best

    def _entry_texts(self, ei: int) -> list[str]:
        got = self._texts.get(ei)
        if got is None:
            got = self._texts[ei] = [e.rendering.text for e in self.index.entries_of(ei)]
        return got

    def score_entity(self, query: Query, qr: Sequence[Rendering], ei: int) -> Match:
        w = self.config.weights
        score, entry, v = self.name_score(qr, ei)
        ent = self.index.entities[ei]
        rows = []
        if v is not None:
            rows = [
                FeatureScore(
                    "name_tokens",
                    v.tokens,
                    w["name_tokens"],
                    f"query words found {v.query_found:.2f}, "
                    f"listed words found {v.listed_found:.2f}",
                ),
                FeatureScore("name_sort", v.sort, w["name_sort"]),
                FeatureScore("name_compact", v.compact, w["name_compact"]),
                FeatureScore(
                    "extra_words",
                    v.extra,
                    w["extra_words"],
                    "share of the customer's words (places aside) the listed name lacks",
                ),
            ]
            if v.numbers:
                rows.append(
                    FeatureScore(
                        "number_conflict",
                        1.0,
                        w["number_conflict"],
                        "both names carry numbers and share none",
                    )
                )
            if v.acronym:
                rows.append(
                    FeatureScore("acronym", 1.0, w["acronym"], "acronym of the listed name")
                )
            if v.rare:
                rows.append(
                    FeatureScore(
                        "rare_word",
                        1.0,
                        w["rare_word"],
                        f"every word in the listed name; {v.rare!r} is on few listed names",
                    )
                )
            if v.distinctive and _organisation(ent):
                rows.append(
                    FeatureScore(
                        "distinctive_word",
                        1.0,
                        w["distinctive_word"],
                        f"{v.distinctive!r} is on few listed names",
                    )
                )
        score = max(score, 0.0)
        q_countries = query_countries(query)
        if q_countries and ent.countries:
            if countries_agree(q_countries, set(ent.countries)):
                rows.append(
                    FeatureScore(
                        "country_agree", 1.0, w["country_agree"], ",".join(sorted(q_countries))
                    )
                )
                score += w["country_agree"]
            else:
                rows.append(
                    FeatureScore(
                        "country_conflict",
                        1.0,
                        w["country_conflict"],
                        f"customer {','.join(sorted(q_countries))} "
                        f"vs listed {','.join(ent.countries)}",
                    )
                )
                score += w["country_conflict"]
        if query.address and ent.addresses:
            overlap = self._qualifiers.address_overlap(address_words(query.address), ei)
            if overlap > 0:
                rows.append(FeatureScore("address_overlap", overlap, w["address_overlap"]))
                score += w["address_overlap"] * overlap
        score = min(1.0, score)
        cap = self._cap(ent, v)
        if cap and score >= self.config.match:
            score = self.config.match - CAP_MARGIN
            rows.append(FeatureScore("review_cap", 1.0, 0.0, cap))
        name = entry.name if entry is not None else ent.name
        if entry is not None:
            for n, src in ent.name_sources:
                if n == name:
                    rows.append(FeatureScore("name_source", 1.0, 0.0, src))
        return Match(ent, name, score, tuple(rows))

    @staticmethod
    def _cap(ent: Entity, v: NameValues | None) -> str:
        """Why this pair can be a review at most ("" when it can be a match)."""
        if ent.kind in ("vessel", "aircraft"):
            return f"listed {ent.kind}: a customer is a person or organisation, review at most"
        if v is not None and not v.exact:
            return "no word spelled as listed (typos only): review at most"
        return ""

    def name_scores(self, qr: tuple[Rendering, ...]) -> tuple[tuple[int, float], ...]:
        """(entity, name score floored at 0) per candidate of ``qr``, in candidate
        order. Memoised per process: customers share normalised names ("Acme Ltd",
        "ACME LLC"), and this is most of the cost of screening one."""
        cache = self._name_cache
        # A flat string key: a tuple of renderings would keep their objects alive.
        key = (
            "l" + "\x1f".join(qr[0].tokens)
            if len(qr) == 1 and not qr[0].syllables
            else "\x1e".join(("s" if r.syllables else "l") + "\x1f".join(r.tokens) for r in qr)
        )
        got = cache.get(key)
        if got is None:
            if len(cache) >= NAME_CACHE:
                cache.clear()
            got = tuple(
                (ei, max(self.name_score(qr, ei)[0], 0.0))
                for ei in self.index.candidates(qr, self.limit)
            )
            cache[key] = got
        return got

    def clear_score(self, query: Query) -> float | None:
        """The best score of a query that screens ``clear`` (no candidate reaches
        the review threshold), computed without building explanations; None when
        the decision is not clear or the query has identifiers, for :meth:`screen`
        to decide and explain. Same arithmetic as :meth:`score_entity`, in the same
        order, so the score is identical to the last bit."""
        if query.identifiers:
            return None
        qr = renderings(query.name) if query.name.strip() else ()
        named = self.name_scores(qr) if qr else ()
        if not named:
            return 0.0
        w = self.config.weights
        qual = self._qualifiers
        q_countries = query_countries(query)
        q_family = families(q_countries) if q_countries else frozenset()
        qa = address_words(query.address) if query.address else frozenset()
        best: float | None = None
        for ei, score in named:
            fam = qual.countries(ei)
            if q_countries and fam:
                score += w["country_agree"] if q_family & fam else w["country_conflict"]
            if query.address and qual.has_addresses(ei):
                overlap = qual.address_overlap(qa, ei)
                if overlap > 0:
                    score += w["address_overlap"] * overlap
            score = min(1.0, score)
            if best is None or score > best:
                best = score
        return best if best is not None and best < self.config.review else None

    def matches(self, query: Query) -> list[Match]:
        """Scored candidates, best first (identifier hits first of all)."""
        out: list[Match] = []
        seen: set[int] = set()
        for ident in query.identifiers:
            for ei in self.index.by_identifier(ident):
                if ei in seen:
                    continue
                seen.add(ei)
                ent = self.index.entities[ei]
                feat = FeatureScore(
                    "identifier",
                    1.0,
                    self.config.weights["identifier"],
                    f"identical identifier {ident}",
                )
                out.append(
                    Match(ent, ent.name, min(1.0, self.config.weights["identifier"]), (feat,))
                )
        qr = renderings(query.name) if query.name.strip() else ()
        if qr:
            for ei in self.index.candidates(qr, self.limit):
                if ei not in seen:
                    seen.add(ei)
                    out.append(self.score_entity(query, qr, ei))
        out.sort(key=lambda m: -m.score)
        return out

    def screen(self, query: Query) -> Decision:
        found = self.matches(query)
        cfg = self.config
        best = found[0] if found else None
        if best is None or best.score < cfg.review:
            decision = "clear"
        elif best.score >= cfg.match:
            decision = "match"
        else:
            decision = "review"
        reasons = tuple(best.reasons()) if best is not None and decision != "clear" else ()
        others = tuple(m for m in found[1:4] if m.score >= cfg.review)
        return Decision(decision, best, cfg.review, cfg.match, reasons, others)
