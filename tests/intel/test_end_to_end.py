"""Two labs through the CLI: A exports and serves, B pulls and matches its own accounts."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.database import Database
from distillguard.intel.server import create_app
from distillguard.intel.store import TaxiiStore

from .intel_worlds import SECRET, Lab, assert_private
from .taxii_helpers import COLL, serve


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
    key = _run(["intel", "keys", "generate"], env_a)
    assert re.fullmatch(r"[0-9a-f]{64}\n", key)


def test_generated_key_is_used_verbatim_and_a_wrapped_key_is_refused(lab_a: Lab,
                                                                      tmp_path: Path) -> None:
    key = _run(["intel", "keys", "generate"], {}).strip()
    args = ["intel", "export", "--hunt", str(lab_a.hunt), "--events", str(lab_a.events),
            "--accounts", str(lab_a.accounts), "--out", str(tmp_path / "b.json"),
            "--format", "json"]
    assert json.loads(_run(args, {"DISTILLGUARD_INTEL_COMMUNITY_KEY": key}))["indicators"] > 0
    # The old output of `keys generate`, pasted whole, and short or non-hex keys.
    for bad in (json.dumps({"key": key}), f'"{key}"', key[:32], "x" * 64):
        result = CliRunner().invoke(cli, args, env={"DISTILLGUARD_INTEL_COMMUNITY_KEY": bad})
        assert result.exit_code == 1, bad
        assert "64 hex digits" in result.output and "COMMUNITY_KEY" in result.output
    prev = CliRunner().invoke(cli, args, env={"DISTILLGUARD_INTEL_COMMUNITY_KEY": key,
                                              "DISTILLGUARD_INTEL_PREVIOUS_KEYS": "k0:secret"})
    assert prev.exit_code == 1 and "PREVIOUS_KEYS" in prev.output


def test_missing_key_is_a_clear_error(lab_a: Lab, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["intel", "export", "--hunt", str(lab_a.hunt),
                                      "--events", str(lab_a.events), "--out",
                                      str(tmp_path / "b.json")],
                                env={"DISTILLGUARD_INTEL_COMMUNITY_KEY": ""})
    assert result.exit_code == 1
    assert "DISTILLGUARD_INTEL_COMMUNITY_KEY" in result.output
