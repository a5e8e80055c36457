"""Export: a valid STIX 2.1 bundle, stable (golden), and free of every raw input value."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import stix2

from distillguard.intel import CommunityKey, ExportOptions, export_bundle, validate_bundle
from distillguard.intel.stixdefs import BEHAVIOR_TYPE, TLP2
from distillguard.schema.errors import InputError

from .intel_worlds import NOW, Lab, assert_private, forbidden_strings

GOLDEN = Path(__file__).resolve().parent / "golden" / "lab_a_bundle.json"


def _export(lab: Lab, key: CommunityKey, out: Path, **kw: Any) -> dict[str, Any]:
    export_bundle(key, lab.hunt, [lab.events], lab.accounts, out,
                  ExportOptions(producer="Lab A", now=NOW, **kw))
    return dict(json.loads(out.read_text()))


def test_bundle_is_valid_stix_and_carries_provenance(lab_a: Lab, community_key: CommunityKey,
                                                     tmp_path: Path) -> None:
    bundle = _export(lab_a, community_key, tmp_path / "b.json")
    stix2.parse(bundle, allow_custom=False)
    validate_bundle(bundle)
    types = {o["type"] for o in bundle["objects"]}
    assert {"identity", "campaign", "indicator", "sighting", "relationship", BEHAVIOR_TYPE,
            "marking-definition", "extension-definition"} <= types
    behaviors = {o["behavior_type"] for o in bundle["objects"] if o["type"] == BEHAVIOR_TYPE}
    assert behaviors == {"wrapper-sketch", "parameter-fingerprint", "timing-signature"}
    for obj in bundle["objects"]:
        if obj["type"] in ("indicator", BEHAVIOR_TYPE, "campaign", "sighting"):
            assert obj["object_marking_refs"] == [TLP2["amber"]]
        if obj["type"] == "indicator":
            assert "key_id = 'k2'" in obj["pattern"]
            assert 0 <= obj["confidence"] <= 100
        if obj["type"] == "sighting":
            assert obj["count"] >= 1 and obj["first_seen"] <= obj["last_seen"]


def test_no_raw_identifier_or_prompt_fragment_leaves(lab_a: Lab, community_key: CommunityKey,
                                                     tmp_path: Path) -> None:
    text = json.dumps(_export(lab_a, community_key, tmp_path / "b.json"))
    forbidden = forbidden_strings(lab_a)
    assert len(forbidden) > 200  # the scan really covers the input
    hits = sorted(s for s in forbidden if s in text)
    assert hits == []
    assert not re.search(r":\s*6451[01]\b", text)  # ASNs only as keyed hashes


def test_privacy_scan_catches_a_leak(lab_a: Lab) -> None:
    forbidden = forbidden_strings(lab_a)
    leaked = json.dumps({"description": f"operator uses {lab_a.distillers[0]}"})
    assert any(s in leaked for s in forbidden)


def test_impure_observables_are_withheld(lab_a: Lab, community_key: CommunityKey,
                                         tmp_path: Path) -> None:
    bundle = _export(lab_a, community_key, tmp_path / "b.json")
    gmail = community_key.hash_observable("email-domain", "gmail.com")
    sdk = community_key.hash_observable("user-agent", "OpenAI/Python 1.82.0")
    text = json.dumps(bundle)
    assert gmail and sdk and gmail not in text and sdk not in text
    op = community_key.hash_observable("payment-fingerprint", "pf-op-51d0")
    assert op and op in text


def test_min_verdict_block_and_tlp(lab_a: Lab, community_key: CommunityKey,
                                   tmp_path: Path) -> None:
    bundle = _export(lab_a, community_key, tmp_path / "b.json", tlp="green", min_verdict="block")
    assert_private(bundle, lab_a)
    marks = {m for o in bundle["objects"] for m in o.get("object_marking_refs", [])}
    assert marks == {TLP2["green"]}
    with pytest.raises(InputError):
        ExportOptions(min_verdict="allow")
    with pytest.raises(InputError):
        _export(lab_a, community_key, tmp_path / "c.json", tlp="purple")


def test_golden_bundle(lab_a: Lab, community_key: CommunityKey, tmp_path: Path) -> None:
    bundle = _export(lab_a, community_key, tmp_path / "b.json")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(bundle, indent=2) + "\n")
    golden = json.loads(GOLDEN.read_text())
    got = {o["id"]: o for o in bundle["objects"]}
    want = {o["id"]: o for o in golden["objects"]}
    assert sorted(got) == sorted(want)
    for oid, obj in want.items():
        diff = {k for k in obj.keys() | got[oid].keys() if obj.get(k) != got[oid].get(k)}
        assert not diff, (oid, {k: (got[oid].get(k), obj.get(k)) for k in diff})
    assert bundle == golden


def test_validate_bundle_lists_every_bad_object() -> None:
    bad = {"type": "bundle", "id": "bundle--6a4b1c2d-0000-4000-8000-000000000001", "objects": [
        {"type": "indicator", "spec_version": "2.1"},
        {"type": "x-unknown", "spec_version": "2.1", "id": "x-unknown--1"},
        "not an object",
    ]}
    with pytest.raises(InputError) as err:
        validate_bundle(bad, source="peer.json")
    assert [p["field"] for p in err.value.details["problems"]] == [
        "objects[0]", "objects[1]", "objects[2]"]
