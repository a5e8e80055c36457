"""Pull (idempotent, resumable) and match (keyed hashes, sketches, key rotation)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from distillguard.database import Database
from distillguard.intel import CommunityKey, ExportOptions, Keyring, export_bundle
from distillguard.intel.client import TaxiiClient, pull, push
from distillguard.intel.match import BLOCKLIST_COLUMNS, run_match
from distillguard.intel.server import create_app
from distillguard.intel.store import TaxiiStore
from distillguard.schema.errors import AuthError, InputError

from .intel_worlds import NOW, WRAPPER_SYSTEM, Lab, make_lab
from .taxii_helpers import COLL, SyncASGITransport, indicator


@pytest.fixture
def served(tmp_path: Path) -> tuple[TaxiiStore, str]:
    store = TaxiiStore(Database(f"sqlite:///{tmp_path / 'taxii.db'}"))
    store.add_collection(COLL)
    return store, store.add_member("lab-b", read=[COLL], write=[COLL])


def _client(store: TaxiiStore, token: str) -> TaxiiClient:
    return TaxiiClient("http://taxii.test/taxii2/", token=token,
                       transport=SyncASGITransport(create_app(store)))


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_pull_is_idempotent_and_resumable(served: tuple[TaxiiStore, str],
                                          tmp_path: Path) -> None:
    store, token = served
    c = _client(store, token)
    c.post("http://taxii.test/intel/", COLL, [indicator(i) for i in range(30)])
    out = tmp_path / "pulled"
    part = pull(c, COLL, out, limit=7, max_pages=2)
    assert (part.pages, part.new) == (2, 14)
    rest = pull(c, COLL, out, limit=7)
    assert rest.new == 16
    assert pull(c, COLL, out, limit=7).new == 0
    c.post("http://taxii.test/intel/", COLL, [indicator(i) for i in range(30, 35)])
    assert pull(c, COLL, out, limit=7).new == 5
    ids = [o["id"] for o in _lines(out / "objects.jsonl")]
    assert len(ids) == len(set(ids)) == 35
    with pytest.raises(InputError):
        pull(c, "0e8b1d7a-3c2f-4b6e-9d5a-7c1f2e3d4a5b", out)
    with pytest.raises(AuthError):
        pull(_client(store, "dgt_nope"), COLL, tmp_path / "other")


def test_match_finds_lab_b_operation(lab_a: Lab, lab_b: Lab, community_key: CommunityKey,
                                     tmp_path: Path) -> None:
    bundle = tmp_path / "a.json"
    export_bundle(community_key, lab_a.hunt, [lab_a.events], lab_a.accounts, bundle,
                  ExportOptions(producer="Lab A", now=NOW))
    report = run_match(Keyring(community_key), bundle, [lab_b.events], lab_b.accounts,
                       tmp_path / "alerts.csv", tmp_path / "block.csv")
    assert report.block == len(lab_b.distillers) and report.review == 0
    with (tmp_path / "block.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == BLOCKLIST_COLUMNS
    assert {r["account_id"] for r in rows} == set(lab_b.distillers)
    assert all(r["source"] == "intel:Lab A" and "campaign" in r["reason"] for r in rows)
    with (tmp_path / "alerts.csv").open() as fh:
        alerts = list(csv.DictReader(fh))
    feats = {a["feature"] for a in alerts}
    assert {"wrapper-sketch", "parameter-fingerprint", "ip-prefix"} <= feats
    assert all(a["tlp"] == "amber" and a["key_id"] == "k2" and a["producer"] == "Lab A"
               for a in alerts)
    assert not {a["account_id"] for a in alerts} & set(lab_b.benign)


def test_key_rotation(lab_a: Lab, lab_b: Lab, community_key: CommunityKey,
                      tmp_path: Path) -> None:
    bundle = tmp_path / "a.json"
    export_bundle(community_key, lab_a.hunt, [lab_a.events], lab_a.accounts, bundle,
                  ExportOptions(producer="Lab A", now=NOW))
    rotated = CommunityKey(community_key.community, "k3", b"a brand new community secret")
    still = run_match(Keyring(rotated, (community_key,)), bundle, [lab_b.events],
                      lab_b.accounts, tmp_path / "a1.csv")
    assert still.block == len(lab_b.distillers)
    dropped = run_match(Keyring(rotated), bundle, [lab_b.events], lab_b.accounts,
                        tmp_path / "a2.csv")
    assert dropped.accounts_matched == 0 and dropped.unknown_key_ids == "k2"
    other = CommunityKey("other-community", "k2", community_key.secret)
    assert run_match(Keyring(other), bundle, [lab_b.events], lab_b.accounts,
                     tmp_path / "a3.csv").block == 0


def test_push_then_pull_then_match(lab_a: Lab, lab_b: Lab, community_key: CommunityKey,
                                   served: tuple[TaxiiStore, str], tmp_path: Path) -> None:
    store, token = served
    bundle = tmp_path / "a.json"
    export_bundle(community_key, lab_a.hunt, [lab_a.events], lab_a.accounts, bundle,
                  ExportOptions(producer="Lab A", now=NOW))
    c = _client(store, token)
    status = push(c, COLL, bundle, batch=10)
    n = len(json.loads(bundle.read_text())["objects"])
    assert status["success_count"] == n and status["failure_count"] == 0
    pull(c, COLL, tmp_path / "pulled", limit=9)
    report = run_match(Keyring(community_key), tmp_path / "pulled", [lab_b.events],
                       lab_b.accounts, tmp_path / "alerts.csv")
    assert report.block == len(lab_b.distillers)


def test_damaged_pull_lines_are_counted_not_fatal(lab_a: Lab, lab_b: Lab,
                                                   community_key: CommunityKey,
                                                   tmp_path: Path) -> None:
    bundle = tmp_path / "a.json"
    export_bundle(community_key, lab_a.hunt, [lab_a.events], lab_a.accounts, bundle,
                  ExportOptions(producer="Lab A", now=NOW))
    pulled = tmp_path / "pulled"
    pulled.mkdir()
    lines = [json.dumps(o) for o in json.loads(bundle.read_text())["objects"]]
    (pulled / "objects.jsonl").write_text("\n".join([*lines, "{broken", "[1, 2]"]) + "\n")
    report = run_match(Keyring(community_key), pulled, [lab_b.events], lab_b.accounts,
                       tmp_path / "alerts.csv")
    assert report.unreadable_intel_lines == 2 and report.block == len(lab_b.distillers)
    with pytest.raises(InputError):
        run_match(Keyring(community_key), tmp_path / "alerts.csv", [lab_b.events],
                  lab_b.accounts, tmp_path / "x.csv")


def test_shared_system_prompt_is_not_an_indicator(community_key: CommunityKey,
                                                  tmp_path: Path) -> None:
    # Benign users of lab C use the operation's system prompt too (say, a public
    # template): the sketch must then rest on the task template alone.
    lab_c = make_lab(tmp_path / "c", "c", n_distillers=4, n_benign=12, seed=3,
                     benign_system=WRAPPER_SYSTEM)
    bundle = tmp_path / "c.json"
    export_bundle(community_key, lab_c.hunt, [lab_c.events], lab_c.accounts, bundle,
                  ExportOptions(producer="Lab C", now=NOW))
    report = run_match(Keyring(community_key), bundle, [lab_c.events], lab_c.accounts,
                       tmp_path / "alerts.csv")
    with (tmp_path / "alerts.csv").open() as fh:
        alerts = list(csv.DictReader(fh))
    sketch_hits = {a["account_id"] for a in alerts if a["feature"] == "wrapper-sketch"}
    assert sketch_hits == set(lab_c.distillers)
    assert report.block == len(lab_c.distillers)
