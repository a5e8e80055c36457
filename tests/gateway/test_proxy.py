"""The proxy end to end in process: three wire formats, streamed or not, and
every kind of bad input answered in the route's own error shape and logged."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from distillguard.gateway import StubUpstream
from distillguard.settings import Settings

from .conftest import chat, client, logged, make_gateway, run


def _auth(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("path,body", [
    ("/v1/chat/completions", chat("Explain step by step why 2+2=4", reasoning_effort="high")),
    ("/v1/responses", {"model": "stub-chat", "input": "Explain step by step why 2+2=4",
                       "reasoning": {"effort": "high"}}),
    ("/v1/messages", {"model": "stub-claude", "max_tokens": 200,
                      "thinking": {"type": "enabled", "budget_tokens": 2048},
                      "messages": [{"role": "user", "content": "Explain step by step"}]}),
])
def test_every_wire_format_is_proxied_and_logged(settings: Settings, tmp_path: Path, path: str,
                                                 body: dict[str, Any], stream: bool) -> None:
    gw = make_gateway(settings, tmp_path)
    key = gw.keys.create("acct-1", org_id="org-1", kyc_level="card")

    async def go() -> httpx.Response:
        async with client(gw) as c:
            r = await c.post(path, json={**body, "stream": stream}, headers=_auth(key.secret))
        await gw.aclose()
        return r

    r = run(go())
    assert r.status_code == 200
    assert float(r.headers["x-distillguard-overhead-ms"]) >= 0
    assert r.headers["content-type"].startswith("text/event-stream" if stream else
                                                "application/json")
    (ev,) = logged(gw)
    assert ev.account_id == "acct-1" and ev.api_key_id == key.record.key_id
    assert ev.status == 200 and ev.model == body["model"]
    assert ev.request["stream"] is stream  # the body exactly as the client sent it
    assert ev.response_text.startswith(f"Answer({body['model']}):")
    assert ev.reasoning_text and ev.reasoning_text.startswith("Let me think step by step")
    assert ev.prompt_tokens and ev.completion_tokens
    assert ev.event_id == r.headers["x-request-id"]
    assert ev.ip_prefix == "127.0.0.0/24"
    if not stream:
        assert ev.response_text in r.text


def _bad(settings: Settings, tmp_path: Path, path: str, *, content: bytes,
         headers: dict[str, str], stub: StubUpstream | None = None, **kw: Any
         ) -> tuple[httpx.Response, Any]:
    gw = make_gateway(settings, tmp_path, stub=stub, **kw)
    key = gw.keys.create("acct-bad")
    hdrs = {"content-type": "application/json", **_auth(key.secret), **headers}
    hdrs = {k: v for k, v in hdrs.items() if v}

    async def go() -> httpx.Response:
        async with client(gw) as c:
            r = await c.post(path, content=content, headers=hdrs)
            ok = await c.post(path, json=_valid(path), headers=_auth(key.secret))
            assert ok.status_code == 200, "the process must be unharmed"
        await gw.aclose()
        return r

    r = run(go())
    events = logged(gw)
    assert len(events) == 2
    assert events[0].status == r.status_code
    return r, events[0]


def _valid(path: str) -> dict[str, Any]:
    if path == "/v1/messages":
        return {"model": "stub-claude", "max_tokens": 10,
                "messages": [{"role": "user", "content": "hi"}]}
    return chat()


def _shape(path: str, r: httpx.Response) -> dict[str, Any]:
    body = r.json()
    if path == "/v1/messages":
        assert body["type"] == "error" and set(body["error"]) >= {"type", "message"}
    else:
        assert set(body["error"]) >= {"message", "type", "code"}
    err: dict[str, Any] = body["error"]
    return err


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages"])
@pytest.mark.parametrize("case,content,headers,status,code", [
    ("malformed json", b'{"model": ', {}, 400, "invalid_json"),
    ("not an object", b'[1, 2]', {}, 400, "invalid_request"),
    ("invalid utf-8", b'{"model": "\xff\xfe"}', {}, 400, "invalid_encoding"),
    ("wrong content type", b'model=x', {"content-type": "application/x-www-form-urlencoded"},
     415, "unsupported_media_type"),
    ("no model", b'{"messages": []}', {}, 400, "missing_model"),
    ("missing key", b'{"model": "m"}', {"authorization": ""}, 401, "missing_api_key"),
    ("wrong key", b'{"model": "m"}', {"authorization": "Bearer dgk_abc_wrong"}, 401,
     "invalid_api_key"),
    ("garbage key", b'{"model": "m"}', {"authorization": "Bearer sk-not-ours"}, 401,
     "invalid_api_key"),
])
def test_bad_input_gets_the_routes_error_shape(settings: Settings, tmp_path: Path, path: str,
                                               case: str, content: bytes,
                                               headers: dict[str, str], status: int,
                                               code: str) -> None:
    r, ev = _bad(settings, tmp_path, path, content=content, headers=headers)
    assert r.status_code == status, case
    err = _shape(path, r)
    assert err["code"] == code
    if status == 401:
        assert ev.account_id == "unauthenticated"


def test_body_over_the_limit_is_413(settings: Settings, tmp_path: Path) -> None:
    big = orjson.dumps(chat("x" * 5000))
    r, ev = _bad(settings, tmp_path, "/v1/messages", content=big, headers={},
                 overrides={"gateway_max_body_bytes": 1024})
    assert r.status_code == 413
    assert _shape("/v1/messages", r)["type"] == "request_too_large"
    assert ev.request["_distillguard_error"] == "request_too_large"


def test_unknown_model_is_404_from_policy_and_from_upstream(settings: Settings,
                                                            tmp_path: Path) -> None:
    r, _ = _bad(settings, tmp_path, "/v1/chat/completions",
                content=orjson.dumps(chat(model="gpt-nope")), headers={},
                policy="models: [stub-chat]\nlimits: {}\n")
    assert r.status_code == 404 and _shape("/v1/chat/completions", r)["code"] == "model_not_found"
    r, ev = _bad(settings, tmp_path / "b", "/v1/chat/completions",
                 content=orjson.dumps(chat(model="gpt-nope")), headers={},
                 stub=StubUpstream(models=("stub-chat",)))
    assert r.status_code == 404 and "gpt-nope" in r.text
    assert ev.model == "gpt-nope"


def _failing(kind: str) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if kind == "timeout":
            raise httpx.ReadTimeout("slow", request=request)
        if kind == "reset":
            raise httpx.RemoteProtocolError("peer closed connection", request=request)
        if kind == "refused":
            raise httpx.ConnectError("connection refused", request=request)
        if kind == "500-json":
            return httpx.Response(500, json={"error": {"message": "boom", "type": "server"}})
        return httpx.Response(503, text="<html>bad gateway</html>")
    return httpx.MockTransport(handler)


@pytest.mark.parametrize("kind,status", [
    ("timeout", 504), ("reset", 502), ("refused", 502), ("500-json", 500), ("503-html", 502),
])
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages"])
def test_upstream_failures(settings: Settings, tmp_path: Path, kind: str, status: int,
                           path: str) -> None:
    gw = make_gateway(settings, tmp_path, transport=_failing(kind))
    key = gw.keys.create("acct-up")

    async def go() -> tuple[httpx.Response, httpx.Response]:
        async with client(gw) as c:
            r = await c.post(path, json=_valid(path), headers=_auth(key.secret))
            health = await c.get("/healthz")
        await gw.aclose()
        return r, health

    r, health = run(go())
    assert r.status_code == status
    assert health.status_code == 200
    if kind != "500-json":
        _shape(path, r)
    (ev,) = logged(gw)
    assert ev.status == status and ev.account_id == "acct-up"
    metrics = gw.metrics.render().decode()
    assert "distillguard_gateway_upstream_errors_total" in metrics


def _scope(path: str, secret: str) -> dict[str, Any]:
    return {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(),
            "query_string": b"", "scheme": "http", "server": ("gw", 80),
            "client": ("10.1.2.3", 5555), "http_version": "1.1",
            "headers": [(b"content-type", b"application/json"),
                        (b"authorization", f"Bearer {secret}".encode())]}


def test_client_disconnect_mid_stream_is_logged_as_499(settings: Settings,
                                                       tmp_path: Path) -> None:
    async def slow_sse() -> Any:
        for i in range(100):
            chunk = {"choices": [{"index": 0, "delta": {"content": f"w{i} "}}]}
            yield b"data: " + orjson.dumps(chunk) + b"\n\n"
            await asyncio.sleep(0.01)
        yield b"data: [DONE]\n\n"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"},
                              content=slow_sse())

    gw = make_gateway(settings, tmp_path, transport=httpx.MockTransport(handler))
    key = gw.keys.create("acct-gone")
    body = orjson.dumps(chat("tell me a long story", stream=True, max_tokens=40))

    async def go() -> list[bytes]:
        gone = asyncio.Event()
        received: list[bytes] = []
        sent_body = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                received.append(message.get("body", b""))
                if len(received) >= 3:
                    gone.set()

        await asyncio.wait_for(gw.app(_scope("/v1/chat/completions", key.secret), receive, send),
                               timeout=60)
        await gw.aclose()
        return received

    received = run(go())
    assert 3 <= len(received) < 20
    (ev,) = logged(gw)
    assert ev.status == 499 and ev.account_id == "acct-gone"
    assert ev.response_text.startswith("w0 w1")  # what was streamed before is kept
    assert "w99" not in ev.response_text


def test_operations_routes(settings: Settings, tmp_path: Path) -> None:
    gw = make_gateway(settings, tmp_path, overrides={"gateway_admin_token": "adm"})
    key = gw.keys.create("acct-ops")

    async def go() -> dict[str, httpx.Response]:
        async with client(gw) as c:
            out = {
                "healthz": await c.get("/healthz"), "readyz": await c.get("/readyz"),
                "models": await c.get("/v1/models", headers=_auth(key.secret)),
                "models_noauth": await c.get("/v1/models"),
                "openapi": await c.get("/openapi.json"),
                "reload_noauth": await c.post("/admin/reload"),
                "reload": await c.post("/admin/reload", headers={"authorization": "Bearer adm"}),
                "status": await c.get("/admin/status", headers={"authorization": "Bearer adm"}),
            }
            await c.post("/v1/chat/completions", json=chat(), headers=_auth(key.secret))
            out["metrics"] = await c.get("/metrics")
        await gw.aclose()
        return out

    out = run(go())
    assert out["healthz"].json() == {"status": "ok"}
    assert out["readyz"].status_code == 200 and out["readyz"].json()["ready"] is True
    assert [m["id"] for m in out["models"].json()["data"]] == ["stub-chat", "stub-reasoner",
                                                               "stub-claude"]
    assert out["models_noauth"].status_code == 401
    assert "/v1/messages" in out["openapi"].json()["paths"]
    assert out["reload_noauth"].status_code == 403
    assert out["reload"].json()["reloaded"] is True
    assert out["status"].json()["replica"] == "test"
    text = out["metrics"].text
    for name in ("requests_total", "added_latency_seconds", "verdicts_total",
                 "logged_events_total"):
        assert f"distillguard_gateway_{name}" in text
    assert 'distillguard_gateway_verdicts_total{action="allow",tier="allow"} 1.0' in text
