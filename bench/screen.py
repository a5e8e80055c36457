"""Screening benchmarks: match quality on a labelled name-pair set, and speed on
one million customers against every loaded list.

Reproduce (from the repository root, with ../shared beside it):

    .venv/bin/python bench/screen.py quality
    .venv/bin/python bench/screen.py heldout [--folds 5] [--sets alias,cn,universities] [--no-jw]
        [--misses rows.csv] [--universities world_universities_and_domains.json]
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
                   them with the entity's country; an entity's aliases go to
                   successive folds, so its other names mostly stay indexed;
                   "trivial" aliases are spelled like a name the entity keeps. A hit
                   on the same party listed elsewhere (a shared name, or names >= 90
                   token-sort similar) counts as right. --misses writes every alias
                   with its class, outcome and the names its entity kept.
  cn_names         the sourced Chinese-name table as a bilingual test set (full name,
                   traditional characters, no legal form, mixed script, short name):
                   in-sample on the shipped index, and held out: rows grouped by a
                   shared Chinese name or target entity, 5 folds, each indexing the
                   lists as published enriched from the other folds' rows only and
                   without any Chinese name of its targets (what romanisation, glosses
                   and other rows find).
  universities     look-alike negatives written by others: the world universities list
                   of github.com/Hipo/university-domains-list (MIT; pass its JSON, not
                   shipped); those not listed under their own normalised name that come
                   out review or match are counted and printed for reading.
Both print distillguard's recall (target at review or match), precision at match
and recall@P>=0.95, with Jaro-Winkler's side by side, and the share of queries where
another entity reaches review. Leave-alias-out also prints the tune and test halves
of the entities (CRC32 of the entity id; rules were tuned looking at the tune half
only) and a table of recall per alias class (bench/screening/aliases.py: acronym,
subset, overlap, spelling, translation...) with the ceiling of string matching.

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
import os
import sys
from pathlib import Path

from screening.heldout_run import heldout_cmd
from screening.lists import build_snapshot
from screening.pairs import quality
from screening.speed import speed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("heldout")
    h.add_argument("--folds", type=int, default=5)
    h.add_argument("--sets", default="alias,cn")
    h.add_argument("--limit", type=int, default=0, help="held-out aliases sampled (0 = all)")
    h.add_argument("--no-jw", action="store_true", help="skip the Jaro-Winkler baseline")
    h.add_argument(
        "--universities",
        default="",
        help="Hipo/university-domains-list's world_universities_and_domains.json "
        "(for --sets universities)",
    )
    h.add_argument("--misses", default="", help="write every held-out alias row to this CSV")
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
