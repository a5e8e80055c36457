"""Property tests: whatever rows a list file holds, every one is either an
entity or a quarantined row with its line; nothing is lost, nothing crashes."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.screen.csl import parse_csl_json
from distillguard.screen.ofac import PRIMARY_FIELDS, parse_ofac

field = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x1a"),
    max_size=12,
)
ent_num = st.one_of(st.integers(min_value=1, max_value=50).map(str), field)
row = st.tuples(ent_num, st.lists(field, min_size=0, max_size=14)).map(lambda t: [t[0], *t[1]])


@settings(max_examples=40)
@given(st.lists(row, min_size=1, max_size=15))
def test_every_ofac_row_is_an_entity_or_quarantined(rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    text = buf.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sdn.csv"
        path.write_text(text, encoding="utf-8")
        res = parse_ofac(path, "SDN")
    parsed = [
        r for r in csv.reader(io.StringIO(text, newline="")) if r and any(c.strip() for c in r)
    ]
    records = len(parsed)
    primary_q = [q for q in res.quarantined if q.source.endswith("sdn.csv")]
    assert len(res.entities) + len(primary_q) == records
    for e in res.entities:
        assert e.name and e.entity_id.startswith("ofac-")
    for q in primary_q:
        assert q.line >= 1 and q.reason
    assert len(primary_q) >= sum(1 for r in parsed if len(r) != PRIMARY_FIELDS)


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
record = st.one_of(
    json_value,
    st.fixed_dictionaries(
        {"source": st.text(max_size=20), "name": st.text(max_size=20)},
        optional={
            "alt_names": json_value,
            "addresses": json_value,
            "ids": json_value,
            "programs": json_value,
        },
    ),
)


@settings(max_examples=40)
@given(st.lists(record, max_size=8))
def test_every_csl_json_result_is_an_entity_or_quarantined(results: list[object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "consolidated.json"
        path.write_text(json.dumps({"results": results}), encoding="utf-8")
        res = parse_csl_json(path)
    assert len(res.entities) + len(res.quarantined) == len(results)
