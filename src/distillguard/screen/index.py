"""The candidate index: which listed names are worth scoring for a query.

Blocking keys per rendering: whole tokens, their single-deletion neighbourhood
(so one typo still shares a key), acronyms, the whole name in written and in
sorted word order (names made only of common words), and for pinyin syllables
every run of 1-4 joined syllables, so "shen zhen da jiang" meets "Shenzhen
Dajiang". Keys carried by too many names (``technology``, ``china``) are not
used for blocking; they only weigh in the scorer. Candidates are ranked by the
inverse document frequency they share with the query and only the best few are
scored, which keeps a million customers within a minute.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from distillguard.screen.model import Entity
from distillguard.screen.normalize import Rendering, acronym, normalize_identifier, renderings

WHOLE_NAME_BONUS = 8.0  # a whole-name key hit outranks many partial word hits


@dataclass(frozen=True)
class NameEntry:
    """One (entity, name, rendering) the scorer can compare against."""

    entity: int
    name: str
    rendering: Rendering


def keys_of(r: Rendering) -> set[str]:
    keys: set[str] = set()
    toks = r.tokens
    if r.syllables:
        n = len(toks)
        for i in range(n):
            for j in range(i + 1, min(n, i + 4) + 1):
                keys.add("".join(toks[i:j]))
    for t in toks:
        keys.add(t)
        if len(t) >= 4:
            # Single-deletion neighbourhood (SymSpell): any one edit of a word
            # still shares one of these keys with the original.
            keys.add("~" + t)
            keys.update("~" + t[:i] + t[i + 1 :] for i in range(len(t)))
    acr = acronym(toks)
    if acr:
        keys.add(acr)
    keys.add("=" + r.compact)
    if len(toks) > 1:
        keys.add("=" + "".join(sorted(toks)))
    return keys


class CandidateIndex:
    """Inverted index from blocking keys to name entries, plus identifier lookup."""

    def __init__(self, entities: Sequence[Entity], *, max_postings: int = 200) -> None:
        self.entities = list(entities)
        self.entries: list[NameEntry] = []
        postings: dict[str, set[int]] = defaultdict(set)
        token_df: dict[str, set[int]] = defaultdict(set)
        self.identifiers: dict[str, list[int]] = defaultdict(list)
        for ei, ent in enumerate(self.entities):
            for name in dict.fromkeys(ent.names):
                for r in renderings(name):
                    self.entries.append(NameEntry(ei, name, r))
                    for k in keys_of(r):
                        postings[k].add(ei)
                    for t in r.tokens:
                        token_df[t].add(ei)
            for ident in ent.identifiers:
                key = normalize_identifier(ident.value)
                if len(key) >= 5:
                    self.identifiers[key].append(ei)
        self.max_postings = max_postings
        n = max(1, len(self.entities))
        self.default_idf = math.log(n + 1.0)
        self.idf: dict[str, float] = {t: math.log((n + 1.0) / len(s)) for t, s in token_df.items()}
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

    def token_idf(self, token: str) -> float:
        return self.idf.get(token, self.default_idf)

    def candidates(self, query: Iterable[Rendering], limit: int = 6) -> list[int]:
        """Entity indices worth scoring, best first."""
        weight: dict[int, float] = {}
        for r in query:
            # Renderings are alternatives: an entity keeps its best one, not the sum.
            here: dict[int, float] = {}
            common: list[tuple[frozenset[int], float]] = []
            for k in keys_of(r):
                hit = self.postings.get(k)
                if hit is None:
                    big = self.common.get(k)
                    if big is not None:
                        common.append(big)
                    continue
                ids, idf = hit
                if k[0] == "=":
                    idf *= WHOLE_NAME_BONUS
                for ei in ids:
                    here[ei] = here.get(ei, 0.0) + idf
            if common:
                common.sort(key=lambda c: len(c[0]))
                if not here:
                    seed, idf = common[0]
                    here = dict.fromkeys(seed, idf)
                    common = common[1:]
                for ids_set, idf in common:
                    for ei in here:
                        if ei in ids_set:
                            here[ei] += idf
            for ei, wt in here.items():
                if wt > weight.get(ei, 0.0):
                    weight[ei] = wt
        if not weight:
            return []
        ranked = sorted(weight.items(), key=lambda kv: -kv[1])
        floor = 0.15 * ranked[0][1]
        return [ei for ei, w in ranked[:limit] if w >= floor]

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
