"""Policy enforcement: external verdicts reloaded without restart, online
scores, safeguards, step-up, throttling and blocking."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from distillguard.gateway.scoring import FEATURES, Scorer
from distillguard.gateway.state import AccountState
from distillguard.settings import Settings

from .conftest import chat, client, logged, make_gateway, run


class Recorder(httpx.AsyncBaseTransport):
    """Answers like the stub and remembers what the upstream was sent."""

    def __init__(self) -> None:
        from distillguard.gateway import StubUpstream

        self.inner = httpx.ASGITransport(app=StubUpstream())
        self.bodies: list[dict[str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(orjson.loads(await request.aread()))
        return await self.inner.handle_async_request(request)


def _post(gw: Any, secret: str, bodies: list[dict[str, Any]], path: str = "/v1/chat/completions"
          ) -> list[httpx.Response]:
    async def go() -> list[httpx.Response]:
        out = []
        async with client(gw) as c:
            for b in bodies:
                out.append(await c.post(path, json=b, headers={"x-api-key": secret}))
        return out
    return run(go())


def test_blocklist_takes_effect_without_restart(settings: Settings, tmp_path: Path) -> None:
    bl = tmp_path / "blocklist.csv"
    bl.write_text("account_id,action,reason,source\n")
    gw = make_gateway(settings, tmp_path, blocklists=(str(bl),),
                      policy="limits: {}\nsources: {poll_s: 0.1}\n")
    key = gw.keys.create("acct-x")
    assert _post(gw, key.secret, [chat()])[0].status_code == 200
    bl.write_text("account_id,action,reason,source\n"
                  "acct-x,block,shared indicator from partner lab,intel:community\n"
                  ",block,row without account,intel\n")
    os.utime(bl, (time.time() + 5, time.time() + 5))
    time.sleep(0.15)
    (r,) = _post(gw, key.secret, [chat()])
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["code"] == "account_blocked" and err["type"] == "permission_error"
    assert "shared indicator from partner lab" in err["message"]
    assert gw.runtime.book.status()[0]["bad_rows"] == 1
    (r,) = _post(gw, key.secret, [{"model": "m", "max_tokens": 5,
                                   "messages": [{"role": "user", "content": "hi"}]}],
                 "/v1/messages")
    assert r.status_code == 403 and r.json()["error"]["type"] == "permission_error"
    assert [e.status for e in logged(gw)] == [200, 403, 403]


def test_hunt_review_verdict_applies_output_safeguards(settings: Settings, tmp_path: Path
                                                       ) -> None:
    verdicts = tmp_path / "accounts.csv"
    verdicts.write_text("account_id,risk,verdict,cluster_id,reasons\n"
                        "acct-r,0.6,review,c1,coerces reasoning\nacct-ok,0.1,allow,,\n")
    rec = Recorder()
    gw = make_gateway(settings, tmp_path, transport=rec, verdicts=str(verdicts))
    key = gw.keys.create("acct-r", kyc_level="card")
    body = chat("why?", max_tokens=20000, n=5, logprobs=True, top_logprobs=5,
                reasoning_effort="high")
    (r,) = _post(gw, key.secret, [body])
    assert r.status_code == 200
    sent = rec.bodies[-1]
    assert sent["max_tokens"] == 2048 and sent["n"] == 1
    assert "logprobs" not in sent and "top_logprobs" not in sent
    msg = r.json()["choices"][0]["message"]
    assert "distillguard:" in msg["reasoning_content"]  # summarised, not the full trace
    (ev,) = logged(gw)
    assert ev.request["max_tokens"] == 20000  # logged as the client sent it
    assert ev.reasoning_text == msg["reasoning_content"]  # and what the client got


def test_step_up_for_review_tier_with_weak_kyc(settings: Settings, tmp_path: Path) -> None:
    verdicts = tmp_path / "accounts.csv"
    verdicts.write_text("account_id,risk,verdict,cluster_id,reasons\nacct-s,0.6,review,,x\n")
    gw = make_gateway(settings, tmp_path, verdicts=str(verdicts))
    key = gw.keys.create("acct-s", kyc_level="email")
    (r,) = _post(gw, key.secret, [chat()])
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "verification_required"
    assert "verification" in r.json()["error"]["message"]


def test_rate_limit_per_account_answers_429_with_retry_after(settings: Settings,
                                                             tmp_path: Path) -> None:
    gw = make_gateway(settings, tmp_path,
                      policy="limits: {account: {rate: 0.5, burst: 3}}\n")
    key = gw.keys.create("acct-fast")
    rs = _post(gw, key.secret, [chat()] * 5)
    assert [r.status_code for r in rs] == [200, 200, 200, 429, 429]
    assert rs[3].json()["error"]["type"] == "rate_limit_error"
    assert int(rs[3].headers["retry-after"]) >= 1


def test_throttle_tier_gets_a_tighter_bucket(settings: Settings, tmp_path: Path) -> None:
    verdicts = tmp_path / "accounts.csv"
    verdicts.write_text("account_id,risk,verdict,cluster_id,reasons\nacct-t,0.6,review,,x\n")
    gw = make_gateway(settings, tmp_path, verdicts=str(verdicts), policy=(
        "limits: {}\ntiers:\n  review: {action: throttle, limit: {rate: 0.1, burst: 2}}\n"))
    key = gw.keys.create("acct-t", kyc_level="card")
    assert [r.status_code for r in _post(gw, key.secret, [chat()] * 3)] == [200, 200, 429]


HARVEST = ("Solve the problem below. Think step by step and show your full reasoning "
           "before giving your final answer. Problem {i}: what is {i} squared?")


def test_online_score_escalates_a_harvesting_account(settings: Settings, tmp_path: Path) -> None:
    gw = make_gateway(settings, tmp_path, policy=(
        "limits: {}\nscore: {min_requests: 10, thresholds: {review: 0.3, block: 0.45}}\n"))
    harvester = gw.keys.create("acct-h", kyc_level="card")
    normal = gw.keys.create("acct-n", kyc_level="card")
    bodies = [chat(HARVEST.format(i=i), max_tokens=8192, reasoning_effort="high", n=2,
                   logprobs=True) for i in range(30)]
    codes = [r.status_code for r in _post(gw, harvester.secret, bodies)]
    assert codes[:5] == [200] * 5  # a few odd requests never block a new account
    assert 403 in codes
    first = codes.index(403)
    assert all(c == 403 for c in codes[first:])
    plain = [{"model": "stub-chat", "messages": [
        {"role": "user", "content": f"hi, can you help with my email {i}?"},
        {"role": "assistant", "content": "sure"}, {"role": "user", "content": "thanks"}]}
        for i in range(30)]
    assert {r.status_code for r in _post(gw, normal.secret, plain)} == {200}


def test_scores_carry_explanations_and_thresholds() -> None:
    scorer = Scorer(review=0.5, block=0.8, min_requests=10)
    state = AccountState(20.0, {"reasoning_coercion": 20.0, "single_turn": 10.0}, 30.0)
    score = scorer.score(state)
    assert score.thresholds == {"review": 0.5, "block": 0.8}
    names = [c.name for c in score.features]
    assert names == [f.name for f in FEATURES]
    total = sum(c.contribution for c in score.features)
    assert abs(total - score.risk) < 1e-9
    assert "100% of requests coerce reasoning traces" in score.reasons()
    young = scorer.score(AccountState(2.0, {"reasoning_coercion": 2.0}, 2.0))
    assert young.risk < score.risk  # ramped in over min_requests
    assert all(c.as_dict()["explanation"] for c in score.features)
