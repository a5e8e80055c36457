"""A campaign's account graph: typed, labelled edges and a layout computed here, so
the browser draws a 10,000-account campaign without running a force layout.

Edge types and where they come from:

- ``payment``: the same payment instrument on the account records;
- ``IP pool``: the same egress address or /24, or sign-up address;
- ``scaffolding``: the same wrapper opening/ending or system-prompt skeleton;
- ``tool schema``: the same declared tool schema;
- ``lockstep``: active in the same quarter-hours again and again
  (:meth:`~distillguard.console.traffic.Traffic.lockstep`).

The first four are the continuous hunt's own linkage keys
(:func:`distillguard.watch.key_holders`, the values the gateway's door links new
accounts by). The holders of one value are chained (a-b, b-c, ...) rather than
joined pairwise, so a value shared by 5,000 members costs 4,999 edges, not 12
million; the edge's label says how many members share it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

EDGE_TYPE: Final = {
    "payment": "payment", "ip": "IP pool", "ip_prefix": "IP pool", "signup_ip": "IP pool",
    "p24": "scaffolding", "s24": "scaffolding", "p64": "scaffolding", "s64": "scaffolding",
    "sysk": "scaffolding", "tools": "tool schema",
}
EDGE_TYPES: Final = ("payment", "IP pool", "scaffolding", "tool schema", "lockstep")


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    kind: str
    label: str


def typed_edges(members: Sequence[str], holders: Mapping[tuple[str, str], set[str]],
                lockstep: Sequence[tuple[str, str, int]] = ()) -> list[Edge]:
    """Edges among ``members`` (see the module doc); one per pair and type."""
    inside = set(members)
    seen: set[tuple[str, str, str]] = set()
    out: list[Edge] = []

    def add(a: str, b: str, kind: str, label: str) -> None:
        key = (min(a, b), max(a, b), kind)
        if a != b and key not in seen:
            seen.add(key)
            out.append(Edge(key[0], key[1], kind, label))

    for (kind, _value), accts in sorted(holders.items()):
        etype = EDGE_TYPE.get(kind)
        mine = sorted(accts & inside)
        if etype is None or len(mine) < 2:
            continue
        label = f"{etype} ({len(mine)} share it)" if len(mine) > 2 else etype
        for a, b in zip(mine, mine[1:], strict=False):
            add(a, b, etype, label)
    for a, b, n in lockstep:
        if a in inside and b in inside:
            add(a, b, "lockstep", f"lockstep ({n} shared quarter-hours)")
    return out


def _components(nodes: Sequence[str], edges: Sequence[Edge]) -> list[list[str]]:
    parent = {n: n for n in nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for e in edges:
        ra, rb = find(e.source), find(e.target)
        if ra != rb:
            parent[ra] = rb
    groups: dict[str, list[str]] = defaultdict(list)
    for n in nodes:
        groups[find(n)].append(n)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def layout(nodes: Sequence[str], edges: Sequence[Edge]) -> dict[str, tuple[float, float]]:
    """Each connected group as a sunflower disc, the discs packed row by row, largest
    first: O(n), deterministic, readable at 10,000 nodes."""
    golden = math.pi * (3 - math.sqrt(5))
    pos: dict[str, tuple[float, float]] = {}
    x0 = y0 = row_h = 0.0
    width = 60.0 * math.sqrt(max(1, len(nodes))) * 1.6
    for group in _components(nodes, edges):
        r = 30.0 * math.sqrt(len(group)) + 30.0
        if x0 + 2 * r > width and x0 > 0:
            x0, y0, row_h = 0.0, y0 + row_h, 0.0
        cx, cy = x0 + r, y0 + r
        for i, n in enumerate(group):
            rad = 30.0 * math.sqrt(i)
            pos[n] = (round(cx + rad * math.cos(i * golden), 1),
                      round(cy + rad * math.sin(i * golden), 1))
        x0 += 2 * r + 20
        row_h = max(row_h, 2 * r + 20)
    return pos


def cytoscape_elements(members: Sequence[str], edges: Sequence[Edge],
                       label_of: Callable[[str], str], ref_of: Callable[[str], str],
                       verdict_of: Mapping[str, str]) -> dict[str, Any]:
    """The graph as Cytoscape.js elements with preset positions, and counts by type."""
    pos = layout(members, edges)
    nodes = [{"data": {"id": ref_of(m), "label": label_of(m),
                       "verdict": verdict_of.get(m, "allow")},
              "position": {"x": pos[m][0], "y": pos[m][1]}} for m in members]
    links = [{"data": {"id": f"e{i}", "source": ref_of(e.source), "target": ref_of(e.target),
                       "kind": e.kind, "label": e.label}} for i, e in enumerate(edges)]
    counts = {t: sum(1 for e in edges if e.kind == t) for t in EDGE_TYPES}
    return {"nodes": nodes, "edges": links, "counts": counts}
