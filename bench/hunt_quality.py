"""Hunt quality across simulated worlds: the table in docs/hunt.md, in one command.

For each world (a split and a seed) it simulates at default scale (2,000
accounts, 14 days) unless the world is already there, hunts it on DuckDB,
evaluates against the labels and prints one row: precision and recall at
``block``, blocked accounts of each hard-negative persona, casual/student
accounts blocked, campaign completeness and cluster purity. Worlds are kept
under ``--work`` so a second run only re-hunts.

Reproduce the documented table (about 40 s per world, 8 minutes in all)::

    .venv/bin/python bench/hunt_quality.py --tune 7,8 --holdout 101-110
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HARD = ("app_developer", "eval_researcher", "enterprise")


def seeds(spec: str) -> list[int]:
    out: list[int] = []
    for part in filter(None, spec.split(",")):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def cli(*args: str) -> None:
    exe = Path(sys.executable).parent / "distillguard"
    proc = subprocess.run([str(exe), *args],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"distillguard {' '.join(args)} failed:\n{proc.stderr[-2000:]}")


def world_row(work: Path, split: str, seed: int, config: str | None,
              corpus_dir: str | None) -> dict[str, Any]:
    w = work / f"{'full' if corpus_dir else split}{seed}"
    if not (w / "labels.csv").exists():
        cli("simulate", "--out", str(w), "--split", split, "--seed", str(seed),
            "--events-format", "parquet", *(["--corpus-dir", corpus_dir] if corpus_dir else []))
    hunt_args = ["hunt", "--events", str(w / "events.parquet"), "--accounts",
                 str(w / "accounts.jsonl"), "--out", str(w / "hunt"), "--format", "json"]
    cli(*hunt_args, *(["--config", config] if config else []))
    cli("evaluate", "--labels", str(w / "labels.csv"), "--pred", str(w / "hunt"),
        "--personas", str(w / "personas.csv"), "--out", str(w / "eval.json"),
        "--format", "json")
    ev = json.loads((w / "eval.json").read_text())
    fpr = ev["false_positive_rate"]
    personas = {p["persona"]: p for p in fpr["hard_negatives"] + fpr.get("other_benign", [])}
    return {
        "world": f"{split} {seed}" + (" (full corpora)" if corpus_dir else ""),
        "precision": ev["at_block"]["precision"],
        "recall": ev["at_block"]["recall"],
        "hard": " · ".join(f"{personas[p]['blocked']}/{personas[p]['accounts']}"
                           for p in HARD if p in personas),
        "other": " · ".join(f"{personas[p]['blocked']}/{personas[p]['accounts']}"
                            for p in ("casual", "student") if p in personas),
        "completeness": ev["completeness_mean"], "purity": ev["purity_mean"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--tune", default="7,8", help="tune-split seeds, e.g. 7,8")
    ap.add_argument("--holdout", default="101-110", help="holdout-split seeds, e.g. 101-110")
    ap.add_argument("--work", type=Path, default=Path("var/quality"))
    ap.add_argument("--config", default=None, help="hunt config YAML to evaluate instead")
    ap.add_argument("--corpus-dir", default=None,
                    help="simulate from these fuller corpora (e.g. ../shared/data) instead of "
                    "the samples shipped in the package; worlds are kept as full<seed>")
    args = ap.parse_args()
    print(f"# {' '.join(sys.argv)}")
    print("| world | precision @ block | recall @ block | blocked app dev · eval · enterprise "
          "| blocked casual · student | completeness | purity |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    worlds = [("tune", s) for s in seeds(args.tune)] + [("holdout", s) for s in seeds(args.holdout)]
    for split, seed in worlds:
        r = world_row(args.work, split, seed, args.config, args.corpus_dir)
        print(f"| {r['world']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['hard']} "
              f"| {r['other']} | {r['completeness']:.3f} | {r['purity']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
