"""Gateway benchmark: added latency and throughput on loopback, side by side.

    .venv/bin/python bench/gateway.py                      # latency steps + max RPS + redis
    .venv/bin/python bench/gateway.py --rates 200,500 --seconds 5
    .venv/bin/python bench/gateway.py --reliability --seconds 60
    .venv/bin/python bench/gateway.py --rates 500 --linkage       # the door's linkage checks on
    .venv/bin/python bench/gateway.py --litellm /path/to/litellm   # LiteLLM proxy side by side

Everything runs on this machine: the stub upstream (``distillguard gateway
stub-upstream``), the gateway (``distillguard serve``) and a small raw HTTP/1.1
load generator (keep-alive connections, open loop at a fixed rate; latency is
measured from each request's *scheduled* send time, so queueing is not hidden).
Added latency is reported two ways: the difference of percentiles between
gateway and direct-to-stub runs at the same rate, and the gateway's own
``X-Distillguard-Overhead-Ms`` header. Peak RSS of the gateway via psutil.

``--reliability`` runs two gateway replicas sharing a private Redis (its own
port, never the shared one) at 80% of the measured max rate, kills one replica
with SIGKILL a third of the way in and restarts Redis half way, then checks
that every answered exchange is in a log and that a rate-limited account got
what its bucket allows (burst + rate x seconds) within 1%.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psutil

REPO = Path(__file__).resolve().parents[1]
CLI = "from distillguard.cli.main import main; main()"
sys.path.insert(0, str(REPO / "src"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_http(port: int, path: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"port {port} not ready")


@contextmanager
def process(args: list[str], env: dict[str, str], port: int, ready: str
            ) -> Iterator[subprocess.Popen[bytes]]:
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("DISTILLGUARD_")}, **env}
    proc = subprocess.Popen(args, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(port, ready, proc)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# -- a raw keep-alive HTTP/1.1 load generator ------------------------------------------------


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds, from scheduled send
    overheads: list[float] = field(default_factory=list)  # ms, from the gateway's header
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    sent: int = 0
    wall: float = 0.0
    answered_ids: list[str] = field(default_factory=list)


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Conn:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, float | None, str]:
        """(status, the gateway's overhead header, its request id = the logged event_id)."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        clen, overhead, chunked, event_id = 0, None, False, ""
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            k = k.strip().lower()
            if k == b"content-length":
                clen = int(v)
            elif k == b"x-distillguard-overhead-ms":
                overhead = float(v)
            elif k == b"x-request-id":
                event_id = v.strip().decode()
            elif k == b"transfer-encoding" and b"chunked" in v.lower():
                chunked = True
        if chunked:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.readexactly(clen)
        return status, overhead, event_id

    def close(self) -> None:
        self.writer.close()


def raw_request(path: str, body: dict[str, Any], key: str, rid: str) -> bytes:
    data = orjson.dumps(body)
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {key}\r\nX-Request-Id: {rid}\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


BODIES = [
    {"model": "stub-chat", "messages": [{"role": "user", "content": "Summarise this memo."}]},
    {"model": "stub-chat", "max_tokens": 64, "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Explain step by step why the sky is blue."}]},
    {"model": "stub-reasoner", "reasoning_effort": "high", "messages": [
        {"role": "user", "content": "Generate 5 diverse questions about algebra."}]},
]


async def open_loop(port: int, keys: list[str], rate: float, seconds: float,
                    tag: str = "r") -> Result:
    res = Result()
    pool: list[Conn] = []
    n = int(rate * seconds)
    t0 = time.perf_counter() + 0.05
    tasks = []

    async def one(i: int, due: float) -> None:
        conn = pool.pop() if pool else None
        try:
            if conn is None:
                conn = await Conn.open(port)
            rid = f"{tag}-{i}"
            status, overhead, event_id = await conn.request(
                raw_request("/v1/chat/completions", BODIES[i % len(BODIES)],
                            keys[i % len(keys)], rid))
            res.latencies.append(time.perf_counter() - due)
            res.statuses[status] = res.statuses.get(status, 0) + 1
            if overhead is not None:
                res.overheads.append(overhead)
            if status == 200:  # the gateway names its own event id (clients' ids are not)
                res.answered_ids.append(event_id)
            pool.append(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            res.errors += 1
            if conn is not None:
                conn.close()

    for i in range(n):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        res.sent += 1
        tasks.append(asyncio.ensure_future(one(i, due)))
    await asyncio.gather(*tasks)
    res.wall = time.perf_counter() - t0
    for c in pool:
        c.close()
    return res


async def closed_loop(port: int, keys: list[str], concurrency: int, seconds: float) -> Result:
    res = Result()
    stop = time.perf_counter() + seconds

    async def worker(w: int) -> None:
        conn = await Conn.open(port)
        i = 0
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                status, _, _ = await conn.request(raw_request(
                    "/v1/chat/completions", BODIES[i % 3], keys[(w + i) % len(keys)], f"c{w}-{i}"))
            except (OSError, asyncio.IncompleteReadError):
                res.errors += 1
                conn = await Conn.open(port)
                continue
            res.latencies.append(time.perf_counter() - t)
            res.statuses[status] = res.statuses.get(status, 0) + 1
            i += 1
        conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    res.wall = time.perf_counter() - t0
    res.sent = len(res.latencies) + res.errors
    return res


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


# -- the runs ----------------------------------------------------------------------------------


def setup_keys(db_url: str, n: int) -> list[str]:
    from distillguard.gateway.keys import KeyStore

    store = KeyStore(db_url)
    with store.batch():
        keys = [store.create(f"bench-{i}", org_id=f"org-{i % 5}", kyc_level="card").secret
                for i in range(n)]
    store.close()
    return keys


GENEROUS = ("limits:\n  account: {rate: 100000, burst: 100000}\n"
            "  key: {rate: 100000, burst: 100000}\n  org: {rate: 100000, burst: 100000}\n")


def gateway_env(tmp: Path, upstream_port: int, **extra: str) -> dict[str, str]:
    return {"DISTILLGUARD_DATA_DIR": str(tmp / "var"),
            "DISTILLGUARD_DATABASE_URL": f"sqlite:///{tmp / 'keys.db'}",
            "DISTILLGUARD_GATEWAY_UPSTREAM_URL": f"http://127.0.0.1:{upstream_port}",
            "DISTILLGUARD_GATEWAY_POLICY": str(tmp / "policy.yaml"),
            "DISTILLGUARD_LOG_LEVEL": "WARNING", **extra}


@contextmanager
def gateway(tmp: Path, upstream_port: int, name: str, **extra: str
            ) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    with process([sys.executable, "-c", CLI, "serve", "--port", str(port), "--replica", name],
                 gateway_env(tmp, upstream_port, **extra), port, "/healthz") as proc:
        yield port, proc


def rss_mb(proc: subprocess.Popen[bytes]) -> float:
    try:
        return float(psutil.Process(proc.pid).memory_info().rss) / 2**20
    except psutil.Error:
        return float("nan")


def latency_row(label: str, rate: float, direct: Result, via: Result) -> dict[str, Any]:
    d50, d99 = pct(direct.latencies, 0.5) * 1e3, pct(direct.latencies, 0.99) * 1e3
    g50, g99 = pct(via.latencies, 0.5) * 1e3, pct(via.latencies, 0.99) * 1e3
    return {
        "config": label, "target_rps": rate,
        "achieved_rps": round(len(via.latencies) / via.wall, 1) if via.wall else 0,
        "direct_p50_ms": round(d50, 3), "direct_p99_ms": round(d99, 3),
        "gateway_p50_ms": round(g50, 3), "gateway_p99_ms": round(g99, 3),
        "added_p50_ms": round(g50 - d50, 3), "added_p99_ms": round(g99 - d99, 3),
        "header_overhead_p50_ms": round(pct(via.overheads, 0.5), 3),
        "header_overhead_p99_ms": round(pct(via.overheads, 0.99), 3),
        "non_200": sum(v for k, v in via.statuses.items() if k != 200) + via.errors,
    }


def run_latency(args: argparse.Namespace, tmp: Path, stub_port: int, keys: list[str]
                ) -> list[dict[str, Any]]:
    rows = []
    configs = [("memory, fsync=batch", {"DISTILLGUARD_GATEWAY_FSYNC": "batch"}),
               ("memory, fsync=always", {"DISTILLGUARD_GATEWAY_FSYNC": "always"})]
    prefix = f"dgbench:{os.getpid()}:"
    if args.linkage:
        # the door on: a published book (Redis) of 100 campaigns' keys and 5000 verdicts,
        # none matching the bench's accounts, so every quiet account's request computes its
        # keys and every request asks the hand-off map (one Redis GET)
        publish_bench_book(args.redis_url, prefix)
        configs.append(("memory+linkage, batch", {
            "DISTILLGUARD_GATEWAY_FSYNC": "batch", "DISTILLGUARD_GATEWAY_BOOK": "redis",
            "DISTILLGUARD_GATEWAY_BOOK_PREFIX": prefix,
            "DISTILLGUARD_REDIS_URL": args.redis_url}))
    if not args.no_redis:
        configs.append(("redis, fsync=batch", {
            "DISTILLGUARD_GATEWAY_FSYNC": "batch", "DISTILLGUARD_GATEWAY_STATE": "redis",
            "DISTILLGUARD_REDIS_URL": args.redis_url}))
    for label, extra in configs:
        rates = args.rates if label.startswith(("memory, fsync=batch", "memory+linkage")) \
            else [500.0]
        with gateway(tmp, stub_port, label.split(",")[0], **extra) as (gport, gproc):
            asyncio.run(open_loop(gport, keys, 100, 1.0, "warm"))  # warm caches and pools
            for rate in rates:
                direct = asyncio.run(open_loop(stub_port, keys, rate, args.seconds))
                via = asyncio.run(open_loop(gport, keys, rate, args.seconds))
                row = latency_row(label, rate, direct, via)
                row["gateway_rss_mb"] = round(rss_mb(gproc), 1)
                rows.append(row)
                print(json.dumps(row), file=sys.stderr)
    if args.linkage:
        clear_bench_book(args.redis_url, prefix)
    return rows


def clear_bench_book(redis_url: str, prefix: str) -> None:
    from distillguard.gateway.door import RedisChannel

    async def go() -> None:
        ch = RedisChannel(redis_url, prefix=prefix)
        try:
            await ch.clear()
        finally:
            await ch.aclose()

    asyncio.run(go())


def publish_bench_book(redis_url: str, prefix: str) -> int:
    from distillguard.gateway.door import RedisChannel
    from distillguard.gateway.linkage import Campaign, LinkBook
    from distillguard.gateway.verdicts import External

    camps = {f"C{i:04d}": Campaign(f"C{i:04d}", "block", 10, "bench") for i in range(100)}
    keys: dict[str, dict[str, tuple[str, ...]]] = {k: {} for k in (
        "sysk", "p64", "s64", "p24", "s24", "ip", "ip_prefix", "tools", "payment")}
    for i, cid in enumerate(camps):
        for j in range(50):
            kind = list(keys)[j % len(keys)]
            keys[kind][f"campaign {i} value {j}"] = (cid,)
    book = LinkBook(verdicts={f"flagged-{i}": External("block", "bench", "watch")
                              for i in range(5000)}, campaigns=camps, keys=keys)

    async def go() -> int:
        ch = RedisChannel(redis_url, prefix=prefix)
        try:
            return await ch.publish(book)
        finally:
            await ch.aclose()

    return asyncio.run(go())


def run_max(args: argparse.Namespace, tmp: Path, stub_port: int, keys: list[str]
            ) -> dict[str, Any]:
    with gateway(tmp, stub_port, "max", DISTILLGUARD_GATEWAY_FSYNC="batch") as (gport, gproc):
        asyncio.run(open_loop(gport, keys, 100, 1.0, "warm"))
        direct = asyncio.run(closed_loop(stub_port, keys, args.concurrency, args.seconds))
        via = asyncio.run(closed_loop(gport, keys, args.concurrency, args.seconds))
        return {"concurrency": args.concurrency,
                "direct_max_rps": round(len(direct.latencies) / direct.wall, 1),
                "gateway_max_rps": round(len(via.latencies) / via.wall, 1),
                "gateway_p50_ms_at_max": round(pct(via.latencies, 0.5) * 1e3, 3),
                "gateway_rss_mb": round(rss_mb(gproc), 1),
                "non_200": sum(v for k, v in via.statuses.items() if k != 200) + via.errors}


def run_litellm(args: argparse.Namespace, tmp: Path, stub_port: int) -> dict[str, Any]:
    """LiteLLM proxy on the same stub, same load, same run."""
    cfg = tmp / "litellm.yaml"
    master = "sk-bench-" + os.urandom(16).hex()
    cfg.write_text(f"general_settings:\n  master_key: {master}\nmodel_list:\n"
                   + "".join(f"  - model_name: {m}\n    litellm_params:\n      model: openai/{m}\n"
                             f"      api_base: http://127.0.0.1:{stub_port}/v1\n"
                             "      api_key: stub\n"
                             for m in ("stub-chat", "stub-reasoner")))
    port = free_port()
    rows = []
    with process([args.litellm, "--config", str(cfg), "--port", str(port), "--num_workers", "1"],
                 {}, port, "/health/liveliness"):
        asyncio.run(open_loop(port, [master], 50, 2.0, "warm"))
        for rate in args.rates:
            direct = asyncio.run(open_loop(stub_port, ["x"], rate, args.seconds))
            via = asyncio.run(open_loop(port, [master], rate, args.seconds))
            rows.append(latency_row("litellm proxy", rate, direct, via))
    return {"rows": rows}


# -- reliability --------------------------------------------------------------------------------


@contextmanager
def private_redis(port: int, tmp: Path) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", str(tmp)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(5)


def run_reliability(args: argparse.Namespace, tmp: Path, stub_port: int, keys: list[str]
                    ) -> dict[str, Any]:
    rport = free_port()
    redis_url = f"redis://127.0.0.1:{rport}/0"
    limited_rate, limited_burst = 20.0, 20.0
    (tmp / "policy.yaml").write_text(GENEROUS)
    from distillguard.gateway.keys import KeyStore

    store = KeyStore(f"sqlite:///{tmp / 'keys.db'}")
    limited = store.create("limited-acct").secret
    store.close()
    extra = {"DISTILLGUARD_GATEWAY_STATE": "redis", "DISTILLGUARD_REDIS_URL": redis_url,
             "DISTILLGUARD_GATEWAY_FSYNC": "always", "DISTILLGUARD_GATEWAY_FAIL_MODE": "open"}
    # the limited account has its own tight bucket: a per-tier limit would be simpler, but a
    # separate policy file per account is not needed, the account limit is global in the policy
    (tmp / "policy.yaml").write_text(
        f"limits:\n  account: {{rate: {limited_rate}, burst: {limited_burst}}}\n")
    rate = args.reliability_rps
    secs = args.seconds
    out: dict[str, Any] = {"rps": rate, "seconds": secs}
    with private_redis(rport, tmp) as redis_proc, \
            gateway(tmp, stub_port, "rep-a", **extra) as (pa, proc_a), \
            gateway(tmp, stub_port, "rep-b", **extra) as (pb, proc_b):
        events: list[str] = []

        async def chaos() -> None:
            nonlocal redis_proc
            await asyncio.sleep(secs / 3)
            proc_a.send_signal(signal.SIGKILL)
            events.append(f"t={secs / 3:.0f}s SIGKILL replica a")
            await asyncio.sleep(secs / 6)
            redis_proc.terminate()
            redis_proc.wait(5)
            await asyncio.sleep(0.5)
            redis_proc = subprocess.Popen(
                ["redis-server", "--port", str(rport), "--save", "", "--appendonly", "no",
                 "--dir", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            events.append(f"t={secs / 2:.0f}s Redis restarted (state lost, fail-open meanwhile)")

        async def go() -> tuple[Result, Result, Result, Result]:
            # the bulk load spreads over many accounts; each stays under its bucket
            bulk = [k for k in keys]
            r = await asyncio.gather(
                open_loop(pa, bulk, rate / 2, secs, "a"), open_loop(pb, bulk, rate / 2, secs, "b"),
                open_loop(pa, [limited], 30, secs / 3 - 1, "la"),
                open_loop(pb, [limited], 30, secs / 3 - 1, "lb"), chaos())
            return r[0], r[1], r[2], r[3]

        ra, rb, la, lb = asyncio.run(go())
        out["events"] = events
        answered = set(ra.answered_ids) | set(rb.answered_ids)
        logged: set[str] = set()
        from distillguard.gateway.exchange_log import read_log

        limited_ts: list[float] = []
        limited_ok = 0
        limited_ok_ts: list[float] = []
        for path in (tmp / "var" / "gateway" / "log").glob("exchanges-*.jsonl"):
            for _, ev, _ in read_log(path):
                if ev is not None:
                    logged.add(ev.event_id)
                    if ev.account_id == "limited-acct":
                        limited_ts.append(ev.ts.timestamp())
                        if ev.status == 200:
                            limited_ok += 1
                            limited_ok_ts.append(ev.ts.timestamp())
        out["answered"] = len(answered)
        out["missing_from_log"] = len(answered - logged)
        # A bucket promises: in any interval of W seconds at most burst + rate * W are
        # allowed, and while demand exceeds the rate it allows exactly that. Judge it on the
        # gateway's own timestamps (under overload requests queue, so client-side send
        # times say little): the busiest W-second window of allowed requests, and the
        # steady rate between the end of the burst and the last allowed request.
        ok_ts = sorted(limited_ok_ts)
        w = 5.0
        busiest = max((sum(1 for u in ok_ts[i:] if u < t + w) for i, t in enumerate(ok_ts)),
                      default=0)
        steady = ok_ts[int(limited_burst):]
        steady_rate = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 2 else 0.0
        out["limited_account"] = {
            "offered_rps": 60, "configured": f"{limited_rate}/s burst {limited_burst}",
            "allowed_by_clients": la.statuses.get(200, 0) + lb.statuses.get(200, 0),
            "allowed_in_log": limited_ok, "requests_in_log": len(limited_ts),
            f"busiest_{w:.0f}s_window": busiest,
            "bound_for_that_window": limited_burst + limited_rate * w,
            "steady_rate_rps": round(steady_rate, 3),
            "steady_rate_error_pct": round(100 * (steady_rate - limited_rate) / limited_rate, 2)}
        out["non_200_bulk"] = {str(k): v for k, v in (ra.statuses | rb.statuses).items()}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rates", default="200,500,1000")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--no-redis", action="store_true")
    ap.add_argument("--linkage", action="store_true",
                    help="also measure the door on (GATEWAY_BOOK=redis, a published book)")
    ap.add_argument("--litellm", default="", help="path to a litellm executable (optional)")
    ap.add_argument("--reliability", action="store_true")
    ap.add_argument("--reliability-rps", type=float, default=0.0,
                    help="default: 80%% of the measured max")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    args.rates = [float(r) for r in args.rates.split(",") if r]
    report: dict[str, Any] = {"command": " ".join([".venv/bin/python", "bench/gateway.py",
                                                   *sys.argv[1:]]),
                              "cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="dg-bench-") as td:
        tmp = Path(td)
        (tmp / "policy.yaml").write_text(GENEROUS)
        keys = setup_keys(f"sqlite:///{tmp / 'keys.db'}", args.accounts)
        stub_port = free_port()
        with process([sys.executable, "-c", CLI, "gateway", "stub-upstream", "--port",
                      str(stub_port)], {}, stub_port, "/v1/models"):
            if args.reliability:
                if not args.reliability_rps:
                    args.reliability_rps = 0.8 * run_max(args, tmp, stub_port, keys)[
                        "gateway_max_rps"]
                report["reliability"] = run_reliability(args, tmp, stub_port, keys)
            else:
                report["latency"] = run_latency(args, tmp, stub_port, keys)
                report["max"] = run_max(args, tmp, stub_port, keys)
                if args.litellm:
                    report["litellm"] = run_litellm(args, tmp, stub_port)
                else:
                    report["litellm"] = "not measured: pass --litellm PATH (pip install "\
                                        "'litellm[proxy]' in a separate venv)"
    report["load_avg_at_end"] = os.getloadavg()
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    if "latency" in report:
        print("\nconfig                 rps   achieved  added p50  added p99  hdr p50  hdr p99",
              file=sys.stderr)
        for r in report["latency"]:
            print(f"{r['config']:<22}{r['target_rps']:>5.0f}{r['achieved_rps']:>10}"
                  f"{r['added_p50_ms']:>10.2f}{r['added_p99_ms']:>11.2f}"
                  f"{r['header_overhead_p50_ms']:>9.2f}{r['header_overhead_p99_ms']:>9.2f}",
                  file=sys.stderr)
    _ = statistics  # medians are the p50 above


if __name__ == "__main__":
    main()
