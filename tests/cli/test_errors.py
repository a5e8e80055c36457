"""The one JSON error shape, end to end through the CLI."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.schema import InputError


def test_distillguard_error_renders_one_json_shape() -> None:
    @click.command("boom-test")
    def boom() -> None:
        raise InputError("events.jsonl: no such file", details={"path": "events.jsonl"})

    cli.add_command(boom)
    try:
        res = CliRunner().invoke(cli, ["boom-test"])
    finally:
        cli.commands.pop("boom-test")
    assert res.exit_code == 1
    err = json.loads(res.stderr.strip().splitlines()[-1])
    assert err == {"error": {"code": "invalid_input", "message": "events.jsonl: no such file",
                             "status": 400, "details": {"path": "events.jsonl"}}}


def test_bad_setting_is_a_json_error() -> None:
    res = CliRunner().invoke(cli, ["--help"], env={"DISTILLGUARD_ENGINE": "x"})
    assert res.exit_code == 0  # --help never reads settings
    res = CliRunner().invoke(cli, ["--version"], env={"DISTILLGUARD_ENGINE": "x"})
    assert res.exit_code == 0
