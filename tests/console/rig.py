"""Helpers of the console tests: the rig a test gets and a form-filling client."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import httpx

from distillguard.console import Workbench, create_app
from distillguard.gateway.door import MemoryChannel
from distillguard.intel import CommunityKey
from distillguard.intel.store import TaxiiStore

COLLECTION = "365fed99-08fa-fdcd-a1b3-fb247eb41d01"
KEY = CommunityKey("frontier-labs", "k1", b"a community secret for the console tests")


@dataclass
class Rig:
    bench: Workbench
    channel: MemoryChannel
    taxii: TaxiiStore
    tokens: dict[str, str]
    hunt_dir: Path
    taxii_token: str


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Browser:
    """An httpx client that signs in through the login form and keeps its CSRF token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client
        self.csrf = ""

    async def login(self, token: str) -> None:
        page = await self.http.get("/login")
        m = CSRF.search(page.text)
        assert m
        r = await self.http.post("/login", data={"csrf": m.group(1), "token": token,
                                                 "next": "/"})
        assert r.status_code == 303, r.text
        self.csrf = self.form_token((await self.http.get("/")).text)

    @staticmethod
    def form_token(html: str) -> str:
        m = CSRF.search(html)
        assert m, "no form token on the page"
        return m.group(1)

    async def get(self, url: str) -> httpx.Response:
        return await self.http.get(url)

    async def post(self, url: str, **data: str) -> httpx.Response:
        return await self.http.post(url, data={"csrf": self.csrf, **data})


def browser(bench: Workbench) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(bench, follow_s=0)),
                             base_url="http://console.test")
