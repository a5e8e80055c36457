"""A hunt of the tiny hand-made world (one six-account campaign, one lone harvester),
and a workbench over it with an in-process gateway channel and TAXII server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.rig import COLLECTION, KEY, Rig
from detect.world import build_world
from distillguard.console import Casebook, Workbench
from distillguard.console.sharing import IntelTarget
from distillguard.database import Database
from distillguard.gateway.door import MemoryChannel
from distillguard.intel.server import create_app as taxii_app
from distillguard.intel.store import TaxiiStore
from intel.taxii_helpers import SyncASGITransport


@pytest.fixture(scope="session")
def hunted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hunt's output directory (hunted once per session; copy before changing it)."""
    from distillguard.detect import hunt

    root = tmp_path_factory.mktemp("console-world")
    events, accounts, _ = build_world(root / "world")
    hunt(events, accounts, root / "hunt")
    return root / "hunt"


@pytest.fixture
def rig(hunted: Path, tmp_path: Path) -> Iterator[Rig]:
    hunt_dir = tmp_path / "hunt"
    shutil.copytree(hunted, hunt_dir)
    taxii = TaxiiStore(Database(f"sqlite:///{tmp_path / 'taxii.db'}"))
    taxii.add_collection(COLLECTION)
    taxii_token = taxii.add_member("console", read=[COLLECTION], write=[COLLECTION])
    target = IntelTarget("http://taxii.test/intel/", COLLECTION, KEY, token=taxii_token,
                         transport=SyncASGITransport(taxii_app(taxii)))
    channel = MemoryChannel()
    book = Casebook(f"sqlite:///{tmp_path / 'console.db'}")
    bench = Workbench(hunt_dir, book, channel, target)
    tokens = {role: bench.analysts.create(f"{role}-1", role)[1]
              for role in ("viewer", "analyst", "admin")}
    yield Rig(bench, channel, taxii, tokens, hunt_dir, taxii_token)
    bench.close()
    book.close()
