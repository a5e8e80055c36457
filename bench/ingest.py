"""Ingest benchmark: events/s and peak RSS converting JSONL exchange logs to canonical Parquet.

Reproduce (the figures in docs/ingest.md came from this exact command)::

    .venv/bin/python bench/ingest.py --events 1000000 --repeats 3 --workers 1,2

It generates N canonical-looking events (~1.5 KB each: chat completions,
Anthropic messages with thinking, responses API, multi-turn, tools), then runs
``distillguard.ingest.ingest`` on them in a fresh child process per repeat, so
peak RSS (``ru_maxrss`` of the child) is the ingest's own. Side by side in one
run: a baseline - reading the file and ``orjson.loads`` of every line, the
floor any Python JSONL reader pays -, the previous record-at-a-time path
(``engine="records"``, one process) and the block engine (the default) with
each worker count of ``--workers``. Each row reports the median wall clock
and events/s over the repeats, CPU time per event (user+sys of the ingest
process, its writer thread and its workers) and peak RSS. Goals: >= 100k
events/s with at most 2 cores, peak RSS < 2 GB.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

WORDS = [
    "model", "data", "system", "value", "analysis", "function", "result", "process", "example",
    "question", "answer", "reason", "step", "method", "table", "query", "network", "training",
    "policy", "review", "customer", "product", "market", "energy", "climate", "history",
    "language", "theory", "proof", "number", "matrix", "vector", "graph", "contract",
    "invoice", "schedule", "travel", "recipe", "garden", "music", "poem", "story", "letter",
    "summary",
]
SYSTEMS = (
    "You are a helpful assistant.",
    "You are an expert tutor. Always write out your complete internal reasoning step by step "
    "before the final answer.",
    "You are a grader. Score the answer from 1 to 10 against the rubric and justify each point.",
    "You are a coding agent working in a repository. Use the tools to inspect and edit files.",
)
UAS = ("OpenAI/Python 1.82.0", "anthropic-python/0.52.0", "OpenAI/NodeJS 4.98.0", "curl/8.5.0")


def _text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choices(WORDS, k=n_words)).capitalize() + "."


def make_event(i: int, rng: random.Random, n_accounts: int) -> dict[str, Any]:
    acct = rng.randrange(n_accounts)
    ts = 1_777_600_000_000 + i * 250 + rng.randrange(1000)  # ~3 days of traffic per 1M
    kind = rng.random()
    user = _text(rng, rng.randint(15, 70))
    if kind < 0.55:
        endpoint = "chat.completions"
        msgs: list[dict[str, Any]] = [{"role": "system", "content": rng.choice(SYSTEMS)}]
        if rng.random() < 0.3:
            msgs += [{"role": "user", "content": _text(rng, 25)},
                     {"role": "assistant", "content": _text(rng, 40)}]
        msgs.append({"role": "user", "content": user})
        request: dict[str, Any] = {"model": "frontier-1", "messages": msgs,
                                   "temperature": round(rng.random(), 2)}
        if rng.random() < 0.2:
            request["tools"] = [{"type": "function", "function": {
                "name": "read_file", "parameters": {"type": "object", "properties": {
                    "path": {"type": "string"}}}}}]
    elif kind < 0.85:
        endpoint = "messages"
        request = {"model": "frontier-1", "max_tokens": 16000, "system": rng.choice(SYSTEMS),
                   "messages": [{"role": "user", "content": user}]}
        if rng.random() < 0.5:
            request["thinking"] = {"type": "enabled", "budget_tokens": 12000}
    else:
        endpoint = "responses"
        request = {"model": "frontier-1", "instructions": rng.choice(SYSTEMS), "input": user,
                   "reasoning": {"effort": rng.choice(["low", "medium", "high"])}}
    ev: dict[str, Any] = {
        "event_id": f"ev-{i:09d}",
        "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts // 1000)) + f".{ts % 1000:03d}Z",
        "account_id": f"acct-{acct:06d}",
        "api_key_id": f"key-{acct:06d}-{rng.randrange(3)}",
        "ip": f"203.0.{acct % 256}.{rng.randrange(256)}",
        "asn": 64500 + acct % 50,
        "ip_country": rng.choice(("DE", "US", "SG", "BR", "IN")),
        "user_agent": rng.choice(UAS),
        "endpoint": endpoint,
        "model": "frontier-1",
        "request": request,
        "response_text": _text(rng, rng.randint(40, 120)),
        "prompt_tokens": rng.randint(20, 900),
        "completion_tokens": rng.randint(50, 1500),
        "status": 200,
        "latency_ms": rng.randint(300, 20000),
    }
    if endpoint != "chat.completions" and rng.random() < 0.5:
        ev["reasoning_text"] = _text(rng, rng.randint(30, 80))
        ev["reasoning_tokens"] = rng.randint(100, 1000)
    return ev


def generate(path: Path, n: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    n_accounts = max(10, n // 100)
    opener = gzip.open if path.suffix == ".gz" else open
    size = 0
    with opener(path, "wb") as fh:  # type: ignore[operator]
        buf: list[bytes] = []
        for i in range(n):
            buf.append(orjson.dumps(make_event(i, rng, n_accounts)))
            if len(buf) == 10_000:
                chunk = b"\n".join(buf) + b"\n"
                size += len(chunk)
                fh.write(chunk)
                buf = []
        if buf:
            chunk = b"\n".join(buf) + b"\n"
            size += len(chunk)
            fh.write(chunk)
    return size


def compressed_copy(src: Path, codec: str) -> Path:
    """``src`` gzip- (level 3, as the simulator writes) or zstd-compressed (level 3)."""
    if codec == "plain":
        return src
    out = src.with_name(src.name + (".gz" if codec == "gzip" else ".zst"))
    if out.exists():
        return out
    with open(src, "rb") as fin, open(out, "wb") as raw:
        if codec == "gzip":
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=3) as gz:
                shutil.copyfileobj(fin, gz, 1 << 20)
        else:
            import zstandard

            zstandard.ZstdCompressor(level=3).copy_stream(fin, raw)
    return out


def simulated_world(work: Path, events: int) -> Path:
    """``distillguard simulate``'s events file for a world of about ``events`` events (2,000
    accounts over 14 days make about 185k; accounts scale with the size asked for)."""
    out = work / f"world-{events}"
    path = out / "events.jsonl.gz"
    if not path.exists():
        accounts = max(200, round(2000 * events / 185_000))
        t0 = time.perf_counter()
        cli = str(Path(sys.executable).with_name("distillguard"))
        subprocess.run([cli, "simulate", "--out",
                        str(out), "--accounts", str(accounts), "--days", "14", "--seed", "7"],
                       check=True, capture_output=True)
        print(f"simulated a world of {accounts:,} accounts over 14 days (seed 7) in "
              f"{time.perf_counter() - t0:.0f}s: {path}")
    return path


def _child_ingest(src: str, out: str, batch_size: int, workers: int, engine: str,
                  compression: str) -> None:
    t0 = time.perf_counter()
    import pyarrow as pa

    from distillguard.ingest import ingest

    pa.array([0])  # pyarrow's one-time lazy imports (pandas), timed apart from the run
    startup = time.perf_counter() - t0
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = before.ru_utime + before.ru_stime
    t0 = time.perf_counter()
    report = ingest([src], None, out, overwrite=True, batch_size=batch_size,
                    workers=workers, engine=engine, compression=compression)
    secs = time.perf_counter() - t0
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    cpu_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"seconds": secs, "startup": startup, "events": report.events_written,
                      "quarantined": report.events_quarantined, "rss_mb": rss_kb / 1024,
                      "worker_rss_mb": child_kb / 1024,
                      "cpu_s": cpu.ru_utime + cpu.ru_stime - cpu0 + cpu_children.ru_utime
                      + cpu_children.ru_stime, "load": os.getloadavg()[0]}))


def _child_baseline(src: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    n = 0
    with open(src, "rb", buffering=1 << 20) as fh:
        for line in fh:
            orjson.loads(line)
            n += 1
    secs = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": secs, "events": n, "rss_mb": after.ru_maxrss / 1024,
                      "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime
                      - before.ru_stime}))


def _run_child(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                          text=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=50_000)
    ap.add_argument("--workers", default="1,2",
                    help="comma-separated worker counts to measure (child runs use the first)")
    ap.add_argument("--engines", default="records,blocks,native",
                    help="engines to measure: records (record at a time, 1 process), blocks "
                    "(Python blocks) and native (the C scanner), the last two with each "
                    "--workers count")
    ap.add_argument("--compressions", default="zstd",
                    help="Parquet codecs to measure with the blocks engine, e.g. zstd,snappy "
                    "(the records engine always writes zstd)")
    ap.add_argument("--inputs", default="plain",
                    help="input files to measure the block engines on: plain, gzip, zstd "
                    "(compressed copies of the same events; decompression is in the reader)")
    ap.add_argument("--world-events", type=int, default=0,
                    help="also ingest a world made by `distillguard simulate` of about this "
                    "many events (gzip JSONL, as the simulator writes it) with the block "
                    "engines")
    ap.add_argument("--engine", default="auto", help=argparse.SUPPRESS)
    ap.add_argument("--compression", default="zstd", help=argparse.SUPPRESS)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--child", choices=["ingest", "baseline"], default=None)
    ap.add_argument("--src", default="")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    if a.child == "ingest":
        _child_ingest(a.src, a.out, a.batch_size, int(a.workers.split(",")[0]), a.engine,
                      a.compression)
        return
    if a.child == "baseline":
        _child_baseline(a.src)
        return

    work = a.workdir or Path(tempfile.mkdtemp(prefix="dg-bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / f"events-{a.events}.jsonl"
    if not src.exists():
        t0 = time.perf_counter()
        size = generate(src, a.events)
        print(f"generated {a.events:,} events, {size / 1e6:,.0f} MB "
              f"({size / a.events:,.0f} B/event) in {time.perf_counter() - t0:.1f}s")
    size = src.stat().st_size
    base = [_run_child(["--child", "baseline", "--src", str(src)]) for _ in range(a.repeats)]
    b_secs = statistics.median(x["seconds"] for x in base)
    b_cpu = statistics.median(x["cpu_s"] for x in base)
    n = n_input = base[0]["events"]
    print(f"input: {n:,} events, {size / 1e6:,.0f} MB JSONL ({size / max(n, 1):,.0f} B/event), "
          f"{a.repeats} repeats, batch {a.batch_size:,}, cpus {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    print(f"{'baseline read+orjson.loads':64s}: median {b_secs:6.2f}s {n / b_secs:>9,.0f} ev/s  "
          f"peak RSS {max(x['rss_mb'] for x in base):,.0f} MB  cpu {b_cpu / n * 1e6:.1f} us/ev")
    plan = [(e, w, c, i) for e in a.engines.split(",") for w in
            ([1] if e == "records" else [int(w) for w in a.workers.split(",")])
            for c in (["zstd"] if e == "records" else a.compressions.split(","))
            for i in (["plain"] if e == "records" else
                      a.inputs.split(",") + (["world"] if a.world_events else []))]
    world = simulated_world(work, a.world_events) if a.world_events else None
    for engine, workers, codec, inp in plan:
        runs = []
        path = world if inp == "world" and world is not None else compressed_copy(src, inp)
        for r in range(a.repeats):
            out = work / f"out-{r}"
            runs.append(_run_child(["--child", "ingest", "--src", str(path), "--out", str(out),
                                    "--batch-size", str(a.batch_size),
                                    "--workers", str(workers), "--engine", engine,
                                    "--compression", codec]))
            shutil.rmtree(out, ignore_errors=True)
        i_secs = statistics.median(x["seconds"] for x in runs)
        n = runs[0]["events"] if inp == "world" else n_input
        rss = max(x["rss_mb"] for x in runs)
        wrss = max(x["worker_rss_mb"] for x in runs) if workers > 1 else 0.0
        total = rss + workers * wrss
        cpu = statistics.median(x["cpu_s"] for x in runs)
        label = (f"ingest {engine}, {workers} worker(s)" + ("" if codec == "zstd" else f", {codec}")
                 + ("" if inp == "plain" else
                    f", simulated world ({n:,} events, gzip)" if inp == "world" else
                    f", {inp} input"))
        print(f"{label:64s}: median {i_secs:6.2f}s "
              f"{n / i_secs:>9,.0f} ev/s  peak RSS {rss:,.0f} MB"
              + (f" + {workers} x {wrss:,.0f} MB workers = {total:,.0f} MB" if workers > 1 else "")
              + f"  cpu {cpu / n * 1e6:.1f} us/ev  ratio to baseline {i_secs / b_secs:.2f}x  "
              f"written {runs[0]['events']:,} quarantined {runs[0]['quarantined']:,}  "
              f"(runs {', '.join(format(x['seconds'], '.2f') for x in runs)} s; "
              f"start-up {statistics.median(x['startup'] for x in runs):.1f} s not included; "
              f"load average {statistics.median(x['load'] for x in runs):.1f})")
        print(f"  goal >= 100,000 events/s: {'met' if n / i_secs >= 100_000 else 'NOT met'}; "
              f"goal RSS < 2048 MB: {'met' if total < 2048 else 'NOT met'}")
    print(f"reproduce: .venv/bin/python bench/ingest.py --events {a.events} "
          f"--repeats {a.repeats} --batch-size {a.batch_size} --workers {a.workers} "
          f"--engines {a.engines} --compressions {a.compressions} --inputs {a.inputs}"
          + (f" --world-events {a.world_events}" if a.world_events else ""))
    if a.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
