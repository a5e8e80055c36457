"""The ``distillguard`` command: thin verbs, each calling one library function.

Each area owns one module in this package exposing ``commands``; the group
imports them lazily by name so ``distillguard --help`` stays fast and a broken
optional area cannot take the whole CLI down silently (it fails loudly instead).
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import click

from distillguard import __version__
from distillguard.cli.output import error_json
from distillguard.schema.errors import DistillguardError
from distillguard.settings import Settings

AREAS = ("ingest", "simulate", "evaluate", "hunt", "watch", "gateway", "intel", "screen",
         "outlook", "diversion", "console")


class _Root(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DistillguardError as exc:
            click.echo(error_json(exc), err=True)
            ctx.exit(1)


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="distillguard")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """distillguard: find and stop distillation attacks and compute leaks."""
    ctx.obj = Settings.from_env()


for _area in AREAS:
    _module = importlib.import_module(f"distillguard.cli.{_area}")
    for _cmd in _module.commands:
        cli.add_command(_cmd)


def main() -> None:
    try:
        cli.main(prog_name="distillguard", standalone_mode=True)
    except DistillguardError as exc:  # raised while reading settings, before any verb
        sys.stderr.write(json.dumps(exc.to_dict()) + "\n")
        sys.exit(1)
