"""Benchmark of the simulator: events/s (wall and CPU) and peak RSS, at a target
size against the demo world (600 accounts x 7 days) measured in the same run.

Each world is generated in its own process so its peak RSS (``ru_maxrss``) is
its own; figures are medians over ``--repeats``. Throughput per CPU second is
printed beside wall-clock throughput because the build machine is shared.
Bounded memory shows as an RSS ratio far below the event ratio.

Reproduce::

    .venv/bin/python bench/simulate.py --accounts 20000 --days 14 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

CHILD = """
import json, resource, sys, time
from distillguard.simulate import SimConfig, simulate
wall, cpu = time.perf_counter(), time.process_time()
r = simulate(SimConfig(accounts=int(sys.argv[1]), days=int(sys.argv[2]), seed=1), sys.argv[3])
print(json.dumps({"events": r.events, "wall": time.perf_counter() - wall,
                  "cpu": time.process_time() - cpu,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(accounts: int, days: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        res = subprocess.run([sys.executable, "-c", CHILD, str(accounts), str(days), out],
                             check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(res.stdout.strip().splitlines()[-1])
    return result


def measure(accounts: int, days: int, repeats: int) -> dict[str, float]:
    runs = [run(accounts, days) for _ in range(repeats)]
    return {
        "events": runs[0]["events"],
        "wall_s": statistics.median(r["wall"] for r in runs),
        "cpu_s": statistics.median(r["cpu"] for r in runs),
        "events_per_s": statistics.median(r["events"] / r["wall"] for r in runs),
        "events_per_cpu_s": statistics.median(r["events"] / r["cpu"] for r in runs),
        "peak_rss_mb": max(r["rss_mb"] for r in runs),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=20000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()
    base = measure(600, 7, max(a.repeats, 3))
    target = measure(a.accounts, a.days, a.repeats)
    for name, r in (("baseline 600x7", base), (f"target {a.accounts}x{a.days}", target)):
        print(f"{name:>22}: {r['events']:>10.0f} events  wall {r['wall_s']:8.1f} s  "
              f"cpu {r['cpu_s']:8.1f} s  {r['events_per_s']:7.0f} ev/s  "
              f"{r['events_per_cpu_s']:7.0f} ev/cpu-s  peak RSS {r['peak_rss_mb']:6.0f} MB")
    print(f"throughput per CPU second, target/baseline: "
          f"{target['events_per_cpu_s'] / base['events_per_cpu_s']:.2f}")
    print(f"peak RSS target/baseline: {target['peak_rss_mb'] / base['peak_rss_mb']:.2f} "
          f"for {target['events'] / base['events']:.0f}x the events")
    print("reproduce: " + " ".join([sys.executable, *sys.argv]))


if __name__ == "__main__":
    main()
