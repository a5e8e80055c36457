"""The seeded labelled name-pair set and its quality figures (in-sample: aliases indexed)."""

from __future__ import annotations

import argparse
import csv
import random
import time
import unicodedata
from collections import defaultdict

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from distillguard.screen.config import load_config
from distillguard.screen.han import HAN_GLOSSES, has_han
from distillguard.screen.latin import LEGAL_FORMS, latin_tokens
from distillguard.screen.model import Entity
from distillguard.screen.scoring import Query, Screener
from screening.lists import REPO, load_all_lists

# --------------------------------------------------------------------------- label set

LEGAL_SWAPS = ["Co., Ltd.", "Limited", "LLC", "Corporation", "Inc.", "Company Limited", "Ltd"]
ABBREV = {
    "technology": "Tech.",
    "international": "Intl",
    "institute": "Inst.",
    "university": "Univ.",
    "engineering": "Eng.",
    "electronics": "Elec.",
    "national": "Natl",
    "manufacturing": "Mfg",
    "research": "Res.",
    "development": "Dev.",
    "industry": "Ind.",
    "science": "Sci.",
    "academy": "Acad.",
}


def typo_variant(rng: random.Random, name: str) -> str | None:
    words = name.split()
    idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not idx:
        return None
    i = rng.choice(idx)
    w = words[i]
    p = rng.randrange(1, len(w) - 1)
    op = rng.choice(["sub", "del", "ins", "swap"])
    letters = "abcdefghijklmnopqrstuvwxyz"
    if op == "sub":
        w = w[:p] + rng.choice(letters) + w[p + 1 :]
    elif op == "del":
        w = w[:p] + w[p + 1 :]
    elif op == "ins":
        w = w[:p] + rng.choice(letters) + w[p:]
    else:
        w = w[: p - 1] + w[p] + w[p - 1] + w[p + 1 :]
    words[i] = w
    out = " ".join(words)
    return out if out != name else None


def _reorder(rng: random.Random, name: str) -> str | None:
    words = [w for w in name.replace(",", " ").split() if w.lower().strip(".") not in LEGAL_FORMS]
    if len(words) < 2:
        return None
    shuffled = words[:]
    for _ in range(5):
        rng.shuffle(shuffled)
        if shuffled != words:
            return " ".join(shuffled)
    return None


def _legal(rng: random.Random, name: str) -> str | None:
    words = name.replace(",", " ").split()
    core = [w for w in words if w.lower().strip(".") not in LEGAL_FORMS]
    if not core or len(core) == len(words) and rng.random() < 0.5:
        return " ".join(core) + " " + rng.choice(LEGAL_SWAPS) if core else None
    return " ".join(core) + ("" if rng.random() < 0.4 else " " + rng.choice(LEGAL_SWAPS))


def _abbrev(name: str) -> str | None:
    words = name.split()
    out = [ABBREV.get(w.lower().strip(",."), w) for w in words]
    return " ".join(out) if out != words else None


def _pinyin_words(text: str) -> str:
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(text))


class HanWriter:
    """Writes a pinyin/English company name back in characters, or gives up."""

    def __init__(self) -> None:
        from pypinyin import phrases_dict, pinyin_dict

        def plain(s: str) -> str:
            return "".join(
                c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)
            ).replace("ü", "v")

        self.words: dict[str, str] = {}
        for phrase, sylls in phrases_dict.phrases_dict.items():
            key = "".join(plain(s[0]) for s in sylls)
            if len(phrase) <= 3 and key not in self.words:
                self.words[key] = phrase
        # Per syllable, the character most used in the phrase dictionary: a common
        # character, as a customer would type, not the first rare one in code order.
        # Characters with one reading only: a polyphonic character (行 xing/hang) is
        # read from context by any romaniser, so writing one back is a coin toss.
        single = {chr(cp) for cp, pys in pinyin_dict.pinyin_dict.items() if "," not in pys}
        freq: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for phrase, sylls in phrases_dict.phrases_dict.items():
            for ch, syl in zip(phrase, sylls, strict=False):
                if ch in single:
                    freq[plain(syl[0])][ch] += 1
        self.chars = {k: max(v.items(), key=lambda kv: kv[1])[0] for k, v in freq.items()}
        del pinyin_dict
        self.gloss = {v: k for k, v in HAN_GLOSSES.items()}

    def _syllables(self, token: str) -> list[str] | None:
        if token in self.words:
            return [self.words[token]]
        # Longest-first segmentation into syllables.
        out, i = [], 0
        while i < len(token):
            for j in range(min(len(token), i + 6), i, -1):
                if token[i:j] in self.chars:
                    out.append(self.chars[token[i:j]])
                    i = j
                    break
            else:
                return None
        return out

    def write(self, name: str) -> str | None:
        toks = list(latin_tokens(name))
        if not toks:
            return None
        out: list[str] = []
        romanised = 0
        i = 0
        while i < len(toks):
            two = " ".join(toks[i : i + 2])
            if two in self.gloss:
                out.append(self.gloss[two])
                i += 2
                continue
            if toks[i] in self.gloss:
                out.append(self.gloss[toks[i]])
            else:
                seg = self._syllables(toks[i])
                if seg is None:
                    return None
                out.extend(seg)
                romanised += 1
            i += 1
        # A name made only of glossed words ("International") identifies nobody.
        return "".join(out) + "有限公司" if romanised else None


def build_pairs(screener: Screener, seed: int = 7, per_kind: int = 600) -> list[dict[str, str]]:
    rng = random.Random(seed)
    ents = screener.entities
    orgs = [
        i
        for i, e in enumerate(ents)
        if e.kind not in ("individual", "vessel", "aircraft") and len(e.name) >= 6
    ]
    rng.shuffle(orgs)
    pos: list[dict[str, str]] = []

    def add(kind: str, q: str | None, ei: int) -> None:
        if q and q.strip():
            pos.append({"kind": kind, "query": q, "entity": str(ei), "label": "1"})

    counts: dict[str, int] = defaultdict(int)
    for ei in orgs:
        e = ents[ei]
        for kind, fn in (
            ("typo", lambda n: typo_variant(rng, n)),
            ("reorder", lambda n: _reorder(rng, n)),
            ("legal_form", lambda n: _legal(rng, n)),
            ("abbreviation", _abbrev),
        ):
            if counts[kind] >= per_kind:
                continue
            q = fn(e.name)
            if q:
                add(kind, q, ei)
                counts[kind] += 1
        if e.aliases and counts["alias"] < per_kind:
            a = rng.choice(e.aliases)
            add("alias", a.upper() if rng.random() < 0.5 else a.title(), ei)
            counts["alias"] += 1
    # Chinese-character names the lists carry.
    import opencc

    from distillguard.screen.han import to_simplified

    s2t = opencc.OpenCC("s2t")
    for ei, e in enumerate(ents):
        for a in e.aliases:
            if not has_han(a):
                continue
            simp = to_simplified(a)
            core = simp
            for form in ("股份有限公司", "有限公司", "集团"):
                core = core.replace(form, "")
            for q in {
                s2t.convert(simp),
                simp,
                core,
                s2t.convert(core) + "有限公司",
                _pinyin_words(core),
                _pinyin_words(core).replace(" ", ""),
            }:
                add("han_sourced", q, ei)
    writer = HanWriter()
    cn = [
        i for i in orgs if "CN" in ents[i].countries and not any(has_han(n) for n in ents[i].names)
    ]
    for ei in cn:
        if counts["han_synth"] >= per_kind:
            break
        q = writer.write(ents[ei].name)
        if q:
            add("han_synth", q, ei)
            counts["han_synth"] += 1
    # Negatives: the most similar other entity, and a one-word mutation.
    names_of = [{" ".join(latin_tokens(n)) for n in e.names} for e in ents]
    vocab = sorted(
        {t for e in (ents[i] for i in orgs[:3000]) for t in latin_tokens(e.name) if len(t) >= 5}
    )
    neg: list[dict[str, str]] = []
    for p in pos:
        target = int(p["entity"])
        for m in screener.matches(Query(p["query"])):
            other = ents.index(m.entity) if False else index_of(screener, m.entity)
            if other == target or names_of[other] & names_of[target]:
                continue
            if (
                max(fuzz.token_sort_ratio(a, b) for a in names_of[other] for b in names_of[target])
                >= 90
            ):
                continue  # the same party on two lists, not a negative
            neg.append(
                {
                    "kind": "neg_neighbour_" + ("han" if p["kind"].startswith("han") else "latin"),
                    "query": p["query"],
                    "entity": str(other),
                    "label": "0",
                }
            )
            break
    for p in pos:
        if p["kind"] not in ("typo", "reorder", "legal_form"):
            continue
        toks = p["query"].split()
        target = int(p["entity"])
        # Short names only: swapping one word of a ten-word name leaves the same name.
        if not 2 <= len(latin_tokens(p["query"])) <= 4:
            continue
        known = [
            i
            for i, t in enumerate(toks)
            if len(t) >= 5 and t.isalpha() and t.lower() in screener.index.idf
        ]
        if not known:
            continue
        i = max(known, key=lambda i: screener.index.token_idf(toks[i].lower()))
        toks[i] = rng.choice(vocab).title()
        q = " ".join(toks)
        if " ".join(latin_tokens(q)) not in names_of[target]:
            neg.append({"kind": "neg_mutated", "query": q, "entity": str(target), "label": "0"})
    return pos + neg


def index_of(screener: Screener, ent: Entity) -> int:
    cache = getattr(screener, "_bench_ids", None)
    if cache is None:
        cache = {id(e): i for i, e in enumerate(screener.entities)}
        screener._bench_ids = cache  # type: ignore[attr-defined]
    return int(cache[id(ent)])


# --------------------------------------------------------------------------- scoring


def plain(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in s).split())


def score_pairs(screener: Screener, pairs: list[dict[str, str]]) -> None:
    cache: dict[str, dict[int, float]] = {}
    for p in pairs:
        q = p["query"]
        if q not in cache:
            cache[q] = {index_of(screener, m.entity): m.score for m in screener.matches(Query(q))}
        target = int(p["entity"])
        p["ours"] = f"{cache[q].get(target, 0.0):.4f}"
        ent = screener.entities[target]
        p["jw"] = f"{max(JaroWinkler.similarity(plain(q), plain(n)) for n in ent.names):.4f}"


def recall_at_precision(
    pairs: list[dict[str, str]], key: str, target: float = 0.95
) -> tuple[float, float]:
    """(best recall with precision >= target, the threshold achieving it)."""
    scored = sorted(((float(p[key]), p["label"] == "1") for p in pairs), key=lambda x: -x[0])
    npos = sum(1 for _, y in scored if y)
    best = (0.0, 1.0)
    tp = fp = 0
    i = 0
    while i < len(scored):
        s = scored[i][0]
        while i < len(scored) and scored[i][0] == s:
            tp += scored[i][1]
            fp += not scored[i][1]
            i += 1
        if s <= 0:
            break
        if tp / (tp + fp) >= target and tp / npos > best[0]:
            best = (tp / npos, s)
    return best


def at_threshold(pairs: list[dict[str, str]], key: str, thr: float) -> tuple[float, float]:
    tp = sum(1 for p in pairs if p["label"] == "1" and float(p[key]) >= thr)
    fp = sum(1 for p in pairs if p["label"] == "0" and float(p[key]) >= thr)
    npos = sum(1 for p in pairs if p["label"] == "1")
    return (tp / (tp + fp) if tp + fp else 1.0), tp / npos


def quality(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    entities = load_all_lists()
    screener = Screener(entities, load_config())
    t1 = time.perf_counter()
    pairs = build_pairs(screener, seed=args.seed, per_kind=args.per_kind)
    t2 = time.perf_counter()
    score_pairs(screener, pairs)
    t3 = time.perf_counter()
    out = REPO / "bench" / "data" / "screen_pairs.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(
            fh,
            fieldnames=["kind", "label", "query", "entity", "ours", "jw"],
            extrasaction="ignore",
            lineterminator="\n",
        )
        w.writeheader()
        for p in pairs:
            w.writerow({**p, "entity": screener.entities[int(p["entity"])].entity_id})
    kinds = defaultdict(int)
    for p in pairs:
        kinds[p["kind"]] += 1
    print(
        f"lists: {len(entities):,} entities, {len(screener.index.entries):,} names "
        f"(index {t1 - t0:.1f}s); pairs: {len(pairs):,} built in {t2 - t1:.1f}s, "
        f"scored in {t3 - t2:.1f}s -> {out.relative_to(REPO)}"
    )
    print("pairs per kind: " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items())))
    han = [p for p in pairs if p["kind"].startswith("han") or p["kind"] == "neg_neighbour_han"]
    han_src = [p for p in han if p["kind"] != "han_synth"]
    for label, subset in (
        ("overall", pairs),
        ("han-latin", han),
        ("han-latin sourced only", han_src),
    ):
        r, thr = recall_at_precision(subset, "ours")
        rj, thrj = recall_at_precision(subset, "jw")
        pj, rj80 = at_threshold(subset, "jw", 0.80)
        po, ro = at_threshold(subset, "ours", load_config().review)
        print(
            f"{label:>24}: distillguard recall@P>=0.95 = {r:.3f} (threshold {thr:.3f}); "
            f"Jaro-Winkler recall@P>=0.95 = {rj:.3f} (threshold {thrj:.3f}); "
            f"JW>=0.80: P={pj:.3f} R={rj80:.3f}; distillguard at review threshold: "
            f"P={po:.3f} R={ro:.3f}"
        )
    r_all, thr_all = recall_at_precision(pairs, "ours")
    print(f"per-kind recall at the overall operating threshold {thr_all:.3f}:")
    for k in sorted(kinds):
        sub = [p for p in pairs if p["kind"] == k]
        hit = sum(1 for p in sub if float(p["ours"]) >= thr_all)
        hit_jw = sum(1 for p in sub if float(p["jw"]) >= 0.80)
        what = "recall" if not k.startswith("neg") else "false-positive rate"
        print(
            f"  {k:>22}: {what} {hit / len(sub):.3f} "
            f"(JW>=0.80: {hit_jw / len(sub):.3f}, n={len(sub)})"
        )
