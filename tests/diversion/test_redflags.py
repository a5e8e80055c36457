"""Each red flag fires on the evidence it names, and only on it: one change to a
clean data-centre order per case, and the flag's evidence and source travel
with the decision."""

from __future__ import annotations

from typing import Any

import pytest

from distillguard.diversion import FLAG_IDS, RedFlags, to_order


def _assess(flags: RedFlags, rec: dict[str, Any]):  # type: ignore[no-untyped-def]
    return flags.assess(to_order(rec, 2, "orders.csv"))


def test_clean_order_is_clear(flags: RedFlags, clean: dict[str, Any]) -> None:
    a = _assess(flags, clean)
    assert a.decision == "clear" and a.hits == () and a.score == 0


CASES = [
    ("listed_party", {"end_user": "Inspur Group Co., Ltd.", "end_user_country": "SG"}, "Inspur"),
    ("prc_parent", {"ultimate_parent": "Shenzhen Yuntu Co", "parent_country": "China"}, "CN"),
    ("prc_parent", {"parent_country": "Macau"}, "MO"),
    ("inspection_mismatch", {"inspection": "dummy servers found in racks"}, "dummy"),
    ("residential_or_virtual_address", {"consignee_address": "Apt 4B, 12 Main St"}, "apt"),
    ("residential_or_virtual_address", {"ship_to_address": "Regus Business Centre, HK"}, "regus"),
    ("new_buyer_post_2022", {"buyer_since": "2022-10-07"}, "2022-10-07"),
    ("forwarder_destination", {"forwarder": "Tanjong Data Systems Pte Ltd"}, "forwarder"),
    ("forwarder_destination", {"consignee": "Straits Cargo Services Sdn Bhd"}, "logistics"),
    ("transshipment_route", {"end_user_country": "CN", "parent_country": ""}, "hub"),
    ("site_power_cooling", {"site_power_kw": ""}, "no site power"),
    ("site_power_cooling", {"site_power_kw": 100}, "below"),
    ("quantity_vs_use", {"stated_end_use": "gaming"}, "gaming"),
    ("business_mismatch", {"buyer_business": "real estate"}, "real estate"),
    ("third_country_payment", {"payer_country": "HK"}, "HK"),
    ("unusual_payment", {"payment_method": "USDT"}, "USDT"),
    ("end_use_withheld", {"stated_end_use": "resale"}, "resale"),
    ("end_use_withheld", {"end_user": ""}, "end user not named"),
    ("installation_declined", {"installation": "declined"}, "declined"),
    ("little_business_background", {"buyer_founded": "2023-09-01"}, "days before"),
]


@pytest.mark.parametrize(("flag", "change", "evidence"), CASES)
def test_each_flag_names_its_evidence(
    flags: RedFlags, clean: dict[str, Any], flag: str, change: dict[str, Any], evidence: str
) -> None:
    a = _assess(flags, {**clean, **change})
    assert flag in a.flags, (flag, a.flags)
    h = next(h for h in a.hits if h.flag.id == flag)
    assert evidence.lower() in h.evidence.lower()
    assert h.flag.source and h.to_dict()["source"] == h.flag.source
    assert h.reason() == f"{flag}: {h.evidence}"
    if h.severity == "hold" or h.weight >= flags.cfg.review:
        assert a.decision in ("review", "hold")


def test_every_flag_has_a_case() -> None:
    assert {c[0] for c in CASES} == set(FLAG_IDS)


def test_hold_flags_hold_alone(flags: RedFlags, clean: dict[str, Any]) -> None:
    for change in ({"parent_country": "CN"}, {"inspection": "serials relabelled"},
                   {"end_user": "Sugon"}):
        assert _assess(flags, {**clean, **change}).decision == "hold", change


def test_review_flags_add_up_to_hold(flags: RedFlags, clean: dict[str, Any]) -> None:
    one = _assess(flags, {**clean, "payer_country": "HK"})
    assert one.decision == "review"
    two = _assess(flags, {**clean, "payer_country": "HK", "buyer_business": "real estate"})
    assert two.decision == "hold" and two.score >= flags.cfg.hold


def test_new_buyer_alone_is_not_review(flags: RedFlags, clean: dict[str, Any]) -> None:
    # Every company founded since 2022 has this flag: it only counts with others.
    a = _assess(flags, {**clean, "buyer_since": "2024-01-01"})
    assert a.flags == ("new_buyer_post_2022",) and a.decision == "clear"


def test_small_consumer_order_skips_data_centre_flags(
    flags: RedFlags, clean: dict[str, Any]
) -> None:
    rec = {**clean, "product": "GeForce RTX 4090", "quantity": 24, "stated_end_use": "gaming",
           "site_power_kw": "", "consignee_address": "Apt 3, Jalan Ampang"}
    a = _assess(flags, rec)
    assert "site_power_cooling" not in a.flags and "quantity_vs_use" not in a.flags


def test_listed_party_once_per_party_with_roles(flags: RedFlags, clean: dict[str, Any]) -> None:
    rec = {**clean, "buyer": "Sugon", "consignee": "Sugon", "end_user": "Sugon",
           "buyer_country": "", "consignee_country": "", "end_user_country": ""}
    a = _assess(flags, rec)
    hits = [h for h in a.hits if h.flag.id == "listed_party"]
    assert len(hits) == 1 and "buyer/consignee/end user" in hits[0].evidence
    assert "T-2" in hits[0].evidence


def test_same_country_family_is_not_third_country(flags: RedFlags, clean: dict[str, Any]) -> None:
    # Hong Kong reads as China for the payer, as screen reads it for names.
    rec = {**clean, "buyer_country": "CN", "payer_country": "HK"}
    assert "third_country_payment" not in _assess(flags, rec).flags
