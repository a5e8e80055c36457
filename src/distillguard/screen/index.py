"""The candidate index: which listed names are worth scoring for a query.

Names are filed under their blocking keys (:mod:`keys`: words, one-deletion
neighbourhoods, consonant skeletons, compounds, joined pinyin syllables, initials,
the whole name), and listed acronyms under "^". Keys carried by too many names
(``technology``, ``china``) are not used for blocking; they only weigh in the scorer.
Candidates are ranked by the inverse document frequency they share with the query
and only the best few are scored, which keeps a million customers within a minute.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from distillguard.screen.keys import MAX_WORDS, keys_of, word_keys
from distillguard.screen.latin import latin_tokens
from distillguard.screen.model import Entity
from distillguard.screen.normalize import Rendering, acronyms, normalize_identifier, renderings

# A candidate must account for this share of the query's rarity-weighted words;
# below it no feature combination reaches the review threshold in practice, and
# pruning here is what makes a million customers a one-minute job.
MIN_COVER = 0.6
MAX_CANDIDATES = 24  # ties beyond the limit are kept up to this many
TOKEN_CACHE = 200_000  # query words whose index keys are memoised (per process)
RARE_DF = 5  # a word on at most this many listed entities is rare
MAX_ABBREVIATED = 4  # entities a query word abbreviates, scored besides the best covers


@dataclass(frozen=True)
class NameEntry:
    """One (entity, name, rendering) the scorer can compare against."""

    entity: int
    name: str
    rendering: Rendering
    acronyms: frozenset[str] = frozenset()


class CandidateIndex:
    """Inverted index from blocking keys to name entries, plus identifier lookup."""

    def __init__(
        self,
        entities: Sequence[Entity],
        *,
        max_postings: int = 40,
        places: frozenset[str] | None = None,
        ordinary: frozenset[str] = frozenset(),
    ) -> None:
        self.entities = list(entities)
        self.places = places
        self.ordinary = ordinary
        self.entries: list[NameEntry] = []
        postings: dict[str, set[int]] = defaultdict(set)
        token_df: dict[str, set[int]] = defaultdict(set)
        self.identifiers: dict[str, list[int]] = defaultdict(list)
        for ei, ent in enumerate(self.entities):
            for name in dict.fromkeys(ent.names):
                abbreviations = acronyms(name)
                for r in renderings(name):
                    self.entries.append(NameEntry(ei, name, r, abbreviations))
                    for k in keys_of(r):
                        postings[k].add(ei)
                    for a in abbreviations:
                        postings["^" + a].add(ei)
                    for t in r.tokens:
                        token_df[t].add(ei)
            for ident in ent.identifiers:
                key = normalize_identifier(ident.value)
                if len(key) >= 5:
                    self.identifiers[key].append(ei)
        # Fewest words of any name per entity (candidate tie-break).
        self.name_len = [MAX_WORDS] * len(self.entities)
        for entry in self.entries:
            n_tok = min(len(entry.rendering.tokens), MAX_WORDS)
            if n_tok < self.name_len[entry.entity]:
                self.name_len[entry.entity] = n_tok
        self.max_postings = max_postings
        n = max(1, len(self.entities))
        self.default_idf = math.log(n + 1.0)
        self.idf: dict[str, float] = {t: math.log((n + 1.0) / len(s)) for t, s in token_df.items()}
        # A word on at most RARE_DF listed entities names a party by itself.
        self.rare_idf = math.log((n + 1.0) / RARE_DF)
        # A word on at most max_postings entities still blocks: a group's name.
        self.group_idf = math.log((n + 1.0) / max_postings)
        # Only selective keys block (postings are entity indices); each keeps its own
        # idf so shared rare keys rank first.
        self.postings: dict[str, tuple[tuple[int, ...], float]] = {}
        # Common keys only refine candidates found otherwise (or seed them when a
        # query has nothing rarer), so "Huawei" still blocks among 200+ Huawei entries.
        self.common: dict[str, tuple[frozenset[int], float]] = {}
        for k, s in postings.items():
            idf = math.log((n + 1.0) / len(s))
            if len(s) <= max_postings:
                self.postings[k] = (tuple(sorted(s)), idf)
            else:
                self.common[k] = (frozenset(s), idf)
        self.vocabulary = frozenset(token_df)
        # Words of the listed parties' addresses (cities, districts, streets) on two or
        # more entities: places the place list lacks ("Gomel", "Varna"), which say
        # nothing about who a party is.
        addr_df: dict[str, int] = defaultdict(int)
        for ent in self.entities:
            for t in {t for a in ent.addresses for t in latin_tokens(a, drop_legal=False)}:
                addr_df[t] += 1
        self.address_words = frozenset(t for t, c in addr_df.items() if c >= 2)
        self._token_keys: dict[str, tuple[str, ...]] = {}

    def distinctive(self, token: str) -> bool:
        """A word that names a party when shared: on few listed entities, four
        letters or more, not a number, a place or an ordinary English word."""
        return (
            len(token) >= 4
            and self.idf.get(token, 0.0) >= self.rare_idf
            and not token.isdigit()
            and token not in self.ordinary
            and token not in self.address_words
            and (self.places is None or token not in self.places)
        )

    def group_word(self, token: str) -> bool:
        """A word naming a group of listed parties: on more entities than a rare word
        but few enough to block (a parent's name on its listed subsidiaries), and
        otherwise as distinctive (not ordinary English, a place or a number)."""
        return (
            len(token) >= 4
            and self.idf.get(token, 0.0) >= self.group_idf
            and not token.isdigit()
            and token not in self.ordinary
            and token not in self.address_words
            and (self.places is None or token not in self.places)
        )

    def token_idf(self, token: str) -> float:
        return self.idf.get(token, self.default_idf)

    def _hit_keys(self, token: str) -> tuple[str, ...]:
        """The blocking keys of one query word that exist in the index, memoised:
        customer names reuse a small vocabulary, and an unknown word expands into a
        dozen deletion keys that almost never hit."""
        cached = self._token_keys.get(token)
        if cached is None:
            if len(self._token_keys) >= TOKEN_CACHE:
                self._token_keys.clear()
            cached = tuple(
                k
                for k in word_keys(token, token not in self.vocabulary)
                if k in self.postings or k in self.common
            )
            self._token_keys[token] = cached
        return cached

    def query_keys(self, r: Rendering) -> dict[str, int]:
        """``keys_of(r, self.vocabulary)`` restricted to the keys the index holds, in
        the same order (the order ranks common keys of equal size)."""
        keys: dict[str, int] = {}
        toks = r.tokens[:MAX_WORDS]
        n = len(toks)
        postings, common = self.postings, self.common
        if r.syllables:
            for i in range(n):
                for j in range(i + 1, min(n, i + 4) + 1):
                    k = "".join(toks[i:j])
                    if k in postings or k in common:
                        keys[k] = keys.get(k, 0) | (((1 << (j - i)) - 1) << i)
        token_keys = self._token_keys
        for i, t in enumerate(toks):
            got = token_keys.get(t)
            for k in self._hit_keys(t) if got is None else got:
                keys[k] = keys.get(k, 0) | (1 << i)
        if not r.syllables:
            # The customer's two words joined may be one listed word ("Core Zing").
            for i in range(n - 1):
                k = toks[i] + toks[i + 1]
                if len(k) >= 6 and k in postings:
                    keys[k] = keys.get(k, 0) | (3 << i)
        whole = (1 << n) - 1
        # No acronym of a long query against a listed acronym: initials against
        # initials is not evidence (the scorer only honours one side that is an acronym).
        for k in (
            "=" + "".join(toks),
            "=" + "".join(sorted(toks)) if n > 1 else "",
        ):
            if k and (k in postings or k in common):
                keys[k] = keys.get(k, 0) | whole
        return keys

    def _acronym_keys(self, r: Rendering) -> list[tuple[int, str]]:
        """(word position, key) of the acronym lookups of a query."""
        out = [
            (i, "^" + t)
            for i, t in enumerate(r.tokens[:MAX_WORDS])
            if 3 <= len(t) <= 10 and t.isalpha() and t not in self.ordinary
        ]
        return out

    def candidates(self, query: Iterable[Rendering], limit: int = 6) -> list[int]:
        """Entity indices worth scoring, best first."""
        weight: dict[int, tuple[float, int, int]] = {}
        # Entities a query word may abbreviate: scored besides the best covers, not
        # instead of them (initials are weaker evidence than words).
        abbreviated: dict[int, float] = {}
        # Entities sharing a rare number: scored even when they rank below the limit
        # (the 711th institute among thirty of its parent's others).
        numbered: dict[int, float] = {}
        idf, default = self.idf, self.default_idf
        postings, commons = self.postings, self.common
        places = self.places
        for r in query:
            # Renderings are alternatives: an entity keeps its best one, not the sum.
            idfs = [idf.get(t, default) for t in r.tokens[:MAX_WORDS]]
            # Place words (a branch's city) need not be covered, unless the name is
            # nothing but places.
            if places is not None and not places.isdisjoint(r.tokens):
                named = [0.0 if t in places else w for t, w in zip(r.tokens, idfs, strict=False)]
                if sum(named) > 0:
                    idfs = named
            total = sum(idfs)
            if total <= 0:
                continue
            hits: list[tuple[tuple[int, ...], int]] = []
            common: list[tuple[frozenset[int], int]] = []
            union = 0
            for k, m in self.query_keys(r).items():
                union |= m
                hit = postings.get(k)
                if hit is not None:
                    hits.append((hit[0], m))
                else:
                    common.append((commons[k][0], m))
            # A distinctive word names a party whatever else the query says: its few
            # entities are candidates even below the cover (the scorer decides).
            for i, t in enumerate(r.tokens[:MAX_WORDS]):
                got = postings.get(t)
                if got is not None and len(got[0]) <= RARE_DF and self.distinctive(t):
                    rank = (idfs[i] / total, 1, -MAX_WORDS)
                    for ei in got[0]:
                        if rank > weight.get(ei, (0.0, 0, -MAX_WORDS)):
                            weight[ei] = rank
            # A number few listed names carry ("711th Research Institute", "356 ARZ"):
            # its entities are scored besides the best covers, as an acronym's are.
            # Only when another word of the query is in the name too (below): "Nimbus
            # 800 Foods" is not every listed name with an 800 in it.
            number_hits: dict[int, float] = {}
            number_bits = 0
            for i, t in enumerate(r.tokens[:MAX_WORDS]):
                if len(t) >= 2 and t.isdigit():
                    got = postings.get(t)
                    if got is not None and len(got[0]) <= RARE_DF:
                        number_bits |= 1 << i
                        share = idfs[i] / total
                        for ei in got[0]:
                            if share > number_hits.get(ei, 0.0):
                                number_hits[ei] = share
            # A word that may abbreviate a listed name ("NEDI"); ordinary English
            # words are not taken for acronyms ("Apex", "Star").
            for i, k in self._acronym_keys(r):
                got = postings.get(k)
                if got is not None:
                    share = idfs[i] / total
                    for ei in got[0]:
                        if share > abbreviated.get(ei, 0.0):
                            abbreviated[ei] = share
            # No entity can cover more than every key together: most customers stop here.
            if sum(w for i, w in enumerate(idfs) if union >> i & 1) < MIN_COVER * total:
                continue
            # Masks first; how many keys an entity shares is only needed for the few
            # that cover enough of the query.
            masks: dict[int, int]
            if not hits:
                masks = {}
            elif len(hits) == 1:
                masks = dict.fromkeys(*hits[0])
            else:
                masks = {}
                for ids, m in hits:
                    for ei in ids:
                        masks[ei] = masks.get(ei, 0) | m
            if common:
                # The smallest common key seeds, unless it stands only for words that
                # weigh nothing here (a branch's city: "Saturn Omsk" is not seeded
                # by every Omsk entity).
                common.sort(
                    key=lambda c: (
                        not any(w for i, w in enumerate(idfs) if c[1] >> i & 1),
                        len(c[0]),
                    )
                )
                # Common keys seed candidates when the rare ones cannot make one on
                # their own ("Huawei Technologies (Beijing)": only common words).
                hit_union = 0
                for _, m in hits:
                    hit_union |= m
                seeded = not masks or (
                    sum(w for i, w in enumerate(idfs) if hit_union >> i & 1) < MIN_COVER * total
                )
                if seeded:
                    m0 = common[0][1]
                    for ei in common[0][0]:
                        masks[ei] = masks.get(ei, 0) | m0
                for ids_set, m in common[1:] if seeded else common:
                    for ei in masks:
                        if ei in ids_set:
                            masks[ei] |= m
            for ei, share in number_hits.items():
                if masks.get(ei, 0) & ~number_bits and share > numbered.get(ei, 0.0):
                    numbered[ei] = share
            cover: dict[int, float] = {}
            for ei, m in masks.items():
                c = cover.get(m)
                if c is None:
                    c = cover[m] = sum(w for i, w in enumerate(idfs) if m >> i & 1) / total
                if c >= MIN_COVER:
                    # Rank by covered share, then by keys shared (typo distance proxy).
                    shared = sum(1 for ids, _ in hits if ei in ids) + sum(
                        1 for ids_set, _ in common if ei in ids_set
                    )
                    # Then by fewest words: among "Huawei Technologies <place>" the
                    # parent's bare name leaves the least unexplained.
                    rank = (c, shared, -self.name_len[ei])
                    if rank > weight.get(ei, (0.0, 0, -MAX_WORDS)):
                        weight[ei] = rank
        extra = sorted(abbreviated, key=lambda ei: -abbreviated[ei])[:MAX_ABBREVIATED]
        numbers = sorted(numbered, key=lambda ei: -numbered[ei])[:MAX_ABBREVIATED]
        if not weight:
            return extra + [ei for ei in numbers if ei not in extra]
        ranked = sorted(weight.items(), key=lambda kv: kv[1], reverse=True)
        out = [ei for ei, _ in ranked[:limit]]
        # The same party is often on several lists under one name: keep every tie.
        last = ranked[len(out) - 1][1]
        for ei, rank in ranked[len(out) : MAX_CANDIDATES if last[0] >= 0.9 else 0]:
            if rank != last:
                break
            out.append(ei)
        # Extras are scored even when they ranked below the limit: an acronym or a
        # number is evidence the covers do not rank.
        taken = set(out)
        out += [ei for ei in extra if ei not in taken]
        taken.update(out)
        return out + [ei for ei in numbers if ei not in taken]

    def entries_of(self, entity: int) -> list[NameEntry]:
        return self._by_entity()[entity]

    def _by_entity(self) -> dict[int, list[NameEntry]]:
        cached: dict[int, list[NameEntry]] | None = getattr(self, "_entity_entries", None)
        if cached is None:
            cached = defaultdict(list)
            for e in self.entries:
                cached[e.entity].append(e)
            self._entity_entries = cached
        return cached

    def by_identifier(self, value: str) -> list[int]:
        return list(self.identifiers.get(normalize_identifier(value), ()))
