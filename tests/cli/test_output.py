from __future__ import annotations

import io
import json

from distillguard.cli.output import emit


def test_table_prints_brackets_literally() -> None:
    buf = io.StringIO()
    emit([{"name": "[bold]x[/bold] [2028]"}], "table", title="lag [months]", out=buf)
    text = buf.getvalue()
    assert "[bold]x[/bold] [2028]" in text and "lag [months]" in text


def test_csv_and_json_round_trip() -> None:
    rows = [{"a": 1, "b": None}, {"a": 2.5, "c": "x,y"}]
    buf = io.StringIO()
    emit(rows, "csv", out=buf)
    assert buf.getvalue().splitlines() == ["a,b,c", "1,,", '2.5,,"x,y"']
    buf = io.StringIO()
    emit(rows, "json", out=buf)
    assert json.loads(buf.getvalue()) == rows
