"""`bench/screen.py heldout`: the held-out sets run and reported."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from distillguard.screen.config import load_config
from distillguard.screen.model import Entity
from distillguard.screen.scoring import Query, Screener
from screening.bilingual import bilingual
from screening.heldout import (
    HeldOut,
    class_table,
    leave_alias_out,
    listed_key,
    same_keys,
    write_misses,
)
from screening.lists import load_all_lists


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
    listed = set().union(*same_keys(entities))
    rows = json.loads(path.read_text(encoding="utf-8"))
    n = review = match = 0
    flagged: list[str] = []
    for u in rows:
        name, country = str(u.get("name", "")), str(u.get("alpha_two_code", ""))
        if not name or listed_key(name) in listed:
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
