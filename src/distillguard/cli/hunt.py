"""`distillguard hunt`: score every account and attribute campaigns."""

from __future__ import annotations

from pathlib import Path

import click

from distillguard.cli.output import emit, format_option


@click.command("hunt")
@click.option("--events", "events", required=True, multiple=True,
              type=click.Path(path_type=Path),
              help="Events: JSONL (.gz/.zst), Parquet, or a canonical directory. Repeatable.")
@click.option("--accounts", type=click.Path(path_type=Path), default=None,
              help="Accounts: JSONL or Parquet.")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Directory for accounts.csv, clusters.csv, evidence.jsonl, report.html.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default=None,
              help="Batch engine (default: DISTILLGUARD_ENGINE).")
@click.option("--config", "config", type=click.Path(path_type=Path), default=None,
              help="YAML overriding weights and thresholds (default: DISTILLGUARD_HUNT_CONFIG).")
@click.option("--no-report", is_flag=True, help="Skip report.html.")
@format_option
@click.pass_obj
def hunt_cmd(settings: object, events: tuple[Path, ...], accounts: Path | None, out_dir: Path,
             engine: str | None, config: Path | None, no_report: bool, fmt: str) -> None:
    """Score every account and attribute hydra campaigns from exchange logs."""
    from distillguard.detect import hunt
    from distillguard.report import render_report
    from distillguard.settings import Settings

    st = settings if isinstance(settings, Settings) else Settings.from_env()
    result = hunt(list(events), accounts, out_dir, engine=engine, config=config, settings=st,
                  render=None if no_report else render_report)
    s = result.summary
    if fmt == "json":
        emit(s, fmt)
        return
    v = s["verdicts"]
    rows = [
        {"field": "accounts scored", "value": s["accounts"]},
        {"field": "events", "value": s["events"]},
        {"field": "block / review / allow",
         "value": f"{v['block']} / {v['review']} / {v['allow']}"},
        {"field": "campaigns", "value": s["clusters"]},
        {"field": "quarantined rows", "value": s["quarantine"]["total"]},
        {"field": "engine", "value": s["engine"]},
        {"field": "seconds", "value": s["seconds"]},
        {"field": "output", "value": str(result.out_dir)},
    ]
    for c in s["top_campaigns"]:
        rows.append({"field": f"campaign {c['cluster_id']}",
                     "value": f"{c['size']} accounts, risk {c['risk']:.2f}: {c['evidence']}"})
    for note in s["notes"]:
        rows.append({"field": "note", "value": note})
    emit(rows, fmt, title="hunt", columns=["field", "value"])


commands: list[click.Command] = [hunt_cmd]
