"""`distillguard` verbs of the outlook area."""

from __future__ import annotations

import click

commands: list[click.Command] = []
