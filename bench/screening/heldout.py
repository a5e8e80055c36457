"""Held-out quality: leave-alias-out on the lists' own aliases (the sourced
Chinese-name table as a bilingual test set is in :mod:`bilingual`)."""

from __future__ import annotations

import csv
import random
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


def same_keys(entities: list[Entity]) -> list[set[str]]:
    return [{_key(n) for n in e.names} for e in entities]


def jw_names(entities: list[Entity]) -> tuple[list[str], list[int]]:
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
        same = same_keys(entities)
        kept = same_keys(mod)
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
        out.run(screener, queries, same, jw_names(mod) if jw else None)
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


def listed_key(name: str) -> str:
    """The form two names are "spelled alike" in (what the held-out split compares)."""
    return _key(name)
