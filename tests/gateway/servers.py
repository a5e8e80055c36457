"""Real servers for end-to-end tests: the stub upstream and the gateway as
uvicorn subprocesses on loopback ports, torn down by the test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

CLI = "from distillguard.cli.main import main; main()"
#: The Redis the suites use (``make services`` starts one).
REDIS_URL = os.environ.get("DISTILLGUARD_REDIS_URL", "redis://127.0.0.1:6379/0")
#: The production half second is for a request that must not wait on a sick store; the
#: tests check behaviour, not latency, on a machine that may be busy with other work, so
#: every Redis connect and command they make may take this long (a closed port still
#: fails at once).
REDIS_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    """Poll until the server answers; ``timeout_s`` bounds only a start that never comes
    (a process importing the package on a busy machine may take many seconds)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=0.5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout_s}s")


@contextmanager
def server(args: list[str], env: dict[str, str], ready_path: str, port: int
           ) -> Iterator[subprocess.Popen[bytes]]:
    full_env = {**{k: v for k, v in os.environ.items() if not k.startswith("DISTILLGUARD_")},
                **env}
    errlog = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen([sys.executable, "-c", CLI, *args], env=full_env,
                            stdout=subprocess.DEVNULL, stderr=errlog)
    try:
        wait_ready(f"http://127.0.0.1:{port}{ready_path}", proc)
        yield proc
    except BaseException:
        errlog.seek(0)
        sys.stderr.write(errlog.read()[-4000:].decode("utf-8", "replace"))
        raise
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        errlog.close()


@contextmanager
def stub_upstream() -> Iterator[str]:
    port = free_port()
    with server(["gateway", "stub-upstream", "--port", str(port)], {}, "/v1/models", port):
        yield f"http://127.0.0.1:{port}"


def gateway_env(data_dir: Path, upstream: str, **extra: str) -> dict[str, str]:
    return {"DISTILLGUARD_DATA_DIR": str(data_dir),
            "DISTILLGUARD_DATABASE_URL": f"sqlite:///{data_dir / 'keys.db'}",
            "DISTILLGUARD_GATEWAY_UPSTREAM_URL": upstream, "DISTILLGUARD_LOG_LEVEL": "WARNING",
            **extra}


@contextmanager
def gateway(env: dict[str, str], *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    with server(["serve", "--port", str(port), *args], env, "/healthz", port) as proc:
        yield f"http://127.0.0.1:{port}", proc
