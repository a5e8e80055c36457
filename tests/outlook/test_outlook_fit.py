"""Growth fit with a bootstrap CI, the discount calibration, and bad rows in the models CSV."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.outlook import calibrate, fit_growth, load_models, shipped_models_path
from distillguard.outlook.fit import frontier_models
from distillguard.schema.errors import InputError

from .outlook_helpers import write_models_csv

REPO = Path(__file__).resolve().parents[2]
SHARED_MODELS = REPO.parent / "shared" / "data" / "compute" / "epoch_notable_ai_models.csv"


@pytest.mark.parametrize("growth", [2.0, 4.5])
def test_fit_recovers_a_known_growth_rate(tmp_path: Path, growth: float) -> None:
    path = tmp_path / "models.csv"
    write_models_csv(path, growth=growth)
    data = load_models(path)
    fit = fit_growth(data, top_n=200, bootstrap=400, seed=1)
    assert fit.ci_low < growth < fit.ci_high
    assert fit.growth == pytest.approx(growth, rel=0.1)
    assert fit.ci_low < fit.growth < fit.ci_high
    again = fit_growth(data, top_n=200, bootstrap=400, seed=1)
    assert (again.ci_low, again.ci_high) == (fit.ci_low, fit.ci_high)


def test_shipped_epoch_copy_fits_four_to_five_x_a_year() -> None:
    data = load_models()
    assert len(data.records) == 515 and not data.quarantined
    fit = fit_growth(data, bootstrap=500, seed=0)
    assert 4.0 < fit.growth < 5.5
    assert fit.ci_low < fit.growth < fit.ci_high
    cal = calibrate(data, fit)
    assert cal.points and cal.gap_low <= cal.gap_mean <= cal.gap_high
    assert cal.discount_mean == pytest.approx(max(0.0, cal.gap_mean - 7.0))


def test_frontier_is_top_n_at_publication(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write_models_csv(path, growth=3.0, n=30, noise=0.0)
    data = load_models(path)
    # A rising trend without noise: every model is the largest so far.
    assert len(frontier_models(data, 1, date(2018, 1, 1))) == 30


def test_bad_rows_are_quarantined_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    extra = [["bad-compute", "o", "2020-01-01", "Language", "lots", "China", ""],
             ["bad-date", "o", "someday", "Language", "1e22", "China", ""],
             ["no-compute", "o", "2020-01-01", "Language", "", "China", ""]]
    write_models_csv(path, growth=3.0, n=24, extra_rows=extra)
    data = load_models(path)
    assert len(data.records) == 24 and data.skipped_no_compute == 1
    assert [(q.line, q.field) for q in data.quarantined] == [
        (26, "Training compute (FLOP)"), (27, "Publication date")]


def test_gzip_copy_and_missing_columns(tmp_path: Path) -> None:
    plain = tmp_path / "m.csv"
    write_models_csv(plain, growth=3.0, n=24)
    gz = tmp_path / "m.csv.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert load_models(gz).records == load_models(plain).records
    bad = tmp_path / "bad.csv"
    bad.write_text("Model,Publication date\nx,2020-01-01\n")
    with pytest.raises(InputError, match="missing column"):
        load_models(bad)


def test_too_few_frontier_models_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    write_models_csv(path, growth=3.0, n=3)
    with pytest.raises(InputError, match="frontier models"):
        fit_growth(load_models(path))


@pytest.mark.skipif(not SHARED_MODELS.exists(), reason="needs ../shared/data/compute")
def test_shipped_copy_matches_the_full_epoch_table() -> None:
    full = load_models(SHARED_MODELS)
    shipped = load_models(shipped_models_path())
    assert [(r.name, r.published, r.compute_flop) for r in full.records] == [
        (r.name, r.published, r.compute_flop) for r in shipped.records]
    a = fit_growth(full, bootstrap=200, seed=0)
    b = fit_growth(shipped, bootstrap=200, seed=0)
    assert a.growth == b.growth and a.ci_low == b.ci_low


cell = st.one_of(st.just(""), st.text(max_size=12), st.floats(allow_nan=True).map(str),
                 st.dates().map(str))


@given(rows=st.lists(st.tuples(cell, cell), max_size=25))
@settings(max_examples=60)
def test_every_row_is_read_skipped_or_quarantined(rows: list[tuple[str, str]]) -> None:
    import csv
    import io
    import tempfile

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Model", "Publication date", "Training compute (FLOP)",
                "Country (of organization)"])
    for d, c in rows:
        w.writerow(["m", d, c, "China"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.csv"
        path.write_text(buf.getvalue())
        data = load_models(path)
    assert len(data.records) + data.skipped_no_compute + len(data.quarantined) == len(rows)
    assert all(r.compute_flop > 0 for r in data.records)
