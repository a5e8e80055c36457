"""The gateway's verbs: key management end to end, rotation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.gateway.exchange_log import ExchangeLog
from distillguard.gateway.keys import KeyStore
from distillguard.schema import Event


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    env = {"DISTILLGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"}
    run = CliRunner().invoke
    res = run(cli, ["gateway", "keys", "create", "--account", "acct-7", "--org", "org-1",
                    "--kyc", "card", "--format", "json"], env=env)
    assert res.exit_code == 0, res.output
    created = json.loads(res.output)
    assert created["secret"].startswith("dgk_") and created["account_id"] == "acct-7"
    store = KeyStore(env["DISTILLGUARD_DATABASE_URL"])
    assert store.verify(created["secret"]) is not None
    res = run(cli, ["gateway", "keys", "list", "--format", "json"], env=env)
    listed = json.loads(res.output)
    assert [k["key_id"] for k in listed] == [created["key_id"]]
    assert "secret" not in res.output and created["secret"] not in res.output
    res = run(cli, ["gateway", "keys", "revoke", created["key_id"], "--format", "json"], env=env)
    assert res.exit_code == 0 and json.loads(res.output)["revoked_at"]
    assert KeyStore(env["DISTILLGUARD_DATABASE_URL"]).verify(created["secret"]) is None
    res = run(cli, ["gateway", "keys", "revoke", created["key_id"]], env=env)
    assert res.exit_code == 1 and '"code": "not_found"' in res.output
    store.close()


def test_rotate_command(tmp_path: Path) -> None:
    log = ExchangeLog(tmp_path / "log", fsync="never", replica="r9")
    log.append_blocking(Event(event_id="e1", ts=datetime(2026, 1, 3, tzinfo=UTC),
                              account_id="a", endpoint="messages", model="m",
                              request={"model": "m"}, response_text="hi"))
    log.close()
    res = CliRunner().invoke(cli, ["gateway", "rotate", "--log-dir", str(tmp_path / "log"),
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.output)
    assert row["day"] == "2026-01-03" and row["events"] == 1
    assert (tmp_path / "log" / "events" / "day=2026-01-03" / "part-r9.parquet").exists()
