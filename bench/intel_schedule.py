"""The five-cluster case of issue 15: would a shared schedule find a quiet fleet at lab B?

A low-and-slow fleet (``low_and_slow_fleet``: a hundred quiet accounts fed by
one scheduler, registered by one farm) is cut by lab A's hunt into several
clusters tied only by their sign-up addresses; nothing else (wrapper, card,
domain, parameters) ties them, so the export sends network indicators and a
timing histogram, which never reach review at lab B. What would tie them is the
scheduler: the fleet's requests fall into the same few minutes each day.

This measures that candidate indicator on a world prepared by
``bench/intel_exchange.py`` (its ``a/`` and ``b/`` halves and hunts), without
building it into the export: windows of ``--window`` seconds in which at least
``--members`` of lab A's flagged accounts were active, computed over

* ``campaign``: the fleet's flagged accounts, merged by the ground truth (the
  bound: what an export that kept the campaign whole could send);
* ``clusters``: the same, but a window needs its members within one hunt cluster
  (what the export can send without merging clusters);
* ``quiet``: every flagged account active in under 2 % of windows, pooled;

and, for each of lab B's accounts, the binomial tail probability of hitting as
many windows as it does by chance (windows it is active in, chance = the share
of time the windows cover). Printed: lab B's fleet, other distillers and benign
accounts under each p-value threshold::

    .venv/bin/python bench/intel_schedule.py --world var/intel_exchange/holdout105
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
from collections import defaultdict
from datetime import datetime
from pathlib import Path

THRESHOLDS = (1e-3, 1e-4, 1e-6)


def read_times(path: Path, window: int) -> dict[str, set[int]]:
    out: dict[str, set[int]] = defaultdict(set)
    with gzip.open(path, "rt") as fh:
        for line in fh:
            row = json.loads(line)
            ts = datetime.fromisoformat(row["ts"].replace("Z", "+00:00")).timestamp()
            out[row["account_id"]].add(int(ts // window))
    return out


def tail(n: int, k: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0

    def term(i: int) -> float:
        return math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                        + i * math.log(p) + (n - i) * math.log1p(-p))
    return min(1.0, sum(term(i) for i in range(k, n + 1)))


def windows(active: dict[str, set[int]], accounts: dict[str, str], members: int) -> set[int]:
    """Windows where ``members`` accounts of one group (``accounts``: account -> group)."""
    seen: dict[tuple[str, int], set[str]] = defaultdict(set)
    for a, group in accounts.items():
        for w in active.get(a, ()):
            seen[(group, w)].add(a)
    return {w for (_, w), who in seen.items() if len(who) >= members}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--world", type=Path, required=True)
    ap.add_argument("--window", type=int, default=900, help="seconds")
    ap.add_argument("--members", type=int, default=2)
    args = ap.parse_args()
    w = args.world
    world = json.loads((w / "world.json").read_text())
    fleets = {c for c, v in world["campaigns"].items() if v["tactic"] == "low_and_slow_fleet"}
    with (w / "personas.csv").open() as fh:
        personas = {r["account_id"]: r for r in csv.DictReader(fh)}
    with (w / "a" / "hunt" / "accounts.csv").open() as fh:
        hunt_a = {r["account_id"]: r for r in csv.DictReader(fh) if r["verdict"] != "allow"}
    ta = read_times(w / "a" / "events.jsonl.gz", args.window)
    tb = read_times(w / "b" / "events.jsonl.gz", args.window)
    span = max(max(s) for s in ta.values()) - min(min(s) for s in ta.values()) + 1
    fleet_a = {a for a in hunt_a if personas[a]["campaign"] in fleets}
    variants = {
        "campaign": windows(ta, dict.fromkeys(fleet_a, "fleet"), args.members),
        "clusters": windows(ta, {a: hunt_a[a]["cluster_id"] or a for a in fleet_a},
                            args.members),
        "quiet": windows(ta, {a: "quiet" for a in hunt_a if len(ta[a]) < 0.02 * span},
                         args.members),
    }
    groups = {a: "fleet" if p["campaign"] in fleets else
              "distiller" if p["persona"] == "distiller" else "benign"
              for a, p in personas.items() if a in tb}
    sizes = {g: sum(1 for x in groups.values() if x == g) for g in ("fleet", "distiller",
                                                                      "benign")}
    print(f"# {w}: lab A flagged {len(fleet_a)} fleet accounts in "
          f"{len({hunt_a[a]['cluster_id'] for a in fleet_a})} clusters; window "
          f"{args.window} s, >= {args.members} members; lab B sizes {sizes}")
    for name, wins in variants.items():
        cover = len(wins) / span
        counts = {t: {g: 0 for g in sizes} for t in THRESHOLDS}
        for a, g in groups.items():
            mine = tb[a]
            p = tail(len(mine), len(mine & wins), cover) if 0 < cover < 1 else 1.0
            for t in THRESHOLDS:
                counts[t][g] += p < t
        print(json.dumps({"variant": name, "windows": len(wins), "cover": round(cover, 4),
                          **{f"p<{t:g}": counts[t] for t in THRESHOLDS}}))


if __name__ == "__main__":
    main()
