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


def test_the_data_dir_does_not_depend_on_the_working_directory() -> None:
    s = Settings.from_env({})
    assert s.data_dir.is_absolute() and s.data_dir.name == "distillguard"
    assert s.effective_database_url == f"sqlite:///{s.data_dir / 'distillguard.db'}"
    xdg = Settings.from_env({"XDG_DATA_HOME": "/srv/data"})
    assert xdg.data_dir == Path("/srv/data/distillguard")
    both = Settings.from_env({"XDG_DATA_HOME": "/srv/data", "DISTILLGUARD_DATA_DIR": "/d"})
    assert both.data_dir == Path("/d")


def test_bad_values_name_the_setting() -> None:
    with pytest.raises(ConfigError, match="DISTILLGUARD_ENGINE"):
        Settings.from_env({"DISTILLGUARD_ENGINE": "oracle"})
    with pytest.raises(ConfigError, match="DISTILLGUARD_GATEWAY_MAX_BODY_BYTES"):
        Settings.from_env({"DISTILLGUARD_GATEWAY_MAX_BODY_BYTES": "big"})


def test_every_setting_has_help() -> None:
    for name, help_text in setting_names():
        assert name.startswith("DISTILLGUARD_") and len(help_text) > 10
