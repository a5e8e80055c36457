"""`distillguard intel` verbs: export, push, serve, pull, match, and server administration."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from distillguard.cli.output import InPath, StderrProgress, emit, format_option
from distillguard.settings import Settings

if TYPE_CHECKING:
    from distillguard.intel.store import TaxiiStore

_events = click.option("--events", "events", required=True, multiple=True,
                       type=InPath(exists=True, path_type=Path),
                       help="Events: JSONL (.gz/.zst), Parquet, or a canonical directory; "
                            "repeatable.")
_accounts = click.option("--accounts", "accounts", type=InPath(exists=True, path_type=Path),
                         help="Accounts file (JSONL or Parquet).")
_token = click.option("--token", default=None, help="Bearer token of your TAXII membership.")
_user = click.option("--user", default=None, help="Basic-auth user (peers such as medallion).")
_password = click.option("--password", default=None, help="Basic-auth password.")


@click.group("intel")
def intel() -> None:
    """Share distillation indicators over STIX 2.1 / TAXII 2.1 without sharing user data."""


@intel.command("export")
@click.option("--hunt", "hunt_dir", required=True,
              type=InPath(exists=True, file_okay=False, path_type=Path),
              help="A hunt's output directory (accounts.csv, evidence.jsonl).")
@_events
@_accounts
@click.option("--community", default=None, help="Sharing community (default: setting).")
@click.option("--producer", default="distillguard-lab", show_default=True,
              help="Name of the producing organisation in the bundle's identity.")
@click.option("--tlp", type=click.Choice(["clear", "green", "amber", "amber+strict", "red"]),
              default="amber", show_default=True, help="TLP 2.0 marking of every object.")
@click.option("--min-verdict", type=click.Choice(["review", "block"]), default="review",
              show_default=True, help="Lowest hunt verdict whose accounts are exported.")
@click.option("--min-purity", type=float, default=0.8, show_default=True,
              help="Share of an observable's accounts that must be flagged to export it.")
@click.option("--min-suspected", type=int, default=2, show_default=True,
              help="Review-level holders that confirm an observable when "
                   "no blocked account holds it.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@format_option
@click.pass_obj
def export_cmd(settings: Settings, hunt_dir: Path, events: tuple[Path, ...],
               accounts: Path | None, community: str | None, producer: str, tlp: str,
               min_verdict: str, min_purity: float, min_suspected: int, out: Path,
               fmt: str) -> None:
    """Write a STIX 2.1 bundle of keyed-hash indicators from a hunt.

    \b
    Example:
      distillguard intel export --hunt hunt --events world/events.jsonl.gz \\
          --accounts world/accounts.jsonl --out lab-a.json
    """
    from distillguard.intel import ExportOptions, Keyring, export_bundle

    key = Keyring.from_settings(settings, community).current
    report = export_bundle(key, hunt_dir, list(events), accounts, out,
                           ExportOptions(producer, tlp, min_verdict, min_purity,
                                         min_suspected))
    emit(report.as_row(), fmt, title="intel export")


@intel.command("push")
@click.option("--to", "url", required=True, help="TAXII API root URL (or its /taxii2/).")
@click.option("--collection", required=True, help="Collection id.")
@_token
@_user
@_password
@click.option("--batch", type=int, default=1000, show_default=True, help="Objects per POST.")
@click.argument("bundle", type=InPath(exists=True, path_type=Path))
@format_option
def push_cmd(url: str, collection: str, token: str | None, user: str | None,
             password: str | None, batch: int, bundle: Path, fmt: str) -> None:
    """POST a bundle's objects to a TAXII collection; prints the merged status.

    \b
    Example:
      distillguard intel push --to http://127.0.0.1:9100/intel/ \\
          --collection 9c2a3c8e-1f5b-4d7e-8a6b-2f0e1d3c4b5a --token $TOKEN lab-a.json
    """
    from distillguard.intel.client import TaxiiClient, push

    client = TaxiiClient(url, token=token, user=user, password=password)
    try:
        emit(push(client, collection, bundle, batch=batch), fmt, title="intel push")
    finally:
        client.close()


@intel.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=9100, show_default=True)
@click.option("--max-post-bytes", type=int, default=32 * 1024 * 1024, show_default=True,
              help="Largest POST body (TAXII max_content_length).")
@click.option("--strict/--no-strict", default=False, show_default=True,
              help="Validate every posted object with the OASIS stix2 library.")
@click.pass_obj
def serve_cmd(settings: Settings, host: str, port: int, max_post_bytes: int,
              strict: bool) -> None:
    """Run the TAXII 2.1 server on DISTILLGUARD_DATABASE_URL.

    \b
    Example:
      distillguard intel serve --host 0.0.0.0 --port 9100
    """
    import uvicorn

    from distillguard.intel.server import ServerConfig, create_app

    app = create_app(_store(settings), ServerConfig(max_post_bytes=max_post_bytes,
                                                    strict=strict))
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower())


def _store(settings: Settings) -> TaxiiStore:
    from distillguard.database import Database
    from distillguard.intel.store import TaxiiStore

    return TaxiiStore(Database(settings.effective_database_url))


@intel.group("collections")
def collections() -> None:
    """Collections of the local TAXII server."""


@collections.command("add")
@click.argument("collection_id")
@click.option("--title", default="", help="Human-readable title.")
@click.option("--description", default="")
@click.option("--api-root", default="intel", show_default=True)
@format_option
@click.pass_obj
def collections_add(settings: Settings, collection_id: str, title: str, description: str,
                    api_root: str, fmt: str) -> None:
    """Create (or retitle) a collection; the id must be a UUID.

    \b
    Example:
      distillguard intel collections add 9c2a3c8e-1f5b-4d7e-8a6b-2f0e1d3c4b5a \\
          --title distillation
    """
    emit(_store(settings).add_collection(collection_id, api_root=api_root, title=title,
                                         description=description), fmt)


@collections.command("list")
@format_option
@click.pass_obj
def collections_list(settings: Settings, fmt: str) -> None:
    """List collections and their object counts.

    \b
    Example:
      distillguard intel collections list --format json
    """
    store = _store(settings)
    emit([{**c, "objects": store.count(c["id"])} for c in store.collections()], fmt,
         columns=["id", "api_root", "title", "objects"])


@intel.group("members")
def members() -> None:
    """Members of the local TAXII server and their rights per collection."""


@members.command("add")
@click.argument("name")
@click.option("--read", "read", multiple=True, help="Collection the member may read.")
@click.option("--write", "write", multiple=True, help="Collection the member may write.")
@format_option
@click.pass_obj
def members_add(settings: Settings, name: str, read: tuple[str, ...], write: tuple[str, ...],
                fmt: str) -> None:
    """Create a member (or issue a new token) and print the token once.

    \b
    Example:
      distillguard intel members add lab-b --read 9c2a3c8e-1f5b-4d7e-8a6b-2f0e1d3c4b5a
    """
    token = _store(settings).add_member(name, read=read, write=write)
    emit({"member": name, "token": token, "read": ",".join(read), "write": ",".join(write)},
         fmt)


@members.command("list")
@format_option
@click.pass_obj
def members_list(settings: Settings, fmt: str) -> None:
    """Members and their rights (tokens are stored hashed and never shown).

    \b
    Example:
      distillguard intel members list --format csv
    """
    emit(_store(settings).members(), fmt, columns=["member", "revoked", "collection", "read",
                                                  "write"])


@members.command("revoke")
@click.argument("name")
@format_option
@click.pass_obj
def members_revoke(settings: Settings, name: str, fmt: str) -> None:
    """Revoke a member's token at once (on every replica).

    \b
    Example:
      distillguard intel members revoke lab-b
    """
    _store(settings).revoke_member(name)
    emit({"member": name, "revoked": True}, fmt)


@intel.command("pull")
@click.option("--from", "url", required=True, help="TAXII API root URL (or its /taxii2/).")
@click.option("--collection", required=True, help="Collection id.")
@_token
@_user
@_password
@click.option("--limit", type=int, default=1000, show_default=True, help="Objects per page.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
@format_option
def pull_cmd(url: str, collection: str, token: str | None, user: str | None,
             password: str | None, limit: int, out: Path, fmt: str) -> None:
    """Fetch new objects of a collection into DIR (idempotent, resumes by added_after).

    \b
    Example:
      distillguard intel pull --from http://127.0.0.1:9100/taxii2/ \\
          --collection 9c2a3c8e-1f5b-4d7e-8a6b-2f0e1d3c4b5a --token $TOKEN \\
          --out intel/
    """
    from distillguard.intel.client import TaxiiClient, pull

    client = TaxiiClient(url, token=token, user=user, password=password)
    try:
        with StderrProgress("pulling") as bar:
            report = pull(client, collection, out, limit=limit, on_page=lambda pages, objects:
                          bar.update(f"pulled {objects} objects, {pages} pages"))
        emit(report.as_row(), fmt, title="intel pull")
    finally:
        client.close()


@intel.command("match")
@click.option("--intel", "intel_path", required=True,
              type=InPath(exists=True, path_type=Path),
              help="A bundle file, or a directory written by `distillguard intel pull`.")
@_events
@_accounts
@click.option("--community", default=None, help="Sharing community (default: setting).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="alerts.csv to write.")
@click.option("--blocklist", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the gateway blocklist CSV (account_id,action,reason,source).")
@click.option("--hunt", "own_hunt", type=InPath(exists=True, file_okay=False, path_type=Path),
              help="Your own hunt's output directory: indicators are judged against its "
                   "verdicts (an indicator matching many accounts it cleared weighs little).")
@click.option("--min-confidence", type=click.IntRange(0, 100), default=0, show_default=True,
              help="Ignore indicators the producer is less confident of (0-100).")
@format_option
@click.pass_obj
def match_cmd(settings: Settings, intel_path: Path, events: tuple[Path, ...],
              accounts: Path | None, community: str | None, out: Path,
              blocklist: Path | None, own_hunt: Path | None, min_confidence: int,
              fmt: str) -> None:
    """Match shared indicators against your own accounts and events.

    \b
    Example:
      distillguard intel match --intel intel/ --events world/events.jsonl.gz \\
          --accounts world/accounts.jsonl --hunt hunt --out alerts.csv \\
          --blocklist blocklist.csv
    """
    from distillguard.intel import Keyring
    from distillguard.intel.match import run_match

    report = run_match(Keyring.from_settings(settings, community), intel_path, list(events),
                       accounts, out, blocklist, own_hunt, min_confidence)
    emit(report.as_row(), fmt, title="intel match")


@intel.group("keys")
def keys() -> None:
    """Community keys."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a fresh 256-bit community key: 64 hex digits, for DISTILLGUARD_INTEL_COMMUNITY_KEY.

    The bare key, so `export DISTILLGUARD_INTEL_COMMUNITY_KEY=$(... keys generate)` works.

    \b
    Example:
      export DISTILLGUARD_INTEL_COMMUNITY_KEY=$(distillguard intel keys generate)
    """
    sys.stdout.write(secrets.token_hex(32) + "\n")


commands: list[click.Command] = [intel]
