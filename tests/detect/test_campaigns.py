"""Campaign arithmetic: template peers' rate and the size confidence of a cluster."""

from __future__ import annotations

import numpy as np
import pytest

from distillguard.detect.campaigns import Cluster, wrapper_peer_rate
from distillguard.graph import Edges

KINDS = ("p64", "payment")


def _edges(pairs: list[tuple[int, int, str]]) -> Edges:
    src = np.array([min(a, b) for a, b, _ in pairs], dtype=np.int64)
    dst = np.array([max(a, b) for a, b, _ in pairs], dtype=np.int64)
    return Edges(src=src, dst=dst, weight=np.ones(len(pairs)),
                 part_edge=np.arange(len(pairs), dtype=np.int64),
                 part_kind=np.array([KINDS.index(k) for _, _, k in pairs], dtype=np.int64),
                 part_weight=np.ones(len(pairs)), kinds=KINDS)


def test_peer_rate_is_the_median_over_wrapper_peers_in_the_same_community() -> None:
    # 0-1-2 share a wrapper (one template); 3 shares only a card with 0; 4 shares the
    # wrapper with 2 but sits in another community.
    edges = _edges([(0, 1, "p64"), (1, 2, "p64"), (0, 2, "p64"), (0, 3, "payment"),
                    (2, 4, "p64")])
    labels = np.array([0, 0, 0, 0, 1])
    content = np.array([0.1, 0.2, 0.9, 0.0, 0.5])
    rate = wrapper_peer_rate(edges, labels, content, 5)
    assert rate[0] == pytest.approx((0.2 + 0.9) / 2)
    assert rate[1] == pytest.approx((0.1 + 0.9) / 2)
    assert rate[2] == pytest.approx((0.1 + 0.2) / 2)
    assert np.isnan(rate[3]) and np.isnan(rate[4])


def test_peer_rate_without_edges_is_nan() -> None:
    assert np.isnan(wrapper_peer_rate(_edges([]), np.zeros(3, dtype=np.int64),
                                      np.zeros(3), 3)).all()


@pytest.mark.parametrize("size,share", [(2, 0.25), (3, 0.5), (5, 1.0), (40, 1.0)])
def test_small_clusters_say_proportionally_less(size: int, share: float) -> None:
    cl = Cluster(label=0, members=np.arange(size), median_base=0.8, is_org=False,
                 org_id=None, kinds=(), created_span_h=None, size_full=5.0)
    assert cl.evidence == pytest.approx(0.8 * share)
