"""Diversion fixtures: the shipped flag set, a tiny hand-made list for party
screening (exact expectations), and a clean data-centre order to vary."""

from __future__ import annotations

from typing import Any

import pytest

from distillguard.diversion import FlagConfig, PartyScreen, RedFlags, load_flags
from distillguard.screen import Entity, Screener, load_config

LISTED = [
    Entity("T-1", "ENTITY", "Inspur Group Co Ltd", "entity", ("Inspur",), (), ("CN",)),
    Entity("T-2", "ENTITY", "Sugon Information Industry Co Ltd", "entity", ("Sugon",), (), ("CN",)),
    Entity("T-3", "SDN", "Harbin Institute of Technology", "entity", (), (), ("CN",)),
]


@pytest.fixture(scope="session")
def cfg() -> FlagConfig:
    return load_flags()


@pytest.fixture(scope="session")
def party_screen() -> PartyScreen:
    return PartyScreen(Screener(LISTED, load_config()))


@pytest.fixture(scope="session")
def flags(cfg: FlagConfig, party_screen: PartyScreen) -> RedFlags:
    return RedFlags(cfg, party_screen)


CLEAN: dict[str, Any] = {
    "order_id": "clean-1",
    "order_date": "2024-03-04",
    "buyer": "Tanjong Data Systems Pte Ltd",
    "buyer_country": "SG",
    "buyer_business": "data centre operator",
    "buyer_since": "2016-02-01",
    "buyer_founded": "2009-01-01",
    "consignee": "Tanjong Data Systems Pte Ltd",
    "consignee_address": "30 Loyang Way, Singapore",
    "consignee_country": "SG",
    "end_user": "Tanjong Data Systems Pte Ltd",
    "end_user_address": "30 Loyang Way, Singapore",
    "end_user_country": "SG",
    "ship_to_country": "SG",
    "product": "HGX H100 8-GPU",
    "quantity": 256,
    "stated_end_use": "cloud",
    "site": "Loyang DC2",
    "site_power_kw": 2400,
    "payment_method": "wire",
    "payer_country": "SG",
    "installation": "accepted",
}


@pytest.fixture
def clean() -> dict[str, Any]:
    return dict(CLEAN)
