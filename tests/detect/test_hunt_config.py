"""The scoring table as data: overrides apply, errors name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from distillguard.detect import load_config
from distillguard.schema import ConfigError


def test_overrides_apply(tmp_path: Path) -> None:
    p = tmp_path / "hunt.yaml"
    p.write_text("bias: -3\nthresholds:\n  review: 0.4\n  block: 0.9\n"
                 "features:\n  volume: {weight: 2.5}\nlinks:\n  payment: 3.0\n"
                 "min_edge: 1.5\nresolution: 0.2\n")
    cfg = load_config(p)
    assert cfg.min_edge == 1.5 and cfg.resolution == 0.2
    assert cfg.bias == -3 and cfg.review == 0.4 and cfg.block == 0.9
    assert cfg.feature("volume").weight == 2.5 and cfg.link_weights["payment"] == 3.0
    assert cfg.source == str(p)


@pytest.mark.parametrize("text,line,needle", [
    ("features:\n  volum: {weight: 1}\n", 2, "unknown feature 'volum'"),
    ("thresholds:\n  review: 0.9\n  block: high\n", 3, "must be a number"),
    ("bias: -3\nfoo: 1\n", 2, "unknown key 'foo'"),
    ("thresholds:\n  review: 1.5\n", 2, "must be in (0, 1)"),
    ("features: [1, 2\n", None, "invalid YAML"),
])
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int | None,
                                   needle: str) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert needle in str(exc.value) and str(p) in str(exc.value)
    if line is not None:
        assert exc.value.details["line"] == line


def test_review_must_be_below_block(tmp_path: Path) -> None:
    p = tmp_path / "t.yaml"
    p.write_text("thresholds: {review: 0.8, block: 0.6}\n")
    with pytest.raises(ConfigError, match="below"):
        load_config(p)


def test_a_yaml_may_name_a_fitted_model_and_override_it(tmp_path: Path) -> None:
    from distillguard.detect.config import MODEL_PATH

    model = tmp_path / "m.json"
    model.write_text(MODEL_PATH.read_text())
    p = tmp_path / "hunt.yaml"
    p.write_text("model: m.json\nthresholds: {review: 0.3, block: 0.7}\n")
    cfg = load_config(p)
    assert cfg.review == 0.3 and cfg.block == 0.7 and cfg.model["manifest"]
    assert load_config(model).source == str(model)


def test_a_broken_model_names_its_file_and_line(tmp_path: Path) -> None:
    model = tmp_path / "m.json"
    model.write_text('{"features": [],\n "bias": }\n')
    with pytest.raises(ConfigError, match="m.json:2"):
        load_config(model)
    model.write_text('{"features": []}\n')
    with pytest.raises(ConfigError, match="lacks 'bias'"):
        load_config(model)


def test_reasons_speak_of_traffic_not_of_the_formula() -> None:
    # an analyst reads these in accounts.csv and the report (issue 16: "cluster evidence
    # x tie x own evidence 0.56", "0 at logit -5, 1 at 0", "on a log scale to 32")
    for f in load_config(None).features:
        for jargon in ("logit", "log scale", "log-odds", "evidence x", "baseline"):
            assert jargon not in f.explain, (f.name, f.explain)
