"""Screening benchmarks: match quality on a labelled name-pair set, and speed on
one million customers against every loaded list.

Reproduce (from the repository root, with ../shared beside it):

    .venv/bin/python bench/screen.py quality
    .venv/bin/python bench/screen.py speed --customers 1000000 [--repeats 3] [--compare]

``quality`` loads every list through the product's own parsers (the shipped
official-format samples, the 2024 SDN names, and the nsfreg US list snapshot
converted to the CSL JSON shape for the benchmark only: that structuring is
unlicensed and never shipped), builds a seeded labelled set and writes it to
``bench/data/screen_pairs.csv`` (regenerated, not committed), then reports recall
at precision >= 0.95 overall and for Han-Latin pairs, for distillguard's scorer
and for a plain Jaro-Winkler >= 0.80 baseline (Watchman's method) on the same pairs.

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
from distillguard.screen.customers import screen_customers  # noqa: E402
from distillguard.screen.model import Entity  # noqa: E402
from distillguard.screen.normalize import (  # noqa: E402
    HAN_GLOSSES,
    LEGAL_FORMS,
    has_han,
    latin_tokens,
)
from distillguard.screen.ofac import parse_ofac  # noqa: E402
from distillguard.screen.scoring import Query, Screener  # noqa: E402
from distillguard.screen.store import parse_directory, shipped_dir  # noqa: E402

NSFREG_CODES = {
    "bis_entity_list": "Entity List (EL) - Bureau of Industry and Security",
    "bis_meu": "Military End User (MEU) List - Bureau of Industry and Security",
    "bis_dpl": "Denied Persons List (DPL) - Bureau of Industry and Security",
    "dow_1260h": "Section 1260H Chinese Military Companies (1260H) - Department of War",
    "dow_1286": "Section 1286 List (1286) - Department of War",
    "ofac_nscmic": "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury",
    "ofac_eo14032_annex": "EO 14032 Annex (EO14032) - Treasury",
    "fcc_covered": "FCC Covered List (FCC) - Federal Communications Commission",
    "state_nonproliferation": "Nonproliferation Sanctions (ISN) - State Department",
    "state_debarred_statutory": "ITAR Debarred (DTC) - State Department",
    "state_debarred_admin": "ITAR Administrative Debarment (DTCA) - State Department",
    "dhs_uflpa": "UFLPA Entity List (UFLPA) - Department of Homeland Security",
    "cbp_wro": "CBP Withhold Release Orders (WRO) - Customs and Border Protection",
}


# --------------------------------------------------------------------------- lists


def load_all_lists() -> list[Entity]:
    """Every list the benchmark can load, through the product's parsers."""
    res, _ = parse_directory(shipped_dir())
    entities = list(res.entities)
    seen = {e.entity_id for e in entities}
    sdn2024 = SHARED / "ofac_sdn_2024-05-03" / "sdn.csv"
    if sdn2024.exists():
        for e in parse_ofac(sdn2024, "SDN").entities:
            if e.entity_id not in seen:
                entities.append(e)
                seen.add(e.entity_id)
    nsfreg = SHARED / "us_lists_nsfreg_2026-07"
    if nsfreg.exists():
        with tempfile.TemporaryDirectory() as tmp:
            results = []
            for stem, source in NSFREG_CODES.items():
                path = nsfreg / f"{stem}.json"
                if not path.exists():
                    continue
                for i, e in enumerate(json.loads(path.read_text())["entities"]):
                    results.append(
                        {
                            "id": f"{stem}-{i}",
                            "source": source,
                            "name": e.get("name") or "",
                            "alt_names": e.get("aliases") or [],
                            "addresses": [
                                {
                                    "address": e.get("address") or "",
                                    "country": e.get("country") or "",
                                }
                            ],
                            "start_date": e.get("effective_date") or "",
                        }
                    )
            out = Path(tmp) / "consolidated_nsfreg.json"
            out.write_text(json.dumps({"results": results}))
            res2, _ = parse_directory(Path(tmp))
            entities.extend(res2.entities)
    return entities


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
        f"decisions: clear={rep.clear:,} review={rep.review:,} match={rep.match:,} "
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
        rep = screen_customers(
            screener, cust, tmp / "out", workers=args.workers, explain_all=explain_all
        )
        runs.append(time.perf_counter() - t)
        cpu.append(_cpu_s() - c0)
        load.append(os.getloadavg()[0])
    # ru_maxrss of children is the largest worker so far (runs in order: batch first).
    return {"runs": runs, "cpu": cpu, "load": load, "report": rep, "rss": _rss_mb()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
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
    quality(args) if args.cmd == "quality" else speed(args)


if __name__ == "__main__":
    main()
