"""Generate an independent, labelled world of API exchanges (clean room; see README.md).

    python bench/independent/generate.py --out DIR [--seed 7] [--accounts 2000] [--days 14]

Writes DIR/events.jsonl.gz, DIR/accounts.jsonl, DIR/labels.csv, DIR/personas.csv.
Standard library only; deterministic per --seed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benign  # noqa: E402
import operations  # noqa: E402
from content import Corpora  # noqa: E402
from world import World, ensure_dir  # noqa: E402

# Share of accounts per persona at the default size (2,000 accounts ~ 23% distillers).
BENIGN_MIX = [
    (benign.casual, 0.26),
    (benign.chinese_users, 0.07),
    (benign.app_developers, 0.045),
    (benign.agent_framework_users, 0.08),
    (benign.enterprise_coding, 0.05),
    (benign.university_students, 0.07),
    (benign.eval_researchers, 0.018),
    (benign.ci_pipelines, 0.02),
    (benign.labelling_vendors, 0.01),
    (benign.power_writers, 0.05),
]
OPERATIONS = [  # (function, share of accounts, campaign label)
    (operations.hydra_reasoning, 0.055, "op-1"),
    (operations.agentic_harvest, 0.028, "op-2"),
    (operations.rubric_grading, 0.018, "op-3"),
    (operations.low_and_slow, 0.095, "op-4"),
    (operations.rotation_pool, 0.014, "op-5"),
    (operations.reseller, 0.002, "op-6"),
    (operations.new_model_pivot, 0.012, "op-7"),
]
LONE_SHARE = 0.006


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--accounts", type=int, default=2000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--start", default="2026-05-04", help="first day (UTC), YYYY-MM-DD")
    ap.add_argument(
        "--data",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "../shared/data",
        help="the shared public corpora folder (default ../shared/data from the repository)",
    )
    args = ap.parse_args(argv)
    if args.accounts < 200 or args.days < 3:
        ap.error(
            "--accounts must be >= 200 and --days >= 3 (smaller worlds cannot hold every persona)"
        )
    t0 = time.time()
    out = ensure_dir(args.out)
    start = datetime.strptime(args.start, "%Y-%m-%d").replace(tzinfo=UTC)
    w = World(out, args.seed, args.days, start)
    corp = Corpora(args.data.resolve(), w.rng)
    total = args.accounts
    n_op = {camp: max(2, round(share * total)) for _, share, camp in OPERATIONS}
    n_lone = max(2, round(LONE_SHARE * total))
    n_benign = total - sum(n_op.values()) - n_lone
    sb = sum(s for _, s in BENIGN_MIX)
    sizes = [max(2, round(s / sb * n_benign)) for _, s in BENIGN_MIX]
    sizes[0] += n_benign - sum(sizes)  # casual users absorb rounding
    steps = [(lambda f=f, k=k: f(w, corp, k)) for (f, _), k in zip(BENIGN_MIX, sizes, strict=True)]
    steps += [(lambda f=f, k=n_op[c], c=c: f(w, corp, k, c)) for f, _, c in OPERATIONS]
    steps.append(lambda: operations.lone_actors(w, corp, n_lone))
    for step in steps:
        step()
    w.write()
    labels = Counter(r[1] for r in w.rows)
    print(
        f"wrote {out}: {len(w.accounts)} accounts ({dict(labels)}), {w.n_events} events in "
        f"{time.time() - t0:.0f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
