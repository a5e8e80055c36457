"""The door: a published book reaches every replica; a new account linked to a
known campaign is refused on its first request; a conversation refused to one
account is refused to the next one it moves to."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from distillguard.features.linkage import skeletons
from distillguard.gateway.door import Door, MemoryChannel, RedisChannel
from distillguard.gateway.linkage import Campaign, LinkBook
from distillguard.gateway.verdicts import External
from distillguard.settings import Settings

from .conftest import chat, client, make_gateway, run
from .servers import REDIS_TIMEOUT_S, REDIS_URL

WRAPPER = ("You are a meticulous reasoning engine. For every task write out your complete "
           "internal reasoning before the answer.")
QUESTION = "Task 17: how many primes lie between 10 and 50? Show every intermediate step."


def _campaign_book(blocked: str = "acct-boss") -> LinkBook:
    sk = skeletons(QUESTION, WRAPPER)
    camp = Campaign("C0001", "block", 3, "reasoning coercion in 90% of requests")
    return LinkBook(
        verdicts={blocked: External("block", "member of cluster C0001", "watch")},
        campaigns={"C0001": camp},
        keys={"sysk": {sk["sysk"]: ("C0001",)}, "payment": {"card-77": ("C0001",)},
              "ip": {"198.51.100.7": ("C0001",)}, "tools": {"grade,search": ("C0001",)}},
        record_keys={"acct-paid": {"payment": "card-77"}})


def _body(text: str = QUESTION, system: str = WRAPPER, **extra: Any) -> dict[str, Any]:
    return {"model": "stub-chat", "messages": [{"role": "system", "content": system},
                                               {"role": "user", "content": text}], **extra}


async def _post(c: httpx.AsyncClient, secret: str, body: dict[str, Any],
                ip: str = "203.0.113.9") -> httpx.Response:
    return await c.post("/v1/chat/completions", json=body,
                        headers={"x-api-key": secret, "x-forwarded-for": ip})


def test_match_rule() -> None:
    book = _campaign_book()
    strong = book.match("acct-new", {"sysk": skeletons(QUESTION, WRAPPER)["sysk"]})
    assert strong is not None and strong.external().tier == "block"
    assert "system prompt skeleton" in strong.external().reason
    assert book.match("acct-new", {"ip": "198.51.100.7"}) is None  # one weak family
    assert book.match("acct-new", {"ip": "198.51.100.7", "ip_prefix": "x"}) is None
    two = book.match("acct-new", {"ip": "198.51.100.7", "tools": "grade,search"})
    assert two is not None and "egress address, tool schema" in two.external().reason
    paid = book.match("acct-paid", {})  # its account record's payment instrument
    assert paid is not None and "payment instrument" in paid.external().reason
    assert book.match("acct-other", {"sysk": "something else"}) is None
    assert LinkBook.from_bytes(book.to_bytes()) == book


@pytest.mark.redis
def test_published_book_reaches_both_replicas(settings: Settings, tmp_path: Path,
                                              redis_prefix: str) -> None:
    def door() -> Door:
        return Door(RedisChannel(REDIS_URL, prefix=redis_prefix, timeout_s=REDIS_TIMEOUT_S),
                    poll_s=0.05, quiet_requests=10, handoff_ttl_s=60)

    a = make_gateway(settings, tmp_path, door=door(), trust_forwarded=True)
    b = make_gateway(settings, tmp_path, door=door(), trust_forwarded=True)
    boss = a.keys.create("acct-boss").secret
    fresh = a.keys.create("acct-fresh").secret  # the hydra's new head
    paid = a.keys.create("acct-paid").secret
    benign = a.keys.create("acct-benign").secret

    async def go() -> dict[str, Any]:
        publisher = RedisChannel(REDIS_URL, prefix=redis_prefix, timeout_s=REDIS_TIMEOUT_S)
        try:
            return await exchange(publisher)
        finally:
            # the doors' pollers, the gateways' sockets and the test's keys go whatever
            # happened (a socket left open fails a later test on its ResourceWarning)
            for gw in (a, b):
                await gw.aclose()
            await publisher.clear()
            await publisher.aclose()

    async def exchange(publisher: RedisChannel) -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with client(a) as ca, client(b) as cb:
            out["before"] = (await _post(ca, boss, _body())).status_code
            version = await publisher.publish(_campaign_book())
            for gw in (a, b):
                assert gw.door is not None
                gw.door.start()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30.0  # generous: the poll is every 50 ms
            while loop.time() < deadline and not all(
                    gw.door is not None and gw.door.book.version == version for gw in (a, b)):
                await asyncio.sleep(0.05)
            out["versions"] = [gw.door.book.version for gw in (a, b) if gw.door]
            out["version"] = version
            out["boss"] = [(await _post(c, boss, chat())).status_code for c in (ca, cb)]
            first = await _post(cb, fresh, _body(text="Task 3: a different question, "
                                                      "reasoning in full please."))
            out["fresh_first"] = (first.status_code, first.json()["error"]["message"])
            out["paid_first"] = (await _post(ca, paid, chat())).status_code
            out["benign"] = (await _post(ca, benign, _body(system="You are a helpful "
                                                           "assistant for our shop."))
                             ).status_code
            # the link sticks on the other replica once it has refreshed
            assert a.door is not None
            await a.door.refresh()
            out["fresh_on_a"] = (await _post(ca, fresh, chat("hello again"))).status_code
        return out

    out = run(go())
    assert out["before"] == 200
    assert out["versions"] == [out["version"]] * 2
    assert out["boss"] == [403, 403]
    assert out["fresh_first"][0] == 403
    assert "linked to campaign C0001 by system prompt skeleton" in out["fresh_first"][1]
    assert out["paid_first"] == 403
    assert out["benign"] == 200
    assert out["fresh_on_a"] == 403


def test_only_new_or_quiet_accounts_are_linked(settings: Settings, tmp_path: Path) -> None:
    channel = MemoryChannel()
    gw = make_gateway(settings, tmp_path, door=Door(channel, quiet_requests=3),
                      trust_forwarded=True)
    old = gw.keys.create("acct-old").secret
    new = gw.keys.create("acct-new").secret

    async def go() -> tuple[list[int], int]:
        async with client(gw) as c:
            history = [(await _post(c, old, chat(f"hello {i}"))).status_code for i in range(4)]
            await channel.publish(_campaign_book())
            assert gw.door is not None
            await gw.door.refresh()
            # an established customer who happens to use the same template is not refused
            history.append((await _post(c, old, _body())).status_code)
            return history, (await _post(c, new, _body())).status_code

    history, new_status = run(go())
    assert history == [200] * 5
    assert new_status == 403


def test_conversation_moving_after_a_refusal(settings: Settings, tmp_path: Path) -> None:
    channel = MemoryChannel()
    gw = make_gateway(settings, tmp_path, door=Door(channel, handoff_ttl_s=60),
                      trust_forwarded=True)
    boss = gw.keys.create("acct-boss", org_id="org-a").secret
    mate = gw.keys.create("acct-mate", org_id="org-a").secret
    other = gw.keys.create("acct-other", org_id="org-b").secret
    later = gw.keys.create("acct-later", org_id="org-c").secret
    convo = [{"role": "user", "content": "Write a detailed proof that there are infinitely "
                                         "many primes, with every step of your reasoning."}]

    async def go() -> list[tuple[int, str]]:
        await channel.publish(LinkBook(verdicts={"acct-boss": External("block", "hunt", "w")}))
        assert gw.door is not None
        await gw.door.refresh()
        out = []
        async with client(gw) as c:
            for secret, msgs in ((boss, convo), (mate, convo), (other, convo),
                                 (later, convo + [{"role": "assistant", "content": "Sure."},
                                                  {"role": "user", "content": "Go on."}])):
                r = await _post(c, secret, {"model": "stub-chat", "messages": msgs})
                out.append((r.status_code, r.json().get("error", {}).get("message", "")))
        return out

    boss_r, mate_r, other_r, later_r = run(go())
    assert boss_r[0] == 403
    assert mate_r[0] == 200  # the same org may share a conversation
    assert other_r[0] == 403 and "conversation continued from account acct-boss" in other_r[1]
    # a continuation of the refused conversation (two turns on) is caught too
    assert later_r[0] == 403 and "conversation continued from account" in later_r[1]
