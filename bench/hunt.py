"""Benchmark of the hunt: wall time, events/s and peak RSS at growing sizes.

Worlds of the requested sizes are made by tiling a simulated world (its
canonical ``events.parquet`` and ``accounts.jsonl``) with renamed accounts and
events, so content and behaviour stay realistic while the size grows. Each
hunt runs in its own process; peak RSS is the maximum, polled every 100 ms,
of the summed resident memory of that process and its children (Spark's JVM
included). The baseline is one plain DuckDB scan of the same Parquet columns
the plan reads, measured in the same run.

Reproduce::

    distillguard simulate --out var/bench/world --split tune --seed 7 --events-format parquet
    .venv/bin/python bench/hunt.py --world var/bench/world --sizes 100000,1000000 --spark 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import orjson
import psutil

SCAN_COLUMNS = (
    "event_id", "ts", "account_id", "ip", "ip_prefix", "asn", "user_agent", "model",
    "prompt_tokens", "completion_tokens", "req_system", "req_user", "req_n_turns",
    "req_max_tokens", "req_n", "req_logprobs", "req_temperature", "req_reasoning_enabled",
    "req_reasoning_effort", "req_thinking_budget", "req_param_keys",
)


def tile(world: Path, n_events: int, out: Path) -> tuple[Path, Path]:
    """``n_events`` events (and their accounts) made of renamed copies of ``world``."""
    events = out / f"events-{n_events}.parquet"
    accounts = out / f"accounts-{n_events}.jsonl"
    if events.exists() and accounts.exists():
        return events, accounts
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    src = str(world / "events.parquet")
    base = con.execute(f"SELECT count(*) FROM read_parquet('{src}')").fetchone()
    per = int(base[0]) if base else 0
    copies = max(1, -(-n_events // per))
    con.execute(
        f"""COPY (
          SELECT * REPLACE (account_id || '-t' || CAST(k AS VARCHAR) AS account_id,
                            event_id || '-t' || CAST(k AS VARCHAR) AS event_id)
          FROM read_parquet('{src}'), range({copies}) r(k)
          LIMIT {n_events}
        ) TO '{events}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 100000)"""
    )
    rows = [orjson.loads(line) for line in (world / "accounts.jsonl").read_bytes().splitlines()
            if line.strip()]
    with accounts.open("wb") as fh:
        for k in range(copies):
            for r in rows:
                fh.write(orjson.dumps({**r, "account_id": f"{r['account_id']}-t{k}"}) + b"\n")
    return events, accounts


def scan_baseline(events: Path, repeats: int) -> float:
    cols = ", ".join(SCAN_COLUMNS)
    times = []
    for _ in range(repeats):
        con = duckdb.connect()
        t0 = time.perf_counter()
        con.execute(
            f"SELECT count(*), count(DISTINCT account_id), sum(length(req_user)), "
            f"sum(length(req_system)), max(ts) FROM (SELECT {cols} FROM read_parquet('{events}'))"
        ).fetchall()
        times.append(time.perf_counter() - t0)
        con.close()
    return statistics.median(times)


CHILD = """
import json, sys, time
from distillguard.detect import hunt
from distillguard.report import render_report
t0 = time.perf_counter()
r = hunt(sys.argv[1], sys.argv[2], sys.argv[3], engine=sys.argv[4], render=render_report)
print(json.dumps({"seconds": time.perf_counter() - t0, "events": r.summary["events"],
                  "accounts": r.summary["accounts"], "clusters": r.summary["clusters"]}))
"""


def run_hunt(events: Path, accounts: Path, out: Path, engine: str,
             pycache: Path) -> dict[str, float]:
    # Byte-code is cached in a private prefix so a run measures the hunt, not the
    # compilation of pandas and matplotlib (environments may set DONTWRITEBYTECODE).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    proc = psutil.Popen([sys.executable, "-c", CHILD, str(events), str(accounts), str(out),
                         engine], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [proc, *proc.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.1)
    stdout = proc.stdout.read() if proc.stdout else b""
    if proc.returncode != 0:
        raise SystemExit(f"hunt failed on {events} ({engine}), exit {proc.returncode}")
    res: dict[str, float] = json.loads(stdout.decode().strip().splitlines()[-1])
    res["peak_rss_mb"] = peak / 2**20
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--world", type=Path, required=True, help="a simulated world (parquet events)")
    ap.add_argument("--sizes", default="100000,1000000", help="event counts, comma-separated")
    ap.add_argument("--spark", default="", help="sizes to also run on Spark, comma-separated")
    ap.add_argument("--repeats", type=int, default=1, help="hunt repeats per size (median)")
    ap.add_argument("--work", type=Path, default=Path("var/bench/hunt"))
    args = ap.parse_args()
    spark_sizes = {int(s) for s in args.spark.split(",") if s}
    print(f"# {' '.join(sys.argv)}")
    print(f"# cpus={psutil.cpu_count()} load={psutil.getloadavg()}")
    print("engine  events      accounts  seconds  events/s   scan_s  ratio  peak_rss_mb")
    for n in [int(s) for s in args.sizes.split(",")]:
        events, accounts = tile(args.world, n, args.work)
        scan = scan_baseline(events, 3)
        engines = ["duckdb"] + (["spark"] if n in spark_sizes else [])
        for engine in engines:
            # One untimed warm-up fills the byte-code cache.
            if not (args.work / "pycache").exists():
                run_hunt(events, accounts, args.work / "warmup", engine, args.work / "pycache")
            runs = [run_hunt(events, accounts, args.work / f"out-{engine}-{n}", engine,
                             args.work / "pycache")
                    for _ in range(args.repeats if engine == "duckdb" else 1)]
            sec = statistics.median(r["seconds"] for r in runs)
            rss = max(r["peak_rss_mb"] for r in runs)
            ev = runs[0]["events"]
            print(f"{engine:7} {int(ev):<11,} {int(runs[0]['accounts']):<9,} {sec:7.1f} "
                  f"{ev / sec:10,.0f} {scan:7.2f} {sec / scan:6.0f} {rss:11.0f}", flush=True)


if __name__ == "__main__":
    main()
