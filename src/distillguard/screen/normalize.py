"""Renderings of a name: the Latin-script word sequences two names are compared
as, whatever script each was written in (see :mod:`latin` and :mod:`han` for the
folding itself), their acronyms, and pinyin syllables re-segmented against the
other side's words.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from distillguard.screen.glosses import gloss_tokens
from distillguard.screen.han import (
    HAN,
    HAN_ADMIN,
    gloss,
    has_han,
    pinyin,
    strip_han_legal,
    to_simplified,
)
from distillguard.screen.latin import LEGAL_FORMS, STOPWORDS, fold_latin, latin_tokens

_T = TypeVar("_T")


class _memo(Generic[_T]):
    """An attribute computed on first use and stored on the instance: what
    ``functools.cached_property`` does, without the lock it takes on Python 3.11,
    which costs more than the joins it saves."""

    def __init__(self, fn: Callable[[Any], _T]) -> None:
        self._fn = fn
        self._name = fn.__name__

    def __get__(self, obj: Any, owner: type | None = None) -> _T:
        value = self._fn(obj)
        obj.__dict__[self._name] = value
        return value


@dataclass(frozen=True)
class Rendering:
    """One Latin-script rendering of a name: its tokens, and whether they are
    pinyin syllables (so the scorer may re-segment them against the other side)."""

    tokens: tuple[str, ...]
    syllables: bool = False

    # Derived strings are kept on the rendering: a listed name is compared with
    # many customers, a customer's name with several listed names.
    @_memo
    def compact(self) -> str:
        return "".join(self.tokens)

    @_memo
    def text(self) -> str:
        return " ".join(self.tokens)

    @_memo
    def sorted_compact(self) -> str:
        return "".join(sorted(self.tokens))

    @_memo
    def token_set(self) -> frozenset[str]:
        return frozenset(self.tokens)

    @_memo
    def initials(self) -> str:
        return acronym(self.tokens)


@functools.lru_cache(maxsize=200_000)
def renderings(name: str) -> tuple[Rendering, ...]:
    """Every Latin rendering of ``name`` worth comparing (one for Latin text,
    pinyin and glossed forms for Han text). Empty when nothing is left."""
    if not has_han(name):
        toks = latin_tokens(name)
        if not toks:
            return ()
        # Romanised Russian or Turkish generic words also in English ("Zavod" ->
        # "Plant"), so the party's own word meets the list's translation.
        english = gloss_tokens(toks)
        return (Rendering(toks),) if english == toks else (Rendering(toks), Rendering(english))
    simplified = to_simplified(unicodedata.normalize("NFKC", name))
    syl: list[str] = []
    glossed: list[str] = []
    pos = 0
    for m in HAN.finditer(simplified):
        before = latin_tokens(simplified[pos : m.start()], keep_legal_only=False)
        syl.extend(before)
        glossed.extend(before)
        run = HAN_ADMIN.sub("", strip_han_legal(m.group()))
        syl.extend(pinyin(run))
        glossed.extend(gloss(run))
        pos = m.end()
    tail = latin_tokens(simplified[pos:], keep_legal_only=False)
    syl.extend(tail)
    glossed.extend(tail)
    out = [Rendering(tuple(syl), syllables=True)]
    if glossed != syl:
        out.append(Rendering(tuple(glossed), syllables=True))
    return tuple(r for r in out if r.tokens)


def acronym(tokens: tuple[str, ...]) -> str:
    return "".join([t[0] for t in tokens]) if len(tokens) >= 3 else ""


_RAW_WORD = re.compile(r"[^\W_]+")
_PARENTHESISED = re.compile(r"\([^)]*\)")


@functools.lru_cache(maxsize=200_000)
def acronyms(name: str) -> frozenset[str]:
    """The initials a Latin-script name is abbreviated to, whichever words the
    abbreviation keeps: every word ("ANATCO" is not among them, but "MPPL" of Metal
    Paint Products (Pvt) Ltd is), without stop words ("SRIAE" of Scientific Research
    Institute of Aircraft Equipment), and without legal forms either. Empty for
    names in Chinese characters and names of fewer than three words."""
    if has_han(name):
        return frozenset()
    out: set[str] = set()
    # A parenthesised acronym or qualifier is no part of the initials.
    for text in {name, _PARENTHESISED.sub(" ", name)}:
        words = [w for w in _RAW_WORD.findall(fold_latin(text)) if not w.isdigit()]
        content = [w for w in words if w not in STOPWORDS and w not in LEGAL_FORMS]
        for v in (
            words,
            [w for w in words if w not in STOPWORDS],
            content,
            # Without a person's initials ("ZiD" of Zavod imeni V.A. Degtyareva).
            [w for w in content if len(w) > 2],
        ):
            if 3 <= len(v) <= 10:
                out.add("".join(w[0] for w in v))
    return frozenset(out)


def align(syllables: tuple[str, ...], vocabulary: frozenset[str]) -> tuple[str, ...]:
    """Re-segment pinyin syllables to the other side's words: "shen zhen da jiang"
    against {"shenzhen", "dajiang"} becomes ("shenzhen", "dajiang"). Greedy longest
    join first; syllables that join nothing stay as they are."""
    out: list[str] = []
    i = 0
    n = len(syllables)
    while i < n:
        for j in range(min(n, i + 6), i + 1, -1):
            joined = "".join(syllables[i:j])
            if joined in vocabulary:
                out.append(joined)
                i = j
                break
        else:
            # A list's romanisation with a slip ("Mo'er Xianchen" for 摩尔线程,
            # xiancheng): join the syllables closest to one of its words.
            j = _fuzzy_join(syllables, i, vocabulary)
            out.append("".join(syllables[i:j]))
            i = j
    return tuple(out)


def _fuzzy_join(syllables: tuple[str, ...], i: int, vocabulary: frozenset[str]) -> int:
    """End of the longest run of syllables from ``i`` (2 or more, 5+ letters) within
    Jaro-Winkler 0.93 of a word of ``vocabulary``; ``i + 1`` when there is none."""
    from rapidfuzz.distance import JaroWinkler

    n = len(syllables)
    for j in range(min(n, i + 4), i + 1, -1):
        joined = "".join(syllables[i:j])
        if len(joined) < 5:
            break
        for v in vocabulary:
            if abs(len(v) - len(joined)) <= 1 and JaroWinkler.similarity(joined, v) >= 0.93:
                return j
    return i + 1


def normalize_identifier(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())
