"""`distillguard` verbs of the gateway area."""

from __future__ import annotations

import click

commands: list[click.Command] = []
