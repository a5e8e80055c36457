"""Behavioural and content signatures that can be shared without the text behind them.

* wrapper skeleton: the lines a harvesting operation repeats around each task
  (system prompt, instructions, output format) with slots masked, summarised as
  a MinHash signature whose permutations are seeded by the community key, so
  only community members can compare signatures and nobody can read them back;
* parameter fingerprint: a keyed hash of the canonical request parameters
  (sampling, token budgets, reasoning settings, n, logprobs, tools count);
* timing signature: a normalised histogram of log2-binned inter-arrival times.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from distillguard.intel.keys import CommunityKey
from distillguard.schema import NormalizedRequest

NUM_PERM: Final = 128
SHINGLE: Final = 3
TIMING_BINS: Final = 16  # bin i holds gaps in [2^(i-1), 2^i) seconds, bin 0 is < 1 s
MIN_LINE_TOKENS: Final = 3
MIN_LINE_REPEATS: Final = 3
LINE_SHARE: Final = 0.05  # a template line recurs in at least this share of requests
MIN_SKETCH_SHINGLES: Final = 8  # less than that is a phrase, not a wrapper
# One-sided 99.9 % bound: a sketch similarity is the lower confidence bound of the
# MinHash estimate, so a true overlap under the threshold passes it under few keys.
CONFIDENCE_Z: Final = 3.09
SLOT_TOKENS: Final = frozenset({"<url>", "<email>", "<quote>", "<num>"})
LINES_FOR_FULL_MATCH: Final = 3
_MERSENNE: Final = (1 << 61) - 1
_TOKEN = re.compile(r"<(?:url|email|quote|num)>|\w+|[^\w\s]", re.UNICODE)
_SLOTS: Final = (
    (re.compile(r"https?://\S+"), " <url> "),
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), " <email> "),
    (re.compile(r"\"[^\"\n]{1,200}\"|'[^'\n]{1,200}'|`[^`\n]{1,200}`"), " <quote> "),
    (re.compile(r"\d+(?:[.,]\d+)*"), " <num> "),
)


def mask_slots(text: str) -> str:
    """Replace the variable parts a template fills in (numbers, quotes, URLs, e-mails)."""
    for pattern, repl in _SLOTS:
        text = pattern.sub(repl, text)
    return text


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(mask_slots(text))]


def template_lines(view: NormalizedRequest) -> set[str]:
    """Masked lines of the system prompt and the last user turn (3 tokens or more).

    A harvesting wrapper shows up as lines that recur across many requests
    ("Narrate your full deliberation ...", "#The Given Prompt#:", "Final answer:
    <answer>") around a task that changes every time.
    """
    out: set[str] = set()
    for text in (view.system, view.last_user_text):
        for line in text.splitlines():
            toks = tokens(line)
            if len(toks) >= MIN_LINE_TOKENS:
                out.add(" ".join(toks))
    return out


def line_key(line: str) -> bytes:
    """In-memory identity of a masked line (never exported)."""
    return hashlib.blake2b(line.encode(), digest_size=12).digest()


def line_digest(key: CommunityKey, line: str) -> str:
    """Keyed hash of one masked template line, for exact line matches across labs."""
    return key.digest("template-line", line)


def line_similarity(mine: set[str], theirs: set[str]) -> float:
    """1.0 once we share three of their template lines (or all, when they have fewer)."""
    if not mine or not theirs:
        return 0.0
    return min(1.0, len(mine & theirs) / min(LINES_FOR_FULL_MATCH, len(theirs)))


def frequent_lines(counts: Mapping[str, int], requests: int) -> list[str]:
    """Lines seen in enough of ``requests`` requests to be part of a template.

    A line needs three real words: ``Final answer: <num>`` or ``Q <num>:`` recur
    in anyone's numbered prompts and tie nobody to an operation.
    """
    floor = line_floor(requests)
    return sorted(line for line, n in counts.items() if n >= floor and _words(line) >= 3)


def line_floor(requests: int) -> int:
    """How many of ``requests`` requests a template line recurs in, at least."""
    return max(MIN_LINE_REPEATS, math.ceil(LINE_SHARE * requests))


def _words(text: str) -> int:
    return sum(1 for t in text.split(" ") if t not in SLOT_TOKENS and t.isalpha())


def skeleton_shingles(lines: Iterable[str]) -> set[str]:
    """Informative 3-token shingles inside each template line (never across lines).

    A shingle needs two real words: ``: <num> )`` or ``< num >`` occur in any
    numbered prompt and would make unrelated wrappers look alike.
    """
    out: set[str] = set()
    for line in lines:
        out |= {s for s in shingles(line.split(" ")) if informative(s)}
    return out


def informative(shingle: str) -> bool:
    return _words(shingle) >= 2


def containment(sig_small: Sequence[int], n_small: int, sig_large: Sequence[int],
                n_large: int) -> float:
    """Lower confidence bound of the share of the first set contained in the second.

    An operation rotates several templates; one account uses a few of them, so
    Jaccard similarity would understate a true match. The Jaccard estimate's
    lower bound is used, so a small set against a large one (few agreeing
    permutations) cannot pass on luck.
    """
    j = similarity_lower_bound(sig_small, sig_large)
    if j == 0.0 or n_small < MIN_SKETCH_SHINGLES or n_large < MIN_SKETCH_SHINGLES:
        return 0.0
    return min(1.0, j * (n_small + n_large) / ((1 + j) * n_small))


def shingles(toks: Sequence[str], size: int = SHINGLE) -> set[str]:
    if len(toks) < size:
        return {" ".join(toks)} if toks else set()
    return {" ".join(toks[i:i + size]) for i in range(len(toks) - size + 1)}


@dataclass(frozen=True, slots=True)
class MinHasher:
    """MinHash with ``num_perm`` universal-hash permutations drawn from a keyed seed."""

    seed: bytes
    num_perm: int = NUM_PERM

    @classmethod
    def for_key(cls, key: CommunityKey, num_perm: int = NUM_PERM) -> MinHasher:
        return cls(key.seed("minhash"), num_perm)

    def _params(self) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for i in range(self.num_perm):
            d = hashlib.blake2b(struct.pack(">I", i), key=self.seed, digest_size=16).digest()
            a, b = struct.unpack(">QQ", d)
            out.append(((a % (_MERSENNE - 1)) + 1, b % _MERSENNE))
        return out

    def signature(self, items: Iterable[str]) -> list[int]:
        base = [
            int.from_bytes(hashlib.blake2b(s.encode(), key=self.seed, digest_size=8).digest())
            for s in items
        ]
        if not base:
            return []
        return [min((a * x + b) % _MERSENNE for x in base) for a, b in self._params()]


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


def similarity_lower_bound(a: Sequence[int], b: Sequence[int],
                           z: float = CONFIDENCE_Z) -> float:
    """Wilson lower bound of the Jaccard similarity from the agreeing permutations."""
    if not a or len(a) != len(b):
        return 0.0
    k = len(a)
    p = sum(1 for x, y in zip(a, b, strict=True) if x == y) / k
    centre = p + z * z / (2 * k)
    spread = z * math.sqrt(p * (1 - p) / k + z * z / (4 * k * k))
    return max(0.0, (centre - spread) / (1 + z * z / k))


def _bucket(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v).lower()
    if isinstance(v, int):
        # Token budgets vary a little per request; the order of magnitude is the habit.
        return str(1 << max(0, v - 1).bit_length()) if v > 64 else str(v)
    if isinstance(v, float):
        return f"{v:.2f}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(_bucket(x) for x in v) + "]"
    return str(v)


def parameter_profile(view: NormalizedRequest) -> str:
    """Canonical text of everything a client sets besides the messages."""
    parts: list[tuple[str, str]] = [("endpoint", view.endpoint)]
    parts += [(f"sampling.{k}", _bucket(v)) for k, v in sorted(view.sampling.items())]
    parts += [
        ("max_tokens", _bucket(view.max_tokens)), ("n", str(view.n)),
        ("logprobs", _bucket(view.logprobs)), ("top_logprobs", _bucket(view.top_logprobs)),
        ("stream", _bucket(view.stream)), ("response_format", str(view.response_format)),
        ("tools", str(len(view.tools))), ("reasoning.enabled", _bucket(view.reasoning.enabled)),
        ("reasoning.effort", str(view.reasoning.effort)),
        ("reasoning.budget", _bucket(view.reasoning.budget_tokens)),
    ]
    return ";".join(f"{k}={v}" for k, v in parts)


def parameter_fingerprint(key: CommunityKey, profile: str) -> str:
    return key.digest("parameter-profile", profile)


def timing_histogram(times: Iterable[datetime]) -> list[float]:
    """Share of inter-arrival gaps in each log2 bin; empty when fewer than two requests."""
    ts = sorted(times)
    gaps = [(b - a).total_seconds() for a, b in zip(ts, ts[1:], strict=False)]
    if not gaps:
        return []
    counts = [0] * TIMING_BINS
    for g in gaps:
        i = 0 if g < 1.0 else min(TIMING_BINS - 1, int(math.log2(g)) + 1)
        counts[i] += 1
    return [round(c / len(gaps), 4) for c in counts]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    if not a or len(a) != len(b):
        return 0.0
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return 0.0 if na == 0 or nb == 0 else dot / (na * nb)


def mean_histogram(hists: Iterable[Sequence[float]]) -> list[float]:
    rows = [h for h in hists if h]
    if not rows:
        return []
    return [round(sum(col) / len(rows), 4) for col in zip(*rows, strict=True)]


