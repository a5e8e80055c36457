"""The calibrated delay model: a better point estimate than the region's centre on
servers it was not fitted on, verdicts untouched, and files that fail loudly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from distillguard.diversion.attest import AttestConfig
from distillguard.diversion.delaymodel import (
    Q_BINS,
    DelayModel,
    fit_delay_model,
    load_delay_model,
)
from distillguard.diversion.landmarks import load_landmarks, load_places
from distillguard.diversion.trials import PathModel, calibrate, run_trial
from distillguard.schema.errors import InputError


@pytest.fixture(scope="module")
def model() -> DelayModel:
    return calibrate(300, seed=5)


def test_the_model_beats_the_region_centre_on_other_servers(model: DelayModel) -> None:
    rng = np.random.default_rng(6)  # another seed than the calibration's
    lm, places, cfg, paths = load_landmarks(), load_places(), AttestConfig(), PathModel()
    trials = [run_trial("honest", rng, lm, places, cfg, paths, model) for _ in range(80)]
    model_err = np.nanmedian([t.error_km for t in trials])
    centre_err = np.nanmedian([t.centre_error_km for t in trials])
    assert model_err < 0.9 * centre_err, (model_err, centre_err)


@pytest.mark.parametrize("kind", ["honest", "liar", "delaying_liar", "relay"])
def test_the_model_never_changes_a_verdict(model: DelayModel, kind: str) -> None:
    lm, places, cfg, paths = load_landmarks(), load_places(), AttestConfig(), PathModel()
    for seed in range(15):
        plain = run_trial(kind, np.random.default_rng(seed), lm, places, cfg, paths)
        fitted = run_trial(kind, np.random.default_rng(seed), lm, places, cfg, paths, model)
        assert fitted.result.verdict == plain.result.verdict
        assert fitted.result.reasons == plain.result.reasons
        assert (fitted.result.estimate is None) == plain.result.region.empty


@hypothesis_settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(st.floats(0.01, 300), st.floats(0, 30_000)), min_size=1,
                      max_size=50))
def test_density_is_a_density_and_round_trips(pairs: list[tuple[float, float]],
                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    model = fit_delay_model(pairs)
    table = np.exp(np.asarray(model.log_density))
    assert np.allclose(table.sum(axis=1) / Q_BINS, 1.0)  # each band integrates to 1 over q
    path = tmp_path_factory.mktemp("dm") / "model.json"
    model.save(path)
    again = load_delay_model(path)
    assert again.observations == model.observations
    assert np.allclose(np.asarray(again.log_density), np.asarray(model.log_density), atol=1e-5)


def test_bad_model_files_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no usable"):
        fit_delay_model([(float("nan"), 10.0), (-1.0, 5.0)])
    bad = tmp_path / "m.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="m.json: not a readable"):
        load_delay_model(bad)
    bad.write_text(json.dumps({"kind": "other"}))
    with pytest.raises(InputError, match="'kind'"):
        load_delay_model(bad)
    good = fit_delay_model([(1.0, 50.0)]).to_dict()
    good["log_density"] = good["log_density"][:3]
    bad.write_text(json.dumps(good))
    with pytest.raises(InputError, match="'log_density'"):
        load_delay_model(bad)
