"""Screening fixtures: a small hand-made entity set (fast, exact expectations)
and the shipped official-format samples (realistic, built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from distillguard.screen.config import load_config
from distillguard.screen.scoring import Screener
from distillguard.screen.store import parse_directory, shipped_dir

from .screen_entities import ENTITIES


@pytest.fixture(scope="session")
def small_screener() -> Screener:
    return Screener(ENTITIES, load_config())


@pytest.fixture(scope="session")
def shipped_screener() -> Screener:
    res, _ = parse_directory(shipped_dir())
    return Screener(res.entities, load_config())


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    def _write(name: str, content: str | bytes) -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        return p

    return _write
