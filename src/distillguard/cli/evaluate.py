"""`distillguard` verbs of the evaluate area."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from distillguard.cli.output import InPath, emit, format_option
from distillguard.settings import Settings


def _fmt(v: Any) -> Any:
    return "n/a" if v is None else round(v, 4) if isinstance(v, float) else v


@click.command("evaluate")
@click.option("--labels", required=True, type=InPath(exists=True, path_type=Path),
              help="Ground truth CSV: account_id,label,campaign.")
@click.option("--pred", required=True, type=InPath(exists=True, path_type=Path),
              help="A hunt's output directory (or its accounts.csv).")
@click.option("--personas", default=None, type=InPath(exists=True, path_type=Path),
              help="The simulator's personas.csv: adds false-positive rates per persona.")
@click.option("--replay", default=None, type=InPath(exists=True, path_type=Path),
              help="The gateway's exchange log (JSONL, .gz, .zst): exchanges each campaign "
                   "was served before its first block (status 403/429).")
@click.option("--out", "out_file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the full report as JSON to this file.")
@format_option
@click.pass_obj
def evaluate_cmd(settings: Settings, labels: Path, pred: Path, personas: Path | None,
                 replay: Path | None, out_file: Path | None, fmt: str) -> None:
    """Precision/recall/F1 at block and block+review, PR-AUC, FPR per benign persona,
    campaign completeness and cluster purity of a hunt's accounts.csv.

    \b
    Example:
      distillguard evaluate --labels world/labels.csv --pred hunt \\
          --personas world/personas.csv --out eval.json
    """
    from distillguard.evaluate import evaluate, summary_rows

    report = evaluate(labels, pred, personas=personas, replay=replay)
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if fmt == "json":
        emit(report, fmt)
        return
    emit([{k: _fmt(v) for k, v in r.items()} for r in summary_rows(report)], fmt,
         title="Detection quality")
    if fmt == "csv":
        return
    fpr = report["false_positive_rate"]
    cols: tuple[str, ...] = ("persona", "accounts", "blocked", "fpr_block", "flagged",
                             "fpr_review")
    for key, title in (("hard_negatives", "False positives: hard negatives"),
                       ("other_benign", "False positives: other benign")):
        if fpr[key]:
            emit([{k: _fmt(r[k]) for k in cols} for r in fpr[key]], fmt, title=title,
                 columns=cols)
    if report["campaigns"]:
        cols = ("campaign", "tactic", "accounts", "recall_block", "recall_review",
                "completeness", "best_cluster")
        emit([{k: _fmt(r[k]) for k in cols} for r in report["campaigns"]], fmt,
             title="Campaigns", columns=cols)
    if "replay" in report:
        rep = report["replay"]
        cols = ("campaign", "accounts", "served_before_first_block", "served", "blocked",
                "first_block")
        emit([{k: _fmt(r[k]) for k in cols} for r in rep["campaigns"]], fmt,
             title=f"Replay: {rep['exchanges']} exchanges, {rep['unreadable_lines']} unreadable "
                   f"lines, benign blocked {rep['benign']['blocked']}", columns=cols)
    if out_file is not None:
        click.echo(f"full report: {out_file}")


commands: list[click.Command] = [evaluate_cmd]
