"""The lists every screening benchmark loads, and the shipped snapshot rebuilt from ../shared."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from distillguard.screen.model import Entity
from distillguard.screen.store import load_entities, update_store

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data" / "restricted"

# --------------------------------------------------------------------------- lists


def load_all_lists() -> list[Entity]:
    """The embedded default: the shipped snapshot of the current lists (what a new
    user gets), read through the product's own store loader."""
    entities, _ = load_entities(Path(tempfile.gettempdir()) / "distillguard-bench-no-store")
    return entities


# Rows whose only source has unstated terms (CSET's BGI entity data, "research
# use") are not shipped; every other row names a source we may use.
UNSHIPPED_CN_SOURCES = frozenset({"cset-bgi-entities"})


def build_snapshot(args: argparse.Namespace) -> None:
    """Rebuild src/distillguard/screen/data/lists/snapshot from ../shared: the nsfreg US
    lists (as of their extraction), the 2024-05-03 SDN with the aliases and addresses of
    the 2022-01-31 trio, the non-SDN consolidated files, and the cn_names table."""
    import shutil

    out = REPO / "src" / "distillguard" / "screen" / "data" / "lists" / "snapshot"
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        sdn = stage / "ofac_sdn_2024-05-03+2022_aliases"
        sdn.mkdir()
        shutil.copy(SHARED / "ofac_sdn_2024-05-03" / "sdn.csv", sdn)
        for name in ("alt.csv", "add.csv"):
            shutil.copy(SHARED / "ofac_sdn_2022" / name, sdn)
        (stage / "us_lists_nsfreg_2026-07").symlink_to(SHARED / "us_lists_nsfreg_2026-07")
        (stage / "ofac_consolidated_nonsdn").symlink_to(
            SHARED / "ofac_consolidated_nonsdn_watchman"
        )
        (stage / "cn_names").symlink_to(SHARED / "cn_names")
        cwd = os.getcwd()
        os.chdir(stage)
        try:
            m = update_store(
                [
                    "us_lists_nsfreg_2026-07",
                    "ofac_sdn_2024-05-03+2022_aliases@2024-05-03",
                    "ofac_consolidated_nonsdn@2025-12-19",
                ],
                out,
                cn_names=Path("cn_names"),
                cn_skip=UNSHIPPED_CN_SOURCES,
                compress=True,
            )
        finally:
            os.chdir(cwd)
    print(json.dumps({k: v for k, v in m.items() if k != "files"}, indent=1, ensure_ascii=False))
