"""`distillguard console`: analysts, labels and the audit check from the command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.console import Casebook


def test_analysts_labels_and_audit(tmp_path: Path) -> None:
    db = tmp_path / "console.db"
    env = {"DISTILLGUARD_DATABASE_URL": f"sqlite:///{db}"}
    run = CliRunner().invoke
    res = run(cli, ["console", "analysts", "add", "ana", "--role", "analyst",
                    "--format", "json"], env=env)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["token"].startswith("dgc_")
    res = run(cli, ["console", "analysts", "add", "ana", "--role", "viewer"], env=env)
    assert res.exit_code == 1 and json.loads(res.output)["error"]["code"] == "conflict"
    res = run(cli, ["console", "analysts", "list", "--format", "csv"], env=env)
    assert "ana,analyst" in res.output
    book = Casebook(f"sqlite:///{db}")
    book.decide("ana", "h", "campaign", "C0001", "confirm", "distiller", "harvest_pattern",
                "", ("a1", "a2"))
    book.close()
    res = run(cli, ["console", "labels", "--out", str(tmp_path / "labels.csv"),
                    "--format", "json"], env=env)
    assert json.loads(res.output)["accounts"] == 2
    assert (tmp_path / "labels.csv").read_text().splitlines()[1] == "a1,distiller,C0001"
    res = run(cli, ["console", "audit", "--format", "json"], env=env)
    assert res.exit_code == 0 and json.loads(res.output)["intact"] is True
    raw = sqlite3.connect(db)
    raw.execute("DROP TRIGGER console_audit_no_delete")
    raw.execute("DELETE FROM console_audit WHERE seq = 1")
    raw.commit()
    raw.close()
    res = run(cli, ["console", "audit"], env=env)
    assert res.exit_code == 1 and "hash chain broken" in res.output
    res = run(cli, ["console", "analysts", "revoke", "ana"], env=env)
    assert res.exit_code == 0
