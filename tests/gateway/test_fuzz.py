"""Fuzz the gateway's own OpenAPI description in process: whatever a client
sends, the gateway itself never answers 5xx (the upstream is the stub)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from distillguard.gateway.app import Gateway
from distillguard.settings import Settings

from .conftest import make_gateway

_STATE: dict[str, object] = {}


def _gateway() -> Gateway:
    if "gw" not in _STATE:
        tmp = Path(__import__("tempfile").mkdtemp(prefix="dg-fuzz-"))
        gw = make_gateway(Settings(data_dir=tmp / "var"), tmp, policy="limits: {}\n")
        _STATE["gw"] = gw
        _STATE["key"] = gw.keys.create("fuzz-acct", kyc_level="card").secret
    gw = _STATE["gw"]
    assert isinstance(gw, Gateway)
    return gw


schema = schemathesis.openapi.from_asgi("/openapi.json", _gateway().app)


@schema.parametrize()
@settings(max_examples=12, suppress_health_check=list(HealthCheck), deadline=None,
          derandomize=True, database=None, phases=(Phase.explicit, Phase.generate))
@pytest.mark.timeout(120)
def test_no_5xx_from_the_gateway(case: schemathesis.Case) -> None:
    headers = {k.lower() for k in case.headers or {}}
    if case.path.startswith("/v1/") and "authorization" not in headers:
        # authenticated, so fuzzed bodies reach the parser, the policy and the upstream
        case.headers = {**(case.headers or {}), "authorization": f"Bearer {_STATE['key']}"}
    response = case.call()
    assert response.status_code < 500, (case.path, response.status_code, response.text[:300])


@pytest.fixture(scope="module", autouse=True)
def _close() -> object:
    yield None
    gw = _STATE.get("gw")
    if isinstance(gw, Gateway):
        gw.log.close()
