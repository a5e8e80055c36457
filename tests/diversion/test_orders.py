"""Order files: CSV and JSONL read alike; every bad record is quarantined with
file, line, field and reason; a run with no usable order fails loudly."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distillguard.diversion import check_orders, to_order
from distillguard.diversion.orders import COLUMNS, read_orders
from distillguard.ingest.quarantine import Quarantine
from distillguard.schema.errors import InputError, NotFoundError, RecordError


def _csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path


def test_csv_and_jsonl_read_alike(tmp_path: Path, clean: dict[str, Any]) -> None:
    rows = [clean, {**clean, "order_id": "b", "quantity": "1,024"}]
    q1, q2 = Quarantine(), Quarantine()
    a = list(read_orders(_csv(tmp_path / "o.csv", rows), q1))
    j = tmp_path / "o.jsonl"
    j.write_text("".join(json.dumps(r) + "\n" for r in rows))
    b = list(read_orders(j, q2))
    assert [o.quantity for o in a] == [256, 1024]
    assert [(o.order_id, o.quantity, o.site_power_kw, o.buyer_since) for o in a] == [
        (o.order_id, o.quantity, o.site_power_kw, o.buyer_since) for o in b
    ]
    assert q1.total == q2.total == 0


def test_bad_records_are_quarantined_with_line_and_field(
    tmp_path: Path, clean: dict[str, Any]
) -> None:
    path = _csv(
        tmp_path / "o.csv",
        [
            clean,
            {**clean, "order_id": ""},
            {**clean, "order_id": "q", "quantity": "ten"},
            {**clean, "order_id": "d", "order_date": "05/03/2024", "site_power_kw": "-3"},
        ],
    )
    with path.open("a", encoding="utf-8") as fh:
        fh.write("short,row\n")
    q = Quarantine(memory_rows=None)
    orders = list(read_orders(path, q))
    assert [o.order_id for o in orders] == ["clean-1"]
    by_line = {r["line"]: r for r in q.rows}
    assert set(by_line) == {3, 4, 5, 6}
    assert by_line[3]["problems"] == [{"field": "order_id", "reason": "empty"}]
    assert by_line[4]["problems"][0]["field"] == "quantity"
    assert {p["field"] for p in by_line[5]["problems"]} == {"order_date", "site_power_kw"}
    assert by_line[6]["reason"] == "invalid_record" and "expected" in by_line[6]["problems"][0][
        "reason"
    ]
    assert all(r["source"] == str(path) for r in q.rows)


def test_jsonl_garbage_is_quarantined(tmp_path: Path, clean: dict[str, Any]) -> None:
    p = tmp_path / "o.jsonl"
    p.write_text(json.dumps(clean) + "\n{not json\n[1, 2]\n\n")
    q = Quarantine(memory_rows=None)
    assert len(list(read_orders(p, q))) == 1
    assert [r["reason"] for r in q.rows] == ["invalid_json", "not_an_object"]
    assert [r["line"] for r in q.rows] == [2, 3]


def test_missing_file_and_missing_column(tmp_path: Path, cfg: Any) -> None:
    with pytest.raises(NotFoundError):
        list(read_orders(tmp_path / "nope.csv", Quarantine()))
    p = tmp_path / "o.csv"
    p.write_text("buyer,quantity\nA,3\n")
    with pytest.raises(InputError, match="order_id"):
        check_orders(cfg, p, tmp_path / "out")
    p.write_bytes("order_id\n1\n".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        check_orders(cfg, p, tmp_path / "out")


def test_run_with_nothing_usable_fails(tmp_path: Path, cfg: Any, clean: dict[str, Any]) -> None:
    p = _csv(tmp_path / "o.csv", [{**clean, "quantity": "x"}])
    with pytest.raises(InputError, match="no usable order"):
        check_orders(cfg, p, tmp_path / "out", workers=1)
    rows = (tmp_path / "out" / "quarantine.jsonl").read_text().splitlines()
    assert len(rows) == 1 and json.loads(rows[0])["line"] == 2


_value = st.one_of(st.none(), st.text(max_size=12), st.integers(-5, 10**6), st.floats())


@given(st.dictionaries(st.sampled_from(COLUMNS), _value, max_size=12))
def test_any_record_is_an_order_or_a_record_error(rec: dict[str, Any]) -> None:
    try:
        o = to_order(rec, 7, "o.jsonl")
    except RecordError as err:
        assert err.line == 7 and err.problems
        assert {p.field for p in err.problems} <= {
            "order_id", "quantity", "site_power_kw", "order_date", "buyer_since", "buyer_founded"
        }
    else:
        assert o.order_id and o.quantity >= 0
        assert o.site_power_kw is None or o.site_power_kw >= 0
