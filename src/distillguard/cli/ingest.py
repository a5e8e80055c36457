"""`distillguard` verbs of the ingest area."""

from __future__ import annotations

from pathlib import Path

import click

from distillguard.cli.output import InPath, StderrProgress, emit, format_option
from distillguard.settings import Settings


def _account_map(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    import csv

    from distillguard.schema import InputError

    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        out: dict[str, str] = {}
        for i, row in enumerate(reader, 1):
            if i == 1 and row[:2] == ["key", "account_id"]:
                continue
            if len(row) < 2 or not row[0] or not row[1]:
                raise InputError(f"{path}:{i}: expected two columns key,account_id",
                                 details={"source": str(path), "line": i})
            out[row[0]] = row[1]
    return out


@click.command("ingest")
@click.option("--events", "events", multiple=True, required=True,
              type=InPath(exists=True, path_type=Path),
              help="Event file or directory (JSONL plain/.gz/.zst, Parquet, LiteLLM CSV/JSON, "
                   "OpenAI Batch JSONL). Repeat for several.")
@click.option("--accounts", type=InPath(exists=True, path_type=Path), default=None,
              help="Accounts file (JSONL or Parquet).")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Output directory for canonical Parquet and the quarantine.")
@click.option("--adapter", type=click.Choice(["auto", "canonical", "litellm", "openai-batch"]),
              default="auto", show_default=True, help="Input shape; auto detects per file.")
@click.option("--account-id", default=None,
              help="openai-batch: the billed account that owns the batch files.")
@click.option("--api-key-id", default=None, help="openai-batch: the API key the batch used.")
@click.option("--batch-created-at", default=None,
              help="openai-batch: RFC 3339 time used when an output line has no timestamp.")
@click.option("--account-from", default="team_id,user,api_key", show_default=True,
              help="litellm: SpendLogs columns tried in order for the account id.")
@click.option("--account-map", type=InPath(path_type=Path, exists=True), default=None,
              help="litellm: CSV key,account_id translating the chosen column to account ids.")
@click.option("--batch-size", default=50_000, show_default=True, type=click.IntRange(1),
              help="Rows per Arrow batch (memory vs. speed).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes converting JSONL (use the number of cores for large files).")
@click.option("--compression", type=click.Choice(["zstd", "snappy", "lz4", "none"]),
              default=None, help="Parquet codec (default: DISTILLGUARD_INGEST_COMPRESSION, zstd).")
@click.option("--engine", type=click.Choice(["auto", "native", "blocks", "records"]),
              default=None, help="JSONL conversion engine (default: DISTILLGUARD_INGEST_ENGINE, "
              "auto: the C scanner where built); every engine gives the same output.")
@click.option("--overwrite", is_flag=True, help="Replace events already in --out.")
@format_option
@click.pass_obj
def ingest_cmd(settings: Settings, events: tuple[Path, ...], accounts: Path | None,
               out_dir: Path, adapter: str, account_id: str | None, api_key_id: str | None,
               batch_created_at: str | None, account_from: str, account_map: Path | None,
               batch_size: int, workers: int, compression: str | None, engine: str | None,
               overwrite: bool, fmt: str) -> None:
    """Validate exchange logs and write canonical Parquet partitioned by day.

    Writes OUT/events/day=YYYY-MM-DD/part-*.parquet, OUT/accounts.parquet and
    OUT/quarantine.jsonl (every unusable row, with file, line and reason).

    \b
    Example:
      distillguard ingest --events world/events.jsonl.gz \\
          --accounts world/accounts.jsonl --out canon
    """
    from distillguard.ingest import AdapterOptions, ingest

    opts = AdapterOptions(
        account_id=account_id, api_key_id=api_key_id, created_at=batch_created_at,
        account_from=tuple(c.strip() for c in account_from.split(",") if c.strip()),
        account_map=_account_map(account_map),
    )
    with StderrProgress("ingest") as bar:
        report = ingest(list(events), accounts, out_dir, adapter, options=opts,
                        batch_size=batch_size, overwrite=overwrite,
                        max_line_bytes=settings.ingest_max_line_bytes,
                        progress=lambda done, s: bar.update(
                            f"ingest: {done:,} events ({done / max(s, 1e-9):,.0f}/s)"),
                        workers=workers,
                        compression=compression or settings.ingest_compression,
                        engine=engine or settings.ingest_engine)
    if fmt == "json":
        emit(report.to_dict(), fmt)
    else:
        emit(report.rows(), fmt, title="ingest", columns=["metric", "value"])


commands: list[click.Command] = [ingest_cmd]
