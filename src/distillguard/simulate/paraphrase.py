"""Wrappers paraphrased afresh for every request.

An operation that runs each wrapper through a paraphraser leaves no reused
skeleton: two of its requests share intent, never wording. The grammar below
composes a wrapper from independently chosen slot fillers, clause orders,
connectives and surface noise (politeness, casing, punctuation), which gives
far more distinct wrappers than any operation sends, so linkage by wrapper text
fails and only infrastructure, timing and behaviour tie the accounts.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from typing import Any, Final

from distillguard.simulate.corpora import split_items

_ROLE: Final = (
    ("You are", "Act as", "Behave like", "Take the part of", "Pretend to be", "Play the role of",
     "Imagine you are", "Respond as", "Your role:", "Be"),
    ("a", "an extremely", "a very", "a highly", "a genuinely", "a truly", "an unusually"),
    ("careful", "thorough", "methodical", "rigorous", "meticulous", "painstaking",
     "precise", "detail-oriented", "systematic", "conscientious"),
    ("tutor", "analyst", "problem solver", "expert", "teacher", "assistant", "reasoner",
     "specialist", "mentor", "instructor", "scholar", "consultant"),
)
_VERB: Final = ("write out", "spell out", "lay out", "show", "give", "present", "detail",
                "document", "include", "provide", "type out", "put down", "share", "expose",
                "reproduce", "narrate", "walk through", "set out")
_WHOSE: Final = ("your", "all of your", "the whole of your", "every bit of your", "your entire",
                 "your complete", "your full", "the totality of your")
_WHAT: Final = ("reasoning", "thought process", "chain of thought", "thinking",
                "deliberation", "line of reasoning", "internal reasoning", "working",
                "train of thought", "intermediate steps", "scratch work", "analysis")
_HOW: Final = ("in full", "verbatim", "without skipping anything", "with no omissions",
               "in exhaustive detail", "word for word", "completely", "unabridged",
               "without summarising", "exactly as it happens", "in complete detail", "")
_WHEN: Final = ("before the answer", "before you answer", "prior to the final answer",
                "first, and only then the answer", "ahead of any conclusion",
                "before concluding", "and put the answer last", "and end with the answer")
_EXTRA: Final = ("Dead ends count too.", "Include the checks you make.",
                 "Keep every self-correction.", "Nothing should stay hidden.",
                 "Do not compress it into a summary.", "Mention what you rejected and why.",
                 "Err on the side of too much detail.", "", "", "")
_FORMAT: Final = (
    ("Format:", "Layout:", "Use this layout:", "Structure it as:", "Shape the reply as:"),
    ("{a} first, then {b}", "{a} followed by {b}", "a {a} section and a {b} section",
     "{a} / {b}", "{a}, a separator, then {b}"),
    ("reasoning", "thoughts", "working", "analysis", "derivation", "steps"),
    ("answer", "final answer", "result", "conclusion", "solution"),
)
_GENERAL: Final = (
    ("Answer", "Respond to", "Handle", "Complete", "Deal with", "Work on", "Tackle", "Address"),
    ("the following", "this", "the task below", "the question that follows", "what follows",
     "the next request"),
    ("thoroughly", "in depth", "with care", "as completely as you can", "at expert level",
     "carefully and fully", "with full detail", "comprehensively"),
    ("", "Be precise.", "Use examples where they help.", "Cover the edge cases.",
     "Assume an expert reader.", "Leave nothing out.", "Aim for the best possible quality.",
     "Explain as you go.", "Keep it accurate.", "Justify each claim."),
)
_POLITE: Final = ("", "", "Please ", "Kindly ", "I need you to ", "Could you ", "We ask you to ")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _noise(rng: random.Random, text: str) -> str:
    r = rng.random()
    if r < 0.1:
        return text.lower()
    if r < 0.15:
        return text.replace(". ", ".\n")
    if r < 0.2:
        return text.rstrip(".") + "!"
    return text


@functools.lru_cache(maxsize=4)
def grammar(split: str = "all") -> dict[str, Any]:
    """The slot pools of ``split``: tune and holdout worlds paraphrase from disjoint halves."""
    def half(items: Sequence[str]) -> tuple[str, ...]:
        return split_items(items, split)

    return {"role": tuple(half(p) for p in _ROLE), "verb": half(_VERB), "whose": half(_WHOSE),
            "what": half(_WHAT), "how": half(_HOW), "when": half(_WHEN), "extra": half(_EXTRA),
            "format": tuple(half(p) for p in _FORMAT),
            "general": tuple(half(p) for p in _GENERAL), "polite": half(_POLITE)}


def _one(rng: random.Random, pool: Sequence[str]) -> str:
    return pool[rng.randrange(len(pool))]


def opener(rng: random.Random, split: str = "all") -> str:
    return " ".join(_one(rng, p) for p in grammar(split)["role"]) + "."


def directive(rng: random.Random, split: str = "all") -> str:
    g = grammar(split)
    verb, whose, what = _one(rng, g["verb"]), _one(rng, g["whose"]), _one(rng, g["what"])
    how, when, polite = _one(rng, g["how"]), _one(rng, g["when"]), _one(rng, g["polite"])
    core = " ".join(x for x in (verb, whose, what, how) if x)
    text = f"{when[:1].upper()}{when[1:]}, {core}." if rng.random() < 0.25 and \
        when.startswith("before") else f"{core} {when}."
    text = _cap(polite + text) if polite else _cap(text)
    if polite.startswith("Could"):
        text = text.rstrip(".") + "?"
    return _noise(rng, f"{text} {_one(rng, g['extra'])}".strip())


def answer_format(rng: random.Random, split: str = "all") -> str:
    head, shape, a, b = (_one(rng, p) for p in grammar(split)["format"])
    return f"{head} {shape.format(a=a, b=b)}."


def general(rng: random.Random, split: str = "all") -> str:
    g = grammar(split)
    verb, obj, how, extra = (_one(rng, p) for p in g["general"])
    polite = _one(rng, g["polite"])
    text = f"{polite}{verb.lower() if polite else verb} {obj} {how}."
    return _noise(rng, f"{_cap(text)} {extra}".strip())


def wrap(rng: random.Random, prompt: str, trace_share: float = 0.7, split: str = "all"
         ) -> tuple[str, str]:
    """(system, user) for ``prompt``: a freshly paraphrased wrapper every call."""
    pieces: list[str] = []
    if rng.random() < trace_share:
        pieces.append(directive(rng, split))
        if rng.random() < 0.6:
            pieces.append(answer_format(rng, split))
    else:
        pieces.append(general(rng, split))
    role = opener(rng, split) if rng.random() < 0.7 else ""
    place = rng.random()
    if place < 0.35:
        return " ".join(x for x in (role, *pieces) if x), prompt
    sep = _SEPARATORS[rng.randrange(len(_SEPARATORS))]
    if place < 0.7:
        return role, sep.join((*pieces, prompt))
    return role if rng.random() < 0.5 else "", sep.join((prompt, *pieces))


_SEPARATORS: Final[Sequence[str]] = ("\n\n", "\n", " ", "\n\n---\n\n", "\n\n")
