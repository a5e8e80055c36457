"""The flag set as data: every flag has a legal source; an override file's
mistakes name its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from distillguard.diversion import FLAG_IDS, load_flags
from distillguard.schema.errors import ConfigError


def test_shipped_flags_have_sources_and_severities() -> None:
    cfg = load_flags()
    assert set(cfg.flags) == set(FLAG_IDS)
    for f in cfg.flags.values():
        assert f.severity in ("review", "hold")
        assert "CFR" in f.source or "BIS" in f.source, f.id
    assert {"CN", "MO", "RU"} <= cfg.parent_countries
    assert {"SG", "MY"} <= cfg.hubs


def test_override_keeps_the_rest(tmp_path: Path) -> None:
    p = tmp_path / "f.yaml"
    p.write_text("flags:\n  new_buyer_post_2022:\n    weight: 0.5\nparameters:\n"
                 "  transshipment_hubs: [Singapore, AE]\n")
    cfg = load_flags(str(p))
    assert cfg.flags["new_buyer_post_2022"].weight == 0.5
    assert cfg.flags["new_buyer_post_2022"].source == load_flags().flags[
        "new_buyer_post_2022"].source
    assert cfg.hubs == {"SG", "AE"}
    assert cfg.sources[-1] == str(p)


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("flags:\n  bogus_flag:\n    weight: 1\n", 2, "unknown flag"),
        ("flags:\n  listed_party:\n    severity: maybe\n", 3, "review|hold"),
        ("parameters:\n  transshipment_hubs:\n    - SG\n    - Atlantis\n", 4, "Atlantis"),
        ("thresholds:\n  review: 0.5\n  hold: abc\n", 3, "number"),
        ("nonsense: 1\n", 1, "unknown section"),
        ("flags: [\n", 2, "invalid YAML"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int, needle: str) -> None:
    p = tmp_path / "f.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_flags(str(p))
    assert needle in exc.value.message
    assert exc.value.details["file"] == str(p) and exc.value.details["line"] == line
