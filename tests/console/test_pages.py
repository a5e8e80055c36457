"""The console in process (httpx over ASGI): sign-in, roles, CSRF, the queue, the
campaign and account pages, decisions, gateway pushes with undo, intel export."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from console.rig import COLLECTION, Browser, Rig, browser
from distillguard.gateway.door import Door
from distillguard.intel import TaxiiClient
from distillguard.intel.server import create_app as taxii_app
from distillguard.intel.stixdefs import TLP2
from gateway.servers import REDIS_TIMEOUT_S, REDIS_URL
from intel.taxii_helpers import SyncASGITransport

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_pages_need_a_session_and_forms_a_token(rig: Rig) -> None:
    async with browser(rig.bench) as http:
        r = await http.get("/")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        r = await http.get("/campaign/C0001/graph.json", headers={"Accept": "application/json"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        # a sign-in form posted without the token bound to this browser's cookie
        r = await http.post("/login", data={"token": rig.tokens["analyst"], "csrf": "x"})
        assert r.status_code == 403
        b = Browser(http)
        await b.login(rig.tokens["analyst"])
        before = len(rig.bench.casebook.decisions())
        for forged in ("", "not-the-token"):
            r = await http.post("/campaign/C0001/decide", data={
                "csrf": forged, "action": "confirm", "reason_code": "harvest_pattern"})
            assert r.status_code == 403 and "CSRF" in r.text
        assert len(rig.bench.casebook.decisions()) == before
        r = await http.get("/")
        assert "default-src 'self'" in r.headers["content-security-policy"]


async def test_queue_ranks_pages_and_filters(rig: Rig) -> None:
    async with browser(rig.bench) as http:
        b = Browser(http)
        await b.login(rig.tokens["analyst"])
        html = (await b.get("/")).text
        assert "campaign C0001" in html and "lone-1" in html
        assert html.index("campaign C0001") < html.index("lone-1")  # 6 accounts outrank 1
        assert "First hunt loaded" in html
        only = (await b.get("/?kind=account")).text
        assert "campaign C0001" not in only and "lone-1" in only
        assert "lone-1" not in (await b.get("/?verdict=block")).text
        assert "bad filter" in (await b.get("/?min_risk=high")).text


async def test_viewer_sees_no_raw_identifier_or_text(rig: Rig) -> None:
    raw_user = rig.bench.traffic.samples(rig.bench.campaign("C0001").members)[0].user
    async with browser(rig.bench) as http:
        b = Browser(http)
        await b.login(rig.tokens["viewer"])
        for url in ("/", "/campaign/C0001", "/campaign/C0001/graph.json",
                    f"/account/{rig.bench.findings.accounts['lone-1'].ref}"):
            page = (await b.get(url)).text
            assert "hydra-" not in page and "lone-1" not in page, url
            assert raw_user[:30] not in page, url
        r = await b.post("/campaign/C0001/raw")
        assert r.status_code == 403
        r = await b.post("/campaign/C0001/decide", action="confirm",
                         reason_code="harvest_pattern")
        assert r.status_code == 403
    assert not [e for e in rig.bench.casebook.audit_log() if e.action == "view:raw"]


async def test_raw_text_is_for_analysts_and_every_view_is_logged(rig: Rig) -> None:
    raw_user = rig.bench.traffic.samples(rig.bench.campaign("C0001").members)[0].user
    async with browser(rig.bench) as http:
        b = Browser(http)
        await b.login(rig.tokens["analyst"])
        page = (await b.get("/campaign/C0001")).text
        assert raw_user[:30] not in page and "(redacted)" in page
        page = (await b.post("/campaign/C0001/raw")).text
        assert raw_user[:30] in page
    views = [e for e in rig.bench.casebook.audit_log() if e.action == "view:raw"]
    assert len(views) == 1 and views[0].target == "campaign:C0001"
    assert views[0].analyst == "analyst-1"


async def test_confirm_push_undo_and_export(rig: Rig) -> None:
    members = rig.bench.campaign("C0001").members
    door = Door(rig.channel)
    async with browser(rig.bench) as http:
        b = Browser(http)
        await b.login(rig.tokens["analyst"])
        r = await b.post("/campaign/C0001/decide", action="confirm",
                         reason_code="scaffolding_reuse", note="same wrapper, same card")
        assert r.status_code == 303
        d = rig.bench.casebook.decisions()[-1]
        assert (d.label, d.members) == ("distiller", members)
        await b.post(f"/decision/{d.decision_id}/push")
        await door.refresh()
        assert {door.verdict(m).tier for m in members} == {"block"}  # type: ignore[union-attr]
        assert door.book.campaigns["C0001"].tier == "block"
        again = await b.post(f"/decision/{d.decision_id}/push")
        assert again.status_code == 409
        push = rig.bench.casebook.pushes()[-1]
        await b.post(f"/push/{push.push_id}/undo")
        await door.refresh()
        assert all(door.verdict(m) is None for m in members)
        r = await b.post(f"/decision/{d.decision_id}/export", tlp="green")
        assert r.status_code == 303, r.text
        page = (await b.get("/campaign/C0001")).text
        assert "TLP:GREEN" in page and "undone" in page
    exported = rig.bench.casebook.exports(d.decision_id)
    assert exported and exported[0]["status"] == "complete"
    # what a partner pulling the collection sees: the campaign, marked TLP:GREEN
    def pull() -> list[dict[str, object]]:
        partner = TaxiiClient("http://taxii.test/intel/", token=rig.taxii_token,
                              transport=SyncASGITransport(taxii_app(rig.taxii)))
        try:
            page = partner.get_page(partner.api_root(), COLLECTION,
                                    {"match[type]": "campaign"})
            return list(page.json()["objects"])
        finally:
            partner.close()

    campaigns = await asyncio.to_thread(pull)
    assert len(campaigns) == 1
    assert campaigns[0]["object_marking_refs"] == [TLP2["green"]]
    assert "hydra" not in str(campaigns[0])


async def test_false_positive_lifts_a_hunt_block(rig: Rig) -> None:
    from distillguard.watch import build_book, read_hunt

    members = rig.bench.campaign("C0001").members
    await rig.channel.publish(build_book(read_hunt(rig.hunt_dir / "accounts.csv"), {}, []))
    door = Door(rig.channel)
    await door.refresh()
    assert door.verdict(members[0]) is not None
    async with browser(rig.bench) as http:
        b = Browser(http)
        await b.login(rig.tokens["analyst"])
        await b.post("/campaign/C0001/decide", action="false_positive",
                     reason_code="enterprise_org")
        d = rig.bench.casebook.decisions()[-1]
        await b.post(f"/decision/{d.decision_id}/push")
    await door.refresh()
    assert all(door.verdict(m) is None for m in members)
    assert "C0001" not in door.book.campaigns
    # the continuous hunt publishes its own book again: the console re-applies its push
    await rig.channel.publish(build_book(read_hunt(rig.hunt_dir / "accounts.csv"), {}, []))
    assert await rig.bench.enforcer.follow() is not None  # type: ignore[union-attr]
    await door.refresh()
    assert all(door.verdict(m) is None for m in members)
    assert await rig.bench.enforcer.follow() is None  # type: ignore[union-attr]


async def test_relabel_history_and_labels_csv(rig: Rig) -> None:
    ref = rig.bench.findings.accounts["hydra-2"].ref
    async with browser(rig.bench) as http:
        b = Browser(http)
        await b.login(rig.tokens["analyst"])
        await b.post("/campaign/C0001/decide", action="confirm", reason_code="harvest_pattern")
        r = await b.post(f"/account/{ref}/decide", label="benign",
                         reason_code="misattributed", note="a researcher's account")
        assert r.status_code == 303
        page = (await b.get(f"/account/{ref}")).text
        assert "confirm" in page and "misattributed" in page
        bad = await b.post(f"/account/{ref}/decide", label="benign", reason_code="harvest")
        assert bad.status_code == 400 and "reason code" in bad.text
        rows = list(csv.DictReader(io.StringIO((await b.get("/labels.csv")).text)))
    by = {r["account_id"]: r for r in rows}
    assert by["hydra-2"]["label"] == "benign" and by["hydra-2"]["campaign"] == ""
    assert by["hydra-0"] == {"account_id": "hydra-0", "label": "distiller",
                             "campaign": "C0001"}


async def test_audit_page_is_for_admins(rig: Rig) -> None:
    async with browser(rig.bench) as http:
        b = Browser(http)
        await b.login(rig.tokens["analyst"])
        assert (await b.get("/audit")).status_code == 403
    async with browser(rig.bench) as http:
        b = Browser(http)
        await b.login(rig.tokens["admin"])
        page = (await b.get("/audit")).text
        assert "Hash chain intact" in page and "login" in page


async def test_graph_has_typed_labelled_edges(rig: Rig) -> None:
    async with browser(rig.bench) as http:
        b = Browser(http)
        await b.login(rig.tokens["analyst"])
        g = (await b.get("/campaign/C0001/graph.json")).json()
    assert len(g["nodes"]) == 6
    kinds = {e["data"]["kind"] for e in g["edges"]}
    assert {"scaffolding", "lockstep"} <= kinds, kinds
    assert all(e["data"]["label"] for e in g["edges"])
    assert all("x" in n["position"] for n in g["nodes"])


async def test_sign_in_redirects_only_within_the_site(rig: Rig) -> None:
    async with browser(rig.bench) as http:
        for nxt, where in (("/campaign/C0001", "/campaign/C0001"), ("//evil.test/", "/"),
                           ("/\\evil.test/", "/"), ("https://evil.test/", "/")):
            page = await http.get("/login")
            token = Browser.form_token(page.text)
            r = await http.post("/login", data={"csrf": token, "next": nxt,
                                                "token": rig.tokens["viewer"]})
            assert r.headers["location"] == where, nxt


@pytest.mark.redis
async def test_push_and_undo_through_redis(rig: Rig) -> None:
    import uuid

    from distillguard.console.enforcement import Enforcer
    from distillguard.gateway.door import RedisChannel

    channel = RedisChannel(REDIS_URL, prefix=f"dgtest:{uuid.uuid4().hex[:8]}:",
                           timeout_s=REDIS_TIMEOUT_S)
    try:
        try:
            await channel.version()
        except Exception as exc:  # noqa: BLE001 - no Redis here: say so
            pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
        enforcer = Enforcer(channel, rig.bench.casebook)
        door = Door(RedisChannel(REDIS_URL, prefix=channel.prefix, timeout_s=REDIS_TIMEOUT_S))
        try:
            members = rig.bench.campaign("C0001").members
            d = rig.bench.casebook.decide("ana", rig.bench.findings.hunt_id, "campaign",
                                          "C0001", "confirm", "distiller", "harvest_pattern",
                                          "", members)
            push = await enforcer.push("ana", d)
            await door.refresh()
            assert door.book.version == push.version
            assert {door.verdict(m).tier  # type: ignore[union-attr]
                    for m in members} == {"block"}
            await enforcer.undo("ana", push.push_id)
            await door.refresh()
            assert all(door.verdict(m) is None for m in members)
        finally:
            await door.aclose()  # its socket, whatever happened (a later test's warning)
    finally:
        await channel.clear()
        await channel.aclose()


async def test_account_page_lists_its_links(rig: Rig) -> None:
    hydra = rig.bench.findings.accounts["hydra-0"]
    async with browser(rig.bench) as http:
        b = Browser(http)
        await b.login(rig.tokens["analyst"])
        page = (await b.get(f"/account/{hydra.ref}")).text
        assert 'id="links"' in page and "scaffolding" in page and "hydra-1" in page
        await b.login(rig.tokens["viewer"])
        page = (await b.get(f"/account/{hydra.ref}")).text
        assert "scaffolding" in page and "hydra-" not in page
    rows = rig.bench.links(rig.bench.analysts.verify_token(rig.tokens["analyst"]), "hydra-0")
    assert {r["type"] for r in rows} >= {"scaffolding", "lockstep"}
    assert all(r["count"] >= len(r["with"]) > 0 for r in rows)


async def test_an_unreachable_channel_is_a_clear_error(rig: Rig) -> None:
    from distillguard.console.enforcement import Enforcer
    from distillguard.gateway.door import RedisChannel

    rig.bench.enforcer = Enforcer(RedisChannel("redis://127.0.0.1:1/0", timeout_s=0.2),
                                  rig.bench.casebook)
    async with browser(rig.bench) as http:
        b = Browser(http)
        await b.login(rig.tokens["analyst"])
        await b.post("/campaign/C0001/decide", action="confirm", reason_code="other")
        d = rig.bench.casebook.decisions()[-1]
        r = await http.post(f"/decision/{d.decision_id}/push", data={"csrf": b.csrf},
                            headers={"Accept": "application/json"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"
    assert rig.bench.casebook.pushes() == []
    await rig.bench.enforcer.channel.aclose()
