"""kill -9 under load: every exchange a client got a complete answer for is
in the exchange log, because the answer's last byte waits for the event."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import httpx
import pytest

from distillguard.gateway.exchange_log import read_log
from distillguard.gateway.keys import KeyStore

from .conftest import chat
from .servers import gateway, gateway_env, stub_upstream


async def _load(url: str, secret: str, stop_at: float, answered: set[str],
                attempted: set[str], worker: int) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=5) as c:
        i = 0
        while time.monotonic() < stop_at:
            rid = f"w{worker}-{i}"
            i += 1
            attempted.add(rid)
            body = chat(f"q {rid}", stream=(i % 3 == 0))
            try:
                r = await c.post("/v1/chat/completions", json=body, headers={
                    "authorization": f"Bearer {secret}", "x-request-id": rid})
            except httpx.HTTPError:
                await asyncio.sleep(0.05)
                continue
            if r.status_code == 200 and (r.text.endswith("[DONE]\n\n") or r.text.endswith("}")):
                answered.add(r.headers["x-request-id"])  # the gateway's id: the event_id


@pytest.mark.slow
@pytest.mark.parametrize("fsync", ["always", "batch"])
def test_sigkill_loses_no_answered_exchange(tmp_path: Path, fsync: str) -> None:
    data = tmp_path / "var"
    data.mkdir()
    policy = tmp_path / "policy.yaml"
    policy.write_text("limits: {}\n")
    store = KeyStore(f"sqlite:///{data / 'keys.db'}")
    secret = store.create("acct-load").secret
    store.close()
    answered: set[str] = set()
    attempted: set[str] = set()
    with stub_upstream() as upstream:
        env = gateway_env(data, upstream, DISTILLGUARD_GATEWAY_FSYNC=fsync,
                          DISTILLGUARD_GATEWAY_POLICY=str(policy))
        with gateway(env) as (url, proc):
            async def go() -> None:
                # the load runs until the kill, however slow the machine: the kill waits
                # for enough answers (up to 90 s), then for a request the kill refused
                stop_at = time.monotonic() + 120
                workers = [asyncio.ensure_future(
                    _load(url, secret, stop_at, answered, attempted, w)) for w in range(12)]
                while len(answered) < 60 and time.monotonic() < stop_at - 30:
                    await asyncio.sleep(0.05)
                proc.send_signal(signal.SIGKILL)
                while len(attempted) <= len(answered) and time.monotonic() < stop_at:
                    await asyncio.sleep(0.05)
                for w in workers:
                    w.cancel()
                await asyncio.gather(*workers, return_exceptions=True)

            asyncio.run(go())
            proc.wait(timeout=10)
            assert proc.returncode == -signal.SIGKILL
    logged = set()
    for path in sorted((data / "gateway" / "log").glob("exchanges-*.jsonl")):
        for _, ev, q in read_log(path):
            assert ev is not None, q  # no torn line either
            logged.add(ev.event_id)
    assert len(answered) >= 60, "the load must have been served before the kill"
    assert len(attempted) > len(answered)  # some requests were in flight or refused
    missing = answered - logged
    assert not missing, f"{len(missing)} answered exchanges missing from the log"
