"""Fixtures of the intel tests: a community key and two labs seeing one operation."""

from __future__ import annotations

import pytest

from distillguard.intel import CommunityKey

from .intel_worlds import SECRET, Lab, make_lab


@pytest.fixture(scope="session")
def community_key() -> CommunityKey:
    return CommunityKey("frontier-labs", "k2", bytes.fromhex(SECRET))


@pytest.fixture(scope="session")
def lab_a(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    return make_lab(tmp_path_factory.mktemp("lab-a"), "a", n_distillers=6, n_benign=8, seed=1)


@pytest.fixture(scope="session")
def lab_b(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    return make_lab(tmp_path_factory.mktemp("lab-b"), "b", n_distillers=3, n_benign=6, seed=2,
                    hunt=False)
