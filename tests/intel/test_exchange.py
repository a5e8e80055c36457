"""What a receiving lab gets from shared intel: recall without alerting its own real users.

Covers the consumer-side rules: nested network evidence counts once, indicators
are weighed against the consumer's own base rates, sketch similarity is a lower
confidence bound (so the alert set does not depend on the community key), and
only what the producer is confident of travels.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillguard.intel import CommunityKey, ExportOptions, Keyring, export_bundle
from distillguard.intel import keys as K
from distillguard.intel.match import run_match
from distillguard.intel.scoring import (
    FEATURES,
    LOCAL_TOLERANCE,
    REVIEW,
    Hit,
    Provenance,
    combine,
    raw_hit,
    score_accounts,
)
from distillguard.intel.stixdefs import BEHAVIOR_TYPE

from .intel_worlds import NOW, VPN_EXIT, Lab, make_lab


def _alerts(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def _prov(iid: str, confidence: int = 100) -> Provenance:
    return Provenance(iid, "Lab A", "op", confidence, "amber", "k1")


def _hit(feature: str, iid: str) -> Hit:
    h = raw_hit(feature, 1.0, _prov(iid))
    assert h is not None
    return h


def test_nested_network_evidence_counts_once_and_never_reaches_review() -> None:
    net = [_hit(K.IP, "ip"), _hit(K.IP_PREFIX, "pfx"), _hit(K.ASN, "asn")]
    # The old table combined them as independent: 1 - 0.3 x 0.65 x 0.9 = 0.82, a block.
    assert combine(net) == pytest.approx(FEATURES[K.IP].weight)
    assert combine(net) < REVIEW
    assert combine([*net, _hit("wrapper-sketch", "w")]) >= REVIEW


def test_an_indicator_common_among_my_cleared_accounts_weighs_little() -> None:
    vpn = {f"user-{i}": [_hit(K.IP, "exit"), _hit("timing-signature", "t")]
           for i in range(13)}
    ops = {f"op-{i}": [_hit(K.IP, "exit"), _hit("wrapper-sketch", "w"),
                       _hit("parameter-fingerprint", "p")] for i in range(3)}
    matches = {m.account_id: m for m in score_accounts({**vpn, **ops})}
    for i in range(13):
        m = matches[f"user-{i}"]
        assert m.action == "allow"
        ip = next(h for h in m.hits if h.feature == K.IP)
        assert ip.local_share == pytest.approx(LOCAL_TOLERANCE / 13, abs=1e-4)
        assert ip.local_holders == 16
    assert all(matches[f"op-{i}"].action == "block" for i in range(3))
    # The consumer's own hunt, when given, decides who is cleared instead.
    mine = score_accounts({**vpn, **ops}, local_flagged=frozenset(ops))
    assert {m.account_id for m in mine if m.action != "allow"} == set(ops)
    # Three operation accounts my hunt missed share the sketch's weight (2 of 3 each).
    missed = {m.account_id: m for m in score_accounts({**vpn, **ops}, frozenset())}
    assert all(missed[f"op-{i}"].action == "review" for i in range(3))
    # One uncleared account on an indicator keeps the producer's full weight.
    alone = score_accounts({"x": [_hit("wrapper-sketch", "w2")]})
    assert alone[0].hits[0].local_share == 1.0 and alone[0].action == "review"


@pytest.fixture(scope="module")
def vpn_labs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lab, Lab]:
    root = tmp_path_factory.mktemp("vpn")
    a = make_lab(root / "a", "a", n_distillers=6, n_benign=8, seed=1, vpn_exit=VPN_EXIT)
    b = make_lab(root / "b", "b", n_distillers=3, n_benign=6, seed=2, vpn_users=12,
                 near_wrapper_users=4)
    return a, b


def test_vpn_users_at_the_partner_are_not_alerted(vpn_labs: tuple[Lab, Lab],
                                                  community_key: CommunityKey,
                                                  tmp_path: Path) -> None:
    a, b = vpn_labs
    bundle = tmp_path / "a.json"
    export_bundle(community_key, a.hunt, [a.events], a.accounts, bundle,
                  ExportOptions(producer="Lab A", now=NOW))
    exit_hash = community_key.hash_observable(K.IP, VPN_EXIT)
    assert exit_hash in bundle.read_text()  # pure at lab A: only its operation used it
    for own_hunt in (None, b.hunt):
        report = run_match(Keyring(community_key), bundle, [b.events], b.accounts,
                           tmp_path / "alerts.csv", tmp_path / "block.csv", own_hunt)
        with (tmp_path / "block.csv").open() as fh:
            listed = {r["account_id"]: r["action"] for r in csv.DictReader(fh)}
        assert listed == dict.fromkeys(b.distillers, "block"), own_hunt
        assert report.block == 3
        vpn_rows = [r for r in _alerts(tmp_path / "alerts.csv") if "-vpn-" in r["account_id"]]
        assert {r["account_id"] for r in vpn_rows} == {f"b-vpn-{i:02d}" for i in range(12)}
        assert all(r["action"] == "allow" and float(r["score"]) < 0.2 for r in vpn_rows)


def test_min_confidence_lets_the_consumer_choose(lab_a: Lab, lab_b: Lab,
                                                 community_key: CommunityKey,
                                                 tmp_path: Path) -> None:
    bundle = tmp_path / "a.json"
    export_bundle(community_key, lab_a.hunt, [lab_a.events], lab_a.accounts, bundle,
                  ExportOptions(producer="Lab A", now=NOW))
    confidences = {o["confidence"] for o in json.loads(bundle.read_text())["objects"]
                   if o["type"] in ("indicator", BEHAVIOR_TYPE)}
    top = max(confidences)
    every = run_match(Keyring(community_key), bundle, [lab_b.events], lab_b.accounts,
                      tmp_path / "x.csv", min_confidence=0)
    none = run_match(Keyring(community_key), bundle, [lab_b.events], lab_b.accounts,
                     tmp_path / "y.csv", min_confidence=top + 1)
    assert every.block == 3 and none.accounts_matched == 0


def test_a_lone_review_account_does_not_travel(community_key: CommunityKey,
                                               tmp_path: Path) -> None:
    lab = make_lab(tmp_path / "c", "c", n_distillers=3, n_benign=4, seed=5)
    rows = (lab.hunt / "accounts.csv").read_text().splitlines()
    # The hunt sends one benign customer to review on its own (no cluster).
    rows = [r if not r.startswith("c-user-00,") else "c-user-00,0.62,review,,odd hours"
            for r in rows]
    (lab.hunt / "accounts.csv").write_text("\n".join(rows) + "\n")
    bundle = tmp_path / "c.json"
    export_bundle(community_key, lab.hunt, [lab.events], lab.accounts, bundle,
                  ExportOptions(producer="Lab C", now=NOW))
    behaviors = [o for o in json.loads(bundle.read_text())["objects"]
                 if o["type"] == BEHAVIOR_TYPE]
    assert behaviors and all(o.get("campaign_ref") for o in behaviors)


def test_a_quiet_wing_of_a_campaign_travels_with_it(community_key: CommunityKey,
                                                   tmp_path: Path) -> None:
    # Lab A's hunt put a loud wing (6 accounts, 120 requests each) and a quiet one
    # (3 accounts, 4 harvest requests each amid chat, another wrapper) in one cluster.
    # The quiet wrapper is under 1 % of the cluster's requests, yet it ties the quiet
    # accounts together and must travel, or lab B never sees its quiet accounts.
    a = make_lab(tmp_path / "a", "a", n_distillers=6, n_benign=8, seed=1,
                 requests_per_distiller=120, slow_distillers=3)
    b = make_lab(tmp_path / "b", "b", n_distillers=0, n_benign=6, seed=2,
                 op_prefix="100.64.9", slow_distillers=2, hunt=False)
    export_bundle(community_key, a.hunt, [a.events], a.accounts, tmp_path / "a.json",
                  ExportOptions(producer="Lab A", now=NOW))
    run_match(Keyring(community_key), tmp_path / "a.json", [b.events], b.accounts,
              tmp_path / "al.csv", tmp_path / "bl.csv")
    with (tmp_path / "bl.csv").open() as fh:
        listed = {r["account_id"] for r in csv.DictReader(fh)}
    assert listed == set(b.distillers) == {"b-slow-00", "b-slow-01"}
    sketch_hits = {r["account_id"] for r in _alerts(tmp_path / "al.csv")
                   if r["feature"] == "wrapper-sketch"}
    assert sketch_hits == set(b.distillers)


_KEYS = st.binary(min_size=32, max_size=32)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=_KEYS)
def test_sketch_alerts_do_not_depend_on_the_key(secret: bytes, vpn_labs: tuple[Lab, Lab],
                                                tmp_path_factory: pytest.TempPathFactory
                                                ) -> None:
    """For any community key, the same accounts are alerted on the wrapper sketch.

    The near-wrapper tutors truly share 0.42 of their shingles with the
    operation's wrapper, under the 0.5 minimum: a point estimate from 64
    permutations put them over it under about a third of keys; the one-sided
    95 % lower bound from 128 permutations keeps them out under every key tried,
    while the operation's accounts (sharing whole lines) stay in.
    """
    a, b = vpn_labs
    key = CommunityKey("frontier-labs", "kx", secret)
    out = tmp_path_factory.mktemp("keyed")
    export_bundle(key, a.hunt, [a.events], a.accounts, out / "a.json",
                  ExportOptions(producer="Lab A", now=NOW))
    report = run_match(Keyring(key), out / "a.json", [b.events], b.accounts, out / "al.csv",
                       out / "bl.csv")
    sketch_hits = {r["account_id"] for r in _alerts(out / "al.csv")
                   if r["feature"] == "wrapper-sketch"}
    assert sketch_hits == set(b.distillers)
    assert report.block == len(b.distillers) and report.review == 0


def _add_vendor(lab: Lab, name: str, n: int, verdict: str | None) -> list[str]:
    """``n`` accounts of a data vendor under contract that runs the operation's (public)
    wrapper on its own prompts, with its own card and domain; ``verdict``: what the lab's
    hunt said of them (they join the operation's cluster), None for no hunt row."""
    ids = [f"{name}-vendor-{i:02d}" for i in range(n)]
    with lab.accounts.open("a") as fh:
        for acct in ids:
            fh.write(json.dumps({"account_id": acct, "created_at": "2026-01-05T00:00:00Z",
                                 "email_domain": "synthloom.example",
                                 "payment_fingerprint": "pf-synthloom", "kyc_level": "contract",
                                 "plan": "enterprise", "org_id": "org-synthloom"}) + "\n")
    events = [json.loads(x) for x in lab.events.read_text().splitlines()]
    template = next(e for e in events if "-op-" in str(e["account_id"]))
    for k, acct in enumerate(ids):
        for i in range(6):
            ev = json.loads(json.dumps(template))
            ev.update(event_id=f"{acct}-e{i}", account_id=acct, ip=f"100.70.{k}.{i + 1}",
                      user_agent="synthloom-gen/2.1")
            ev["request"]["messages"][0]["content"] = (
                f"Topic {'abcdef'[i]}{'ghijkl'[k % 6]}: write a grade school word problem "
                "about trains.\nFinal answer: <answer>")
            events.append(ev)
    lab.events.write_text("".join(json.dumps(e) + "\n" for e in events))
    if verdict is not None:
        with (lab.hunt / "accounts.csv").open("a") as fh:
            for acct in ids:
                fh.write(f"{acct},0.66,{verdict},op-7,coordinated accounts\n")
    return ids


def test_a_customer_under_contract_is_not_listed_on_a_peers_word(community_key: CommunityKey,
                                                                 tmp_path: Path) -> None:
    # Lab A's hunt put a data vendor's accounts (contract, enterprise plan) at review in
    # the operation's cluster: they share its wrapper, a public template, and their own
    # card. Lab B knows the vendor as an accountable customer: the peer's hits are kept
    # in its alerts but never list the vendor; the operation's accounts are listed.
    a = make_lab(tmp_path / "a", "a", n_distillers=6, n_benign=8, seed=1)
    _add_vendor(a, "a", 3, "review")
    b = make_lab(tmp_path / "b", "b", n_distillers=3, n_benign=6, seed=2, hunt=False)
    vendor_b = _add_vendor(b, "b", 2, None)
    export_bundle(community_key, a.hunt, [a.events], a.accounts, tmp_path / "a.json",
                  ExportOptions(producer="Lab A", now=NOW))
    run_match(Keyring(community_key), tmp_path / "a.json", [b.events], b.accounts,
              tmp_path / "al.csv", tmp_path / "bl.csv")
    with (tmp_path / "bl.csv").open() as fh:
        listed = {r["account_id"] for r in csv.DictReader(fh)}
    assert listed == set(b.distillers)
    vendor_rows = [r for r in _alerts(tmp_path / "al.csv") if r["account_id"] in vendor_b]
    assert {r["account_id"] for r in vendor_rows} == set(vendor_b)  # seen, not listed
    assert {r["feature"] for r in vendor_rows} >= {"wrapper-sketch", K.PAYMENT}
    assert all(r["action"] == "allow" and float(r["score"]) < REVIEW for r in vendor_rows)
    # The same customer without a contract (card KYC, payg) is listed: the cap is the rule.
    plain = [json.loads(x) for x in b.accounts.read_text().splitlines()]
    for row in plain:
        if row["account_id"] in vendor_b:
            row.update(kyc_level="card", plan="payg")
    b.accounts.write_text("".join(json.dumps(r) + "\n" for r in plain))
    run_match(Keyring(community_key), tmp_path / "a.json", [b.events], b.accounts,
              tmp_path / "al2.csv", tmp_path / "bl2.csv")
    with (tmp_path / "bl2.csv").open() as fh:
        assert set(vendor_b) <= {r["account_id"] for r in csv.DictReader(fh)}


def test_review_level_values_travel_only_when_two_unanswerable_accounts_share_them(
        community_key: CommunityKey, tmp_path: Path) -> None:
    lab = make_lab(tmp_path / "c", "c", n_distillers=4, n_benign=4, seed=5)
    rows = (lab.hunt / "accounts.csv").read_text().splitlines()
    # The whole operation only at review: what two of its accounts share still travels
    # (the shared card), what one alone shows does not (its own card).
    rows = [r.replace(",block,", ",review,") for r in rows]
    (lab.hunt / "accounts.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "c.json"
    export_bundle(community_key, lab.hunt, [lab.events], lab.accounts, out,
                  ExportOptions(producer="Lab C", now=NOW))
    text = out.read_text()
    assert community_key.hash_observable(K.PAYMENT, "pf-op-51d0") in text
    assert community_key.hash_observable(K.PAYMENT, "pf-c-1") not in text
    export_bundle(community_key, lab.hunt, [lab.events], lab.accounts, out,
                  ExportOptions(producer="Lab C", now=NOW, min_suspected=1))
    assert community_key.hash_observable(K.PAYMENT, "pf-c-1") in out.read_text()
