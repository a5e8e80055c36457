"""A small network lab for location attestation: the server's agent and every
landmark run as separate processes (the agent optionally in its own Linux
network namespace behind a veth pair); distance is a user-space delay line per
path (the kernel here has no netem), run in a thread of the test process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distillguard.diversion.attest import Measurement
from distillguard.diversion.delayline import serve_delayline

CLI = str(Path(sys.executable).with_name("distillguard"))
_SUBNETS = itertools.count(1)


class DelayLines:
    """Delay lines served from one background event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.tasks: list[Any] = []

    def add(self, upstream: tuple[str, int], delay_ms: float, *, host: str = "127.0.0.1",
            jitter_ms: float = 0.1, loss: float = 0.03, seed: int = 0) -> tuple[str, int]:
        ready: asyncio.Future[Any] = self.loop.create_future()

        def _ready(addr: Any) -> None:
            ready.set_result(addr)

        async def start() -> tuple[str, int]:
            self.tasks.append(asyncio.ensure_future(serve_delayline(
                (host, 0), upstream, delay_ms, jitter_ms=jitter_ms, loss=loss, seed=seed,
                ready=_ready)))
            addr = await asyncio.wait_for(ready, 30)  # bounds a line that never opens
            return str(addr[0]), int(addr[1])

        return asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)

    def close(self) -> None:
        async def stop() -> None:
            for t in self.tasks:
                t.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@dataclass
class Agent:
    proc: subprocess.Popen[str]
    host: str
    port: int


def netns_available() -> str:
    """Why network namespaces cannot be used here ("" when they can)."""
    if shutil.which("ip") is None:
        return "iproute2 (ip) not installed"
    if os.geteuid() != 0:
        return "network namespaces need root"
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    return "" if probe.returncode == 0 else f"ip netns unavailable: {probe.stderr.strip()}"


@contextlib.contextmanager
def namespace() -> Iterator[tuple[str, str]]:
    """A fresh namespace joined to this one by a veth pair: (name, its address)."""
    n = next(_SUBNETS) % 250 + 1
    name = f"dg-{os.getpid()}-{n}"
    a, b = f"dg{os.getpid() % 10000}a{n}", f"dg{os.getpid() % 10000}b{n}"
    host_ip, ns_ip = f"10.213.{n}.1", f"10.213.{n}.2"
    cmds = [
        ["ip", "netns", "add", name],
        ["ip", "link", "add", a, "type", "veth", "peer", "name", b],
        ["ip", "link", "set", b, "netns", name],
        ["ip", "addr", "add", f"{host_ip}/30", "dev", a],
        ["ip", "link", "set", a, "up"],
        ["ip", "netns", "exec", name, "ip", "addr", "add", f"{ns_ip}/30", "dev", b],
        ["ip", "netns", "exec", name, "ip", "link", "set", b, "up"],
        ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"],
    ]
    try:
        for c in cmds:
            subprocess.run(c, check=True, capture_output=True)
        yield name, ns_ip
    finally:
        # Deleting the namespace deletes the veth pair with it.
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
        subprocess.run(["ip", "link", "del", a], capture_output=True)


@contextlib.contextmanager
def agent(key_file: Path, device: str, *, host: str = "127.0.0.1", netns: str = "",
          added_ms: float = 0.0) -> Iterator[Agent]:
    cmd = [CLI, "locate", "agent", "--listen", f"{host}:0", "--device", device,
           "--key-file", str(key_file), "--added-ms", str(added_ms)]
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line.startswith("ready "):
                err = proc.stderr.read() if proc.stderr else ""
                raise RuntimeError(f"agent did not start: {line!r} {err}")
            h, _, p = line.split()[1].rpartition(":")
            yield Agent(proc, h, int(p))
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def probe_all(targets: Sequence[tuple[str, tuple[str, int]]], key_file: Path, device: str,
              *, count: int = 8, timeout_s: float = 1.0) -> list[Measurement]:
    """Every landmark probes at once, each in its own process."""

    def one(item: tuple[str, tuple[str, int]]) -> Measurement:
        lm, (h, p) = item
        out = subprocess.run(
            [CLI, "locate", "probe", "--landmark", lm, "--target", f"{h}:{p}", "--device", device,
             "--key-file", str(key_file), "--count", str(count), "--timeout-s", str(timeout_s)],
            capture_output=True, text=True, timeout=60, check=True,
        )
        return Measurement.from_dict(json.loads(out.stdout.strip().splitlines()[-1]))

    with ThreadPoolExecutor(len(targets)) as pool:
        return list(pool.map(one, targets))
