"""The OASIS stix2-validator over what `intel export` writes: 0 errors.

Our own check at export (``validate_bundle``) uses the ``stix2`` library; the
validator is the independent reference a partner runs on what it pulls. Its
only warning is code 103: object ids are UUIDv5 (derived from content, so a
re-export is idempotent and partners deduplicate), where the specification
says SDOs SHOULD use UUIDv4.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from stix2validator import ValidationOptions, validate_instance

from distillguard.cli.main import cli

from .intel_worlds import SECRET, VPN_EXIT, Lab, make_lab

GOLDEN = Path(__file__).resolve().parent / "golden" / "lab_a_bundle.json"
ALLOWED_WARNINGS = frozenset({"103"})


def _findings(bundle: dict[str, Any]) -> tuple[list[str], set[str]]:
    """(error messages, warning codes) of the validator in its default (non-strict) mode."""
    result = validate_instance(bundle, ValidationOptions(version="2.1"))
    errors = [str(e) for e in result.errors]
    codes = {str(w).split("{", 1)[1].split("}", 1)[0] for w in result.warnings or ()
             if "{" in str(w)}
    assert bool(errors) != result.is_valid
    return errors, codes


def _cli_export(lab: Lab, out: Path, *extra: str) -> dict[str, Any]:
    env = {"DISTILLGUARD_INTEL_COMMUNITY": "frontier-labs",
           "DISTILLGUARD_INTEL_COMMUNITY_KEY": SECRET, "DISTILLGUARD_INTEL_KEY_ID": "k2"}
    args = ["intel", "export", "--hunt", str(lab.hunt), "--events", str(lab.events),
            "--accounts", str(lab.accounts), "--producer", "Lab A", "--out", str(out),
            "--format", "json", *extra]
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return dict(json.loads(out.read_text()))


@pytest.fixture(scope="module")
def labs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Lab]:
    root = tmp_path_factory.mktemp("validator")
    return {
        "plain": make_lab(root / "plain", "a", n_distillers=6, n_benign=8, seed=1),
        "vpn": make_lab(root / "vpn", "a", n_distillers=6, n_benign=8, seed=3,
                        vpn_exit=VPN_EXIT),
        "quiet-wing": make_lab(root / "wing", "a", n_distillers=6, n_benign=8, seed=1,
                               requests_per_distiller=120, slow_distillers=3),
        "no-operation": make_lab(root / "none", "a", n_distillers=0, n_benign=5, seed=4),
    }


@pytest.mark.parametrize("options", [(), ("--tlp", "clear"), ("--tlp", "amber+strict"),
                                     ("--tlp", "red", "--min-verdict", "block")])
@pytest.mark.parametrize("world", ["plain", "vpn", "quiet-wing", "no-operation"])
def test_every_exported_bundle_passes_the_oasis_validator(labs: dict[str, Lab], world: str,
                                                          options: tuple[str, ...],
                                                          tmp_path: Path) -> None:
    bundle = _cli_export(labs[world], tmp_path / "b.json", *options)
    errors, codes = _findings(bundle)
    assert errors == []
    assert codes <= ALLOWED_WARNINGS


def test_the_golden_bundle_passes_the_oasis_validator() -> None:
    errors, codes = _findings(json.loads(GOLDEN.read_text()))
    assert errors == [] and codes <= ALLOWED_WARNINGS


def test_the_validator_catches_a_broken_bundle(labs: dict[str, Lab], tmp_path: Path) -> None:
    # The check above can fail: the same bundle with a malformed indicator does.
    bundle = _cli_export(labs["plain"], tmp_path / "b.json")
    indicator = next(o for o in bundle["objects"] if o["type"] == "indicator")
    indicator["pattern"] = "[keyed-hash:value = 'x'"  # unbalanced
    indicator["confidence"] = 140  # outside 0-100
    errors, _ = _findings(bundle)
    assert len(errors) >= 2
