"""`distillguard` verbs of the intel area."""

from __future__ import annotations

import click

commands: list[click.Command] = []
