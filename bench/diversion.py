"""Diversion benchmarks: red-flag quality on the labelled order sets, location
attestation trials, and speed of ``diversion check`` on one million orders.

Reproduce (from the repository root):

    .venv/bin/python bench/diversion.py quality [--show] [--fit FITTED.yaml]
    .venv/bin/python bench/diversion.py locate --trials 1000 [--seed 1]
    .venv/bin/python bench/diversion.py certificate --trials 1000 --seed 5 [--extra-probes 112]
    .venv/bin/python bench/diversion.py speed --orders 1000000 [--repeats 3] [--workers 2]

``quality`` runs the product's own check (shipped flags, the shipped list
samples through screen) over ``bench/diversion_orders/dev.jsonl`` (the set the
flags were written and checked against) and ``holdout.jsonl`` (written after
the flags were frozen, never tuned on), and prints precision and recall with
"flagged" meaning hold, and meaning hold or review. Both sets are self-built
from public enforcement cases and guidance (each order names its case and
source); they are not independent data.

``speed`` writes a seeded file of orders drawn from a pool of parties (orders
repeat buyers, forwarders and parents, as real order books do), then times the
whole ``check_orders`` call (read, screen, flag, write) and prints the median.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from distillguard.diversion import PartyScreen, check_orders, load_flags
from distillguard.diversion.flags import FlagConfig
from distillguard.diversion.orders import COLUMNS
from distillguard.diversion.weights import fit_flag_weights
from distillguard.screen.service import build_context
from distillguard.settings import Settings

HERE = Path(__file__).resolve().parent
SETS = HERE / "diversion_orders"


def _screen() -> PartyScreen:
    return PartyScreen(build_context(Settings.from_env()).screener)


def _run_set(cfg: FlagConfig, screen: PartyScreen, name: str
             ) -> tuple[list[dict[str, str]], dict[str, bool], dict[str, str]]:
    path = SETS / f"{name}.jsonl"
    labels, cases = {}, {}
    for line in path.read_text().splitlines():
        rec = json.loads(line)
        labels[rec["order_id"]] = rec["label"] == "divert"
        cases[rec["order_id"]] = rec["case"]
    with tempfile.TemporaryDirectory() as tmp:
        check_orders(cfg, path, Path(tmp), screen=screen, workers=1)
        with (Path(tmp) / "decisions.csv").open() as fh:
            rows = list(csv.DictReader(fh))
    return rows, labels, cases


def _wilson(k: int, n: int) -> str:
    """95 % Wilson interval: how little a rate on a dozen orders pins down."""
    if n == 0:
        return "n/a"
    z, p = 1.96, k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return f"[{max(0.0, c - h):.2f}, {min(1.0, c + h):.2f}]"


def _report(name: str, rows: list[dict[str, str]], labels: dict[str, bool],
            cases: dict[str, str], show: bool) -> None:
    unnamed = [r["order_id"] for r in rows if r["decision"] != "clear" and not r["flags"]]
    print(f"== {name}: {len(rows)} orders, {sum(labels.values())} diversion patterns")
    for level, flagged in (("hold", {"hold"}), ("hold+review", {"hold", "review"})):
        tp = sum(1 for r in rows if r["decision"] in flagged and labels[r["order_id"]])
        fp = sum(1 for r in rows if r["decision"] in flagged and not labels[r["order_id"]])
        fn = sum(1 for r in rows if r["decision"] not in flagged and labels[r["order_id"]])
        p = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        print(f"  flagged={level:<12} precision {p:.3f} {_wilson(tp, tp + fp)}  "
              f"recall {rc:.3f} {_wilson(tp, tp + fn)}  (tp {tp} fp {fp} fn {fn})")
    print(f"  flagged orders without named flags: {len(unnamed)}")
    if show:
        for r in rows:
            truth = "divert" if labels[r["order_id"]] else "legit"
            print(f"    {r['order_id']:<12} {truth:<6} {r['decision']:<6} "
                  f"{cases[r['order_id']]:<22} {r['flags']}")


def quality(args: argparse.Namespace) -> None:
    cfg = load_flags()
    screen = _screen()
    print("-- shipped (hand-set) weights")
    for name in ("dev", "holdout"):
        _report(name, *_run_set(cfg, screen, name), args.show)
    if not args.fit:
        return
    # Fit on dev only: the flags an order raises do not depend on the weights, so the
    # shipped run's flags are the features. The holdout is scored once, never tuned on.
    rows, labels, _ = _run_set(cfg, screen, "dev")
    data = [(frozenset(f for f in r["flags"].split(";") if f), labels[r["order_id"]])
            for r in rows]
    fitted = fit_flag_weights(data, list(cfg.flags))
    holds = [f for f, spec in cfg.flags.items() if spec.severity == "hold"]
    out = Path(args.fit)
    out.write_text(fitted.to_yaml(holds), encoding="utf-8")
    review, hold = fitted.thresholds()
    print(f"-- weights fitted on dev ({out}; L2 {fitted.l2} by leave-one-out, intercept "
          f"{fitted.intercept:.2f}; review from {review}, hold from {hold})")
    print(f"  {'flag':<30} {'hand':>5} {'fitted':>7}  odds x")
    for (f, w), c in zip(fitted.weights().items(), fitted.coef, strict=True):
        tag = " (hold flag: holds whatever its weight)" if f in holds else ""
        print(f"  {f:<30} {cfg.flags[f].weight:>5.2f} {w:>7.3f}  {math.exp(c):6.2f}{tag}")
    fcfg = load_flags(str(out))
    for name in ("dev", "holdout"):
        _report(name + " (fitted)", *_run_set(fcfg, screen, name), args.show)


def locate(args: argparse.Namespace) -> None:
    from distillguard.diversion.trials import calibrate, relay_curve, run_trials

    t = time.perf_counter()
    # The delay model is fitted on simulated servers of its own seed, never the trials'.
    delays = (calibrate(args.calibration_targets, args.calibration_seed)
              if args.calibration_targets else None)
    report = run_trials(args.trials, seed=args.seed, delays=delays)
    report["relay_curve"] = relay_curve(
        [0.0, 2.0, 5.0, 10.0, 15.0, 20.0, 50.0], args.relay_trials, seed=args.seed + 1
    )
    _emit(report, t, args.figure, _figure)


def _emit(report: dict[str, object], started: float, figure: str | None,
          draw: Callable[[dict[str, object], Path], None]) -> None:
    """Print the report as JSON (with its wall time) and draw its figure if asked."""
    report["seconds"] = round(time.perf_counter() - started, 1)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    if figure:
        draw(report, Path(figure))


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _figure(report: dict[str, object], path: Path) -> None:
    plt = _pyplot()

    curve = report["error_vs_rtt"]
    relay = report["relay_curve"]
    assert isinstance(curve, list) and isinstance(relay, list)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8), dpi=110)
    xs = [c["nearest_rtt_ms"] for c in curve]
    # median_error_km is the run's estimator (the delay model when one was calibrated);
    # the region centre's error is drawn beside it, so the label says which is which.
    est = "region centre" if str(report["estimator"]).startswith("region") else "delay model"
    a.plot(xs, [c["median_error_km"] for c in curve], "o-", label=f"median error ({est})")
    if est != "region centre":
        a.plot(xs, [c["median_centre_error_km"] for c in curve], "D-", alpha=0.6,
               label="median error (region centre)")
    a.plot(xs, [c["p90_error_km"] for c in curve], "s--", label=f"90th percentile error ({est})")
    a.plot(xs, [c["median_region_radius_km"] for c in curve], "^:", label="median region radius")
    a.set_xlabel("RTT to the nearest landmark (ms)")
    a.set_ylabel("km")
    a.set_yscale("log")
    a.legend(fontsize=7)
    a.set_title("honest servers: error versus RTT", fontsize=9)
    b.plot([r["added_ms"] for r in relay], [r["flagged"] for r in relay], "o-",
           label="not consistent")
    b.plot([r["added_ms"] for r in relay], [r["relay_suspected"] for r in relay], "s--",
           label="relay suspected")
    b.set_xlabel("delay a relay adds (ms RTT)")
    b.set_ylabel("share of trials")
    b.legend(fontsize=7)
    b.set_title("relays at the declared site", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def certificate(args: argparse.Namespace) -> None:
    """Location certificates of honest chips against eleven decoys (and relays at them)."""
    from distillguard.diversion.attest import AttestConfig
    from distillguard.diversion.certificate_trials import run_certificate_trials
    from distillguard.diversion.trials import calibrate

    t = time.perf_counter()
    delays = (calibrate(args.calibration_targets, args.calibration_seed)
              if args.calibration_targets else None)
    report = run_certificate_trials(args.trials, args.seed, delays,
                                    AttestConfig(radius_km=args.radius_km),
                                    extra_probes=args.extra_probes,
                                    probe_radius_km=args.probe_radius_km)
    _emit(report, t, args.figure, _certificate_figure)


def _certificate_figure(report: dict[str, object], path: Path) -> None:
    plt = _pyplot()

    rings = report["decoys"]
    assert isinstance(rings, list)
    xs = [r["decoy_km"] for r in rings]
    fig, ax = plt.subplots(figsize=(5.5, 3.6), dpi=110)
    ax.plot(xs, [r["claim_ruled_out"] for r in rings], "o-", label="claim ruled out (impossible)")
    ax.plot(xs, [r["claim_rejected"] for r in rings], "s--", label="claim not certifiable")
    ax.plot(xs, [r["relay_rejected"] for r in rings], "^:", label="relay at decoy not certifiable")
    ax.set_xscale("log")
    ax.set_xlabel("decoy's distance from the chip's site (km)")
    ax.set_ylabel("share of trials")
    ax.set_title(f"decoys rejected ({report['landmarks']})", fontsize=8)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


# ---- speed ------------------------------------------------------------------------------

_HUBS = ["SG", "MY", "TH", "AE", "HK", "VN", "ID"]
_ALL = ["US", "DE", "JP", "KR", "GB", "FR", "IN", "CA", "AU", *_HUBS]
_PRODUCTS = ["HGX H100 8-GPU", "NVIDIA H200 SXM", "NVIDIA L40S", "GeForce RTX 4090", "AMD MI300X"]
_WORDS = ["Data", "Compute", "Systems", "Cloud", "Tech", "Global", "Pacific", "Summit", "Nova",
          "Quantum", "Apex", "Harbor", "River", "Blue", "Union", "Prime", "Vertex", "Orion"]


def _party(rng: random.Random, i: int) -> str:
    form = rng.choice(["Ltd", "Inc", "GmbH", "Pte Ltd"])
    return f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} {i} {form}"


def write_orders(path: Path, n: int, parties: int, seed: int) -> None:
    rng = random.Random(seed)
    # A party has one name and one country; orders draw parties from the pool.
    pool = [(_party(rng, i), rng.choice(_ALL)) for i in range(parties)]
    forwarders = [f"{rng.choice(_WORDS)} Logistics {i}" for i in range(parties // 50 + 1)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for i in range(n):
            (buyer, bc), (cons, cc), (end, ec), (parent, pc) = (
                rng.choice(pool) for _ in range(4)
            )
            q = rng.choice([1, 2, 4, 8, 16, 64, 256, 1024])
            w.writerow([
                f"o{i}", f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                f"20{rng.randint(10, 25):02d}-01-01", "", buyer, bc,
                rng.choice(["cloud services", "university", "trading", "real estate", "AI"]),
                cons, f"{rng.randint(1, 99)} Industrial Rd", cc, end, "", ec, parent, pc,
                rng.choice(forwarders) if rng.random() < 0.2 else "", "", cc,
                rng.choice(_PRODUCTS), rng.choice(["cloud", "research", "gaming", ""]),
                "DC1", "wire", rng.choice([bc, bc, bc, rng.choice(_ALL)]),
                rng.choice(["accepted", "declined", ""]), "",
                q, rng.choice(["", str(q * 2), str(q // 4)]),
            ])


def speed(args: argparse.Namespace) -> None:
    cfg = load_flags()
    t0 = time.perf_counter()
    screen = _screen()
    print(f"screener built in {time.perf_counter() - t0:.1f} s (not timed below)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.csv"
        write_orders(path, args.orders, args.parties, args.seed)
        times = []
        cpus = []
        for _ in range(args.repeats):
            screen.cache.clear()
            t = time.perf_counter()
            c = _cpu()
            rep = check_orders(cfg, path, Path(tmp) / "out", screen=screen, workers=args.workers)
            times.append(time.perf_counter() - t)
            c2 = _cpu()
            cpus.append((c2[0] - c[0], c2[1] - c[1]))
        print(json.dumps({k: v for k, v in rep.to_dict().items() if k != "flag_sources"}))
    load = os.getloadavg()
    print(f"{args.orders:,} orders ({args.parties:,} parties), workers={args.workers}: "
          f"median {statistics.median(times):.1f} s over {args.repeats} runs "
          f"({[round(t, 1) for t in times]}); CPU seconds (parent, workers) "
          f"{[(round(p, 1), round(w, 1)) for p, w in cpus]}; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


def _cpu() -> tuple[float, float]:
    """User+system CPU seconds of this process, and of its finished children (the workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--show", action="store_true")
    q.add_argument("--fit", default="", help="Also fit the weights on dev, write them (a "
                   "--flags YAML) here, and score dev and holdout with them.")
    lo = sub.add_parser("locate")
    lo.add_argument("--trials", type=int, default=1000)
    lo.add_argument("--seed", type=int, default=1)
    lo.add_argument("--relay-trials", type=int, default=300)
    lo.add_argument("--calibration-targets", type=int, default=1500,
                    help="Simulated known-place servers the delay model is fitted on (0: "
                         "no model, the estimate is the region centre).")
    lo.add_argument("--calibration-seed", type=int, default=11)
    lo.add_argument("--figure", default="", help="Write the curves as a PNG here.")
    c = sub.add_parser("certificate")
    c.add_argument("--trials", type=int, default=1000)
    c.add_argument("--seed", type=int, default=5)
    c.add_argument("--extra-probes", type=int, default=0,
                   help="Simulated landmarks added around each chip (a dense public mesh).")
    c.add_argument("--probe-radius-km", type=float, default=1000.0)
    c.add_argument("--radius-km", type=float, default=500.0,
                   help="Certify only when the whole region is this close to the site.")
    c.add_argument("--calibration-targets", type=int, default=1500)
    c.add_argument("--calibration-seed", type=int, default=11)
    c.add_argument("--figure", default="")
    s = sub.add_parser("speed")
    s.add_argument("--orders", type=int, default=1_000_000)
    s.add_argument("--parties", type=int, default=50_000)
    s.add_argument("--repeats", type=int, default=3)
    s.add_argument("--workers", type=int, default=2)
    s.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    cmds = {"quality": quality, "locate": locate, "certificate": certificate, "speed": speed}
    cmds[args.cmd](args)


if __name__ == "__main__":
    main()
