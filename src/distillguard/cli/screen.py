"""`distillguard screen` verbs: restricted-party lists, customer screening,
training-compute flags and the account-creation hook."""

from __future__ import annotations

from pathlib import Path

import click

from distillguard.cli.output import InPath, StderrProgress, emit, format_option
from distillguard.settings import Settings


@click.group("screen")
def screen() -> None:
    """Screen customers against restricted-party lists, ownership and jurisdiction rules."""


@screen.group("lists")
def lists() -> None:
    """Manage the restricted-party entity store."""


@lists.command("update")
@click.option(
    "--from",
    "sources",
    multiple=True,
    help="Directory of official list files (sdn.csv/add.csv/alt.csv, cons_*.csv, CSL "
    "consolidated.csv/json, US list JSON, OpenSanctions *.ftm.json); DIR@YYYY-MM-DD states "
    "the date its files were current. Repeatable; the first source wins on a shared id.",
)
@click.option(
    "--download",
    is_flag=True,
    help="Fetch the official files from the URLs in the configuration (lists.download) first.",
)
@click.option(
    "--cn-names",
    "cn_names",
    type=InPath(exists=True, path_type=Path),
    default=None,
    help="A sourced table of Chinese names (cn_names/candidates.csv) to add as aliases.",
)
@click.option(
    "--compress", is_flag=True, help="Write entities.jsonl.gz (the shipped snapshot's format)."
)
@format_option
@click.pass_obj
def lists_update(
    settings: Settings,
    sources: tuple[str, ...],
    download: bool,
    cn_names: Path | None,
    compress: bool,
    fmt: str,
) -> None:
    """Parse official list files into the entity store (replacing it atomically).

    \b
    Example:
      distillguard screen lists update --from ofac/@2026-11-30 --from csl/
    """
    from distillguard.screen.service import download_lists, update_lists

    specs: list[str | Path] = list(sources)
    if download:
        specs.insert(0, download_lists(settings))
    if not specs:
        raise click.UsageError("give --from DIR (repeatable) or --download")
    manifest = update_lists(settings, specs, cn_names=cn_names, compress=compress)
    emit(
        manifest["files"],
        fmt,
        title=f"{manifest['entities']} entities loaded, lists as of {manifest['lists_as_of']}",
    )


@lists.command("show")
@format_option
@click.pass_obj
def lists_show(settings: Settings, fmt: str) -> None:
    """Entities and as-of date per list (the shipped snapshot when none was loaded).

    \b
    Example:
      distillguard screen lists show --format json
    """
    from distillguard.screen.service import show_lists

    rows, warnings = show_lists(settings)
    emit(rows, fmt, title="restricted-party lists")
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


@screen.command("customers")
@click.option(
    "--customers",
    "customers",
    required=True,
    type=InPath(exists=True, dir_okay=False, path_type=Path),
    help="CSV or JSONL with customer_id,name,country,address (names in any script).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for matches.csv and quarantine.csv.",
)
@click.option(
    "--owners",
    type=InPath(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV customer_id,owner_id,owner_name,owner_country,share for the 50% rule.",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="Date (YYYY-MM-DD) at which ownership-rule dates are evaluated; default today.",
)
@click.option(
    "--workers", type=int, default=0, show_default=True, help="Worker processes (0 = up to 2)."
)
@click.option(
    "--product",
    default="",
    help="Product whose jurisdiction rule decides (model_api, gpu_cloud); default: the "
    "strictest over every product.",
)
@format_option
@click.pass_obj
def customers_cmd(
    settings: Settings,
    customers: Path,
    out: Path,
    owners: Path | None,
    as_of: str | None,
    workers: int,
    product: str,
    fmt: str,
) -> None:
    """Screen a customer file into OUT/matches.csv (clear | review | match per customer).

    \b
    Example:
      distillguard screen customers --customers examples/customers.csv --out screened
    """
    from distillguard.screen.service import screen_customer_file

    with StderrProgress("screen") as bar:
        report = screen_customer_file(
            settings,
            customers,
            out,
            owners=owners,
            as_of=as_of,
            workers=workers,
            progress=lambda n: bar.update(f"screened {n:,} customers"),
            product=product,
        )
    emit(report.to_dict(), fmt)
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)


@screen.command("compute")
@click.option(
    "--usage",
    "usage",
    required=True,
    type=InPath(exists=True, dir_okay=False, path_type=Path),
    help="CSV or JSONL usage records: account,chip,count,hours[,country].",
)
@click.option(
    "--customers",
    "customers",
    type=InPath(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Customer file to screen and join (customer_id = account).",
)
@click.option("--all", "show_all", is_flag=True, help="List every account, not only flagged ones.")
@format_option
@click.pass_obj
def compute_cmd(
    settings: Settings, usage: Path, customers: Path | None, show_all: bool, fmt: str
) -> None:
    """Estimate training operations per account and flag foreign customers over thresholds.

    \b
    Example:
      distillguard screen compute --usage examples/usage.csv \\
          --customers examples/customers.csv
    """
    from distillguard.screen.service import compute_usage

    rows, quarantine = compute_usage(settings, usage, customers)
    shown = rows if show_all else [r for r in rows if r["flag"]]
    emit(shown, fmt, title=f"training compute ({len(quarantine)} usage rows quarantined)")
    for q in quarantine:
        click.echo(f"{usage}:{q['line']}: quarantined: {q['reason']}", err=True)


@screen.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8087, show_default=True, type=int)
@click.pass_obj
def serve_cmd(settings: Settings, host: str, port: int) -> None:
    """Serve POST /v1/screen for account creation (JSON in, decision with reasons out).

    \b
    Example:
      distillguard screen serve --port 8087
    """
    import uvicorn

    from distillguard.screen.app import create_app
    from distillguard.screen.service import build_context

    uvicorn.run(create_app(build_context(settings)), host=host, port=port)


commands: list[click.Command] = [screen]
