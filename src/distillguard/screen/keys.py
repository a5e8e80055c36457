"""Blocking keys of a rendering: the strings under which the candidate index files
a listed name and looks a customer's name up. Whole words, their single-deletion
neighbourhood (one typo still shares a key), a consonant skeleton (the other
romanisation of a name), two neighbouring words joined (compounds), runs of joined
pinyin syllables, the initials and the whole name in written and sorted order.
"""

from __future__ import annotations

import functools

from distillguard.screen.normalize import Rendering, acronym

MAX_WORDS = 60  # word positions tracked per name (bit masks)

# Letters romanisations of one sound disagree on (Khimmed/Chimmed, Vympel/Vimpel,
# Trast/Trust): folded before vowels are dropped from the consonant skeleton.
_SOUNDS = (("shch", "s"), ("sch", "s"), ("zh", "j"), ("ts", "c"), ("ph", "f"), ("ck", "k"))
_LETTERS = str.maketrans({"q": "k", "c": "k", "x": "k", "w": "v", "z": "s", "j": "g"})
_VOWELS = frozenset("aeiouyh")
MIN_SKELETON = 4  # consonants a skeleton needs to be a blocking key


@functools.lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """The consonant skeleton of a word (first letter kept, vowels and "h" dropped,
    doubled letters and a final "s" folded): one key for the ways Russian and
    English romanisations spell a name. Empty when fewer than MIN_SKELETON remain."""
    w = word
    for a, b in _SOUNDS:
        w = w.replace(a, b)
    w = w.translate(_LETTERS)
    out = [w[0]]
    for ch in w[1:]:
        if ch not in _VOWELS and ch != out[-1] and ch.isalpha():
            out.append(ch)
    if len(out) > 1 and out[-1] == "s":
        out.pop()
    return "%" + "".join(out) if len(out) >= MIN_SKELETON else ""


@functools.lru_cache(maxsize=200_000)
def word_keys(word: str, expand: bool) -> tuple[str, ...]:
    if len(word) < 4:
        return (word,)
    if len(word) == 4:
        # A four-letter listed word meets a five-letter query word one letter
        # longer ("Moji" and "Mojie"), whose deletion keys include "~moji".
        return (word, "~" + word)
    sk = skeleton(word) if word.isalpha() else ""
    if not expand:
        # A known word still meets a listed word one letter longer ("Sernia" and
        # "Serniya"): one lookup, not the whole neighbourhood.
        return (word, "~" + word, sk) if sk else (word, "~" + word)
    # Single-deletion neighbourhood (SymSpell): any one edit of a word still
    # shares one of these keys with the original.
    keys = (word, "~" + word, *("~" + word[:j] + word[j + 1 :] for j in range(len(word))))
    return (*keys, sk) if sk else keys


def keys_of(r: Rendering, known: frozenset[str] | None = None) -> dict[str, int]:
    """Blocking keys of a rendering, each with the bit mask of the word positions
    it stands for. With ``known`` (query side) only words the lists do not have
    expand into their deletion neighbourhood: a known word is already spelled
    like a listed one, and skipping it keeps a query to a few dozen lookups."""
    keys: dict[str, int] = {}
    toks = r.tokens[:MAX_WORDS]
    n = len(toks)

    def put(k: str, mask: int) -> None:
        keys[k] = keys.get(k, 0) | mask

    if r.syllables:
        for i in range(n):
            for j in range(i + 1, min(n, i + 4) + 1):
                put("".join(toks[i:j]), ((1 << (j - i)) - 1) << i)
    for i, t in enumerate(toks):
        bit = 1 << i
        for k in word_keys(t, known is None or t not in known):
            put(k, bit)
    if not r.syllables:
        # Two neighbouring words joined: "Space Star" meets "Spacestar", "Buy Best"
        # meets "BuyBest" (a query word is looked up as it stands).
        for i in range(n - 1):
            if len(toks[i]) + len(toks[i + 1]) >= 6:
                put(toks[i] + toks[i + 1], 3 << i)
    whole = (1 << n) - 1
    acr = acronym(toks)
    if acr:
        put(acr, whole)
    put("=" + "".join(toks), whole)
    if n > 1:
        put("=" + "".join(sorted(toks)), whole)
    return keys
