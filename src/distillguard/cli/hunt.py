"""`distillguard` verbs of the hunt area."""

from __future__ import annotations

import click

commands: list[click.Command] = []
