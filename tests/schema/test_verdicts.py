"""The one reader of a hunt's accounts.csv: rows in order, errors naming line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distillguard.schema import AccountVerdict, InputError, RecordError, read_verdicts

HEADER = "account_id,risk,verdict,cluster_id,reasons\n"


def test_rows_in_order_with_empty_campaigns_as_none(tmp_path: Path) -> None:
    p = tmp_path / "accounts.csv"
    p.write_text(HEADER + 'a,0.9,block,C1,"x, y"\nb,0.1,allow,,\n')
    assert read_verdicts(p) == [AccountVerdict("a", 0.9, "block", "C1", "x, y"),
                                AccountVerdict("b", 0.1, "allow", None, "")]


@pytest.mark.parametrize(("row", "field"), [
    ("a,1.5,block,,\n", "risk"), ("a,x,block,,\n", "risk"), ("a,0.5,ban,,\n", "verdict"),
    (",0.5,block,,\n", "account_id"), ("a,0.5\n", "<row>"),
])
def test_a_bad_row_names_its_line_and_field(tmp_path: Path, row: str, field: str) -> None:
    p = tmp_path / "accounts.csv"
    p.write_text(HEADER + "ok,0.1,allow,,\n" + row)
    with pytest.raises(RecordError) as err:
        read_verdicts(p)
    assert err.value.line == 3 and field in str(err.value)


def test_missing_file_and_wrong_header(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="hunt output not found"):
        read_verdicts(tmp_path / "accounts.csv")
    p = tmp_path / "accounts.csv"
    p.write_text("id,score\n")
    with pytest.raises(InputError, match=":1: header"):
        read_verdicts(p)


@given(st.lists(st.tuples(st.text("abc123", min_size=1, max_size=6),
                          st.floats(0, 1), st.sampled_from(["allow", "review", "block"]),
                          st.text("C0123", max_size=4)), max_size=20))
def test_what_the_hunt_writes_reads_back(rows: list[tuple[str, float, str, str]]) -> None:
    import csv
    import io
    import tempfile

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER.strip().split(","))
    for a, r, v, c in rows:
        w.writerow([a, f"{r:.4f}", v, c, "because"])
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "accounts.csv"
        p.write_text(buf.getvalue())
        got = read_verdicts(p)
    assert [(g.account_id, g.verdict, g.cluster_id or "") for g in got] == \
        [(a, v, c) for a, _, v, c in rows]


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_one_verdict_rule_ordered_by_risk(risk: float, a: float, b: float) -> None:
    from distillguard.schema import verdict_for

    review, block = sorted((a, b))
    v = verdict_for(risk, review, block)
    assert v == ("block" if risk >= block else "review" if risk >= review else "allow")
    order = {"allow": 0, "review": 1, "block": 2}
    assert order[verdict_for(min(1.0, risk + 0.1), review, block)] >= order[v]


def test_a_campaign_is_blocked_when_half_its_flagged_members_are() -> None:
    from distillguard.schema import campaign_tier

    assert campaign_tier(2, 4) == "block" and campaign_tier(1, 4) == "review"
    assert campaign_tier(0, 0) == "review" and campaign_tier(1, 1) == "block"
