"""TAXII throughput: POST then GET N STIX objects through `distillguard intel serve`,
check every object comes back exactly once, and run OASIS medallion (memory backend)
side by side on the same machine.

    .venv/bin/python bench/intel.py --objects 1000000 --medallion-objects 5000

Prints objects/s both ways, the paging check, peak RSS of each server, and the
ratio to medallion measured in the same run. Medians are over --repeats runs.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil

from distillguard.database import Database
from distillguard.intel.store import TaxiiStore

TAXII = "application/taxii+json;version=2.1"
COLL = "9c2a3c8e-1f5b-4d7e-8a6b-2f0e1d3c4b5a"
NS = uuid.UUID("5c3b8f0e-8e1d-4c55-a7f2-0d6f3a1b2c4d")


def indicator(i: int) -> dict[str, Any]:
    return {"type": "indicator", "spec_version": "2.1",
            "id": f"indicator--{uuid.uuid5(NS, str(i))}",
            "created": "2026-05-03T12:00:00.000Z", "modified": "2026-05-03T12:00:00.000Z",
            "name": f"bench {i}", "pattern_type": "stix", "valid_from": "2026-05-03T12:00:00Z",
            "pattern": f"[ipv4-addr:value = '10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}']"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                rss = self.proc.memory_info().rss
                rss += sum(c.memory_info().rss for c in self.proc.children(recursive=True))
            except psutil.Error:
                return
            self.peak = max(self.peak, rss)
            time.sleep(0.2)


def wait_up(url: str, proc: subprocess.Popen[bytes], **kw: Any) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url, timeout=2, **kw)
            return
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server at {url} did not start") from None
            time.sleep(0.1)


def post_all(client: httpx.Client, url: str, n: int, batch: int,
             deadline: float | None = None) -> tuple[int, float]:
    t0 = time.perf_counter()
    sent = 0
    while sent < n:
        objs = [indicator(i) for i in range(sent, min(n, sent + batch))]
        r = client.post(url, content=json.dumps({"objects": objs}),
                        headers={"Content-Type": TAXII})
        r.raise_for_status()
        status = r.json()
        if status.get("success_count") != len(objs):
            raise RuntimeError(f"POST lost objects: {status.get('failures', [])[:3]}")
        sent += len(objs)
        if deadline is not None and time.monotonic() > deadline:
            break
    return sent, time.perf_counter() - t0


def get_all(client: httpx.Client, url: str, page: int) -> tuple[list[str], float, int]:
    t0 = time.perf_counter()
    ids: list[str] = []
    nxt: str | None = None
    pages = 0
    while True:
        params = {"limit": str(page)}
        if nxt:
            params["next"] = nxt
        r = client.get(url, params=params)
        r.raise_for_status()
        body = r.json()
        ids.extend(o["id"] for o in body.get("objects", []))
        pages += 1
        if not body.get("more"):
            break
        nxt = body["next"]
    return ids, time.perf_counter() - t0, pages


def check(ids: list[str], n: int) -> str:
    expected = {indicator(i)["id"] for i in range(n)}
    dup = len(ids) - len(set(ids))
    missing = len(expected - set(ids))
    ok = dup == 0 and missing == 0 and len(ids) == n
    return f"{'OK' if ok else 'FAILED'} ({len(ids)} returned, {dup} duplicates, {missing} missing)"


def run_ours(n: int, batch: int, page: int, db_url: str | None) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="dg-bench-intel-"))
    url = db_url or f"sqlite:///{tmp / 'taxii.db'}"
    store = TaxiiStore(Database(url))
    store.add_collection(COLL)
    token = store.add_member(f"bench-{uuid.uuid4().hex[:6]}", read=[COLL], write=[COLL])
    port = free_port()
    env = {**os.environ, "DISTILLGUARD_DATABASE_URL": url, "DISTILLGUARD_LOG_LEVEL": "WARNING"}
    exe = Path(sys.executable).with_name("distillguard")
    proc = subprocess.Popen([str(exe), "intel", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(f"{base}/taxii2/", proc)
        sampler = RssSampler(proc.pid)
        sampler.start()
        objects_url = f"{base}/intel/collections/{COLL}/objects/"
        with httpx.Client(headers={"Accept": TAXII, "Authorization": f"Bearer {token}"},
                          timeout=600) as c:
            sent, t_post = post_all(c, objects_url, n, batch)
            ids, t_get, pages = get_all(c, objects_url, page)
        sampler.stop.set()
        return {"objects": sent, "post_s": t_post, "get_s": t_get, "pages": pages,
                "check": check(ids, sent), "peak_rss_mb": sampler.peak / 2**20}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_medallion(n: int, batch: int, timeout_s: float) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="dg-bench-medallion-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = {"/discovery": {"title": "m", "api_roots": [f"{base}/root/"]},
            "root": {"information": {"title": "m", "versions": [TAXII],
                                     "max_content_length": 1 << 30},
                     "status": [],
                     "collections": [{"id": COLL, "title": "c", "can_read": True,
                                      "can_write": True, "media_types": [], "objects": [],
                                      "manifest": []}]}}
    (tmp / "data.json").write_text(json.dumps(data))
    (tmp / "config.json").write_text(json.dumps({
        "backend": {"module": "medallion.backends.memory_backend",
                    "module_class": "MemoryBackend", "filename": str(tmp / "data.json"),
                    "session_timeout": 3600},
        "users": {"bench": "bench"}, "taxii": {"max_page_size": 10_000}}))
    exe = Path(sys.executable).with_name("medallion")
    proc = subprocess.Popen([str(exe), "--port", str(port), "--log-level", "ERROR",
                             str(tmp / "config.json")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(f"{base}/taxii2/", proc, auth=("bench", "bench"))
        sampler = RssSampler(proc.pid)
        sampler.start()
        url = f"{base}/root/collections/{COLL}/objects/"
        with httpx.Client(headers={"Accept": TAXII}, auth=("bench", "bench"),
                          timeout=600) as c:
            sent, t_post = post_all(c, url, n, batch, time.monotonic() + timeout_s)
            ids, t_get, pages = get_all(c, url, 10_000)
        sampler.stop.set()
        return {"objects": sent, "post_s": t_post, "get_s": t_get, "pages": pages,
                "check": check(ids, sent), "peak_rss_mb": sampler.peak / 2**20}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--objects", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=1000, help="objects per POST")
    ap.add_argument("--page", type=int, default=10_000, help="limit per GET page")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--db", default=None, help="database URL (default: fresh SQLite file)")
    ap.add_argument("--medallion-objects", type=int, default=5_000)
    ap.add_argument("--medallion-timeout", type=float, default=300.0,
                    help="stop POSTing to medallion after this many seconds")
    args = ap.parse_args()
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"machine: {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.1f} GiB")

    def show(name: str, runs: list[dict[str, Any]]) -> tuple[float, float]:
        post = statistics.median(r["objects"] / r["post_s"] for r in runs)
        get = statistics.median(r["objects"] / r["get_s"] for r in runs)
        last = runs[-1]
        print(f"{name}: {last['objects']} objects | POST {post:,.0f} obj/s | GET {get:,.0f} "
              f"obj/s ({last['pages']} pages) | paging {last['check']} | peak RSS "
              f"{max(r['peak_rss_mb'] for r in runs):,.0f} MiB")
        return post, get

    ours = [run_ours(args.objects, args.batch, args.page, args.db) for _ in range(args.repeats)]
    show(f"distillguard ({args.db or 'sqlite'})", ours)
    m = args.medallion_objects
    if m > 0:
        same = [run_ours(m, args.batch, args.page, args.db) for _ in range(args.repeats)]
        med = [run_medallion(m, args.batch, args.medallion_timeout) for _ in range(args.repeats)]
        op, og = show("distillguard at medallion size", same)
        mp, mg = show("medallion (memory backend)", med)
        print(f"ratio distillguard/medallion at {med[-1]['objects']} objects: POST "
              f"{op / mp:.1f}x, GET {og / mg:.1f}x")


if __name__ == "__main__":
    main()
