"""`distillguard console`: the analyst's web workbench, its analysts and its labels."""

from __future__ import annotations

from pathlib import Path

import click

from distillguard.cli.output import InPath, emit, format_option
from distillguard.settings import Settings


@click.group("console")
def console() -> None:
    """The analyst's workbench: review a hunt, decide, act at the gateways, share."""


@console.command("serve")
@click.option("--hunt", "hunt_dir", required=True,
              type=InPath(exists=True, file_okay=False, path_type=Path),
              help="A hunt's output directory (accounts.csv, clusters.csv, evidence.jsonl).")
@click.option("--accounts", type=InPath(exists=True, path_type=Path), default=None,
              help="Account records (default: the ones the hunt read).")
@click.option("--book", type=click.Choice(["redis", "none"]), default="redis",
              show_default=True,
              help="Where decisions are pushed: the continuous hunt's Redis channel "
                   "(DISTILLGUARD_REDIS_URL, DISTILLGUARD_GATEWAY_BOOK_PREFIX) or nowhere.")
@click.option("--taxii-url", default=None, help="TAXII API root confirmed campaigns go to.")
@click.option("--taxii-collection", default=None, help="Collection id at --taxii-url.")
@click.option("--taxii-token", envvar="DISTILLGUARD_CONSOLE_TAXII_TOKEN", default=None,
              help="Bearer token for --taxii-url (or env DISTILLGUARD_CONSOLE_TAXII_TOKEN).")
@click.option("--producer", default="distillguard-lab", show_default=True,
              help="Producer name in the shared bundles.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8040, show_default=True)
@click.pass_obj
def serve_cmd(settings: Settings, hunt_dir: Path, accounts: Path | None, book: str,
              taxii_url: str | None, taxii_collection: str | None, taxii_token: str | None,
              producer: str, host: str, port: int) -> None:
    """Serve the console over a hunt (sign in with a token from `console analysts add`).

    \b
    Example:
      distillguard console serve --hunt hunt --book none --port 8040"""
    import uvicorn

    from distillguard.console import Casebook, Workbench, create_app
    from distillguard.console.sharing import IntelTarget
    from distillguard.gateway.door import Channel, RedisChannel
    from distillguard.intel import Keyring
    from distillguard.schema import InputError

    intel = None
    if bool(taxii_url) != bool(taxii_collection):
        raise InputError("--taxii-url and --taxii-collection go together",
                         details={"field": "--taxii-collection"})
    if taxii_url and taxii_collection:
        intel = IntelTarget(taxii_url, taxii_collection,
                            Keyring.from_settings(settings).current, producer,
                            token=taxii_token)
    channel: Channel | None = None
    if book == "redis":
        channel = RedisChannel(settings.redis_url, prefix=settings.gateway_book_prefix,
                               timeout_s=settings.redis_timeout_s)
    bench = Workbench(hunt_dir, Casebook(settings.effective_database_url), channel, intel,
                      accounts,
                      Path(settings.hunt_decisions) if settings.hunt_decisions else None)
    click.echo(f"console: {len(bench.findings.queue)} items to review from {hunt_dir}; "
               f"http://{host}:{port}/", err=True)
    uvicorn.run(create_app(bench), host=host, port=port, log_level="warning")


@console.group("analysts")
def analysts() -> None:
    """Who may sign in, and with which role (viewer, analyst, admin)."""


@analysts.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "analyst", "admin"]), required=True)
@format_option
@click.pass_obj
def analysts_add(settings: Settings, name: str, role: str, fmt: str) -> None:
    """Create an analyst; prints their token once (it is not stored).

    \b
    Example:
      distillguard console analysts add alice --role analyst --format json"""
    from distillguard.console import Analysts, Casebook

    analyst, token = Analysts(Casebook(settings.effective_database_url)).create(name, role)
    emit({"name": analyst.name, "role": analyst.role, "token": token}, fmt)


@analysts.command("list")
@format_option
@click.pass_obj
def analysts_list(settings: Settings, fmt: str) -> None:
    """Every analyst, their role and when they were added or revoked.

    \b
    Example:
      distillguard console analysts list"""
    from distillguard.console import Analysts, Casebook

    rows = [{"name": a.name, "role": a.role, "created_at": a.created_at,
             "revoked_at": a.revoked_at}
            for a in Analysts(Casebook(settings.effective_database_url)).list()]
    emit(rows, fmt, title="console analysts",
         columns=["name", "role", "created_at", "revoked_at"])


@analysts.command("revoke")
@click.argument("name")
@format_option
@click.pass_obj
def analysts_revoke(settings: Settings, name: str, fmt: str) -> None:
    """Revoke an analyst's token and sessions.

    \b
    Example:
      distillguard console analysts revoke alice"""
    from distillguard.console import Analysts, Casebook

    Analysts(Casebook(settings.effective_database_url)).revoke(name)
    emit({"revoked": name}, fmt)


@console.command("labels")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path),
              help="Where to write labels.csv (for `distillguard hunt train --labels`).")
@format_option
@click.pass_obj
def labels_cmd(settings: Settings, out_path: Path, fmt: str) -> None:
    """Write the analysts' decisions as training labels (account_id,label,campaign).

    \b
    Example:
      distillguard console labels --out labels.csv"""
    from distillguard.console import Casebook
    from distillguard.console.labels import write_labels

    n = write_labels(Casebook(settings.effective_database_url).decisions(), out_path)
    emit({"labels": str(out_path), "accounts": n}, fmt)


@console.command("audit")
@format_option
@click.pass_obj
def audit_cmd(settings: Settings, fmt: str) -> None:
    """Check the audit log's hash chain; exit 1 when it is broken.

    \b
    Example:
      distillguard console audit --format json"""
    from distillguard.console import Casebook
    from distillguard.schema import ConflictError

    ok, n, problem = Casebook(settings.effective_database_url).verify_audit()
    if not ok:
        raise ConflictError(f"audit log hash chain broken: {problem}",
                            details={"checked": n})
    emit({"intact": ok, "entries": n}, fmt)


commands: list[click.Command] = [console]
