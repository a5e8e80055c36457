"""`distillguard` verbs of the evaluate area."""

from __future__ import annotations

import click

commands: list[click.Command] = []
