"""The tiny world, hunted once per session on DuckDB (shared by the detect tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from detect.world import build_world
from distillguard.detect import HuntResult, hunt
from distillguard.report import render_report


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    return build_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="session")
def tiny_hunt(tiny_world: tuple[Path, Path, dict[str, str]],
              tmp_path_factory: pytest.TempPathFactory) -> HuntResult:
    ev, ac, _ = tiny_world
    return hunt(ev, ac, tmp_path_factory.mktemp("hunt"), engine="duckdb", render=render_report)
