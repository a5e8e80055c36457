"""Shared fixtures: settings pointed at a temporary data dir, paths to the spec."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hsettings

from distillguard.settings import Settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The machine is noisy (2 cores, shared with services): a deadline would make
# property tests flaky without telling us anything about correctness.
hsettings.register_profile(
    "distillguard", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hsettings.load_profile("distillguard")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = Settings.from_env({k: v for k, v in os.environ.items() if k.startswith("DISTILLGUARD_")})
    return base.with_overrides(data_dir=tmp_path / "var")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
