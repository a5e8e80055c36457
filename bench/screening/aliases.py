"""What kind of variant a held-out alias is of the names its entity keeps, so the
leave-alias-out figure comes with an honest ceiling: an alias that shares no word,
no initials and no character 4-gram with any other name of its entity (a
translation, a former name) cannot be found by comparing strings.

The classes are decided from the strings alone, not from the screener, in this
order (the first that applies):

  trivial       normalised like another name (case, punctuation, legal form)
  han           written in Chinese characters
  address       the list glued an address onto the alias ("..., St. Petersburg, Russia 196105")
  word_order    the same words in another order
  subset        its words are a subset or superset of another name's
  overlap       shares a distinctive word (on at most 1% of listed names, not a place)
  acronym       initials (or word prefixes) of another name, or the other way round
  spelling      a word within Jaro-Winkler 0.85 of a word of another name (Khimmed/Chimmed)
  common_words  shares only common words or places (Technology, Beijing) with another name
  ngram_only    shares only character 4-grams with another name
  unrelated     shares nothing: a translation or a former name (no string method finds it)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz.distance import JaroWinkler

from distillguard.screen.han import has_han
from distillguard.screen.latin import LEGAL_FORMS, fold_latin, latin_tokens

CLASSES = (
    "trivial",
    "han",
    "address",
    "word_order",
    "subset",
    "overlap",
    "acronym",
    "spelling",
    "common_words",
    "ngram_only",
    "unrelated",
)
# Beyond string matching: the ceiling excludes these.
UNMATCHABLE = frozenset({"unrelated"})
_WORD = re.compile(r"[^\W_]+")
_ADDRESS = re.compile(r",[^,]*\d{3,}|\(see also|\bp\.?o\.? box\b", re.IGNORECASE)


def raw_words(name: str) -> list[str]:
    """Every folded word, legal forms and stop words kept (initials use them)."""
    return _WORD.findall(fold_latin(name))


def is_acronym_of(short: str, words: Sequence[str]) -> bool:
    """``short`` is spelled by prefixes of ``words`` taken in order (each word gives
    nothing or a prefix; at least half the words give a letter): "TSNIIAG" of
    Tsentralny Nauchno-Issledovatelski Institut Avtomatiki i Gidravliki."""
    s = short.lower()
    n, m = len(s), len(words)
    if n < 2 or m < 2 or n > 3 * m:
        return False
    # reach[i][j]: s[:i] spelled by words[:j], with the count of words used.
    best: dict[tuple[int, int], int] = {(0, 0): 0}
    for j, w in enumerate(words):
        for (i, jj), used in list(best.items()):
            if jj != j:
                continue
            # Skip the word.
            key = (i, j + 1)
            best[key] = max(best.get(key, -1), used)
            # Use a prefix of it.
            k = 0
            while k < len(w) and i + k < n and s[i + k] == w[k]:
                k += 1
                key = (i + k, j + 1)
                best[key] = max(best.get(key, -1), used + 1)
    used = best.get((n, m), -1)
    return used >= 2 and used * 2 >= m


def _ngrams(tokens: Sequence[str], n: int = 4) -> set[str]:
    return {t[i : i + n] for t in tokens if len(t) >= n for i in range(len(t) - n + 1)}


def classify(
    alias: str, others: Sequence[str], common: frozenset[str], key: str, other_keys: set[str]
) -> str:
    """The class of ``alias`` against the other names of its entity; ``common`` are
    words on more than 1% of listed names and places, ``key``/``other_keys`` the
    normalised forms the held-out split compares."""
    if key in other_keys:
        return "trivial"
    if has_han(alias):
        return "han"
    if _ADDRESS.search(alias) and not any(_ADDRESS.search(o) for o in others):
        return "address"
    toks = set(latin_tokens(alias))
    other_toks = [set(latin_tokens(o)) for o in others if not has_han(o)]
    if any(toks == o or sorted(latin_tokens(alias)) == sorted(o) for o in other_toks):
        return "word_order"
    if any(o and toks and (toks < o or o < toks) for o in other_toks):
        return "subset"
    shared = set().union(*(toks & o for o in other_toks)) if other_toks else set()
    if shared - common:
        return "overlap"
    a_raw = raw_words(alias)
    content = [w for w in a_raw if w not in LEGAL_FORMS]
    for o in others:
        if has_han(o):
            continue
        o_raw = raw_words(o)
        o_content = [w for w in o_raw if w not in LEGAL_FORMS]
        # A short word of the alias spells the other name, or the other way round.
        if any(len(w) <= 10 and is_acronym_of(w, o_raw) for w in content):
            return "acronym"
        if any(len(w) <= 10 and is_acronym_of(w, a_raw) for w in o_content):
            return "acronym"
    for o in other_toks:
        for a in toks:
            if len(a) >= 4 and any(len(b) >= 4 and JaroWinkler.similarity(a, b) >= 0.85 for b in o):
                return "spelling"
    if shared:
        return "common_words"
    grams = _ngrams(sorted(toks))
    if any(grams & _ngrams(sorted(o)) for o in other_toks):
        return "ngram_only"
    return "unrelated"
