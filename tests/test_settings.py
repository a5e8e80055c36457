from __future__ import annotations

from pathlib import Path

import pytest

from distillguard.schema import ConfigError
from distillguard.settings import Settings, setting_names


def test_defaults_and_env_coercion() -> None:
    s = Settings.from_env(
        {"DISTILLGUARD_DATA_DIR": "/tmp/x", "DISTILLGUARD_GATEWAY_MAX_BODY_BYTES": "10"}
    )
    assert s.data_dir == Path("/tmp/x") and s.gateway_max_body_bytes == 10
    assert s.effective_database_url == "sqlite:////tmp/x/distillguard.db"


def test_bad_values_name_the_setting() -> None:
    with pytest.raises(ConfigError, match="DISTILLGUARD_ENGINE"):
        Settings.from_env({"DISTILLGUARD_ENGINE": "oracle"})
    with pytest.raises(ConfigError, match="DISTILLGUARD_GATEWAY_MAX_BODY_BYTES"):
        Settings.from_env({"DISTILLGUARD_GATEWAY_MAX_BODY_BYTES": "big"})


def test_every_setting_has_help() -> None:
    for name, help_text in setting_names():
        assert name.startswith("DISTILLGUARD_") and len(help_text) > 10
