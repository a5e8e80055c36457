"""Outlook benchmark: Monte Carlo draws per second, fit time and peak RSS.

Reproduce (the figures in the closing note came from this exact command)::

    .venv/bin/python bench/outlook.py --draws 1000000 --repeats 3

For each size it times ``distillguard.outlook.model.run`` on the built-in
``us-leads`` scenario (sampling, five years, percentiles and the tornado) in a
fresh child process per repeat, so peak RSS (``ru_maxrss`` of the child) is the
run's own. A baseline measured in the same run evaluates the same model one
draw at a time in plain Python (``math``), on 20,000 draws; the ratio to the
vectorised model alone (``simulate`` on the same draws, without sampling and
percentiles) is the speed-up vectorisation buys. End-to-end time includes
sampling, ten percentile bands per year and the tornado. It also times
``distillguard outlook fit`` on the shipped Epoch AI table (2,000 bootstrap
resamples). Goals: 1M draws in under 10 s and under 1 GB peak RSS; the fit in
under 5 s.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time
from distillguard.outlook import load_scenario, run, simulate
from distillguard.outlook.model import sample
draws = int(sys.argv[1])
sc = load_scenario("us-leads")
v = sample(sc.params, draws, 1)
t = time.perf_counter()
simulate(v, {k: x.value for k, x in sc.levers.items()})
model_s = time.perf_counter() - t
t = time.perf_counter()
r = run(sc, draws=draws, seed=1)
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "model_seconds": model_s, "p50_2028": r.year(2028).lag.p50,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

FIT_CHILD = r"""
import json, time
from distillguard.outlook import fit_outlook
t = time.perf_counter()
fr = fit_outlook(bootstrap=2000, seed=0)
print(json.dumps({"seconds": time.perf_counter() - t, "growth": fr.fit.growth,
                  "ci": [fr.fit.ci_low, fr.fit.ci_high]}))
"""


def _child(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True,
                         capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def _scalar_baseline(n: int) -> float:
    """The same model, one draw at a time, in plain Python: what vectorising saves."""
    import numpy as np

    from distillguard.outlook import load_scenario
    from distillguard.outlook.model import YEARS, sample

    sc = load_scenario("us-leads")
    v = sample(sc.params, n, 1)
    lv = {k: x.value for k, x in sc.levers.items()}
    cols = {k: a.tolist() for k, a in v.items()}
    t = time.perf_counter()
    lags: dict[int, list[float]] = {y: [] for y in YEARS}
    for i in range(n):
        d = {k: c[i] for k, c in cols.items()}
        base = max(0.0, 12 * math.log(d["reference_ratio"]) / math.log(d["frontier_growth"])
                   - d["observed_lag_months"])
        disc = base * (1 - d["distillation_share"] * lv["distillation_curbs"]
                       * d["distillation_curb_effect"])
        for y in YEARS:
            k = y - 2026
            us_s = d["us_growth"] ** k
            strict = d["licensed_closed_2026"] * d["licensed_closed_growth"] ** k
            china = (strict + max(d["licensed_open_2026"] * us_s - strict, 0.0)
                     * (1 - lv["export_licensing"])
                     + d["domestic_2026"] * d["domestic_growth"] ** (
                         k * (1 - lv["equipment_controls"] * d["equipment_effect"]))
                     + d["smuggled_2026"] * d["smuggled_growth"] ** k
                     * (1 - lv["smuggling_enforcement"] * d["enforcement_effect"])
                     + d["remote_2026"] * d["remote_growth"] ** k
                     * (1 - lv["remote_access_closure"] * d["remote_closure_effect"]))
            ratio = d["us_compute_2026"] * us_s / china
            lags[y].append(12 * math.log(ratio) / math.log(d["frontier_growth"]) - disc)
    for y in YEARS:
        np.percentile(lags[y], [10, 50, 90])
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1_000_000, help="largest Monte Carlo size")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    print(f"command: .venv/bin/python bench/outlook.py --draws {args.draws} "
          f"--repeats {args.repeats}")
    base_n = 20_000
    base = statistics.median(_scalar_baseline(base_n) for _ in range(args.repeats))
    base_rate = base_n / base
    print(f"baseline (pure Python, {base_n:,} draws): {base_rate:,.0f} draws/s")
    sizes = sorted({10_000, 100_000, args.draws})
    for n in sizes:
        runs = [_child(CHILD, str(n)) for _ in range(args.repeats)]
        secs = statistics.median(r["seconds"] for r in runs)
        model = statistics.median(r["model_seconds"] for r in runs)
        rss = max(r["rss_mb"] for r in runs)
        print(f"run us-leads {n:>9,} draws: median {secs:.3f} s end to end "
              f"({n / secs:,.0f} draws/s); model alone {n / model:,.0f} draws/s "
              f"({n / model / base_rate:.0f}x baseline); peak RSS {rss:.0f} MB; "
              f"2028 lag p50 {runs[0]['p50_2028']:.2f}")
    fits = [_child(FIT_CHILD) for _ in range(args.repeats)]
    f0 = fits[0]
    print(f"fit (shipped Epoch table, 2000 resamples): median "
          f"{statistics.median(f['seconds'] for f in fits):.2f} s; growth {f0['growth']:.3f}x/yr "
          f"(95% CI {f0['ci'][0]:.3f}-{f0['ci'][1]:.3f})")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bench process peak RSS {own:.0f} MB")


if __name__ == "__main__":
    main()
