"""API fidelity: Anthropic's token counting, unknown routes answered in the
route family's own error shape, and the official OpenAI SDK's stream helpers
running against the stub directly and through the gateway (real servers on
loopback, the SDK's own HTTP stack)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest

from distillguard.gateway.keys import KeyStore
from distillguard.settings import Settings

from .conftest import client, logged, make_gateway, run
from .servers import gateway, gateway_env, stub_upstream

COUNT = {"model": "stub-claude", "system": "You are terse.",
         "messages": [{"role": "user", "content": "How many tokens is this prompt?"}],
         "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}]}


def test_count_tokens_is_proxied_and_not_logged_as_an_exchange(settings: Settings,
                                                               tmp_path: Path) -> None:
    gw = make_gateway(settings, tmp_path)
    key = gw.keys.create("acct-count")

    async def go() -> tuple[httpx.Response, httpx.Response]:
        async with client(gw) as c:
            ok = await c.post("/v1/messages/count_tokens", json=COUNT,
                              headers={"x-api-key": key.secret,
                                       "anthropic-version": "2023-06-01"})
            anon = await c.post("/v1/messages/count_tokens", json=COUNT)
        await gw.aclose()
        return ok, anon

    ok, anon = run(go())
    assert ok.status_code == 200
    counted = ok.json()["input_tokens"]
    assert isinstance(counted, int) and counted > len(COUNT["messages"][0]["content"].split())
    assert anon.status_code == 401
    assert anon.json() == {"type": "error", "error": {
        "type": "authentication_error", "code": "missing_api_key",
        "message": anon.json()["error"]["message"]}}
    assert logged(gw) == []  # counting tokens serves no model output


OPENAI_ERROR = {"message", "type", "param", "code"}


@pytest.mark.parametrize("method,path,family", [
    ("POST", "/v1/chat/completions/extra", "openai"),
    ("GET", "/v1/chat/completions/chatcmpl-123", "openai"),
    ("GET", "/v1/responses/resp_123", "openai"),
    ("POST", "/v1/responses/resp_123/cancel", "openai"),
    ("POST", "/v1/messages/batches", "anthropic"),
    ("GET", "/v1/messages/msg_123", "anthropic"),
    ("POST", "/v1/embeddings", "openai"),
    ("GET", "/no/such/thing", "openai"),
])
def test_unknown_routes_answer_in_the_familys_error_shape(settings: Settings, tmp_path: Path,
                                                          method: str, path: str,
                                                          family: str) -> None:
    gw = make_gateway(settings, tmp_path)

    async def go() -> tuple[httpx.Response, httpx.Response]:
        async with client(gw) as c:
            r = await c.request(method, path, json={} if method == "POST" else None)
            health = await c.get("/healthz")
        await gw.aclose()
        return r, health

    r, health = run(go())
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    body = r.json()
    if family == "anthropic":
        assert body["type"] == "error"
        assert body["error"]["type"] == "not_found_error" and path in body["error"]["message"]
    else:
        assert set(body) == {"error"} and set(body["error"]) == OPENAI_ERROR
        assert body["error"]["code"] == "unknown_route" and path in body["error"]["message"]
    assert health.status_code == 200  # the operations routes still answer


def test_the_stub_counts_tokens_and_refuses_unknown_routes_like_the_apis() -> None:
    from distillguard.gateway import StubUpstream

    async def go() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=StubUpstream()),
                                     base_url="http://stub.test") as c:
            return (await c.post("/v1/messages/count_tokens", json=COUNT),
                    await c.post("/v1/messages/nope", json={}),
                    await c.post("/v1/nope", json={}))

    counted, anth, oai = run(go())
    assert counted.json() == {"input_tokens": counted.json()["input_tokens"]}
    assert anth.status_code == 404 and anth.json()["type"] == "error"
    assert oai.status_code == 404 and set(oai.json()["error"]) == OPENAI_ERROR


# -- the official OpenAI SDK --------------------------------------------------------------

WITHHOLD = "limits: {}\ntiers:\n  allow: {action: safeguard, safeguards: {reasoning: withhold}}\n"
SUMMARISE = WITHHOLD.replace("withhold", "summarise")
TOOLS: list[Any] = [{"type": "function", "name": "get_weather", "description": "Weather",
                     "parameters": {"type": "object", "required": ["location"],
                                    "properties": {"location": {"type": "string"}}}}]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, str]]]:
    """The stub, and gateways passing, withholding and summarising reasoning: (URL, key)."""
    tmp = tmp_path_factory.mktemp("sdk")
    with contextlib.ExitStack() as stack:
        upstream = stack.enter_context(stub_upstream())
        out = {"stub": (upstream, "sk-unused")}
        for name, policy in (("gateway", "limits: {}\n"), ("withhold", WITHHOLD),
                             ("summarise", SUMMARISE)):
            data = tmp / name
            data.mkdir()
            (data / "policy.yaml").write_text(policy)
            store = KeyStore(f"sqlite:///{data / 'keys.db'}")
            secret = store.create(f"acct-{name}").secret
            store.close()
            env = gateway_env(data, upstream,
                              DISTILLGUARD_GATEWAY_POLICY=str(data / "policy.yaml"))
            url, _ = stack.enter_context(gateway(env))
            out[name] = (url, secret)
        yield out


def _sdk(servers: dict[str, tuple[str, str]], where: str) -> openai.OpenAI:
    url, key = servers[where]
    return openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=60)


@pytest.mark.parametrize("where", ["stub", "gateway", "withhold"])
def test_responses_stream_helper_runs_directly_and_through_the_gateway(
        servers: dict[str, tuple[str, str]], where: str) -> None:
    sdk = _sdk(servers, where)
    deltas: list[str] = []
    kinds: list[str] = []
    with sdk.responses.stream(model="stub-reasoner", input="Why is the sky blue?",
                              reasoning={"effort": "high", "summary": "auto"}) as stream:
        for event in stream:
            kinds.append(event.type)
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    assert final.output_text == "".join(deltas) and final.output_text.startswith("Answer(")
    for k in ("response.created", "response.output_item.added", "response.content_part.added",
              "response.output_text.delta", "response.content_part.done",
              "response.output_item.done", "response.completed"):
        assert k in kinds, k
    reasoning = [item for item in final.output if item.type == "reasoning"]
    if where == "withhold":
        assert reasoning == [] and "response.reasoning_summary_text.delta" not in kinds
    else:
        assert reasoning and reasoning[0].summary[0].text.startswith("Let me think")


@pytest.mark.parametrize("where", ["stub", "gateway", "withhold"])
def test_function_calls_stream_through_the_sdk(servers: dict[str, tuple[str, str]],
                                               where: str) -> None:
    sdk = _sdk(servers, where)
    with sdk.responses.stream(model="stub-reasoner", input="Weather in Oslo?", tools=TOOLS,
                              reasoning={"effort": "high"}) as stream:
        args = "".join(e.delta for e in stream
                       if e.type == "response.function_call_arguments.delta")
        final = stream.get_final_response()
    (call,) = [item for item in final.output if item.type == "function_call"]
    assert call.name == "get_weather"
    assert call.arguments == args == '{"location":"Weather in Oslo?"}'
    with sdk.chat.completions.stream(
            model="stub-chat", messages=[{"role": "user", "content": "Weather in Oslo?"}],
            tools=[{"type": "function", "function": {"name": "get_weather",
                                                     "parameters": TOOLS[0]["parameters"]}}],
    ) as chat_stream:
        for _ in chat_stream:
            pass
        completion = chat_stream.get_final_completion()
    (tc,) = completion.choices[0].message.tool_calls or []
    assert tc.function.name == "get_weather" and tc.function.arguments == args


# -- the official Anthropic SDK -----------------------------------------------------------

CLAUDE: dict[str, Any] = {
    "model": "stub-claude", "max_tokens": 4096,
    "thinking": {"type": "enabled", "budget_tokens": 2048},
    "messages": [{"role": "user", "content": "Weather in Oslo, and why is it cold?"}],
    "tools": [{"name": "get_weather", "description": "Weather",
               "input_schema": TOOLS[0]["parameters"]}],
}


def _claude(servers: dict[str, tuple[str, str]], where: str) -> anthropic.Anthropic:
    url, key = servers[where]
    return anthropic.Anthropic(base_url=url, api_key=key, max_retries=0, timeout=60)


@pytest.mark.parametrize("where", ["stub", "gateway", "withhold", "summarise"])
def test_messages_stream_helper_and_count_tokens(servers: dict[str, tuple[str, str]],
                                                 where: str) -> None:
    sdk = _claude(servers, where)
    with sdk.messages.stream(**CLAUDE) as stream:
        text = "".join(stream.text_stream)
        streamed = stream.get_final_message()
    whole = sdk.messages.create(**CLAUDE)
    for msg in (streamed, whole):
        kinds = [b.type for b in msg.content]
        assert kinds == (["text", "tool_use"] if where == "withhold"
                         else ["thinking", "text", "tool_use"])
        assert msg.stop_reason == "tool_use"
        assert msg.content[-1].input == {"location": "Weather in Oslo, and"}  # type: ignore[union-attr]
    assert streamed.content[-2].text == text  # type: ignore[union-attr]
    if where != "withhold":
        thought = streamed.content[0].thinking  # type: ignore[union-attr]
        assert thought == whole.content[0].thinking  # type: ignore[union-attr]
        assert ("[distillguard:" in thought) is (where == "summarise")
    counted = sdk.messages.count_tokens(model=CLAUDE["model"], messages=CLAUDE["messages"],
                                        tools=CLAUDE["tools"])
    assert counted.input_tokens > 8


@pytest.mark.parametrize("where", ["gateway", "summarise"])
def test_openai_summaries_match_streamed_or_not(servers: dict[str, tuple[str, str]],
                                                where: str) -> None:
    sdk = _sdk(servers, where)
    ask: dict[str, Any] = {"model": "stub-reasoner", "input": "Why is the sky blue at noon?",
                           "reasoning": {"effort": "high", "summary": "auto"}}
    with sdk.responses.stream(**ask) as stream:
        streamed = stream.get_final_response()
    whole = sdk.responses.create(**ask)
    summaries = [[s.text for item in r.output if item.type == "reasoning" for s in item.summary]
                 for r in (streamed, whole)]
    assert summaries[0] == summaries[1] and len(summaries[0]) == 1
    assert ("[distillguard:" in summaries[0][0]) is (where == "summarise")
