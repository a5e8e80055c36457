"""The console in a real browser (Debian's Chromium through Selenium): an analyst
confirms a campaign, the gateway then refuses its accounts, the campaign is shared
to a TAXII collection; a viewer sees no raw text; a forged form post is refused.

Bounded: three tests, one server and one browser each (about 20 s here)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from console.live import browser_missing, chrome, serve, sign_in, wait_for
from console.rig import COLLECTION, Rig
from distillguard.console import create_app
from distillguard.gateway import Gateway, StubUpstream
from distillguard.gateway.door import Door
from distillguard.gateway.policy import parse_policy
from distillguard.intel import TaxiiClient
from distillguard.intel.server import create_app as taxii_app
from distillguard.intel.stixdefs import TLP2
from distillguard.settings import Settings
from intel.taxii_helpers import SyncASGITransport

_missing = browser_missing()
# CI installs the browser (`make test` runs `make browser`): there a missing one fails.
pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    bool(_missing) and os.environ.get("CI") != "true", reason=_missing)]


@pytest.fixture
def site(rig: Rig) -> Iterator[str]:
    with serve(create_app(rig.bench, follow_s=0)) as base:
        yield base


def _by():
    from selenium.webdriver.common.by import By

    return By


def _status(gw: Gateway, secret: str) -> int:
    async def go() -> int:
        assert gw.door is not None
        await gw.door.refresh()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gw.app),
                                     base_url="http://gateway.test") as c:
            r = await c.post("/v1/chat/completions", headers={"x-api-key": secret},
                             json={"model": "stub-chat",
                                   "messages": [{"role": "user", "content": "hello there"}]})
            return r.status_code

    return asyncio.run(go())


def test_confirm_then_the_gateway_refuses_and_the_campaign_is_shared(
        rig: Rig, site: str, settings: Settings, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import Select

    By = _by()
    gw = Gateway(settings.with_overrides(
        gateway_upstream_url="http://upstream.test", gateway_fsync="never",
        database_url=f"sqlite:///{tmp_path / 'keys.db'}"),
        transport=httpx.ASGITransport(app=StubUpstream()),
        policy=parse_policy("version: 1\nlimits: {}\n", "<test>"), log_dir=tmp_path / "log",
        replica="test", door=Door(rig.channel))
    member = gw.keys.create("hydra-3").secret
    bystander = gw.keys.create("user-4").secret
    try:
        assert _status(gw, member) == 200  # nothing decided yet
        with chrome() as d:
            sign_in(d, site, rig.tokens["analyst"])
            d.get(site + "/")
            d.find_element(By.LINK_TEXT, "campaign C0001").click()
            wait_for(d, lambda d: "drawn in" in d.find_element(By.ID, "graph-status").text)
            assert d.execute_script("return window.dgGraph.nodes().length") == 6
            kinds = set(d.execute_script(
                "return window.dgGraph.edges().map(function (e) { return e.data('kind'); })"))
            assert {"scaffolding", "lockstep"} <= kinds
            Select(d.find_element(By.ID, "reason_code")).select_by_value("scaffolding_reuse")
            d.find_element(By.NAME, "note").send_keys("one wrapper, one card, one clock")
            d.find_element(By.ID, "decide-submit").click()
            wait_for(d, lambda d: d.find_elements(By.CLASS_NAME, "push-btn")).pop().click()
            wait_for(d, lambda d: "gateway book version" in d.find_element(By.ID, "decide").text)
            assert _status(gw, member) == 403
            assert _status(gw, bystander) == 200
            form = d.find_element(By.CLASS_NAME, "export-form")
            Select(form.find_element(By.NAME, "tlp")).select_by_value("green")
            form.find_element(By.CLASS_NAME, "export-btn").click()
            wait_for(d, lambda d: "shared as TLP:GREEN" in d.find_element(By.ID, "decide").text)
            d.find_element(By.CLASS_NAME, "undo").click()
            wait_for(d, lambda d: "undone" in d.find_element(By.ID, "decide").text)
            assert _status(gw, member) == 200
    finally:
        asyncio.run(gw.aclose())
        gw.keys.close()
    partner = TaxiiClient("http://taxii.test/intel/", token=rig.taxii_token,
                          transport=SyncASGITransport(taxii_app(rig.taxii)))
    found = partner.get_page(partner.api_root(), COLLECTION,
                             {"match[type]": "campaign"}).json()["objects"]
    partner.close()
    assert len(found) == 1 and found[0]["object_marking_refs"] == [TLP2["green"]]


def test_a_viewer_never_sees_raw_text(rig: Rig, site: str) -> None:
    By = _by()
    raw = rig.bench.traffic.samples(rig.bench.campaign("C0001").members)[0].user
    with chrome() as d:
        sign_in(d, site, rig.tokens["viewer"])
        d.get(site + "/campaign/C0001")
        wait_for(d, lambda d: "drawn in" in d.find_element(By.ID, "graph-status").text)
        text = d.find_element(By.TAG_NAME, "body").text
        assert raw[:30] not in text and "hydra-" not in text
        assert d.find_element(By.ID, "samples").get_attribute("data-raw") == "no"
        assert not d.find_elements(By.ID, "show-raw")
        labels = d.execute_script(
            "return window.dgGraph.nodes().map(function (n) { return n.data('label'); })")
        assert labels and not any("hydra" in x for x in labels)
        # the viewer posts the raw-text form anyway, with their own valid form token
        d.execute_script(
            "var f = document.createElement('form'); f.method = 'post';"
            "f.action = '/campaign/C0001/raw'; var i = document.createElement('input');"
            "i.name = 'csrf'; i.value = document.querySelector('input[name=csrf]').value;"
            "f.appendChild(i); document.body.appendChild(f); f.submit();")
        err = wait_for(d, lambda d: d.find_elements(By.ID, "error")).pop()
        assert err.get_attribute("data-code") == "forbidden"
        assert raw[:30] not in d.find_element(By.TAG_NAME, "body").text
    assert not [e for e in rig.bench.casebook.audit_log() if e.action == "view:raw"]


def test_a_forged_form_post_is_refused(rig: Rig, site: str) -> None:
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    By = _by()

    async def lure(request: object) -> HTMLResponse:
        return HTMLResponse(
            f'<form id="f" method="post" action="{site}/campaign/C0001/decide">'
            '<input name="action" value="false_positive">'
            '<input name="reason_code" value="enterprise_org">'
            '<input name="csrf" value="guessed"></form>'
            "<script>document.getElementById('f').submit()</script>")

    with serve(Starlette(routes=[Route("/", lure)])) as evil, chrome() as d:
        sign_in(d, site, rig.tokens["analyst"])
        d.get(evil + "/")
        wait_for(d, lambda d: d.current_url.startswith(site))
        body = d.find_element(By.TAG_NAME, "body").text
        assert "403" in body and "CSRF" in body
    assert rig.bench.casebook.decisions() == []
