"""`distillguard` verbs of the simulate area."""

from __future__ import annotations

from pathlib import Path

import click

from distillguard.cli.output import InPath, StderrProgress, emit, format_option
from distillguard.settings import Settings


@click.command("simulate")
@click.option("--out", "out_dir", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write the world into (created if missing); required unless "
                   "--list-tactics.")
@click.option("--accounts", default=2000, show_default=True, type=int,
              help="Number of accounts (600 gives a quick demo world).")
@click.option("--days", default=14, show_default=True, type=int, help="Length of the window.")
@click.option("--seed", default=7, show_default=True, type=int,
              help="Random seed; the same arguments always give byte-identical files.")
@click.option("--split", default="all", show_default=True,
              type=click.Choice(("all", "tune", "holdout")),
              help="Which half of every corpus to draw content from.")
@click.option("--corpus-dir", default=None, type=InPath(exists=True, file_okay=False),
              help="A shared/data-like folder with fuller corpora "
                   "[default: DISTILLGUARD_CORPUS_DIR, else the samples shipped in the package].")
@click.option("--events-format", default="jsonl", show_default=True,
              type=click.Choice(("jsonl", "parquet")),
              help="events.jsonl.gz or canonical events.parquet.")
@click.option("--start", default="2026-05-04", show_default=True,
              help="First day of the window (UTC), YYYY-MM-DD.")
@click.option("--randomize", is_flag=True, default=False,
              help="Domain randomisation: draw tactic parameters, the benign mix, corpus subsets "
                   "and the language share from the seed.")
@click.option("--tactics", "tactics", default="",
              help="Comma-separated attack tactics to keep (full names or '+' parts); "
                   "default all.")
@click.option("--exclude-tactics", "exclude", default="",
              help="Comma-separated attack tactics to leave out (e.g. leave-one-tactic-out).")
@click.option("--list-tactics", is_flag=True, default=False,
              help="Print the attack tactics and benign personas and exit.")
@format_option
@click.pass_obj
def simulate_cmd(settings: Settings, out_dir: Path | None, accounts: int, days: int, seed: int,
                 split: str, corpus_dir: str | None, events_format: str, start: str,
                 randomize: bool, tactics: str, exclude: str, list_tactics: bool,
                 fmt: str) -> None:
    """Write a labelled world: events, accounts, labels, personas, world.json, hardness.json.

    Prints the hardness table: the best F1 any single naive signal reaches.

    \b
    Examples:
      distillguard simulate --out world --accounts 200 --days 3 --seed 7 \\
          --split holdout
      distillguard simulate --list-tactics
    """
    from distillguard.schema import InputError
    from distillguard.simulate import SimConfig, catalogue, parse_start, select_tactics, simulate

    if list_tactics:
        emit(catalogue(), fmt, title="Attack tactics and benign personas",
             columns=("name", "kind", "default_share", "description"))
        return
    if out_dir is None:
        raise InputError("--out is required (the directory to write the world into)",
                         details={"field": "out"})
    keep = tuple(t.strip() for t in tactics.split(",") if t.strip())
    drop = tuple(t.strip() for t in exclude.split(",") if t.strip())
    select_tactics(keep, drop)  # unknown names fail before any work
    cfg = SimConfig(accounts=accounts, days=days, seed=seed, split=split,
                    start=parse_start(start), corpus_dir=corpus_dir or settings.corpus_dir or None,
                    events_format=events_format, randomize=randomize, tactics=keep,
                    exclude_tactics=drop)
    with StderrProgress("simulate") as bar:
        report = simulate(cfg, out_dir, progress=lambda done, total: bar.update(
            f"simulating days: {done} of {total}"))
    rows = report.hardness["signals"]
    if fmt == "json":
        emit({"out": str(report.out_dir), "events": report.events, "accounts": report.accounts,
              "distillers": report.distillers, "campaigns": report.campaigns,
              "tactics": sorted(report.world["tactics"]), "hardness": report.hardness}, fmt)
        return
    emit(rows, fmt, title="Best F1 of single naive signals (distiller vs benign; all must "
         f"stay below {report.hardness['bound']})",
         columns=("signal", "best_f1", "direction", "threshold", "precision", "recall"))
    if fmt == "table":
        click.echo(f"wrote {report.events} events, {report.accounts} accounts "
                   f"({report.distillers} distillers in {len(report.campaigns)} campaigns) "
                   f"to {report.out_dir}")


commands: list[click.Command] = [simulate_cmd]
