"""Held-out quality: leave-alias-out on the lists' own aliases, and the sourced
Chinese-name table as a bilingual test set."""

from __future__ import annotations

import argparse
import csv
import os
import random
import time
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from distillguard.screen.config import load_config
from distillguard.screen.han import has_han
from distillguard.screen.latin import latin_tokens
from distillguard.screen.model import Entity
from distillguard.screen.scoring import Query, Screener
from screening.aliases import CLASSES, UNMATCHABLE, classify
from screening.lists import SHARED, UNSHIPPED_CN_SOURCES, load_all_lists
from screening.pairs import at_threshold, index_of, plain, recall_at_precision

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
        queries: list[tuple[str, str, set[int], str, dict[str, object]]],
        same: list[set[str]],
        jw_names: tuple[list[str], list[int]] | None,
    ) -> None:
        from rapidfuzz import process

        cfg = screener.config
        for query, country, targets, kind, extra in queries:
            found = screener.matches(Query(query, country))
            tgt = max(
                (m.score for m in found if index_of(screener, m.entity) in targets), default=0.0
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
                (m.score for m in found if not is_same(index_of(screener, m.entity))), default=0.0
            )
            best = found[0] if found else None
            best_same = best is not None and is_same(index_of(screener, best.entity))
            # The same party under another list's name counts too (the customer is
            # flagged as that party): reported beside the target-only recall.
            same_score = max(
                (m.score for m in found if is_same(index_of(screener, m.entity))), default=0.0
            )
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
                "same_flagged": same_score >= cfg.review,
                **extra,
            }
            if jw_names is not None:
                names, owner = jw_names
                pq = plain(query)
                hits = process.extract(pq, names, scorer=JaroWinkler.similarity, limit=60)
                jt = max((sc for _, sc, i in hits if owner[i] in targets), default=0.0)
                if not jt:
                    jt = max(
                        (
                            JaroWinkler.similarity(pq, plain(n))
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
        same = sum(1 for r in rows if r["same_flagged"])
        matched = [r for r in rows if r["decision"] == "match"]
        good = sum(1 for r in matched if r["best_is_target"])
        pairs = [{"label": "1", "ours": r["ours"], "jw": r.get("jw", 0.0)} for r in rows] + [
            {"label": "0", "ours": r["ours_other"], "jw": r.get("jw_other", 0.0)} for r in rows
        ]
        r_ours, thr = recall_at_precision(pairs, "ours")  # type: ignore[arg-type]
        line = (
            f"{label}: n={n}; distillguard: recall (target at review or match) "
            f"{flagged / n:.3f} (or the same party on another list {same / n:.3f}), "
            f"precision at match {good / max(1, len(matched)):.3f} "
            f"({good}/{len(matched)}), recall@P>=0.95 {r_ours:.3f} (threshold {thr:.3f})"
        )
        if "jw" in rows[0]:
            r_jw, thr_jw = recall_at_precision(pairs, "jw")  # type: ignore[arg-type]
            p80, rec80 = at_threshold(pairs, "jw", 0.80)  # type: ignore[arg-type]
            line += (
                f"; Jaro-Winkler: recall@P>=0.95 {r_jw:.3f} (threshold {thr_jw:.3f}), "
                f"JW>=0.80 P={p80:.3f} R={rec80:.3f}"
            )
        # Any other listed entity at review or above: the review load the rules add.
        other_flag = sum(1 for r in rows if float(r["ours_other"]) >= review)  # type: ignore[arg-type]
        line += f"; another entity flagged {other_flag / n:.3f}"
        print(line)


def _same_keys(entities: list[Entity]) -> list[set[str]]:
    return [{_key(n) for n in e.names} for e in entities]


def _jw_names(entities: list[Entity]) -> tuple[list[str], list[int]]:
    names, owner = [], []
    for i, e in enumerate(entities):
        for n in e.names:
            names.append(plain(n))
            owner.append(i)
    return names, owner


def half_of(entity_id: str) -> str:
    """The half an entity falls in: rules are tuned on "tune" and reported on "test"
    as well (a hash of the entity id, so every alias of one entity is on one side)."""
    import zlib

    return "tune" if zlib.crc32(entity_id.encode()) % 2 == 0 else "test"


def common_words(entities: list[Entity], share: float = 0.01) -> frozenset[str]:
    """Words that do not tell one party from another: on more than ``share`` of the
    listed entities' names, or places (a shared "Beijing" is no evidence)."""
    from distillguard.screen.names import place_words

    df: dict[str, int] = defaultdict(int)
    for e in entities:
        for t in {t for n in e.names if not has_han(n) for t in latin_tokens(n)}:
            df[t] += 1
    common = {t for t, c in df.items() if c > share * len(entities)}
    return frozenset(common | place_words())


def spread_folds(entities: list[Entity], held: list[tuple[int, str]], folds: int) -> dict[str, int]:
    """The fold of every held-out alias key: an entity's aliases go to successive
    folds (from a hash of its id), so holding one alias out rarely takes its
    siblings with it (index without *the* alias, not without a fifth of the entity's
    names). A key shared by several entities keeps the fold it got first."""
    import zlib

    by_entity: dict[int, list[str]] = defaultdict(list)
    for i, a in held:
        k = _key(a)
        if k not in by_entity[i]:
            by_entity[i].append(k)
    fold_of: dict[str, int] = {}
    for i, keys in by_entity.items():
        start = zlib.crc32(entities[i].entity_id.encode())
        for j, k in enumerate(sorted(keys)):
            fold_of.setdefault(k, (start + j) % folds)
    return fold_of


def leave_alias_out(entities: list[Entity], folds: int, jw: bool, limit: int) -> HeldOut:
    """Entity List aliases (the list's own, not added names): each fold indexes the
    lists without its aliases (on every list that carries them) and queries them."""

    cfg = load_config()
    held: list[tuple[int, str]] = []
    for i, e in enumerate(entities):
        if e.list != "EL":
            continue
        added = dict(e.name_sources)
        held += [(i, a) for a in e.aliases if a not in added]
    if limit:
        held = random.Random(3).sample(held, min(limit, len(held)))
    common = common_words(entities)
    fold_of = spread_folds(entities, held, folds)
    out = HeldOut()
    for f in range(folds):
        part = [(i, a) for i, a in held if fold_of[_key(a)] == f]
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
            extra: dict[str, object] = {
                "class": classify(a, mod[i].names, common, _key(a), kept[i]),
                "half": half_of(entities[i].entity_id),
                "listed": entities[i].name,
                "kept": " | ".join(n for n in mod[i].names if n != entities[i].name),
            }
            queries.append((a, mod[i].countries[0] if mod[i].countries else "", {i}, kind, extra))
        out.run(screener, queries, same, _jw_names(mod) if jw else None)
        per_entity = defaultdict(set)
        for i, a in part:
            per_entity[i].add(_key(a))
        siblings = sum(1 for i, _ in part if len(per_entity[i]) > 1)
        print(
            f"  fold {f + 1}/{folds}: {len(part)} aliases held out "
            f"({siblings} with another alias of their entity out in the same fold)",
            flush=True,
        )
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


def _unenriched(entities: list[Entity]) -> list[Entity]:
    """The lists as published: every name the cn_names table added is removed."""
    import dataclasses

    out = []
    for e in entities:
        added = {n for n, _ in e.name_sources}
        if not added:
            out.append(e)
            continue
        keep = tuple(a for a in e.aliases if a not in added)
        out.append(dataclasses.replace(e, aliases=keep, name_sources=()))
    return out


def _row_groups(rows: list[dict[str, str]], carriers: dict[str, set[int]]) -> list[int]:
    """A group per row such that rows sharing a Chinese name or a target entity are
    in one group (the same company on two lists is one test case, not two folds'
    worth of leakage). Union-find over names and entities."""
    parent = list(range(len(rows)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[object, int] = {}
    for k, r in enumerate(rows):
        tokens: list[object] = [r["zh_name"].strip(), r.get("zh_short", "").strip()]
        tokens += [("entity", t) for t in carriers.get(r["zh_name"].strip(), ())]
        for t in tokens:
            if not t:
                continue
            if t in owner:
                parent[find(k)] = find(owner[t])
            else:
                owner[t] = k
    return [find(k) for k in range(len(rows))]


def bilingual(entities: list[Entity], folds: int, jw: bool, heldout: bool) -> HeldOut:
    """The cn_names table as a test set: queries in characters, targets the listed
    entities the table joins them to. In-sample: the shipped index (which carries
    these names).

    Held out: rows are grouped (rows sharing a Chinese name or a target entity go
    together) and the groups split into folds by a hash. Each fold's index is the
    lists as published, enriched from the *other* folds' rows only (through the
    product's own enrichment), and with every Chinese-script name of the fold's
    target entities removed, the list's own ones too (OFAC's 商湯集團有限公司 is the
    source of the SenseTime row). Nothing indexed from a row, or from the list text
    a row was copied from, is ever the answer to that row's queries: what remains
    is romanisation, glosses and other rows' names."""
    import tempfile
    import zlib

    from distillguard.screen.cn_names import enrich_cn_names

    cfg = load_config()
    rows = _cn_rows()
    # Entities carrying each sourced name (the enrichment's own join, recorded on them).
    carriers: dict[str, set[int]] = defaultdict(set)
    for i, e in enumerate(entities):
        for n, _src in e.name_sources:
            carriers[n].add(i)
    groups = _row_groups(rows, carriers)
    fold_of = [zlib.crc32(rows[g]["zh_name"].strip().encode()) % folds for g in groups]
    bare = _unenriched(entities) if heldout else entities
    out = HeldOut()
    nf = folds if heldout else 1
    for f in range(nf):
        part = [r for k, r in enumerate(rows) if not heldout or fold_of[k] == f]
        if heldout:
            rest = [r for k, r in enumerate(rows) if fold_of[k] != f]
            with tempfile.TemporaryDirectory() as tmp:
                table = Path(tmp) / "candidates.csv"
                with table.open("w", encoding="utf-8", newline="") as fh:
                    w = csv.DictWriter(fh, list(rows[0]))
                    w.writeheader()
                    w.writerows(rest)
                mod, _ = enrich_cn_names(bare, table, skip_sources=UNSHIPPED_CN_SOURCES)
            tgt = set().union(*(carriers.get(r["zh_name"].strip(), set()) for r in part))
            import dataclasses

            mod = [
                dataclasses.replace(e, aliases=tuple(a for a in e.aliases if not has_han(a)))
                if i in tgt
                else e
                for i, e in enumerate(mod)
            ]
            leaked = sum(1 for i in tgt if any(has_han(n) for n in mod[i].names))
            assert not leaked, f"{leaked} target entities keep a Chinese name"
        else:
            mod = entities
        screener = Screener(mod, cfg)
        same = _same_keys(entities)
        queries = []
        for r in part:
            targets = carriers.get(r["zh_name"].strip(), set())
            if not targets:
                continue
            half = half_of(r["zh_name"].strip())
            for kind, q in _cn_queries(r):
                queries.append((q, "CN", targets, kind, {"half": half}))
        out.run(screener, queries, same, _jw_names(mod) if jw else None)
    return out


def class_table(rows: list[dict[str, object]]) -> None:
    """Recall per alias class and half, and the string-matching ceiling."""
    print("leave-alias-out by alias class (recall = target at review or match):")
    print(
        f"  {'class':<13} {'n':>5} {'share':>6} {'recall':>7} {'tune':>7} {'test':>7}"
        f" {'match ok':>9}"
    )
    n_all = len(rows)
    for cls in CLASSES:
        sub = [r for r in rows if r["class"] == cls]
        if not sub:
            continue

        def rec(rs: list[dict[str, object]]) -> str:
            return f"{sum(1 for r in rs if r['target_flagged']) / len(rs):.3f}" if rs else "-"

        matched = [r for r in sub if r["decision"] == "match"]
        ok = sum(1 for r in matched if r["best_is_target"])
        print(
            f"  {cls:<13} {len(sub):>5} {len(sub) / n_all:>6.3f} {rec(sub):>7} "
            f"{rec([r for r in sub if r['half'] == 'tune']):>7} "
            f"{rec([r for r in sub if r['half'] == 'test']):>7} {ok:>4}/{len(matched):<4}"
        )
    able = [r for r in rows if r["class"] not in UNMATCHABLE]
    hit = sum(1 for r in able if r["target_flagged"])
    print(
        f"  ceiling of string matching: {len(able)}/{n_all} = {len(able) / n_all:.3f} "
        f"({n_all - len(able)} aliases share no word, initials or 4-gram with any other "
        f"name of their entity); recall on the matchable ones {hit / max(1, len(able)):.3f}"
    )


def write_misses(rows: list[dict[str, object]], path: Path) -> None:
    """Every held-out alias with its class and outcome, for reading the misses."""
    fields = [
        "class",
        "half",
        "decision",
        "target_flagged",
        "ours",
        "ours_other",
        "query",
        "listed",
        "kept",
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    print(f"  per-alias rows written to {path}")


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
        for half in ("tune", "test"):
            sub = HeldOut()
            sub.rows = [r for r in lao.rows if r["half"] == half]
            sub.report(f"  {half} half of the entities", cfg.review, cfg.match)
        class_table(lao.rows)
        if args.misses:
            write_misses(lao.rows, Path(args.misses))
    if "universities" in args.sets:
        universities_cmd(entities, Path(args.universities))
    if "cn" in args.sets:
        for held in (False, True):
            res = bilingual(entities, args.folds, not args.no_jw, held)
            label = "cn_names held out (names of other rows only)" if held else "cn_names in-sample"
            res.report(f"{label}, all spellings", cfg.review, cfg.match)
            for kind in ("zh_full", "zh_traditional", "zh_no_form", "zh_mixed", "zh_short"):
                sub = HeldOut()
                sub.rows = [r for r in res.rows if r["kind"] == kind]
                sub.report(f"    {kind}", cfg.review, cfg.match)
            for half in ("tune", "test"):
                sub = HeldOut()
                sub.rows = [r for r in res.rows if r["half"] == half]
                sub.report(f"    {half} half of the rows", cfg.review, cfg.match)
    print(f"({time.perf_counter() - t0:.0f}s; 1-minute load average {os.getloadavg()[0]:.1f})")


def universities_cmd(entities: list[Entity], path: Path) -> None:
    """Look-alike negatives written by others: the world universities list
    (github.com/Hipo/university-domains-list, MIT licence; not shipped, pass its
    JSON). A university whose normalised name is a listed name is left out; every
    other one flagged is a false flag or a listed party under another name (the
    flagged ones are printed for reading)."""
    import json

    cfg = load_config()
    screener = Screener(entities, cfg)
    listed = set().union(*_same_keys(entities))
    rows = json.loads(path.read_text(encoding="utf-8"))
    n = review = match = 0
    flagged: list[str] = []
    for u in rows:
        name, country = str(u.get("name", "")), str(u.get("alpha_two_code", ""))
        if not name or _key(name) in listed:
            continue
        n += 1
        d = screener.screen(Query(name, country))
        if d.decision != "clear" and d.best is not None:
            review += d.decision == "review"
            match += d.decision == "match"
            flagged.append(
                f"    {d.decision:6} {d.best.score:.2f} {name} ({country}) ~ {d.best.matched_name}"
            )
    print(
        f"universities not listed under their own name: n={n}; review {review} "
        f"({review / max(1, n):.4f}), match {match} ({match / max(1, n):.4f})"
    )
    print("\n".join(flagged[:80]))
