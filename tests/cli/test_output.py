from __future__ import annotations

import contextlib
import io
import json

import pytest

from distillguard.cli.output import StderrProgress, emit


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


def test_a_table_into_a_pipe_keeps_whole_cells() -> None:
    # README: a table printed into a file or a pipe is not squeezed to a terminal's
    # width; a script greps it for whole account ids
    row = {f"column_{i}": f"account-{i}-0123456789abcdef0123456789" for i in range(8)}
    buf = io.StringIO()
    emit([row], "table", out=buf)
    text = buf.getvalue()
    assert all(v in text for v in row.values()) and "…" not in text
    # nor is a title longer than the columns wrapped
    title = "fitted model -> /a/long/path/model.json: review 0.30, block 0.60; out-of-fold"
    buf = io.StringIO()
    emit([{"a": 1}], "table", title=title, out=buf)
    assert title in buf.getvalue()


def test_progress_is_drawn_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for terminal in (False, True):
        if terminal:
            monkeypatch.setenv("FORCE_COLOR", "1")
        err = io.StringIO()
        with contextlib.redirect_stderr(err), StderrProgress("work") as bar:
            bar.update("halfway")
            bar.done("stage one done")
        # into a pipe or a log file: results only
        assert ("stage one done" in err.getvalue()) is terminal, err.getvalue()


def test_one_record_in_csv_is_a_header_and_a_row() -> None:
    buf = io.StringIO()
    emit({"account_id": "a-1", "secret": "s,1"}, "csv", out=buf)
    assert buf.getvalue().splitlines() == ["account_id,secret", 'a-1,"s,1"']
