"""Speed: one million generated customers against every loaded list."""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from rapidfuzz.distance import JaroWinkler

from distillguard.screen.config import load_config
from distillguard.screen.customers import JurisdictionPolicy, screen_customers
from distillguard.screen.jurisdiction import load_rules
from distillguard.screen.latin import latin_tokens
from distillguard.screen.scoring import Query, Screener
from screening.lists import load_all_lists
from screening.pairs import typo_variant

# --------------------------------------------------------------------------- speed

_WORDS = (
    "global pacific northern summit crescent harbor vertex apex meridian atlas quantum "
    "horizon lumen nova orbit pioneer radiant sierra terra unity vector willow zenith "
    "amber cobalt delta ember falcon granite helix iris jade kestrel lotus maple nimbus "
    "onyx prism quartz raven sapphire topaz umber violet walnut yarrow zephyr acme blue "
    "green red silver golden eastern western bright clear swift prime first united"
)
WORDS = _WORDS.split()
_KINDS = (
    "solutions systems labs analytics data cloud software consulting partners ventures "
    "trading logistics media health foods energy capital digital networks robotics ai "
    "research studios works group holdings technologies services industries"
)
KINDS = _KINDS.split()
FORMS = ("Inc.", "LLC", "Ltd", "GmbH", "Pte. Ltd.", "Co., Ltd.", "S.A.", "B.V.", "Corp.", "")


def make_customers(path: Path, n: int, screener: Screener, seed: int = 11) -> None:
    rng = random.Random(seed)
    ents = screener.entities
    countries = ["US", "GB", "DE", "SG", "IN", "CN", "HK", "FR", "JP", "BR", "AE", "RU", ""]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["customer_id", "name", "country", "address"])
        for i in range(n):
            r = rng.random()
            if r < 0.01:  # 1% listed names, many with typos
                name = rng.choice(rng.choice(ents).names)
                name = typo_variant(rng, name) or name
            elif r < 0.03:  # 2% names in Chinese characters
                name = (
                    rng.choice(["深圳", "北京", "上海", "杭州", "广州"])
                    + rng.choice(["云帆", "星河", "华信", "天成", "远景", "恒通"])
                    + rng.choice(["科技", "信息", "电子", "智能"])
                    + "有限公司"
                )
            else:
                name = " ".join(
                    [
                        rng.choice(WORDS).title(),
                        rng.choice(WORDS).title()
                        if rng.random() < 0.5
                        else f"{rng.randrange(1, 999)}",
                        rng.choice(KINDS).title(),
                        rng.choice(FORMS),
                    ]
                ).strip()
            w.writerow([f"cust-{i}", name, rng.choice(countries), ""])


def _cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def speed(args: argparse.Namespace) -> None:
    import psutil

    t0 = time.perf_counter()
    entities = load_all_lists()
    screener = Screener(entities, load_config())
    t_index = time.perf_counter() - t0
    print(
        f"lists: {len(entities):,} entities, {len(screener.index.entries):,} names, "
        f"{len(screener.index.postings):,} blocking keys; index built in {t_index:.1f}s; "
        f"RSS {psutil.Process().memory_info().rss / 2**20:.0f} MiB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        cust = Path(tmp) / "customers.csv"
        make_customers(cust, args.customers, screener)
        print(f"customers: {args.customers:,} rows, {cust.stat().st_size / 2**20:.0f} MiB CSV")
        # Candidates per customer on a sample, single process.
        sample = []
        with cust.open(encoding="utf-8") as fh:
            rd = csv.DictReader(fh)
            for i, row in enumerate(rd):
                if i >= 20000:
                    break
                sample.append(row)
        from distillguard.screen.normalize import renderings

        cands = 0
        ts = time.perf_counter()
        for row in sample:
            cands += len(screener.index.candidates(renderings(row["name"]), screener.limit))
            screener.screen(Query(row["name"], row["country"]))
        one_core = len(sample) / (time.perf_counter() - ts)
        per_cust = cands / len(sample)
        # Baseline measured in the same run: brute-force Jaro-Winkler of each customer
        # against every listed name (what a screen without a candidate index does).
        from rapidfuzz import process

        all_names = [" ".join(e.rendering.tokens) for e in screener.index.entries]
        tb = time.perf_counter()
        base_n = 300
        for row in sample[:base_n]:
            process.extractOne(
                " ".join(latin_tokens(row["name"])), all_names, scorer=JaroWinkler.similarity
            )
        base_rate = base_n / (time.perf_counter() - tb)
        paths = [("batch", False)] + ([("explained", True)] if args.compare else [])
        results = {}
        for label, explain_all in paths:
            results[label] = _timed_runs(screener, cust, Path(tmp), args, explain_all)
        rep = results["batch"]["report"]
    print(
        f"candidates: {per_cust:.2f} scored per customer (20k sample); "
        f"single process, explained path: {one_core:,.0f} customers/s"
    )
    print(
        f"baseline brute-force Jaro-Winkler over all {len(all_names):,} names: "
        f"{base_rate:,.0f} customers/s on one core -> 1M would take {1e6 / base_rate / 60:.0f} min "
        f"(indexed screener is {one_core / base_rate:,.0f}x faster per core)"
    )
    print(
        f"decisions: clear={rep.clear:,} review={rep.review:,} deny={rep.deny:,} "
        f"match={rep.match:,} "
        f"quarantined={rep.quarantined:,}"
    )
    for label, r in results.items():
        wall = statistics.median(r["runs"])
        cpu_s = statistics.median(r["cpu"])
        what = (
            "clear rows scored without building explanations"
            if label == "batch"
            else "every row through screen() with its explanation, as before this change"
        )
        print(f"{label} path, {args.workers} workers: {what}")
        print(
            f"  wall: median {wall:.1f}s over {len(r['runs'])} run(s) "
            f"({', '.join(f'{x:.1f}' for x in r['runs'])}) = {args.customers / wall:,.0f} "
            f"customers/s, {per_cust * args.customers / wall:,.0f} candidates/s"
        )
        print(
            f"  CPU (parent + workers): {cpu_s:.1f}s = {1e6 * cpu_s / args.customers:.0f} us per "
            f"customer; CPU-bound estimate on {args.workers} free cores: "
            f"{cpu_s / args.workers * 1e6 / args.customers:.0f}s per million"
        )
        print(
            f"  peak RSS: parent {r['rss'][0]:,.0f} MiB, largest worker {r['rss'][1]:,.0f} MiB "
            f"(the index is shared copy-on-write via fork); 1-minute load average "
            f"{', '.join(f'{x:.1f}' for x in r['load'])} at the end of each run on "
            f"{os.cpu_count()} cores"
        )
        print(f"  goal <= 60 s for 1M: {'met' if wall * 1e6 / args.customers <= 60 else 'NOT met'}")


def _timed_runs(
    screener: Screener, cust: Path, tmp: Path, args: argparse.Namespace, explain_all: bool
) -> dict:
    runs, cpu, load = [], [], []
    rep = None
    for _ in range(args.repeats):
        c0 = _cpu_s()
        t = time.perf_counter()
        # As `screen customers` runs: jurisdiction rules on every row.
        rep = screen_customers(
            screener,
            cust,
            tmp / "out",
            workers=args.workers,
            explain_all=explain_all,
            policy=JurisdictionPolicy(load_rules()),
            lists_as_of="bench",
        )
        runs.append(time.perf_counter() - t)
        cpu.append(_cpu_s() - c0)
        load.append(os.getloadavg()[0])
    # ru_maxrss of children is the largest worker so far (runs in order: batch first).
    return {"runs": runs, "cpu": cpu, "load": load, "report": rep, "rss": _rss_mb()}
