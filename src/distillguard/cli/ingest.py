"""`distillguard` verbs of the ingest area."""

from __future__ import annotations

import click

commands: list[click.Command] = []
