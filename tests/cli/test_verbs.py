"""The CLI's promises, tested once for every verb found in the click group.

A verb added without ``--format``, without an example in its ``--help``, or
reading a file through a plain ``click.Path`` fails here until it keeps the
promises (or is named below with the reason it cannot).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.cli.output import FORMATS, InPath

# Verbs that print no result to format, and why (README: "A tour" / "CLI reference").
NO_FORMAT = {
    "distillguard serve": "runs a server",
    "distillguard gateway stub-upstream": "runs a server",
    "distillguard intel serve": "runs a server",
    "distillguard screen serve": "runs a server",
    "distillguard console serve": "runs a server",
    "distillguard locate agent": "runs a server",
    "distillguard locate relay": "runs a server",
    "distillguard intel keys generate": "prints a bare key for $(...)",
    "distillguard locate keygen": "prints a bare key for $(...)",
    "distillguard locate probe": "prints a measurement record, the input of `locate verify`",
}

# Path parameters that are outputs (created), or files a server follows as they appear.
NOT_INPUTS = {"out", "out_dir", "out_file", "out_path", "work_dir", "map_path", "blocklist",
              "verdicts", "blocklists"}


def _verbs(group: click.Group = cli, prefix: str = "distillguard"
           ) -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, cmd in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(cmd, click.Group):
            out.extend(_verbs(cmd, path))
            if not cmd.invoke_without_command:
                continue
        out.append((path, cmd))
    return out


VERBS = _verbs()
IDS = [p for p, _ in VERBS]


def _last_json(text: str) -> dict[str, object]:
    err = json.loads(text.strip().splitlines()[-1])
    assert isinstance(err, dict) and set(err) == {"error"}
    assert set(err["error"]) == {"code", "message", "status", "details"}
    return err["error"]  # type: ignore[return-value]


def test_the_verbs_were_found() -> None:
    assert len(VERBS) >= 40 and "distillguard hunt" in IDS and "distillguard hunt train" in IDS
    assert set(NO_FORMAT) <= set(IDS), "NO_FORMAT names a verb that is gone"


@pytest.mark.parametrize(("path", "cmd"), VERBS, ids=IDS)
def test_format_option(path: str, cmd: click.Command) -> None:
    opts = [p for p in cmd.params if p.name == "fmt"]
    if path in NO_FORMAT:
        assert not opts, f"{path} has --format now: take it off NO_FORMAT"
        return
    assert opts, f"{path} has no --format {'|'.join(FORMATS)}"
    assert isinstance(opts[0].type, click.Choice) and tuple(opts[0].type.choices) == FORMATS


@pytest.mark.parametrize(("path", "cmd"), VERBS, ids=IDS)
def test_help_has_an_example(path: str, cmd: click.Command) -> None:
    res = CliRunner().invoke(cli, [*path.split()[1:], "--help"])
    assert res.exit_code == 0, res.output
    assert "Example" in res.output and "distillguard " in res.output.split("Example", 1)[1]


@pytest.mark.parametrize(("path", "cmd"), VERBS, ids=IDS)
def test_usage_error_is_the_json_shape(path: str, cmd: click.Command) -> None:
    args = [*path.split()[1:], "--no-such-option"]
    if path not in NO_FORMAT:
        args += ["--format", "json"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 1
    err = _last_json(res.stderr)
    assert err["code"] == "usage_error" and err["status"] == 400
    assert "--no-such-option" in str(err["message"])


@pytest.mark.parametrize(("path", "cmd"), VERBS, ids=IDS)
def test_a_missing_input_file_is_not_found(path: str, cmd: click.Command, tmp_path) -> None:
    inputs = [p for p in cmd.params if isinstance(p.type, click.Path)
              and p.name not in NOT_INPUTS]
    for p in inputs:
        assert isinstance(p.type, InPath) and p.type.exists, (
            f"{path}: {p.name} reads a file through a plain click.Path; use InPath(exists=True)")
    for p in inputs:
        missing = str(tmp_path / "missing" / "file")
        flag = [p.opts[0]] if isinstance(p, click.Option) else []
        res = CliRunner().invoke(cli, [*path.split()[1:], *flag, missing, "--format", "json"]
                                 if path not in NO_FORMAT else
                                 [*path.split()[1:], *flag, missing])
        assert res.exit_code == 1, (p.name, res.output)
        err = _last_json(res.stderr)
        assert err["code"] == "not_found" and err["status"] == 404, (p.name, err)
        assert err["details"] == {"path": missing, "field": p.opts[0]}


def test_a_settings_error_is_the_json_shape() -> None:
    res = CliRunner().invoke(cli, ["outlook", "scenarios"], env={"DISTILLGUARD_ENGINE": "x"})
    assert res.exit_code == 1 and _last_json(res.stderr)["code"] == "config_error"


def test_the_readme_names_every_verb_without_format() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    promise = " ".join(readme[readme.index("Every verb that prints a result"):]
                       .split("## ", 1)[0].split())
    for path in NO_FORMAT:
        verb = path.removeprefix("distillguard ")
        assert f"`{verb}`" in promise or f"`{verb}`'s" in promise, (
            f"README's --format paragraph does not name {verb}")
