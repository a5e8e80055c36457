"""`distillguard diversion` and `distillguard locate` verbs: red flags of chip
diversion on exporters' orders, and location attestation of accelerators."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from distillguard.cli.output import emit, format_option
from distillguard.settings import Settings


@click.group("diversion")
def diversion() -> None:
    """Red flags of chip diversion on orders (BIS guidance, KYC red flags)."""


@diversion.command("check")
@click.option(
    "--orders",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV or JSONL orders: order_id, buyer, consignee, end_user, ultimate_parent, "
    "addresses, forwarder, ship_to_country, product, quantity, stated_end_use, site, "
    "site_power_kw, payment_method, payer_country, dates (docs/diversion.md).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for decisions.csv and quarantine.jsonl.",
)
@click.option("--flags", default="", help="YAML overriding the shipped flag set.")
@click.option("--no-screen", is_flag=True, help="Skip restricted-party screening of parties.")
@click.option(
    "--workers", type=int, default=0, show_default=True, help="Worker processes (0 = up to 2)."
)
@format_option
@click.pass_obj
def check_cmd(
    settings: Settings,
    orders: Path,
    out: Path,
    flags: str,
    no_screen: bool,
    workers: int,
    fmt: str,
) -> None:
    """Flag every order of ORDERS: clear | review | hold with each flag's evidence and source."""
    from distillguard.diversion.service import check_order_file

    tty = sys.stderr.isatty()

    def progress(n: int) -> None:
        if tty:
            click.echo(f"checked {n:,} orders", err=True, nl=False)
            click.echo("\r", err=True, nl=False)

    report = check_order_file(
        settings, orders, out, flags=flags, screen=not no_screen, workers=workers,
        progress=progress,
    )
    emit(report.to_dict(), fmt)


@diversion.command("flags")
@click.option("--flags", default="", help="YAML overriding the shipped flag set.")
@format_option
def flags_cmd(flags: str, fmt: str) -> None:
    """List the red-flag set: severity, weight and legal source of each flag."""
    from distillguard.diversion.service import flag_table

    emit(flag_table(flags), fmt, title="diversion red flags")


commands: list[click.Command] = [diversion]
