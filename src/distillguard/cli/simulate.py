"""`distillguard` verbs of the simulate area."""

from __future__ import annotations

import click

commands: list[click.Command] = []
