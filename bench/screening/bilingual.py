"""The sourced Chinese-name table (cn_names) as a bilingual test set: in-sample on
the shipped index, and held out with an honest split (see :func:`bilingual`)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from distillguard.screen.config import load_config
from distillguard.screen.han import has_han
from distillguard.screen.model import Entity
from distillguard.screen.scoring import Screener
from screening.heldout import HeldOut, half_of, jw_names, same_keys
from screening.lists import SHARED, UNSHIPPED_CN_SOURCES


def _cn_rows() -> list[dict[str, str]]:
    with (SHARED / "cn_names" / "candidates.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _cn_queries(row: dict[str, str]) -> list[tuple[str, str]]:
    """Customer spellings of a sourced Chinese name: as sourced, traditional
    characters, without the legal form, the short name, and mixed script (the
    characters with an English legal form)."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    zh = row["zh_name"].strip()
    core = zh
    for form in ("股份有限公司", "有限责任公司", "有限公司"):
        if core.endswith(form) and len(core) > len(form) + 1:
            core = core[: -len(form)]
            break
    out = [("zh_full", zh), ("zh_traditional", s2t.convert(zh))]
    if core != zh:
        out += [("zh_no_form", core), ("zh_mixed", core + " Co., Ltd.")]
    if row.get("zh_short", "").strip():
        out.append(("zh_short", row["zh_short"].strip()))
    return out


def _unenriched(entities: list[Entity]) -> list[Entity]:
    """The lists as published: every name the cn_names table added is removed."""
    import dataclasses

    out = []
    for e in entities:
        added = {n for n, _ in e.name_sources}
        if not added:
            out.append(e)
            continue
        keep = tuple(a for a in e.aliases if a not in added)
        out.append(dataclasses.replace(e, aliases=keep, name_sources=()))
    return out


def _row_groups(rows: list[dict[str, str]], carriers: dict[str, set[int]]) -> list[int]:
    """A group per row such that rows sharing a Chinese name or a target entity are
    in one group (the same company on two lists is one test case, not two folds'
    worth of leakage). Union-find over names and entities."""
    parent = list(range(len(rows)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[object, int] = {}
    for k, r in enumerate(rows):
        tokens: list[object] = [r["zh_name"].strip(), r.get("zh_short", "").strip()]
        tokens += [("entity", t) for t in carriers.get(r["zh_name"].strip(), ())]
        for t in tokens:
            if not t:
                continue
            if t in owner:
                parent[find(k)] = find(owner[t])
            else:
                owner[t] = k
    return [find(k) for k in range(len(rows))]


def bilingual(entities: list[Entity], folds: int, jw: bool, heldout: bool) -> HeldOut:
    """The cn_names table as a test set: queries in characters, targets the listed
    entities the table joins them to. In-sample: the shipped index (which carries
    these names).

    Held out: rows are grouped (rows sharing a Chinese name or a target entity go
    together) and the groups split into folds by a hash. Each fold's index is the
    lists as published, enriched from the *other* folds' rows only (through the
    product's own enrichment), and with every Chinese-script name of the fold's
    target entities removed, the list's own ones too (OFAC's 商湯集團有限公司 is the
    source of the SenseTime row). Nothing indexed from a row, or from the list text
    a row was copied from, is ever the answer to that row's queries: what remains
    is romanisation, glosses and other rows' names."""
    import tempfile
    import zlib

    from distillguard.screen.cn_names import enrich_cn_names

    cfg = load_config()
    rows = _cn_rows()
    # Entities carrying each sourced name (the enrichment's own join, recorded on them).
    carriers: dict[str, set[int]] = defaultdict(set)
    for i, e in enumerate(entities):
        for n, _src in e.name_sources:
            carriers[n].add(i)
    groups = _row_groups(rows, carriers)
    fold_of = [zlib.crc32(rows[g]["zh_name"].strip().encode()) % folds for g in groups]
    bare = _unenriched(entities) if heldout else entities
    out = HeldOut()
    nf = folds if heldout else 1
    for f in range(nf):
        part = [r for k, r in enumerate(rows) if not heldout or fold_of[k] == f]
        if heldout:
            rest = [r for k, r in enumerate(rows) if fold_of[k] != f]
            with tempfile.TemporaryDirectory() as tmp:
                table = Path(tmp) / "candidates.csv"
                with table.open("w", encoding="utf-8", newline="") as fh:
                    w = csv.DictWriter(fh, list(rows[0]))
                    w.writeheader()
                    w.writerows(rest)
                mod, _ = enrich_cn_names(bare, table, skip_sources=UNSHIPPED_CN_SOURCES)
            tgt = set().union(*(carriers.get(r["zh_name"].strip(), set()) for r in part))
            import dataclasses

            mod = [
                dataclasses.replace(e, aliases=tuple(a for a in e.aliases if not has_han(a)))
                if i in tgt
                else e
                for i, e in enumerate(mod)
            ]
            leaked = sum(1 for i in tgt if any(has_han(n) for n in mod[i].names))
            assert not leaked, f"{leaked} target entities keep a Chinese name"
        else:
            mod = entities
        screener = Screener(mod, cfg)
        same = same_keys(entities)
        queries: list[tuple[str, str, set[int], str, dict[str, object]]] = []
        for r in part:
            targets = carriers.get(r["zh_name"].strip(), set())
            if not targets:
                continue
            half = half_of(r["zh_name"].strip())
            for kind, q in _cn_queries(r):
                queries.append((q, "CN", targets, kind, {"half": half}))
        out.run(screener, queries, same, jw_names(mod) if jw else None)
    return out
