"""The docs must name every command and every setting (Datasette's rule)."""

from __future__ import annotations

from pathlib import Path

import click

from distillguard.cli.main import cli
from distillguard.settings import setting_names

REPO = Path(__file__).resolve().parents[1]


def _docs() -> str:
    parts = [(REPO / "README.md").read_text()]
    parts += [p.read_text() for p in sorted((REPO / "docs").glob("**/*.md"))]
    return "\n".join(parts)


def _command_paths(group: click.Group, prefix: str = "distillguard") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        path = f"{prefix} {name}"
        out.append(path)
        if isinstance(cmd, click.Group):
            out.extend(_command_paths(cmd, path))
    return out


def test_every_command_is_documented() -> None:
    docs = _docs()
    missing = [p for p in _command_paths(cli) if p not in docs]
    assert not missing, f"undocumented commands: {missing}"


def test_every_setting_is_documented() -> None:
    docs = _docs()
    missing = [name for name, _ in setting_names() if name not in docs]
    assert not missing, f"undocumented settings: {missing}"
