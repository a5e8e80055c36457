"""The TAXII 2.1 server: endpoints, paging, rights, bad input, through an ASGI client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from distillguard.database import Database
from distillguard.intel.server import ServerConfig, create_app
from distillguard.intel.store import TaxiiStore

from .taxii_helpers import COLL, OTHER, TAXII, asgi_client, indicator


@pytest.fixture
def store(tmp_path: Path) -> TaxiiStore:
    s = TaxiiStore(Database(f"sqlite:///{tmp_path / 'taxii.db'}"))
    s.add_collection(COLL, title="distillation indicators")
    s.add_collection(OTHER, title="private")
    return s


@pytest.fixture
def tokens(store: TaxiiStore) -> dict[str, str]:
    return {
        "writer": store.add_member("lab-a", read=[COLL], write=[COLL]),
        "reader": store.add_member("lab-b", read=[COLL]),
    }


def client(store: TaxiiStore, token: str | None, **cfg: Any) -> httpx.Client:
    app = create_app(store, ServerConfig(**cfg))
    headers = {"Accept": TAXII, "Content-Type": TAXII}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return asgi_client(app, headers)


def _post(c: httpx.Client, objects: list[Any]) -> dict[str, Any]:
    r = c.post(f"/intel/collections/{COLL}/objects/", json={"objects": objects})
    assert r.status_code == 202, r.text
    assert r.headers["content-type"] == TAXII
    return dict(r.json())


def test_discovery_roots_collections(store: TaxiiStore, tokens: dict[str, str]) -> None:
    c = client(store, tokens["reader"])
    d = c.get("/taxii2/").json()
    assert d["api_roots"] == ["http://taxii.test/intel/"] and d["default"] == d["api_roots"][0]
    root = c.get("/intel/").json()
    assert root["versions"] == [TAXII] and root["max_content_length"] > 0
    colls = c.get("/intel/collections/").json()["collections"]
    assert [(x["id"], x["can_read"], x["can_write"]) for x in colls] == [(COLL, True, False)]
    assert c.get(f"/intel/collections/{OTHER}/").status_code == 404


def test_auth_and_rights(store: TaxiiStore, tokens: dict[str, str]) -> None:
    anon = client(store, None)
    r = anon.get("/taxii2/")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert client(store, "dgt_wrong").get("/taxii2/").status_code == 401
    reader = client(store, tokens["reader"])
    r = reader.post(f"/intel/collections/{COLL}/objects/", json={"objects": [indicator(1)]})
    assert r.status_code == 403
    assert reader.get(f"/intel/collections/{OTHER}/objects/").status_code == 404
    store.revoke_member("lab-b")
    assert reader.get("/taxii2/").status_code == 401


def test_post_get_paging_headers(store: TaxiiStore, tokens: dict[str, str]) -> None:
    w = client(store, tokens["writer"])
    status = _post(w, [indicator(i) for i in range(25)])
    assert status["success_count"] == 25 and status["failure_count"] == 0
    assert w.get(f"/intel/status/{status['id']}/").json() == status
    seen: list[str] = []
    nxt: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 7}
        if nxt:
            params["next"] = nxt
        r = w.get(f"/intel/collections/{COLL}/objects/", params=params)
        body = r.json()
        seen += [o["id"] for o in body["objects"]]
        assert r.headers["X-TAXII-Date-Added-First"] <= r.headers["X-TAXII-Date-Added-Last"]
        if not body["more"]:
            assert "next" not in body
            break
        nxt = body["next"]
    assert sorted(seen) == sorted(indicator(i)["id"] for i in range(25))
    assert len(seen) == 25
    last = r.headers["X-TAXII-Date-Added-Last"]
    _post(w, [indicator(100)])
    later = w.get(f"/intel/collections/{COLL}/objects/", params={"added_after": last}).json()
    assert [o["id"] for o in later["objects"]] == [indicator(100)["id"]]


def test_versions_match_and_manifest(store: TaxiiStore, tokens: dict[str, str]) -> None:
    w = client(store, tokens["writer"])
    v1, v2 = indicator(1), indicator(1, "2026-05-04T00:00:00.000Z")
    _post(w, [v1, indicator(2)])
    _post(w, [v2])
    url = f"/intel/collections/{COLL}"
    last = w.get(f"{url}/objects/{v1['id']}/").json()["objects"]
    assert [o["modified"] for o in last] == [v2["modified"]]
    first = w.get(f"{url}/objects/{v1['id']}/", params={"match[version]": "first"}).json()
    assert [o["modified"] for o in first["objects"]] == [v1["modified"]]
    every = w.get(f"{url}/objects/", params={"match[version]": "all"}).json()["objects"]
    assert len(every) == 3
    exact = w.get(f"{url}/objects/", params={"match[version]": v1["modified"]}).json()
    assert {o["id"] for o in exact["objects"]} == {v1["id"], indicator(2)["id"]}
    vers = w.get(f"{url}/objects/{v1['id']}/versions/").json()
    assert vers["versions"] == [v1["modified"], v2["modified"]] and vers["more"] is False
    typed = w.get(f"{url}/objects/", params={"match[type]": "campaign"}).json()
    assert typed == {"more": False}
    by_id = w.get(f"{url}/objects/", params={"match[id]": indicator(2)["id"]}).json()
    assert len(by_id["objects"]) == 1
    man = w.get(f"{url}/manifest/", params={"limit": 1}).json()
    assert man["more"] is True and set(man["objects"][0]) == {
        "id", "date_added", "version", "media_type"}
    assert w.get(f"{url}/objects/indicator--00000000-0000-4000-8000-000000000000/"
                 ).status_code == 404
    assert w.delete(f"{url}/objects/{v1['id']}/", params={"match[version]": "last"}
                    ).status_code == 200
    again = w.get(f"{url}/objects/{v1['id']}/").json()["objects"]
    assert [o["modified"] for o in again] == [v1["modified"]]


def test_bad_objects_rejected_one_by_one(store: TaxiiStore, tokens: dict[str, str]) -> None:
    w = client(store, tokens["writer"], max_object_bytes=4000)
    good = indicator(1)
    conflicting = dict(good, name="tampered")
    broken = dict(indicator(2), modified="2020-01-01T00:00:00.000Z")
    objects: list[Any] = [
        good, "not an object", {"type": "x-unknown", "spec_version": "2.1",
                                "id": "x-unknown--6a4b1c2d-0000-4000-8000-000000000001"},
        {"type": "indicator", "id": "indicator--nope"}, broken,
        dict(indicator(3), description="x" * 5000), conflicting, indicator(4),
    ]
    status = _post(w, objects)
    assert status["total_count"] == 8 and status["success_count"] == 2
    assert status["failure_count"] == 6
    messages = " | ".join(f["message"] for f in status["failures"])
    for needle in ("expected a JSON object", "unknown object type", "'id' must be",
                   "earlier than 'created'", "limit is 4000", "conflicting content"):
        assert needle in messages
    ids = {o["id"] for o in w.get(f"/intel/collections/{COLL}/objects/").json()["objects"]}
    assert ids == {good["id"], indicator(4)["id"]}
    again = _post(w, [good])  # an identical re-post is idempotent
    assert again["success_count"] == 1
    assert store.count(COLL) == 2


def test_strict_mode_uses_stix2(store: TaxiiStore, tokens: dict[str, str]) -> None:
    w = client(store, tokens["writer"], strict=True)
    bad_pattern = dict(indicator(1), pattern="[ipv4-addr:value = ")
    status = _post(w, [bad_pattern, indicator(2)])
    assert status["success_count"] == 1 and "pattern" in status["failures"][0]["message"]


def test_whole_request_errors(store: TaxiiStore, tokens: dict[str, str]) -> None:
    w = client(store, tokens["writer"], max_post_bytes=2000)
    url = f"/intel/collections/{COLL}/objects/"
    big = w.post(url, json={"objects": [indicator(i) for i in range(20)]})
    assert big.status_code == 413
    assert w.post(url, content=b"{not json").status_code == 400
    assert w.post(url, json=[indicator(1)]).status_code == 400
    assert w.post(url, json={"objects": []}, headers={"Content-Type": "text/plain"}
                  ).status_code == 415
    assert w.get(url, headers={"Accept": "text/html"}).status_code == 406
    assert w.get(url, params={"limit": "zero"}).status_code == 400
    assert w.get(url, params={"next": "!!!"}).status_code == 400
    assert w.get(url, params={"added_after": "yesterday"}).status_code == 400
    assert w.get("/intel/status/nope/").status_code == 404


def test_paging_survives_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    s1 = TaxiiStore(Database(url))
    s1.add_collection(COLL)
    token = s1.add_member("lab-a", read=[COLL], write=[COLL])
    _post(client(s1, token), [indicator(i) for i in range(10)])
    first = client(s1, token).get(f"/intel/collections/{COLL}/objects/", params={"limit": 4})
    s1.db.close()
    s2 = TaxiiStore(Database(url))  # a restarted (or second) replica
    rest = client(s2, token).get(f"/intel/collections/{COLL}/objects/",
                                 params={"next": first.json()["next"], "limit": 100}).json()
    ids = [o["id"] for o in first.json()["objects"]] + [o["id"] for o in rest["objects"]]
    assert sorted(ids) == sorted(indicator(i)["id"] for i in range(10))
