"""docs/settings.md and the README's CLI table are written from the code; stale is a failure."""

from __future__ import annotations

from pathlib import Path

import click

from distillguard.cli.main import cli
from distillguard.cli.reference import cli_table, readme_with_table, settings_markdown

REPO = Path(__file__).resolve().parents[2]
FIX = "regenerate with `.venv/bin/python -m distillguard.cli.reference`"


def test_settings_page_is_current() -> None:
    assert (REPO / "docs" / "settings.md").read_text(encoding="utf-8") == settings_markdown(), FIX


def test_readme_cli_table_is_current() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme == readme_with_table(readme, cli), FIX


def test_a_new_command_makes_the_table_stale() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")

    @click.command("brand-new")
    def brand_new() -> None:
        """A verb nobody documented."""

    cli.add_command(brand_new)
    try:
        assert readme != readme_with_table(readme, cli)
        assert "| `distillguard brand-new` | A verb nobody documented. |" in cli_table(cli)
    finally:
        cli.commands.pop("brand-new")
