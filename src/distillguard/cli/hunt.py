"""`distillguard hunt`: score every account and attribute campaigns."""

from __future__ import annotations

from pathlib import Path

import click

from distillguard.cli.output import InPath, StderrProgress, emit, format_option


@click.group("hunt", invoke_without_command=True)
@click.option("--events", "events", multiple=True,
              type=InPath(exists=True, path_type=Path),
              help="Events: JSONL (.gz/.zst), Parquet, or a canonical directory. Repeatable.")
@click.option("--accounts", type=InPath(exists=True, path_type=Path), default=None,
              help="Accounts: JSONL or Parquet.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              help="Directory for accounts.csv, clusters.csv, evidence.jsonl, report.html.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default=None,
              help="Batch engine (default: DISTILLGUARD_ENGINE).")
@click.option("--config", "config", type=InPath(exists=True, path_type=Path), default=None,
              help="YAML overriding weights and thresholds, or a model.json from `hunt train` "
              "(default: DISTILLGUARD_HUNT_CONFIG).")
@click.option("--decisions", type=InPath(exists=True, dir_okay=False, path_type=Path),
              default=None,
              help="Analysts' decisions (labels.csv from `console labels`) that override the "
              "verdicts (default: DISTILLGUARD_HUNT_DECISIONS).")
@click.option("--no-report", is_flag=True, help="Skip report.html.")
@format_option
@click.pass_context
def hunt_cmd(ctx: click.Context, events: tuple[Path, ...], accounts: Path | None,
             out_dir: Path | None, engine: str | None, config: Path | None,
             decisions: Path | None, no_report: bool, fmt: str) -> None:
    """Score every account and attribute hydra campaigns from exchange logs.

    \b
    Example:
      distillguard hunt --events world/events.jsonl.gz --accounts world/accounts.jsonl \\
          --out hunt
    `distillguard hunt train` fits the scoring model from labelled worlds."""
    if ctx.invoked_subcommand is not None:
        return
    from distillguard.detect import hunt
    from distillguard.report import render_report
    from distillguard.settings import Settings

    missing = [o for o, v in (("--events", events), ("--out", out_dir)) if not v]
    if missing:
        raise click.UsageError(f"Missing option {' and '.join(missing)}.", ctx)
    assert out_dir is not None
    settings = ctx.obj
    st = settings if isinstance(settings, Settings) else Settings.from_env()
    with StderrProgress("hunt") as bar:
        def stage(name: str, seconds: float | None, rows: int | None) -> None:
            if seconds is None:
                bar.update(f"hunt: {name} ...")
            else:
                counted = "" if rows is None else f": {rows:,} row{'' if rows == 1 else 's'}"
                bar.done(f"done {name}{counted} ({seconds:.1f} s)")

        result = hunt(list(events), accounts, out_dir, engine=engine, config=config,
                      settings=st, render=None if no_report else render_report, progress=stage,
                      decisions=decisions)
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


@hunt_cmd.command("train")
@click.option("--world", "worlds", multiple=True, type=InPath(exists=True, path_type=Path),
              help="A labelled world written by `distillguard simulate`. Repeatable.")
@click.option("--events", "events", multiple=True, type=InPath(exists=True, path_type=Path),
              help="Your own events (with --labels): an analyst-labelled world. Repeatable.")
@click.option("--accounts", type=InPath(exists=True, path_type=Path), default=None,
              help="Accounts of --events.")
@click.option("--labels", type=InPath(exists=True, path_type=Path), default=None,
              help="labels.csv (account_id,label,campaign) for --events.")
@click.option("--exclude-tactic", "exclude", multiple=True,
              help="Leave this tactic's accounts out of training. Repeatable.")
@click.option("--l2", type=float, default=1e-3, show_default=True,
              help="L2 penalty on the weights.")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path),
              help="Where to write the fitted model (JSON); use it with --config.")
@format_option
def train_cmd(worlds: tuple[Path, ...], events: tuple[Path, ...], accounts: Path | None,
              labels: Path | None, exclude: tuple[str, ...], l2: float, out_path: Path,
              fmt: str) -> None:
    """Fit the scoring model from labelled worlds or your own labelled logs.

    \b
    Examples:
      distillguard hunt train --world w1 --world w2 --out model.json
      distillguard hunt train --events logs/ --accounts accounts.jsonl \\
          --labels labels.csv --out model.json
      distillguard hunt --events ... --out hunt --config model.json"""
    from distillguard.detect.train import (
        fit_model,
        load_simulated,
        load_world,
        save_model,
        weights_table,
    )
    from distillguard.schema import InputError

    if bool(events) != bool(labels):
        raise InputError("--events and --labels go together (an analyst-labelled world)",
                         details={"field": "--labels" if events else "--events"})
    if not worlds and not events:
        raise InputError("nothing to train on: give --world or --events with --labels",
                         details={"field": "--world"})
    for w in worlds:
        if not (w / "labels.csv").exists():
            raise InputError(f"{w}: not a labelled world (no labels.csv)",
                             details={"source": str(w)})

    with StderrProgress("hunt train") as bar:
        loaded = []
        for w in worlds:
            bar.update(f"preparing {w}")
            loaded.append(load_simulated(w))
        if events and labels is not None:
            bar.update(f"preparing {', '.join(map(str, events))}")
            loaded.append(load_world(list(events), accounts, labels, name="labelled logs",
                                     work=out_path.parent / (out_path.stem + "-work")))
        model = fit_model(loaded, exclude_tactics=exclude, l2=l2, progress=bar.done)
    save_model(model, out_path)
    if fmt == "json":
        emit({"model": str(out_path), "thresholds": model["thresholds"],
              "out_of_fold": model["manifest"]["out_of_fold"],
              "weights": weights_table(model)}, fmt)
        return
    # the fit's result, not its progress: thresholds and out-of-fold quality stay in the
    # output (progress is drawn on a terminal only)
    th, oof = model["thresholds"], model["manifest"]["out_of_fold"]
    emit(weights_table(model), fmt, title=(
        f"fitted model -> {out_path}: review {th['review']:.2f}, block {th['block']:.2f}; "
        f"out-of-fold precision {oof['precision_at_block']}, recall {oof['recall_at_block']}"),
        columns=["feature", "group", "weight"])


commands: list[click.Command] = [hunt_cmd]
