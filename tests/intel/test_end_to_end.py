"""Two labs through the CLI: A exports and serves, B pulls and matches its own accounts."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner
from intel_worlds import SECRET, Lab, assert_private
from taxii_helpers import COLL, serve

from distillguard.cli.main import cli
from distillguard.intel.db import Database
from distillguard.intel.server import create_app
from distillguard.intel.store import TaxiiStore


def _run(args: list[str], env: dict[str, str]) -> str:
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_two_lab_exchange(lab_a: Lab, lab_b: Lab, tmp_path: Path) -> None:
    env_a = {"DISTILLGUARD_DATA_DIR": str(tmp_path / "a"),
             "DISTILLGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'a' / 'taxii.db'}",
             "DISTILLGUARD_INTEL_COMMUNITY": "frontier-labs",
             "DISTILLGUARD_INTEL_COMMUNITY_KEY": SECRET, "DISTILLGUARD_INTEL_KEY_ID": "k2"}
    env_b = {**env_a, "DISTILLGUARD_DATA_DIR": str(tmp_path / "b"),
             "DISTILLGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'b' / 'x.db'}"}
    bundle = tmp_path / "a-bundle.json"
    out = _run(["intel", "export", "--hunt", str(lab_a.hunt), "--events", str(lab_a.events),
                "--accounts", str(lab_a.accounts), "--producer", "Lab A", "--out", str(bundle),
                "--format", "json"], env_a)
    assert json.loads(out)["indicators"] > 0
    assert_private(json.loads(bundle.read_text()), lab_a)
    _run(["intel", "collections", "add", COLL, "--title", "distillation"], env_a)
    writer = json.loads(_run(["intel", "members", "add", "lab-a-ops", "--read", COLL,
                              "--write", COLL, "--format", "json"], env_a))["token"]
    reader = json.loads(_run(["intel", "members", "add", "lab-b", "--read", COLL,
                              "--format", "json"], env_a))["token"]
    assert "lab-b" in _run(["intel", "members", "list", "--format", "csv"], env_a)
    store = TaxiiStore(Database(env_a["DISTILLGUARD_DATABASE_URL"]))
    with serve(create_app(store)) as base:
        pushed = json.loads(_run(["intel", "push", "--to", f"{base}/intel/", "--collection",
                                  COLL, "--token", writer, str(bundle), "--format", "json"],
                                 env_a))
        assert pushed["failure_count"] == 0
        pulled = json.loads(_run(["intel", "pull", "--from", f"{base}/taxii2/",
                                  "--collection", COLL, "--token", reader, "--out",
                                  str(tmp_path / "b" / "intel"), "--format", "json"], env_b))
        assert pulled["new"] == pushed["success_count"]
    assert "1" in _run(["intel", "collections", "list", "--format", "csv"], env_a)
    alerts, blocklist = tmp_path / "b" / "alerts.csv", tmp_path / "b" / "blocklist.csv"
    _run(["intel", "match", "--intel", str(tmp_path / "b" / "intel"), "--events",
          str(lab_b.events), "--accounts", str(lab_b.accounts), "--out", str(alerts),
          "--blocklist", str(blocklist)], env_b)
    with blocklist.open() as fh:
        blocked = {r["account_id"]: r for r in csv.DictReader(fh)}
    assert set(blocked) == set(lab_b.distillers)
    assert all(r["action"] == "block" for r in blocked.values())
    _run(["intel", "members", "revoke", "lab-b"], env_a)
    assert len(json.loads(_run(["intel", "keys", "generate"], env_a))["key"]) == 64


def test_missing_key_is_a_clear_error(lab_a: Lab, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["intel", "export", "--hunt", str(lab_a.hunt),
                                      "--events", str(lab_a.events), "--out",
                                      str(tmp_path / "b.json")],
                                env={"DISTILLGUARD_INTEL_COMMUNITY_KEY": ""})
    assert result.exit_code == 1
    assert "DISTILLGUARD_INTEL_COMMUNITY_KEY" in result.output
