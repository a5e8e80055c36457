"""Screening benchmarks: match quality on a labelled name-pair set, and speed on
one million customers against every loaded list.

Reproduce (from the repository root, with ../shared beside it):

    .venv/bin/python bench/screen.py quality
    .venv/bin/python bench/screen.py heldout [--folds 5] [--sets alias,cn] [--no-jw]
    .venv/bin/python bench/screen.py speed --customers 1000000 [--repeats 3] [--compare]
    .venv/bin/python bench/screen.py snapshot

``quality`` loads the embedded default (the shipped snapshot of the lists),
builds a seeded labelled set and writes it to ``bench/data/screen_pairs.csv``
(regenerated, not committed), then reports recall at precision >= 0.95 overall and
for Han-Latin pairs, for distillguard's scorer and for a plain Jaro-Winkler >= 0.80
baseline (Watchman's method) on the same pairs. Its aliases are indexed: in-sample.

``heldout`` is the held-out twin, on data we did not make:
  leave-alias-out  the Entity List's own aliases; each of 5 folds indexes every list
                   without its aliases (on whatever list carries them) and queries
                   them with the entity's country; "trivial" aliases are spelled like
                   a name the entity keeps. A hit on the same party listed elsewhere
                   (a shared name, or names >= 90 token-sort similar) counts as right.
  cn_names         the sourced Chinese-name table as a bilingual test set (full name,
                   traditional characters, no legal form, mixed script, short name):
                   in-sample on the shipped index, and held out (5 folds, each
                   indexed without its rows' names: what romanisation alone finds).
Both print distillguard's recall (target at review or match), precision at match
and recall@P>=0.95, with Jaro-Winkler's side by side.

``snapshot`` rebuilds src/distillguard/screen/data/lists/snapshot from ../shared.

Pairs (query -> listed entity):
  alias        an alias the list carries, case/punctuation changed
  typo         one edit (substitute, delete, insert, transpose) in a word of 5+ letters
  reorder      words shuffled
  legal_form   legal form dropped or swapped (Co., Ltd. <-> Limited <-> LLC <-> 有限公司)
  abbreviation Technology -> Tech., International -> Intl ...
  han_sourced  Chinese-character names the lists carry (OFAC NS-CMIC): traditional/simplified,
               with and without legal form, and their pinyin romanisation
  han_synth    Chinese names of pinyin-named Chinese entities, written back in characters
               (pypinyin's dictionaries, common words from the gloss table); a stand-in for
               customers who type the characters of a name the list only has in pinyin
  negatives    the most similar *other* listed entity for every positive query, and the
               query's rarest word replaced by another list word (similar but different)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "restricted"
sys.path.insert(0, str(REPO / "src"))

from distillguard.screen.config import load_config  # noqa: E402
from distillguard.screen.customers import JurisdictionPolicy, screen_customers  # noqa: E402
from distillguard.screen.jurisdiction import load_rules  # noqa: E402
from distillguard.screen.model import Entity  # noqa: E402
from distillguard.screen.normalize import (  # noqa: E402
    HAN_GLOSSES,
    LEGAL_FORMS,
    has_han,
    latin_tokens,
)
from distillguard.screen.scoring import Query, Screener  # noqa: E402
from distillguard.screen.store import load_entities, update_store  # noqa: E402

# --------------------------------------------------------------------------- lists


def load_all_lists() -> list[Entity]:
    """The embedded default: the shipped snapshot of the current lists (what a new
    user gets), read through the product's own store loader."""
    entities, _ = load_entities(Path(tempfile.gettempdir()) / "distillguard-bench-no-store")
    return entities


# Rows whose only source has unstated terms (CSET's BGI entity data, "research
# use") are not shipped; every other row names a source we may use.
UNSHIPPED_CN_SOURCES = frozenset({"cset-bgi-entities"})


def build_snapshot(args: argparse.Namespace) -> None:
    """Rebuild src/distillguard/screen/data/lists/snapshot from ../shared: the nsfreg US
    lists (as of their extraction), the 2024-05-03 SDN with the aliases and addresses of
    the 2022-01-31 trio, the non-SDN consolidated files, and the cn_names table."""
    import shutil

    out = REPO / "src" / "distillguard" / "screen" / "data" / "lists" / "snapshot"
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        sdn = stage / "ofac_sdn_2024-05-03+2022_aliases"
        sdn.mkdir()
        shutil.copy(SHARED / "ofac_sdn_2024-05-03" / "sdn.csv", sdn)
        for name in ("alt.csv", "add.csv"):
            shutil.copy(SHARED / "ofac_sdn_2022" / name, sdn)
        (stage / "us_lists_nsfreg_2026-07").symlink_to(SHARED / "us_lists_nsfreg_2026-07")
        (stage / "ofac_consolidated_nonsdn").symlink_to(
            SHARED / "ofac_consolidated_nonsdn_watchman"
        )
        (stage / "cn_names").symlink_to(SHARED / "cn_names")
        cwd = os.getcwd()
        os.chdir(stage)
        try:
            m = update_store(
                [
                    "us_lists_nsfreg_2026-07",
                    "ofac_sdn_2024-05-03+2022_aliases@2024-05-03",
                    "ofac_consolidated_nonsdn@2025-12-19",
                ],
                out,
                cn_names=Path("cn_names"),
                cn_skip=UNSHIPPED_CN_SOURCES,
                compress=True,
            )
        finally:
            os.chdir(cwd)
    print(json.dumps({k: v for k, v in m.items() if k != "files"}, indent=1, ensure_ascii=False))


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


def _typo(rng: random.Random, name: str) -> str | None:
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
            ("typo", lambda n: _typo(rng, n)),
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

    from distillguard.screen.normalize import to_simplified

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
            other = ents.index(m.entity) if False else _index_of(screener, m.entity)
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


def _index_of(screener: Screener, ent: Entity) -> int:
    cache = getattr(screener, "_bench_ids", None)
    if cache is None:
        cache = {id(e): i for i, e in enumerate(screener.entities)}
        screener._bench_ids = cache  # type: ignore[attr-defined]
    return int(cache[id(ent)])


# --------------------------------------------------------------------------- scoring


def _plain(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).lower()
    return " ".join("".join(c if c.isalnum() else " " for c in s).split())


def score_pairs(screener: Screener, pairs: list[dict[str, str]]) -> None:
    cache: dict[str, dict[int, float]] = {}
    for p in pairs:
        q = p["query"]
        if q not in cache:
            cache[q] = {_index_of(screener, m.entity): m.score for m in screener.matches(Query(q))}
        target = int(p["entity"])
        p["ours"] = f"{cache[q].get(target, 0.0):.4f}"
        ent = screener.entities[target]
        p["jw"] = f"{max(JaroWinkler.similarity(_plain(q), _plain(n)) for n in ent.names):.4f}"


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


# --------------------------------------------------------------------------- held out


def _key(name: str) -> str:
    return " ".join(latin_tokens(name)) if not has_han(name) else name


def _without(entities: list[Entity], drop: set[str]) -> list[Entity]:
    """Entities with every name whose key is in ``drop`` removed (the primary name
    stays: an entity without a name cannot be indexed)."""
    import dataclasses

    out = []
    for e in entities:
        keep = tuple(a for a in e.aliases if _key(a) not in drop)
        out.append(e if len(keep) == len(e.aliases) else dataclasses.replace(e, aliases=keep))
    return out


class HeldOut:
    """Scores of held-out queries: the target (or the same party on another list)
    and the best other entity, for distillguard and for Jaro-Winkler."""

    def __init__(self) -> None:
        self.rows: list[dict[str, object]] = []

    def run(
        self,
        screener: Screener,
        queries: list[tuple[str, str, set[int], str]],
        same: list[set[str]],
        jw_names: tuple[list[str], list[int]] | None,
    ) -> None:
        from rapidfuzz import process

        cfg = screener.config
        for query, country, targets, kind in queries:
            found = screener.matches(Query(query, country))
            tgt = max(
                (m.score for m in found if _index_of(screener, m.entity) in targets), default=0.0
            )
            tkeys = set().union(*(same[t] for t in targets)) if targets else set()

            def is_same(ei: int, targets: set[int] = targets, tkeys: set[str] = tkeys) -> bool:
                # The same party on another list, written alike (the rule the labelled
                # set uses too): a shared name, or names >= 90 token-sort similar.
                if ei in targets or same[ei] & tkeys:
                    return True
                return any(
                    fuzz.token_sort_ratio(a, b) >= 90
                    for a in same[ei]
                    for b in tkeys
                    if not has_han(a) and not has_han(b)
                )

            other = max(
                (m.score for m in found if not is_same(_index_of(screener, m.entity))), default=0.0
            )
            best = found[0] if found else None
            best_same = best is not None and is_same(_index_of(screener, best.entity))
            row: dict[str, object] = {
                "kind": kind,
                "query": query,
                "ours": tgt,
                "ours_other": other,
                "decision": "clear"
                if best is None or best.score < cfg.review
                else ("match" if best.score >= cfg.match else "review"),
                "best_is_target": best_same,
                "target_flagged": tgt >= cfg.review,
            }
            if jw_names is not None:
                names, owner = jw_names
                pq = _plain(query)
                hits = process.extract(pq, names, scorer=JaroWinkler.similarity, limit=60)
                jt = max((sc for _, sc, i in hits if owner[i] in targets), default=0.0)
                if not jt:
                    jt = max(
                        (
                            JaroWinkler.similarity(pq, _plain(n))
                            for t in targets
                            for n in screener.entities[t].names
                        ),
                        default=0.0,
                    )
                jo = max((sc for _, sc, i in hits if not is_same(owner[i])), default=0.0)
                row["jw"], row["jw_other"] = jt, jo
            self.rows.append(row)

    def report(self, label: str, review: float, match: float) -> None:
        rows = self.rows
        if not rows:
            print(f"{label}: no queries")
            return
        n = len(rows)
        flagged = sum(1 for r in rows if r["target_flagged"])
        matched = [r for r in rows if r["decision"] == "match"]
        good = sum(1 for r in matched if r["best_is_target"])
        pairs = [{"label": "1", "ours": r["ours"], "jw": r.get("jw", 0.0)} for r in rows] + [
            {"label": "0", "ours": r["ours_other"], "jw": r.get("jw_other", 0.0)} for r in rows
        ]
        r_ours, thr = recall_at_precision(pairs, "ours")  # type: ignore[arg-type]
        line = (
            f"{label}: n={n}; distillguard: recall (target at review or match) "
            f"{flagged / n:.3f}, precision at match {good / max(1, len(matched)):.3f} "
            f"({good}/{len(matched)}), recall@P>=0.95 {r_ours:.3f} (threshold {thr:.3f})"
        )
        if "jw" in rows[0]:
            r_jw, thr_jw = recall_at_precision(pairs, "jw")  # type: ignore[arg-type]
            p80, rec80 = at_threshold(pairs, "jw", 0.80)  # type: ignore[arg-type]
            line += (
                f"; Jaro-Winkler: recall@P>=0.95 {r_jw:.3f} (threshold {thr_jw:.3f}), "
                f"JW>=0.80 P={p80:.3f} R={rec80:.3f}"
            )
        print(line)


def _same_keys(entities: list[Entity]) -> list[set[str]]:
    return [{_key(n) for n in e.names} for e in entities]


def _jw_names(entities: list[Entity]) -> tuple[list[str], list[int]]:
    names, owner = [], []
    for i, e in enumerate(entities):
        for n in e.names:
            names.append(_plain(n))
            owner.append(i)
    return names, owner


def leave_alias_out(entities: list[Entity], folds: int, jw: bool, limit: int) -> HeldOut:
    """Entity List aliases (the list's own, not added names): each fold indexes the
    lists without its aliases (on every list that carries them) and queries them."""
    import zlib

    cfg = load_config()
    held: list[tuple[int, str]] = []
    for i, e in enumerate(entities):
        if e.list != "EL":
            continue
        added = dict(e.name_sources)
        held += [(i, a) for a in e.aliases if a not in added]
    if limit:
        held = random.Random(3).sample(held, min(limit, len(held)))
    out = HeldOut()
    for f in range(folds):
        part = [(i, a) for i, a in held if zlib.crc32(_key(a).encode()) % folds == f]
        drop = {_key(a) for _, a in part}
        mod = _without(entities, drop)
        screener = Screener(mod, cfg)
        # Same party: another record under any of the target's names as listed
        # (the company on the SDN list under the alias held out of the Entity List).
        same = _same_keys(entities)
        kept = _same_keys(mod)
        queries = []
        for i, a in part:
            kind = "trivial" if _key(a) in kept[i] else "alias"
            queries.append((a, mod[i].countries[0] if mod[i].countries else "", {i}, kind))
        out.run(screener, queries, same, _jw_names(mod) if jw else None)
        print(f"  fold {f + 1}/{folds}: {len(part)} aliases held out", flush=True)
    return out


def _cn_rows() -> list[dict[str, str]]:
    with (SHARED / "cn_names" / "candidates.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _cn_queries(row: dict[str, str]) -> list[tuple[str, str]]:
    """Customer spellings of a sourced Chinese name: as sourced, traditional
    characters, without the legal form, the short name, and mixed script (the
    characters with an English legal form)."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    zh = row["zh_name"].strip()
    core = zh
    for form in ("股份有限公司", "有限责任公司", "有限公司"):
        if core.endswith(form) and len(core) > len(form) + 1:
            core = core[: -len(form)]
            break
    out = [("zh_full", zh), ("zh_traditional", s2t.convert(zh))]
    if core != zh:
        out += [("zh_no_form", core), ("zh_mixed", core + " Co., Ltd.")]
    if row.get("zh_short", "").strip():
        out.append(("zh_short", row["zh_short"].strip()))
    return out


def bilingual(entities: list[Entity], folds: int, jw: bool, heldout: bool) -> HeldOut:
    """The cn_names table as a test set: queries in characters, targets the listed
    entities the table joins them to. In-sample: the shipped index (which carries
    these names). Held-out: each fold indexes the lists without its rows' names."""
    cfg = load_config()
    rows = _cn_rows()
    # Entities carrying each sourced name (the enrichment's own join, recorded on them).
    carriers: dict[str, set[int]] = defaultdict(set)
    for i, e in enumerate(entities):
        for n, _src in e.name_sources:
            carriers[n].add(i)
    out = HeldOut()
    nf = folds if heldout else 1
    for f in range(nf):
        part = [r for k, r in enumerate(rows) if not heldout or k % folds == f]
        drop = {r["zh_name"].strip() for r in part} | {r["zh_short"].strip() for r in part}
        drop.discard("")
        mod = _without(entities, drop) if heldout else entities
        screener = Screener(mod, cfg)
        same = _same_keys(entities)
        queries = []
        for r in part:
            targets = carriers.get(r["zh_name"].strip(), set())
            if not targets:
                continue
            for kind, q in _cn_queries(r):
                queries.append((q, "CN", targets, kind))
        out.run(screener, queries, same, _jw_names(mod) if jw else None)
    return out


def heldout_cmd(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    entities = load_all_lists()
    cfg = load_config()
    print(f"lists: {len(entities):,} entities (the shipped snapshot)")
    if "alias" in args.sets:
        lao = leave_alias_out(entities, args.folds, not args.no_jw, args.limit)
        for kind in ("alias", "trivial", None):
            sub = HeldOut()
            sub.rows = [r for r in lao.rows if kind is None or r["kind"] == kind]
            label = {
                "alias": "leave-alias-out, non-trivial (alias differs from every other name)",
                "trivial": "leave-alias-out, trivial (alias spelled like another name)",
                None: "leave-alias-out, all Entity List aliases",
            }[kind]
            sub.report(label, cfg.review, cfg.match)
    if "cn" in args.sets:
        for held in (False, True):
            res = bilingual(entities, args.folds, not args.no_jw, held)
            label = "cn_names held out (names of other rows only)" if held else "cn_names in-sample"
            res.report(f"{label}, all spellings", cfg.review, cfg.match)
            for kind in ("zh_full", "zh_traditional", "zh_no_form", "zh_mixed", "zh_short"):
                sub = HeldOut()
                sub.rows = [r for r in res.rows if r["kind"] == kind]
                sub.report(f"    {kind}", cfg.review, cfg.match)
    print(f"({time.perf_counter() - t0:.0f}s; 1-minute load average {os.getloadavg()[0]:.1f})")


# --------------------------------------------------------------------------- speed

_WORDS = (
    "global pacific northern summit crescent harbor vertex apex meridian atlas quantum "
    "horizon lumen nova orbit pioneer radiant sierra terra unity vector willow zenith "
    "amber cobalt delta ember falcon granite helix iris jade kestrel lotus maple nimbus "
    "onyx prism quartz raven sapphire topaz umber violet walnut yarrow zephyr acme blue "
    "green red silver golden eastern western bright clear swift prime first united"
)
WORDS = _WORDS.split()
_KINDS = (
    "solutions systems labs analytics data cloud software consulting partners ventures "
    "trading logistics media health foods energy capital digital networks robotics ai "
    "research studios works group holdings technologies services industries"
)
KINDS = _KINDS.split()
FORMS = ("Inc.", "LLC", "Ltd", "GmbH", "Pte. Ltd.", "Co., Ltd.", "S.A.", "B.V.", "Corp.", "")


def make_customers(path: Path, n: int, screener: Screener, seed: int = 11) -> None:
    rng = random.Random(seed)
    ents = screener.entities
    countries = ["US", "GB", "DE", "SG", "IN", "CN", "HK", "FR", "JP", "BR", "AE", "RU", ""]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["customer_id", "name", "country", "address"])
        for i in range(n):
            r = rng.random()
            if r < 0.01:  # 1% listed names, many with typos
                name = rng.choice(rng.choice(ents).names)
                name = _typo(rng, name) or name
            elif r < 0.03:  # 2% names in Chinese characters
                name = (
                    rng.choice(["深圳", "北京", "上海", "杭州", "广州"])
                    + rng.choice(["云帆", "星河", "华信", "天成", "远景", "恒通"])
                    + rng.choice(["科技", "信息", "电子", "智能"])
                    + "有限公司"
                )
            else:
                name = " ".join(
                    [
                        rng.choice(WORDS).title(),
                        rng.choice(WORDS).title()
                        if rng.random() < 0.5
                        else f"{rng.randrange(1, 999)}",
                        rng.choice(KINDS).title(),
                        rng.choice(FORMS),
                    ]
                ).strip()
            w.writerow([f"cust-{i}", name, rng.choice(countries), ""])


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def speed(args: argparse.Namespace) -> None:
    import psutil

    t0 = time.perf_counter()
    entities = load_all_lists()
    screener = Screener(entities, load_config())
    t_index = time.perf_counter() - t0
    print(
        f"lists: {len(entities):,} entities, {len(screener.index.entries):,} names, "
        f"{len(screener.index.postings):,} blocking keys; index built in {t_index:.1f}s; "
        f"RSS {psutil.Process().memory_info().rss / 2**20:.0f} MiB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        cust = Path(tmp) / "customers.csv"
        make_customers(cust, args.customers, screener)
        print(f"customers: {args.customers:,} rows, {cust.stat().st_size / 2**20:.0f} MiB CSV")
        # Candidates per customer on a sample, single process.
        sample = []
        with cust.open(encoding="utf-8") as fh:
            rd = csv.DictReader(fh)
            for i, row in enumerate(rd):
                if i >= 20000:
                    break
                sample.append(row)
        from distillguard.screen.normalize import renderings

        cands = 0
        ts = time.perf_counter()
        for row in sample:
            cands += len(screener.index.candidates(renderings(row["name"]), screener.limit))
            screener.screen(Query(row["name"], row["country"]))
        one_core = len(sample) / (time.perf_counter() - ts)
        per_cust = cands / len(sample)
        # Baseline measured in the same run: brute-force Jaro-Winkler of each customer
        # against every listed name (what a screen without a candidate index does).
        from rapidfuzz import process

        all_names = [" ".join(e.rendering.tokens) for e in screener.index.entries]
        tb = time.perf_counter()
        base_n = 300
        for row in sample[:base_n]:
            process.extractOne(
                " ".join(latin_tokens(row["name"])), all_names, scorer=JaroWinkler.similarity
            )
        base_rate = base_n / (time.perf_counter() - tb)
        paths = [("batch", False)] + ([("explained", True)] if args.compare else [])
        results = {}
        for label, explain_all in paths:
            results[label] = _timed_runs(screener, cust, Path(tmp), args, explain_all)
        rep = results["batch"]["report"]
    print(
        f"candidates: {per_cust:.2f} scored per customer (20k sample); "
        f"single process, explained path: {one_core:,.0f} customers/s"
    )
    print(
        f"baseline brute-force Jaro-Winkler over all {len(all_names):,} names: "
        f"{base_rate:,.0f} customers/s on one core -> 1M would take {1e6 / base_rate / 60:.0f} min "
        f"(indexed screener is {one_core / base_rate:,.0f}x faster per core)"
    )
    print(
        f"decisions: clear={rep.clear:,} review={rep.review:,} deny={rep.deny:,} "
        f"match={rep.match:,} "
        f"quarantined={rep.quarantined:,}"
    )
    for label, r in results.items():
        wall = statistics.median(r["runs"])
        cpu_s = statistics.median(r["cpu"])
        what = (
            "clear rows scored without building explanations"
            if label == "batch"
            else "every row through screen() with its explanation, as before this change"
        )
        print(f"{label} path, {args.workers} workers: {what}")
        print(
            f"  wall: median {wall:.1f}s over {len(r['runs'])} run(s) "
            f"({', '.join(f'{x:.1f}' for x in r['runs'])}) = {args.customers / wall:,.0f} "
            f"customers/s, {per_cust * args.customers / wall:,.0f} candidates/s"
        )
        print(
            f"  CPU (parent + workers): {cpu_s:.1f}s = {1e6 * cpu_s / args.customers:.0f} us per "
            f"customer; CPU-bound estimate on {args.workers} free cores: "
            f"{cpu_s / args.workers * 1e6 / args.customers:.0f}s per million"
        )
        print(
            f"  peak RSS: parent {r['rss'][0]:,.0f} MiB, largest worker {r['rss'][1]:,.0f} MiB "
            f"(the index is shared copy-on-write via fork); 1-minute load average "
            f"{', '.join(f'{x:.1f}' for x in r['load'])} at the end of each run on "
            f"{os.cpu_count()} cores"
        )
        print(f"  goal <= 60 s for 1M: {'met' if wall * 1e6 / args.customers <= 60 else 'NOT met'}")


def _timed_runs(
    screener: Screener, cust: Path, tmp: Path, args: argparse.Namespace, explain_all: bool
) -> dict:
    runs, cpu, load = [], [], []
    rep = None
    for _ in range(args.repeats):
        c0 = _cpu_s()
        t = time.perf_counter()
        # As `screen customers` runs: jurisdiction rules on every row.
        rep = screen_customers(
            screener,
            cust,
            tmp / "out",
            workers=args.workers,
            explain_all=explain_all,
            policy=JurisdictionPolicy(load_rules()),
            lists_as_of="bench",
        )
        runs.append(time.perf_counter() - t)
        cpu.append(_cpu_s() - c0)
        load.append(os.getloadavg()[0])
    # ru_maxrss of children is the largest worker so far (runs in order: batch first).
    return {"runs": runs, "cpu": cpu, "load": load, "report": rep, "rss": _rss_mb()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("heldout")
    h.add_argument("--folds", type=int, default=5)
    h.add_argument("--sets", default="alias,cn")
    h.add_argument("--limit", type=int, default=0, help="held-out aliases sampled (0 = all)")
    h.add_argument("--no-jw", action="store_true", help="skip the Jaro-Winkler baseline")
    sub.add_parser("snapshot")
    q = sub.add_parser("quality")
    q.add_argument("--seed", type=int, default=7)
    q.add_argument("--per-kind", type=int, default=600)
    s = sub.add_parser("speed")
    s.add_argument("--customers", type=int, default=1_000_000)
    s.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    s.add_argument("--repeats", type=int, default=1)
    s.add_argument(
        "--compare",
        action="store_true",
        help="also time the explained path (every row through screen(), as before)",
    )
    args = ap.parse_args()
    print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    {"quality": quality, "speed": speed, "heldout": heldout_cmd, "snapshot": build_snapshot}[
        args.cmd
    ](args)


if __name__ == "__main__":
    main()
