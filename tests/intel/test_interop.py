"""Interop with the OASIS implementations: taxii2-client against our server, and our
client against medallion (the OASIS reference server, memory backend)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from distillguard.database import Database
from distillguard.intel.client import TaxiiClient, pull, push
from distillguard.intel.server import create_app
from distillguard.intel.store import TaxiiStore

from .taxii_helpers import COLL, free_port, indicator, serve


class Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def test_taxii2_client_against_our_server(tmp_path: Path) -> None:
    store = TaxiiStore(Database(f"sqlite:///{tmp_path / 'taxii.db'}"))
    store.add_collection(COLL, title="distillation indicators")
    token = store.add_member("oasis-client", read=[COLL], write=[COLL])
    with serve(create_app(store)) as base:
        server = Server(f"{base}/taxii2/", auth=Bearer(token))
        assert server.title and len(server.api_roots) == 1
        root: ApiRoot = server.default
        assert root.versions == ["application/taxii+json;version=2.1"]
        coll: Collection = root.collections[0]
        assert coll.id == COLL and coll.can_read and coll.can_write
        status = coll.add_objects({"objects": [indicator(i) for i in range(23)]})
        assert status.status == "complete" and status.success_count == 23
        got = [o["id"] for page in as_pages(coll.get_objects, per_request=5)
               for o in page.get("objects", [])]
        assert sorted(got) == sorted(indicator(i)["id"] for i in range(23))
        assert len(coll.get_manifest()["objects"]) == 23
        one = indicator(4)["id"]
        assert coll.get_object(one)["objects"][0]["id"] == one
        assert coll.object_versions(one)["versions"] == [indicator(4)["modified"]]
        bad = Server(f"{base}/taxii2/", auth=Bearer("dgt_wrong"))
        with pytest.raises(requests.HTTPError):
            bad.refresh()


MEDALLION_ROOT = "trustgroup"
MEDALLION_COLL = "365fed99-08fa-fdcd-a1b3-fb247eb41d01"


@pytest.fixture
def medallion(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = {
        "/discovery": {"title": "medallion peer", "default": f"{base}/{MEDALLION_ROOT}/",
                       "api_roots": [f"{base}/{MEDALLION_ROOT}/"]},
        MEDALLION_ROOT: {
            "information": {"title": "peer", "versions": ["application/taxii+json;version=2.1"],
                            "max_content_length": 100_000_000},
            "status": [],
            "collections": [{"id": MEDALLION_COLL, "title": "peer intel", "can_read": True,
                             "can_write": True,
                             "media_types": ["application/stix+json;version=2.1"],
                             "objects": [], "manifest": []}],
        },
    }
    (tmp_path / "data.json").write_text(json.dumps(data))
    (tmp_path / "config.json").write_text(json.dumps({
        "backend": {"module": "medallion.backends.memory_backend",
                    "module_class": "MemoryBackend", "filename": str(tmp_path / "data.json")},
        "users": {"peer": "peer-password"}, "taxii": {"max_page_size": 100}}))
    exe = Path(sys.executable).with_name("medallion")
    proc = subprocess.Popen([str(exe), "--host", "127.0.0.1", "--port", str(port),
                             "--log-level", "ERROR", str(tmp_path / "config.json")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/taxii2/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("medallion did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_our_client_against_medallion(medallion: str, tmp_path: Path) -> None:
    client = TaxiiClient(f"{medallion}/taxii2/", user="peer", password="peer-password")
    bundle = tmp_path / "b.json"
    bundle.write_text(json.dumps({"type": "bundle", "id": "bundle--6a4b1c2d-0000-4000-8000-"
                                  "000000000001", "objects": [indicator(i) for i in range(12)]}))
    status = push(client, MEDALLION_COLL, bundle, batch=5)
    assert status["success_count"] == 12
    out = tmp_path / "pulled"
    report = pull(client, MEDALLION_COLL, out, limit=5)
    assert report.new == 12 and report.pages == 3
    assert pull(client, MEDALLION_COLL, out, limit=5).new == 0
    push(client, MEDALLION_COLL, _more(tmp_path), batch=5)
    assert pull(client, MEDALLION_COLL, out, limit=5).new == 3
    lines = (out / "objects.jsonl").read_text().splitlines()
    assert len({json.loads(x)["id"] for x in lines}) == len(lines) == 15
    client.close()


def _more(tmp_path: Path) -> Path:
    p = tmp_path / "more.json"
    p.write_text(json.dumps({"type": "bundle", "id": "bundle--6a4b1c2d-0000-4000-8000-"
                             "000000000002", "objects": [indicator(i) for i in range(12, 15)]}))
    return p
