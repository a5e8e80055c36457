"""Coordination evidence: ties per kind group, the group's other members, bursts, pools."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from distillguard.detect.campaigns import Cluster, assign_ids
from distillguard.detect.coordination import NAMES, coordination, internal_by_group
from distillguard.graph import Edges
from distillguard.schema import Account

KINDS = ("p64", "payment", "lockstep")
T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _edges(pairs: list[tuple[int, int, str]]) -> Edges:
    src = np.array([min(a, b) for a, b, _ in pairs], dtype=np.int64)
    dst = np.array([max(a, b) for a, b, _ in pairs], dtype=np.int64)
    return Edges(src=src, dst=dst, weight=np.ones(len(pairs)),
                 part_edge=np.arange(len(pairs), dtype=np.int64),
                 part_kind=np.array([KINDS.index(k) for _, _, k in pairs], dtype=np.int64),
                 part_weight=np.ones(len(pairs)), kinds=KINDS)


def _acc(i: int, hours: float, org: str | None = None, kyc: str = "card") -> Account:
    return Account(account_id=f"a{i}", created_at=T0 + timedelta(hours=hours), org_id=org,
                   kyc_level=kyc)


def test_internal_ties_are_split_by_kind_group_and_stay_inside_the_community() -> None:
    edges = _edges([(0, 1, "p64"), (1, 2, "payment"), (2, 3, "lockstep"), (3, 4, "p64")])
    labels = np.array([0, 0, 0, 0, 1])
    t = internal_by_group(edges, labels, 5)
    assert t["scaffold"].tolist() == [1, 1, 0, 0, 0]
    assert t["infra"].tolist() == [0, 1, 1, 0, 0]
    assert t["timing"].tolist() == [0, 0, 1, 1, 0]


def _world(n: int, hours: list[float], risk: list[float], orgs: list[str | None] | None = None,
           kyc: str = "card") -> tuple[np.ndarray, dict[str, np.ndarray]]:
    pairs = [(i, j, k) for i in range(n) for j in range(i + 1, n) for k in ("p64", "payment")]
    labels = np.zeros(n, dtype=np.int64)
    accounts = [_acc(i, hours[i], (orgs or [None] * n)[i], kyc) for i in range(n)]
    c = coordination(_edges(pairs), labels, accounts, np.array(risk), np.zeros(n),
                     {"volume": np.linspace(1, 2, n)}, np.full(n, 50.0))
    return c.size, c.values


def test_a_member_cannot_vouch_for_itself() -> None:
    _, v = _world(3, [0, 1, 2], [0.9, 0.1, 0.1])
    # Member 0's group risk is its peers' (0.1), theirs includes member 0's 0.9.
    assert v["group_risk"][0] == pytest.approx(0.1)
    assert v["group_risk"][1] == pytest.approx(0.5)


def test_sign_up_burst_and_organisation_cover() -> None:
    size, v = _world(4, [0, 1, 2, 400], [0.5] * 4)
    assert size.tolist() == [4] * 4
    assert v["creation_burst"][0] == pytest.approx(2 / 3)
    assert v["creation_burst"][3] == 0.0
    _, org = _world(4, [0, 1, 2, 3], [0.5] * 4, ["o1", "o1", "o1", None], kyc="contract")
    assert org["org_cover"][0] == pytest.approx(2 / 3) and org["org_cover"][3] == 0.0


def test_an_account_alone_has_no_coordination() -> None:
    labels = np.array([-1, -1])
    c = coordination(_edges([]), labels, [None, None], np.array([0.9, 0.9]), np.ones(2),
                     {}, np.full(2, 10.0))
    assert all(float(np.abs(c.values[name]).sum()) == 0.0 for name in NAMES)


@given(st.lists(st.floats(0, 1), min_size=2, max_size=12),
       st.lists(st.integers(0, 2), min_size=2, max_size=12))
def test_values_are_in_the_unit_interval(risk: list[float], lab: list[int]) -> None:
    n = min(len(risk), len(lab))
    labels = np.array(lab[:n], dtype=np.int64)
    pairs = [(i, j, "p64") for i in range(n) for j in range(i + 1, n) if lab[i] == lab[j]]
    accounts = [_acc(i, float(i)) for i in range(n)]
    c = coordination(_edges(pairs), labels, accounts, np.array(risk[:n]), np.array(risk[:n]),
                     {"volume": np.array(risk[:n])}, np.arange(n, dtype=np.float64))
    for name in NAMES:
        assert ((c.values[name] >= 0) & (c.values[name] <= 1)).all(), name


def test_campaign_ids_go_to_members_at_review_only_and_never_to_organisations() -> None:
    risk = np.array([0.9, 0.8, 0.1, 0.95, 0.9])
    op = Cluster(label=0, members=np.array([0, 1, 2]), is_org=False,
                 org_id=None, kinds=(), created_span_h=None)
    org = Cluster(label=1, members=np.array([3, 4]), is_org=True,
                  org_id="o", kinds=(), created_span_h=None)
    ids, chosen = assign_ids([op, org], risk, 0.5, 5)
    assert ids == ["C0001", "C0001", "", "", ""]
    assert [c[0] for c in chosen] == ["C0001"]
