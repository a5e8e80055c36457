"""From communities to campaigns: what each cluster shares, whether it is one
organisation, and which members carry a campaign id (the lift itself is the
fitted coordination table's, :mod:`distillguard.detect.coordination`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from distillguard.graph import Edges
from distillguard.graph.kinds import WORDS
from distillguard.schema import Account

KIND_NAMES: Final = WORDS
#: Sign-up span up to which a group's creation times are told as a burst.
BURST_SPAN_H: Final = 14 * 24.0
#: Share of members that must agree for a cluster to be one organisation.
ORG_SHARE: Final = 0.5


@dataclass(frozen=True)
class Cluster:
    label: int
    members: np.ndarray
    is_org: bool
    org_id: str | None
    kinds: tuple[tuple[str, int], ...]  # shared kinds and their edge counts, strongest first
    created_span_h: float | None

    @property
    def size(self) -> int:
        return int(self.members.size)

    def describe(self, flagged: int | None = None) -> str:
        """In words: its flagged members of the whole linked group (the two counts the
        report once confused), what they share, and a sign-up burst when there is one."""
        by_words: dict[str, int] = {}
        for k, c in self.kinds:  # short and long wrapper keys read the same in words
            w = KIND_NAMES.get(k, k)
            by_words[w] = max(by_words.get(w, 0), c)
        shared = ", ".join(f"{w} ({c} links)" for w, c in list(by_words.items())[:4])
        parts = [f"{self.size} accounts" if flagged is None else
                 f"{flagged} flagged of {self.size} linked accounts"]
        if shared:
            parts.append(f"sharing {shared}")
        # Sign-up times are evidence only as a burst; a span of years says nothing.
        if self.created_span_h is not None and self.created_span_h <= BURST_SPAN_H:
            parts.append(f"all signed up within {_span(self.created_span_h)}")
        if self.is_org:
            parts.append(f"one organisation ({self.org_id}, contract/enterprise)")
        return "; ".join(parts)


def _span(hours: float) -> str:
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 72:
        return f"{hours:.1f} h"
    return f"{hours / 24:.0f} days"


def analyse(labels: np.ndarray, edges: Edges,
            accounts: Sequence[Account | None]) -> list[Cluster]:
    """One :class:`Cluster` per community of at least two accounts: what it shares and
    whether it is one organisation."""
    out: list[Cluster] = []
    if edges.size == 0:
        return out
    edge_label = np.where(labels[edges.src] == labels[edges.dst], labels[edges.src], -1)
    part_label = edge_label[edges.part_edge]
    n_kinds = len(edges.kinds)
    n_labels = int(labels.max()) + 1 if labels.size else 0
    # Per (label, kind): number of internal links and their summed weight, in one pass.
    inside = part_label >= 0
    flat = part_label[inside] * n_kinds + edges.part_kind[inside]
    counts = np.bincount(flat, minlength=n_labels * n_kinds).reshape(n_labels, n_kinds)
    weights = np.bincount(flat, weights=edges.part_weight[inside],
                          minlength=n_labels * n_kinds).reshape(n_labels, n_kinds)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    for lab in np.unique(labels[labels >= 0]):
        lo, hi = np.searchsorted(sorted_labels, [lab, lab + 1])
        members = np.sort(order[lo:hi])
        if members.size < 2:
            continue
        kinds: Counter[str] = Counter()
        strength: dict[str, float] = {}
        for k in np.flatnonzero(counts[lab]).tolist():
            kinds[edges.kinds[k]] = int(counts[lab, k])
            strength[edges.kinds[k]] = float(weights[lab, k])
        accs = [accounts[i] for i in members.tolist()]
        created = [a.created_at.timestamp() for a in accs if a is not None]
        span = (max(created) - min(created)) / 3600.0 if len(created) >= 2 else None
        orgs = Counter(a.org_id for a in accs if a is not None and a.org_id)
        org_id, org_n = orgs.most_common(1)[0] if orgs else (None, 0)
        formal = sum(1 for a in accs
                     if a is not None and (a.kyc_level == "contract" or a.plan == "enterprise"))
        is_org = org_id is not None and org_n >= ORG_SHARE * members.size \
            and formal >= ORG_SHARE * members.size
        out.append(Cluster(
            label=int(lab), members=members, is_org=bool(is_org), org_id=org_id,
            kinds=tuple(sorted(kinds.items(), key=lambda kv: (-strength[kv[0]], kv[0]))),
            created_span_h=span))
    return out


def linkage_values(edges: Edges, n: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per account: strongest tie weight, number of ties, and what the strongest tie shares."""
    strongest = np.zeros(n)
    peers = np.zeros(n, dtype=np.int64)
    best_edge = np.full(n, -1, dtype=np.int64)
    if edges.size:
        np.add.at(peers, edges.src, 1)
        np.add.at(peers, edges.dst, 1)
        node = np.concatenate([edges.src, edges.dst])
        eid = np.concatenate([np.arange(edges.size), np.arange(edges.size)])
        w = np.concatenate([edges.weight, edges.weight])
        order = np.lexsort((-eid, w))
        # Later (heavier) assignments win: the strongest tie per account.
        best_edge[node[order]] = eid[order]
        has = best_edge >= 0
        strongest[has] = edges.weight[best_edge[has]]
    parts: dict[int, list[tuple[float, str]]] = {}
    wanted = np.zeros(max(edges.size, 1), dtype=bool)
    wanted[best_edge[best_edge >= 0]] = True
    sel = wanted[edges.part_edge] if edges.size else np.zeros(0, dtype=bool)
    for e, k, w in zip(edges.part_edge[sel].tolist(), edges.part_kind[sel].tolist(),
                       edges.part_weight[sel].tolist(), strict=True):
        parts.setdefault(e, []).append((w, edges.kinds[k]))
    linked_on = []
    for i in range(n):
        e = int(best_edge[i])
        if e < 0:
            linked_on.append("")
            continue
        top = sorted(parts.get(e, []), reverse=True)[:3]
        linked_on.append(" + ".join(dict.fromkeys(KIND_NAMES.get(k, k) for _, k in top)))
    return strongest, peers, linked_on


def assign_ids(clusters: Sequence[Cluster], risk: np.ndarray, review: float,
               n: int) -> tuple[list[str], list[tuple[str, Cluster, np.ndarray]]]:
    """Campaign ids: clusters (not organisations) with at least two members reaching
    ``review``.

    Only members that themselves reach ``review`` carry the id, so a bystander
    pulled into a community by one weak tie is never claimed to be the operation.
    Ids are numbered by descending median member risk, ties by smallest member.
    """
    ids = [""] * n
    chosen: list[tuple[float, int, Cluster, np.ndarray]] = []
    for cl in clusters:
        if cl.is_org:
            continue
        members = cl.members[risk[cl.members] >= review]
        if members.size < 2:
            continue
        chosen.append((-float(np.median(risk[members])), int(cl.members.min()), cl, members))
    chosen.sort(key=lambda t: (t[0], t[1]))
    out: list[tuple[str, Cluster, np.ndarray]] = []
    for rank, (_, _, cl, members) in enumerate(chosen, start=1):
        cid = f"C{rank:04d}"
        for i in members.tolist():
            ids[i] = cid
        out.append((cid, cl, members))
    return ids, out
