"""The account graph: pairs of accounts linked by the attributes they share.

Each shared value counts ``kind weight x idf(df)``, where ``df`` is how many
accounts hold the value: a value held by a small share of accounts counts in
full, a popular one (a corporate NAT, gmail.com, the most common SDK version)
decays logarithmically to nothing as it approaches every account. Within one
kind only the strongest shared value counts, so a rotating proxy pool or a
dozen shared prefixes cannot add up to more than one shared payment card; the
pair's weight is the sum over kinds (FRAUDAR's column weighting, CopyCatch's
and SynchroTrap's pairwise co-occurrence, kept interpretable).

Large groups are expanded as a ring lattice (each member tied to its next
``RING_K`` members) rather than a clique, so a 20,000-account value costs
linear, not quadratic, edges while staying one connected community.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

RING_K: Final = 12
#: Bin look-ups per vectorised lockstep step (bounds memory).
LOCKSTEP_CHUNK: Final = 2_000_000
#: A value held by at most this share of accounts counts in full.
IDF_FULL_SHARE: Final = 0.005


def idf(df: int | np.ndarray, n_accounts: int) -> np.ndarray:
    """Weight of a value held by ``df`` of ``n_accounts`` accounts, in [0, 1], non-increasing."""
    d = np.maximum(np.asarray(df, dtype=np.float64), 1.0)
    n = max(float(n_accounts), 2.0)
    full = max(IDF_FULL_SHARE * n, 2.0)
    out = np.where(d <= full, 1.0, np.log(n / d) / math.log(n / full) if n > full else 0.0)
    return np.clip(out, 0.0, 1.0)


def pair_weight(shared: Sequence[tuple[str, int]], n_accounts: int,
                link_weights: Mapping[str, float]) -> float:
    """Weight of one pair from the (kind, df) of every value the two accounts share."""
    best: dict[str, float] = {}
    for kind, df in shared:
        w = float(link_weights.get(kind, 0.0)) * float(idf(df, n_accounts))
        best[kind] = max(best.get(kind, 0.0), w)
    return sum(best.values())


@dataclass(frozen=True)
class Edges:
    """Undirected weighted edges (``src < dst``, account indices) and their per-kind parts."""

    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    # One row per (edge, kind) with a positive contribution.
    part_edge: np.ndarray
    part_kind: np.ndarray
    part_weight: np.ndarray
    kinds: tuple[str, ...]

    @property
    def size(self) -> int:
        return int(self.src.size)


def _group_pairs(members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs within one group: a clique when small, a ring lattice when large."""
    m = members.size
    if m <= 2 * RING_K + 1:
        i, j = np.triu_indices(m, k=1)
        return members[i], members[j]
    idx = np.arange(m)
    src = np.repeat(idx, RING_K)
    dst = (src + np.tile(np.arange(1, RING_K + 1), m)) % m
    return members[src], members[dst]


def build_edges(keys: pa.Table, n_accounts: int, link_weights: Mapping[str, float],
                *, min_weight: float = 0.0) -> Edges:
    """Edges from a table of ``account`` (int index), ``kind``, ``value`` rows."""
    kinds = tuple(sorted(k for k, w in link_weights.items() if w > 0))
    keys = keys.filter(pc.is_in(keys["kind"], pa.array(kinds))) if keys.num_rows else keys
    # One (pair, kind) part per kind: the strongest shared value of that kind. Reduced one
    # kind at a time, so memory follows the largest kind, not every pair of every kind
    # at once (10M events: 19M candidate parts, 3.4 GB peak before).
    part_pk: list[np.ndarray] = []
    part_kk: list[np.ndarray] = []
    part_ww: list[np.ndarray] = []
    for kid, kind in enumerate(kinds):
        sub = keys.filter(pc.equal(keys["kind"], kind)) if keys.num_rows else keys
        if sub.num_rows == 0:
            continue
        pk, ww = _kind_pairs(sub, n_accounts, float(link_weights[kind]))
        if pk.size:
            part_pk.append(pk)
            part_kk.append(np.full(pk.size, kid, dtype=np.int8))
            part_ww.append(ww)
    if not part_pk:
        empty_i = np.zeros(0, dtype=np.int64)
        return Edges(empty_i, empty_i, np.zeros(0), empty_i, empty_i, np.zeros(0), kinds)
    pk = np.concatenate(part_pk)
    kk = np.concatenate(part_kk)
    ww = np.concatenate(part_ww)
    del part_pk, part_kk, part_ww
    # Parts ordered by pair, then kind; the pair's weight is the sum over its kinds.
    order = np.lexsort((kk, pk))
    pk, kk, ww = pk[order], kk[order], ww[order]
    del order
    uniq, inv = np.unique(pk, return_inverse=True)
    del pk
    total = np.bincount(inv, weights=ww)
    keep = total >= min_weight
    remap = np.full(uniq.size, -1, dtype=np.int64)
    remap[keep] = np.arange(int(keep.sum()))
    part_keep = keep[inv]
    return Edges(
        src=(uniq[keep] // n_accounts).astype(np.int64),
        dst=(uniq[keep] % n_accounts).astype(np.int64),
        weight=total[keep],
        part_edge=remap[inv[part_keep]],
        part_kind=kk[part_keep].astype(np.int64),
        part_weight=ww[part_keep],
        kinds=kinds,
    )


def _kind_pairs(sub: pa.Table, n_accounts: int, kind_weight: float
                ) -> tuple[np.ndarray, np.ndarray]:
    """(pair key, weight) of one kind: every pair sharing a value of it, at the weight of
    the strongest value they share."""
    dedup = sub.group_by(["value", "account"]).aggregate([])
    dedup = dedup.sort_by([("value", "ascending"), ("account", "ascending")])
    acc_col = dedup["account"].to_numpy().astype(np.int64)
    val = dedup["value"]
    # Group boundaries where the value changes (compared in Arrow: no Python strings).
    change = np.ones(acc_col.size, dtype=bool)
    if acc_col.size > 1:
        change[1:] = pc.not_equal(val.slice(1), val.slice(0, acc_col.size - 1)) \
            .to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], acc_col.size)
    sizes = ends - starts
    multi = sizes >= 2
    keys: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for s, e, size in zip(starts[multi], ends[multi], sizes[multi], strict=True):
        w = kind_weight * float(idf(int(size), n_accounts))
        if w <= 0:
            continue
        a, b = _group_pairs(acc_col[s:e])
        keys.append(np.minimum(a, b) * n_accounts + np.maximum(a, b))
        weights.append(np.full(a.size, w))
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    pk = np.concatenate(keys)
    ww = np.concatenate(weights)
    del keys, weights
    # Max within the pair.
    order = np.lexsort((-ww, pk))
    pk, ww = pk[order], ww[order]
    first = np.ones(pk.size, dtype=bool)
    first[1:] = pk[1:] != pk[:-1]
    return pk[first], ww[first]


def lockstep(edges: Edges, activity: pa.Table, n_accounts: int, weight: float,
             *, min_candidate: float = 0.3) -> Edges:
    """Add a ``lockstep`` part to candidate edges whose activity bins move together.

    ``activity`` has ``account`` (index), ``bin``, ``c``. Synchrony is the cosine
    of the two accounts' binned activity; only pairs already linked by some
    shared attribute are compared (SynchroTrap compares within shared resources).
    """
    if edges.size == 0 or activity.num_rows == 0 or weight <= 0:
        return edges
    acc = activity["account"].to_numpy().astype(np.int64)
    bins = activity["bin"].to_numpy().astype(np.int64)
    cnt = activity["c"].to_numpy().astype(np.float64)
    bins = bins - bins.min()
    span = int(bins.max()) + 1
    keys = acc * span + bins
    order = np.argsort(keys, kind="stable")
    keys, acc, cnt = keys[order], acc[order], cnt[order]
    norms = np.sqrt(np.bincount(acc, weights=cnt * cnt, minlength=n_accounts))
    starts = np.searchsorted(acc, np.arange(n_accounts), side="left")
    nbins = np.bincount(acc, minlength=n_accounts)
    cand = np.flatnonzero((edges.weight >= min_candidate) & (norms[edges.src] > 0)
                          & (norms[edges.dst] > 0))
    # Walk the sparser endpoint's bins and look each one up in the other's (vectorised,
    # in chunks of bounded size): sum over shared bins of the product of counts.
    a = np.where(nbins[edges.src[cand]] <= nbins[edges.dst[cand]], edges.src[cand],
                 edges.dst[cand])
    b = np.where(a == edges.src[cand], edges.dst[cand], edges.src[cand])
    dots = np.zeros(cand.size)
    lengths = nbins[a]
    bounds = np.cumsum(lengths)
    chunk_starts = np.searchsorted(bounds, np.arange(0, int(bounds[-1]) if bounds.size else 0,
                                                     LOCKSTEP_CHUNK), side="right")
    for lo, hi in zip(chunk_starts, [*chunk_starts[1:], cand.size], strict=True):
        if lo >= hi:
            continue
        ln = lengths[lo:hi]
        rep = np.repeat(np.arange(lo, hi), ln)
        offs = np.arange(int(ln.sum())) - np.repeat(np.cumsum(ln) - ln, ln)
        pos_a = starts[a[rep]] + offs
        want = b[rep] * span + (keys[pos_a] - a[rep] * span)
        pos_b = np.minimum(np.searchsorted(keys, want), keys.size - 1)
        hit = keys[pos_b] == want
        prod = np.where(hit, cnt[pos_a] * cnt[pos_b], 0.0)
        dots[lo:hi] = np.bincount(rep - lo, weights=prod, minlength=hi - lo)
    cos = np.zeros(edges.size)
    cos[cand] = dots / (norms[a] * norms[b])
    strength = np.clip((cos - 0.3) / 0.5, 0.0, 1.0)
    add = weight * strength
    has = add > 0
    kinds = edges.kinds if "lockstep" in edges.kinds else (*edges.kinds, "lockstep")
    kid = kinds.index("lockstep")
    return Edges(
        src=edges.src, dst=edges.dst, weight=edges.weight + add,
        part_edge=np.concatenate([edges.part_edge, np.flatnonzero(has)]),
        part_kind=np.concatenate([edges.part_kind, np.full(int(has.sum()), kid, dtype=np.int64)]),
        part_weight=np.concatenate([edges.part_weight, add[has]]),
        kinds=kinds,
    )


def keep_edges(edges: Edges, min_weight: float, *, shared_kinds: frozenset[str] = frozenset(),
               shared_min: float = 0.0) -> Edges:
    """Only the edges whose summed weight reaches ``min_weight``; an edge made of
    ``shared_kinds`` alone (what strangers can share: a public framework's system prompt,
    its tool set, an SDK's parameters) must reach ``shared_min``: one popular template
    is not common control, a rare one or several together may be."""
    keep = edges.weight >= min_weight
    if shared_kinds and edges.size:
        kid = np.array([k in shared_kinds for k in edges.kinds], dtype=bool)
        other = np.zeros(edges.size, dtype=bool)
        other[edges.part_edge[~kid[edges.part_kind]]] = True
        keep &= other | (edges.weight >= shared_min)
    remap = np.full(edges.size, -1, dtype=np.int64)
    remap[keep] = np.arange(int(keep.sum()))
    pk = keep[edges.part_edge]
    return Edges(edges.src[keep], edges.dst[keep], edges.weight[keep], remap[edges.part_edge[pk]],
                 edges.part_kind[pk], edges.part_weight[pk], edges.kinds)
