"""Comparing two names: the name features of one pair of renderings (word
coverage weighted by rarity, token-sorted and compact similarity, acronym, words
the listed name lacks, a rare shared word), with pinyin and romanised names
re-segmented against each other and place words handled as branches, not parties.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from distillguard.screen.index import CandidateIndex
from distillguard.screen.latin import latin_tokens
from distillguard.screen.normalize import Rendering, align

TOKEN_MATCH = 0.90  # Jaro-Winkler at which two words count as the same (typos)
_extract_one = process.extractOne
_jaro_winkler = JaroWinkler.similarity


def _coverage(
    a: Sequence[str], b: Sequence[str], bset: AbstractSet[str], index: CandidateIndex
) -> float:
    """Share of ``a``'s rarity-weighted words found in ``b`` (typo tolerant)."""
    total = got = 0.0
    idf = index.idf
    default = index.default_idf
    for t in a:
        w = idf.get(t, default)
        total += w
        if t in bset:
            got += w
        elif len(t) >= 3:
            hit = _extract_one(t, b, scorer=_jaro_winkler, score_cutoff=TOKEN_MATCH)
            if hit is not None:
                got += w * hit[1]
    return got / total if total else 0.0


class NameValues(NamedTuple):
    """The name features of one pair of renderings, and the two word coverages
    ``tokens`` is made of (for the explanation)."""

    tokens: float
    sort: float
    compact: float
    acronym: float
    query_found: float
    listed_found: float
    extra: float  # share of the query's distinguishing words the listed name lacks
    exact: bool  # at least one word spelled as listed (or the whole name equal)
    rare: str = ""  # a word few listed names have, the query's words all in the listed name
    # A word few listed names have, spelled alike in both names, when the query has
    # other words too ("Anwise Global" and "Beijing Anwise Technology").
    distinctive: str = ""
    # Both names carry numbers and share none: another numbered unit of one parent.
    numbers: bool = False


@functools.lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """Words that name places (see data/places.txt)."""
    from importlib import resources

    root = resources.files("distillguard.screen")
    words: set[str] = set()
    for line in root.joinpath("data/places.txt").read_text("utf-8").splitlines():
        if not line.startswith("#"):
            words.update(latin_tokens(line, drop_legal=False))
    for line in root.joinpath("data/countries.tsv").read_text("utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            for name in line.split("\t", 1)[1].split("|"):
                words.update(latin_tokens(name, drop_legal=False))
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Ordinary English words and names (data/english_words.txt.gz, SCOWL): rare on
    the lists is not rare among customers for "Florida", "Christian" or "Cars"."""
    import gzip
    from importlib import resources

    raw = resources.files("distillguard.screen").joinpath("data/english_words.txt.gz")
    text = gzip.decompress(raw.read_bytes()).decode("utf-8")
    return frozenset(w for w in text.splitlines() if w and not w.startswith("#"))


def _extra_share(a: Sequence[str], bset: AbstractSet[str], b: Sequence[str]) -> float:
    """Share of ``a``'s words that are not places and have no counterpart in ``b``
    (exact or within TOKEN_MATCH): a distinguishing word the listed name lacks,
    "of Technology" in "Tianjin University of Technology" against "Tianjin University"."""
    places = place_words()
    extra = 0
    for t in a:
        if t in bset or t in places or t.isdigit():
            continue
        if _extract_one(t, b, scorer=_jaro_winkler, score_cutoff=TOKEN_MATCH) is None:
            extra += 1
    return extra / len(a) if a else 0.0


def _join_pairs(tokens: tuple[str, ...], vocabulary: frozenset[str]) -> tuple[str, ...]:
    """``tokens`` with two or three neighbours joined where the joined word is in
    ``vocabulary`` ("space star" -> "spacestar"); the same tuple when none is."""
    out: list[str] = []
    i, n = 0, len(tokens)
    while i < n:
        for j in (i + 3, i + 2):
            if j <= n and "".join(tokens[i:j]) in vocabulary:
                out.append("".join(tokens[i:j]))
                i = j
                break
        else:
            out.append(tokens[i])
            i += 1
    return tokens if len(out) == n else tuple(out)


def _resegment(q: Rendering, e: Rendering) -> tuple[Rendering, Rendering]:
    """Re-segment one side's words against the other's: pinyin syllables ("shen zhen
    da jiang" meets "Shenzhen Dajiang"), and a romanised name written spaced or
    joined ("Hua Wei Technologies" meets "Huawei Technologies")."""
    if q.syllables and not e.syllables:
        qt = align(q.tokens, e.token_set)
        if qt != q.tokens:
            q = Rendering(qt, True)
    elif e.syllables and not q.syllables:
        et = align(e.tokens, q.token_set)
        if et != e.tokens:
            e = Rendering(et, True)
    elif (
        len(q.tokens) != len(e.tokens)
        and q.compact == e.compact
        or (any(len(t) <= 4 and t not in e.token_set for t in q.tokens))
    ):
        qt = align(q.tokens, e.token_set)
        if qt != q.tokens:
            q = Rendering(qt, q.syllables)
        et = align(e.tokens, q.token_set)
        if et != e.tokens:
            e = Rendering(et, e.syllables)
    elif any(len(t) >= 6 and t not in e.token_set for t in q.tokens) or any(
        len(t) >= 6 and t not in q.token_set for t in e.tokens
    ):
        # A compound written joined on one side and spaced on the other
        # ("Spacestar" and "Space Star Technology", "Buy Best" and "BuyBest").
        et = _join_pairs(e.tokens, q.token_set)
        if et != e.tokens:
            e = Rendering(et, e.syllables)
        else:
            qt = _join_pairs(q.tokens, e.token_set)
            if qt != q.tokens:
                q = Rendering(qt, q.syllables)
    return q, e


def _abbreviates(
    q: Rendering, e: Rendering, e_acronyms: frozenset[str], index: CandidateIndex
) -> bool:
    """The query is an acronym of the listed name: its initials (with or without its
    stop words and legal forms), alone or beside words of the listed name ("JSC PA
    UOMP"). Not the other way round: a long query whose initials spell a listed
    acronym ("University of Southern California", "USC Ltd") is no evidence.
    Ordinary English words do not count as acronyms."""
    qt, et = q.tokens, e.tokens
    if len(qt) == 1 and len(et) >= 3 and qt[0] == e.initials:
        return True
    return any(
        len(t) >= 3
        and t in e_acronyms
        and t not in index.ordinary
        and all(o == t or o in e.token_set for o in qt)
        for t in qt
    )


def name_values(
    q: Rendering, e: Rendering, index: CandidateIndex, e_acronyms: frozenset[str] = frozenset()
) -> NameValues:
    q, e = _resegment(q, e)
    qt, et = q.tokens, e.tokens
    qset, eset = q.token_set, e.token_set
    if qset == eset:
        cq = ce = 1.0
        extra = 0.0
        exact = True
    else:
        # A place only one side names is a branch or a seat ("Huawei Technologies
        # (Beijing)"): it is left out of the word coverage. A place against another
        # place (Beijing vs Harbin Institute of Technology) still counts.
        places = place_words()
        q_pl = [t for t in qt if t in places and t not in eset]
        e_pl = [t for t in et if t in places and t not in qset]
        cqt, cet = qt, et
        if q_pl and not e_pl and len(q_pl) < len(qt):
            cqt = tuple(t for t in qt if t not in q_pl)
        elif e_pl and not q_pl and len(e_pl) < len(et):
            cet = tuple(t for t in et if t not in e_pl)
        cq, ce = _coverage(cqt, et, eset, index), _coverage(cet, qt, qset, index)
        extra = _extra_share(qt, eset, et)
        exact = not qset.isdisjoint(eset) or q.compact == e.compact
    tokens = (cq * ce) ** 0.5
    if q.compact == e.compact:
        sort = compact = 1.0
    else:
        sort = fuzz.token_sort_ratio(q.text, e.text) / 100.0
        compact = JaroWinkler.similarity(q.compact, e.compact)
        if len(qt) > 1 or len(et) > 1:
            compact = max(compact, JaroWinkler.similarity(q.sorted_compact, e.sorted_compact))
    acr = 1.0 if _abbreviates(q, e, e_acronyms, index) else 0.0
    # A short name ("Hikvision" for "Hangzhou Hikvision Digital Technology"): every
    # word of the query is in the listed name and one of them is rare on the lists.
    rare = distinctive = ""
    if cq >= 0.999 and ce < 1.0 and qset <= eset:
        # A word joined from the listed name's (a compound) is as rare as it is unknown.
        rare = next((t for t in qt if index.idf.get(t, index.default_idf) >= index.rare_idf), "")
        if not rare:
            # A group's name on its listed subsidiaries ("Cambricon", "Biren", "Inspur
            # Information"): too many entities to be rare, still no ordinary word.
            rare = next((t for t in qt if index.group_word(t)), "")
    elif qset != eset:
        # The listed name's own rarest word: "Cars" in "Shadi for Cars Trading" or
        # a given name beside a rarer surname says little about the party.
        distinctive = next((t for t in qt if t in eset and index.distinctive(t)), "")
        if distinctive:
            top = max(index.idf.get(t, index.default_idf) for t in et)
            if index.idf.get(distinctive, 0.0) < top:
                distinctive = ""
    numbers = False
    if any(t.isdigit() for t in qt) and any(t.isdigit() for t in et):
        numbers = {t for t in qt if t.isdigit()}.isdisjoint(t for t in et if t.isdigit())
    return NameValues(
        tokens, sort, compact, acr, cq, ce, extra, exact or bool(acr), rare, distinctive, numbers
    )
