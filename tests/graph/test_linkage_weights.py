"""Graph weighting invariants: popular values count little, rare ones count in full."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.detect.config import DEFAULT_LINK_WEIGHTS
from distillguard.graph import build_edges, communities, idf, keep_edges, lockstep, pair_weight

KINDS = sorted(DEFAULT_LINK_WEIGHTS)


@given(st.integers(2, 100_000), st.integers(1, 100_000), st.integers(1, 100_000))
def test_idf_is_non_increasing(n: int, d1: int, d2: int) -> None:
    lo, hi = sorted((min(d1, n), min(d2, n)))
    assert float(idf(hi, n)) <= float(idf(lo, n)) + 1e-12
    assert 0.0 <= float(idf(hi, n)) <= 1.0


@given(
    st.lists(st.tuples(st.sampled_from(KINDS), st.integers(2, 5000)), max_size=6),
    st.sampled_from(KINDS), st.integers(2, 5000), st.integers(2, 5000),
)
def test_popular_value_never_outweighs_rare(shared: list[tuple[str, int]], kind: str,
                                            d1: int, d2: int) -> None:
    n = 5000
    rare, popular = sorted((d1, d2))
    base = pair_weight(shared, n, DEFAULT_LINK_WEIGHTS)
    with_rare = pair_weight([*shared, (kind, rare)], n, DEFAULT_LINK_WEIGHTS)
    with_popular = pair_weight([*shared, (kind, popular)], n, DEFAULT_LINK_WEIGHTS)
    assert base <= with_popular + 1e-12
    assert with_popular - base <= with_rare - base + 1e-12


def test_value_held_by_everyone_counts_nothing() -> None:
    assert pair_weight([("payment", 1000)], 1000, DEFAULT_LINK_WEIGHTS) == 0.0
    assert pair_weight([("payment", 2)], 1000, DEFAULT_LINK_WEIGHTS) == DEFAULT_LINK_WEIGHTS[
        "payment"]


def _keys(rows: list[tuple[int, str, str]]) -> pa.Table:
    a, k, v = zip(*rows, strict=True)
    return pa.table({"account": pa.array(a, pa.int64()), "kind": list(k), "value": list(v)})


def test_one_kind_counts_once_and_kinds_add() -> None:
    # Accounts 0 and 1 share two IPs (one kind) and a payment card.
    rows = [(0, "ip", "x"), (1, "ip", "x"), (0, "ip", "y"), (1, "ip", "y"),
            (0, "payment", "p"), (1, "payment", "p")] + [(i, "asn", "big") for i in range(100)]
    e = build_edges(_keys(rows), 100, DEFAULT_LINK_WEIGHTS)
    w = {(int(s), int(d)): float(x) for s, d, x in zip(e.src, e.dst, e.weight, strict=True)}
    expected = DEFAULT_LINK_WEIGHTS["ip"] + DEFAULT_LINK_WEIGHTS["payment"] + float(
        DEFAULT_LINK_WEIGHTS["asn"] * idf(100, 100))
    assert w[(0, 1)] == np.float64(expected)
    assert (2, 3) not in w  # an ASN held by every account links nobody


def test_large_group_is_a_connected_ring_not_a_clique() -> None:
    n = 400
    rows = [(i, "p64", "wrapper") for i in range(300)]
    e = build_edges(_keys(rows), n, DEFAULT_LINK_WEIGHTS)
    assert e.size < 300 * 20
    labels = communities(keep_edges(e, 0.5), n)
    assert len(set(labels[:300].tolist())) <= 3 and (labels[300:] == -1).all()


def test_lockstep_adds_to_synchronised_pairs_only() -> None:
    rows = [(0, "ip", "a"), (1, "ip", "a"), (2, "ip", "b"), (3, "ip", "b")]
    e = build_edges(_keys(rows), 4, DEFAULT_LINK_WEIGHTS)
    act = pa.table({"account": pa.array([0, 1, 2, 3] * 3, pa.int64()),
                    "bin": pa.array([1, 1, 1, 9] + [2, 2, 5, 10] + [3, 3, 7, 11], pa.int64()),
                    "c": pa.array([1] * 12, pa.int64())})
    e2 = lockstep(e, act, 4, 1.2)
    w = {(int(s), int(d)): float(x) for s, d, x in zip(e2.src, e2.dst, e2.weight, strict=True)}
    assert w[(0, 1)] == DEFAULT_LINK_WEIGHTS["ip"] + 1.2
    assert w[(2, 3)] == DEFAULT_LINK_WEIGHTS["ip"]
    assert "lockstep" in e2.kinds


@given(st.lists(st.tuples(st.integers(0, 11), st.sampled_from(["ip", "payment", "ua"]),
                          st.sampled_from(["v1", "v2", "v3", "v4"])), max_size=60))
@settings(max_examples=60, deadline=None)
def test_edges_match_pairwise_weights(rows: list[tuple[int, str, str]]) -> None:
    # Every pair's weight is pair_weight over the (kind, df) of the values it shares:
    # the strongest value per kind, kinds added; parts ordered by pair, then kind.
    n = 12
    weights = {"ip": 0.8, "payment": 1.8, "ua": 0.2}
    table = pa.table({"account": pa.array([r[0] for r in rows], pa.int64()),
                      "kind": [r[1] for r in rows], "value": [r[2] for r in rows]})
    edges = build_edges(table, n, weights)
    holders: dict[tuple[str, str], set[int]] = {}
    for acc, kind, value in rows:
        holders.setdefault((kind, value), set()).add(acc)
    expected: dict[tuple[int, int], float] = {}
    for i in range(n):
        for j in range(i + 1, n):
            shared = [(k, len(h)) for (k, _), h in holders.items() if i in h and j in h]
            if shared:
                expected[(i, j)] = pair_weight(shared, n, weights)
    got = {(int(s), int(d)): float(w)
           for s, d, w in zip(edges.src, edges.dst, edges.weight, strict=True)}
    assert got.keys() == {p for p, w in expected.items() if w > 0}
    for p, w in got.items():
        assert w == pytest.approx(expected[p])
    order = list(zip(edges.part_edge.tolist(), edges.part_kind.tolist(), strict=True))
    assert order == sorted(order)


def test_a_popular_template_alone_does_not_link_but_with_infrastructure_it_does() -> None:
    # 0-99 share one public framework's system prompt (popular: discounted by idf); 0 and 1
    # also share a sign-up address; 200 and 201 share a rare prompt skeleton.
    n = 2000
    rows = [(i, "sysk", "framework prompt") for i in range(100)]
    rows += [(0, "signup_ip", "10.0.0.1"), (1, "signup_ip", "10.0.0.1"),
             (200, "sysk", "rare wrapper"), (201, "sysk", "rare wrapper")]
    e = build_edges(_keys(rows), n, DEFAULT_LINK_WEIGHTS)
    scaffold = frozenset({"sysk", "tools", "pfp", "ua"})
    plain = keep_edges(e, 0.9)
    kept = keep_edges(e, 0.9, shared_kinds=scaffold, shared_min=1.5)
    pairs = {(int(s), int(d)) for s, d in zip(kept.src, kept.dst, strict=True)}
    assert plain.size > 1000  # without the rule the popular prompt links every pair it holds
    assert pairs == {(0, 1), (200, 201)}
    # The parts of a kept edge stay with it.
    assert sorted(kept.kinds[k] for k in kept.part_kind) == ["signup_ip", "sysk", "sysk"]
