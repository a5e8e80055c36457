"""What the operator sees: the startup line, an unreachable upstream named at
start, in 502s and in /readyz, and one key store whatever the working
directory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from distillguard.settings import Settings

from .conftest import chat, client, logged, make_gateway, run
from .servers import CLI, free_port, gateway, gateway_env, stub_upstream, wait_ready


def _refusing() -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)
    return httpx.MockTransport(handler)


def test_a_dead_upstream_is_named_in_502s_and_readyz(settings: Settings, tmp_path: Path) -> None:
    gw = make_gateway(settings, tmp_path, transport=_refusing())
    key = gw.keys.create("acct-ops")

    async def go() -> tuple[httpx.Response, httpx.Response, httpx.Response, httpx.Response]:
        async with client(gw) as c:
            out = (await c.post("/v1/chat/completions", json=chat(),
                                headers={"authorization": f"Bearer {key.secret}"}),
                   await c.post("/v1/messages", headers={"x-api-key": key.secret}, json={
                       "model": "m", "max_tokens": 5, "messages": []}),
                   await c.get("/v1/models", headers={"x-api-key": key.secret}),
                   await c.get("/readyz"))
        await gw.aclose()
        return out

    chat_r, msg_r, models_r, ready = run(go())
    for r in (chat_r, msg_r, models_r):
        assert r.status_code == 502
        assert "the model endpoint http://upstream.test failed" in r.json()["error"]["message"]
    assert ready.status_code == 503
    body = ready.json()
    assert body["ready"] is False and body["upstream"] == "http://upstream.test"
    assert body["checks"]["upstream"].startswith("unreachable: ConnectError")
    assert len(logged(gw)) == 2  # the refusals are exchanges like any other


def test_readyz_reports_a_live_upstream(settings: Settings, tmp_path: Path) -> None:
    gw = make_gateway(settings, tmp_path)

    async def go() -> httpx.Response:
        async with client(gw) as c:
            r = await c.get("/readyz")
        await gw.aclose()
        return r

    r = run(go())
    assert r.status_code == 200
    assert r.json()["checks"]["upstream"] == "ok" and r.json()["upstream"] == "http://upstream.test"


def _serve_stderr(env: dict[str, str], cwd: Path) -> tuple[str, int]:
    """Start `serve`, wait for /healthz, read /readyz, stop; (stderr, readyz status)."""
    port = free_port()
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("DISTILLGUARD_")},
            **env}
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-c", CLI, "serve", "--port", str(port)],
                                env=full, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        try:
            wait_ready(f"http://127.0.0.1:{port}/healthz", proc)
            status = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=60).status_code
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        err.seek(0)
        return err.read().decode(), status


def test_serve_says_where_it_stands_and_warns_of_a_dead_upstream(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    home = tmp_path / "home"
    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()
    stderr, ready = _serve_stderr({"HOME": str(home), "DISTILLGUARD_GATEWAY_UPSTREAM_URL": dead,
                                   "DISTILLGUARD_LOG_LEVEL": "WARNING"}, run_dir)
    lines = stderr.splitlines()
    (start,) = [ln for ln in lines if ln.startswith("distillguard gateway on")]
    assert f"upstream {dead} (unreachable: ConnectError" in start
    assert "state memory (this process only), fail-open" in start
    assert "policy <built-in>" in start
    store = home / ".local" / "share" / "distillguard"
    assert f"keys sqlite:///{store / 'distillguard.db'}" in start
    (warning,) = [ln for ln in lines if ln.startswith("warning:")]
    assert dead in warning and "502" in warning
    assert ready == 503
    # the key store and the log sit in the data directory, not under the working directory
    assert (store / "distillguard.db").exists() and (store / "gateway" / "log").is_dir()
    assert not (run_dir / "var").exists()


def test_keys_created_anywhere_are_found_by_serve(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cwd = tmp_path / "somewhere"  # serve below runs from the test's own directory
    cwd.mkdir()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DISTILLGUARD_")},
           "HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", CLI, "gateway", "keys", "create", "--account",
                           "acct-1", "--format", "json"], env=env, cwd=cwd, capture_output=True,
                          check=True)
    secret = httpx.Response(200, content=done.stdout).json()["secret"]
    with stub_upstream() as upstream:
        genv = gateway_env(tmp_path / "unused", upstream)
        genv.pop("DISTILLGUARD_DATA_DIR")
        genv.pop("DISTILLGUARD_DATABASE_URL")
        genv["HOME"] = str(home)
        with gateway(genv) as (url, _):
            r = httpx.post(f"{url}/v1/chat/completions", json=chat(),
                           headers={"authorization": f"Bearer {secret}"}, timeout=60)
    assert r.status_code == 200
