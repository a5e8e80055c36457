"""Golden outputs of the two built-in scenarios, and the files a run writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from distillguard.outlook import run_outlook
from distillguard.outlook.report import summary_dict

from .outlook_helpers import BUILTINS, GOLDEN, golden_summary


def _close(got: Any, want: Any, where: str = "") -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), where
        for k in want:
            _close(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _close(g, w, f"{where}[{i}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        # Values are stored rounded; allow one step of the last digit.
        assert got == pytest.approx(want, abs=0.011), where
    else:
        assert got == want, where


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_scenario_matches_golden(name: str) -> None:
    want = json.loads((GOLDEN / f"{name}.json").read_text())
    _close(golden_summary(name), want, name)


def test_golden_2028_picture_is_the_papers() -> None:
    us = json.loads((GOLDEN / "us-leads.json").read_text())
    nn = json.loads((GOLDEN / "neck-and-neck.json").read_text())
    lag_us = next(y for y in us["years"] if y["year"] == 2028)["lag_months"]
    lag_nn = next(y for y in nn["years"] if y["year"] == 2028)["lag_months"]
    # The paper's 12-24 month lead sits inside the band, not necessarily at its middle.
    assert lag_us["p10"] <= 24 and lag_us["p50"] >= 12
    assert -6 <= lag_nn["p50"] <= 6  # neck and neck
    assert us["top_lever"] == nn["top_lever"] == "export_licensing"


def test_run_writes_charts_report_and_tables(tmp_path: Path) -> None:
    out = tmp_path / "o"
    res = run_outlook("neck-and-neck", draws=300, seed=1, out_dir=out)
    assert res.written is not None
    names = {p.name for p in res.written.files}
    for stem in ("lag", "ratio", "channels", "tornado"):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    assert {"summary.json", "years.csv", "inputs.csv", "tornado.csv", "report.html"} <= names
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 4 and "src=\"http" not in html
    assert "Epoch AI" in html and "assumed" in html
    assert (out / "lag.png").read_bytes()[:4] == b"\x89PNG"
    again = run_outlook("neck-and-neck", draws=300, seed=1, out_dir=tmp_path / "again")
    assert again.result.summaries == res.result.summaries
    # The same seed gives byte-identical charts, SVG included (its ids are salted).
    for name in ("lag.svg", "ratio.svg", "lag.png"):
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes(), name
    text = json.dumps(summary_dict(again.result), indent=2) + "\n"
    assert text == (out / "summary.json").read_text()
