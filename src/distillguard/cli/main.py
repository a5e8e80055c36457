"""The ``distillguard`` command: thin verbs, each calling one library function.

Each area owns one module in this package exposing ``commands``; the group
imports them lazily by name so ``distillguard --help`` stays fast and a broken
optional area cannot take the whole CLI down silently (it fails loudly instead).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from distillguard import __version__
from distillguard.cli.output import error_json
from distillguard.schema.errors import DistillguardError, UsageError
from distillguard.settings import Settings

AREAS = ("ingest", "simulate", "evaluate", "hunt", "watch", "gateway", "intel", "screen",
         "outlook", "diversion", "console")


class _Root(click.Group):
    """Every error of every verb leaves as the one JSON shape on stderr with exit 1:
    the product's own errors, and click's usage errors (an unknown option, a bad
    choice) as ``usage_error``, so a script never has to parse click's text."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            rv = _fail(UsageError(_usage_message(exc), details=_usage_details(exc)))
        except click.Abort:
            rv = _fail(UsageError("aborted"))
        except DistillguardError as exc:  # raised while reading settings, before any verb
            rv = _fail(exc)
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DistillguardError as exc:
            return _fail(exc)


def _fail(exc: DistillguardError) -> int:
    sys.stderr.write(error_json(exc) + "\n")
    sys.stderr.flush()
    return 1


def _usage_message(exc: click.ClickException) -> str:
    ctx = getattr(exc, "ctx", None)
    hint = f" (try '{ctx.command_path} --help')" if ctx is not None else ""
    return exc.format_message() + hint


def _usage_details(exc: click.ClickException) -> dict[str, Any]:
    param = getattr(exc, "param", None)
    ctx = getattr(exc, "ctx", None)
    out: dict[str, Any] = {}
    if ctx is not None:
        out["command"] = ctx.command_path
    if param is not None and getattr(param, "opts", None):
        out["field"] = param.opts[0]
    return out


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
    cli.main(prog_name="distillguard")
