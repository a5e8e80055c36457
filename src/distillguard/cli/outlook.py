"""`distillguard outlook`: the 2028 compute-ratio and capability-lag model."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import click

from distillguard.cli.output import InPath, emit, format_option

CHART_FORMATS = {"png": ("png",), "svg": ("svg",), "both": ("png", "svg")}


@click.group("outlook")
def outlook() -> None:
    """A sourced 2028 model of the US-China compute ratio and capability lag."""


def _run_options(out_help: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The options every verb that simulates scenarios takes (``run``, ``compare``)."""
    def wrap(f: Callable[..., None]) -> Callable[..., None]:
        for opt in reversed((
            click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                         help=out_help),
            click.option("--no-files", is_flag=True, help="Print the table only; write nothing."),
            click.option("--draws", type=click.IntRange(100, 10_000_000),
                         help="Monte Carlo draws [default: the scenario's, 10000 for "
                         "built-ins]."),
            click.option("--seed", type=click.IntRange(0),
                         help="Random seed [default: the scenario's]."),
            click.option("--charts", "chart_fmt", type=click.Choice(sorted(CHART_FORMATS)),
                         default="both", show_default=True, help="Chart file formats."),
        )):
            f = opt(f)
        return f
    return wrap


@outlook.command("run")
@click.argument("scenario")
@_run_options("Directory for charts, HTML report, JSON and CSV [default: ./outlook-NAME].")
@click.option("--hunt-evidence", type=InPath(exists=True, file_okay=False, path_type=Path),
              help="A hunt output directory (accounts.csv, clusters.csv) informing the "
              "distillation curb effect.")
@format_option
def run_cmd(scenario: str, out_dir: Path | None, no_files: bool, draws: int | None,
            seed: int | None, hunt_evidence: Path | None, chart_fmt: str, fmt: str) -> None:
    """Run SCENARIO (a YAML file or a built-in name) and print the year-by-year picture.

    \b
    Examples:
      distillguard outlook run us-leads
      distillguard outlook run my-scenario.yaml --draws 100000 --no-files \\
          --format json
    """
    from distillguard.outlook import FOCUS_YEAR, run_outlook
    from distillguard.outlook.report import lever_rows, param_rows, summary_dict, year_rows

    target = None if no_files else (out_dir or Path(f"outlook-{Path(scenario).stem}"))
    res = run_outlook(scenario, draws=draws, seed=seed, out_dir=target,
                      hunt_evidence=hunt_evidence, formats=CHART_FORMATS[chart_fmt])
    r = res.result
    if fmt == "json":
        emit(summary_dict(r, res.evidence), fmt)
    elif fmt == "csv":
        emit(year_rows(r), fmt)
    else:
        focus = r.year(FOCUS_YEAR)
        emit(year_rows(r), fmt, title=f"{r.scenario.title} ({r.draws} draws, seed {r.seed}); "
             "ratio = US:China compute added per year, lag = US lead in months")
        emit(lever_rows(r), fmt, title="Policy levers (0 = not pursued, 1 = in full)")
        emit([{**{k: v for k, v in p.items() if k != "dist"}, "source": _short(p["source"])}
              for p in param_rows(r)], fmt,
             title="Inputs (tag: sourced / derived / assumed; full sources in inputs.csv)")
        click.echo(
            f"{FOCUS_YEAR} lag: p10 {focus.lag.p10:.1f}, p50 {focus.lag.p50:.1f}, "
            f"p90 {focus.lag.p90:.1f} months [derived]; lever moving it most: "
            f"{r.top_lever.name} ({r.top_lever.swing:.1f} months from 0 to 1)"
        )
        if res.evidence is not None:
            ev = res.evidence
            click.echo(f"hunt evidence: {ev.campaigns} campaigns, stopped share "
                       f"{ev.stopped_share:.2f} of {ev.harvested:,.0f} {ev.weight_basis}; "
                       f"{len(ev.quarantined)} rows quarantined")
    if res.written is not None:
        click.echo(f"wrote {len(res.written.files)} files to {res.written.out_dir} "
                   f"(report: {res.written.report})", err=True)
    if res.evidence is not None:
        for q in res.evidence.quarantined[:20]:
            click.echo(f"quarantined: {q}", err=True)


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _date(_ctx: click.Context, _param: click.Parameter, value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not YYYY-MM-DD") from exc


@outlook.command("fit")
@click.option("--models", type=InPath(exists=True, dir_okay=False, path_type=Path),
              help="Epoch AI Notable AI Models CSV (or .csv.gz) [default: the copy shipped "
              "with distillguard].")
@click.option("--since", default="2018-01-01", show_default=True, callback=_date,
              help="First publication date in the fit.")
@click.option("--top-n", type=click.IntRange(1), default=10, show_default=True,
              help="A model is frontier if in the top N by compute when published.")
@click.option("--bootstrap", type=click.IntRange(100), default=2000, show_default=True,
              help="Bootstrap resamples for the confidence interval.")
@click.option("--ci", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True,
              help="Confidence level.")
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True)
@click.option("--calibrate-since", default="2023-01-01", show_default=True, callback=_date,
              help="Start of the window for the Chinese-model compute gap.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("outlook-fit"), show_default=True, help="Where to draw the fit.")
@click.option("--no-files", is_flag=True, help="Print only; write no chart.")
@format_option
def fit_cmd(models: Path | None, since: date, top_n: int, bootstrap: int, ci: float, seed: int,
            calibrate_since: date, out_dir: Path, no_files: bool, fmt: str) -> None:
    """Fit the yearly growth of frontier training compute (with a CI) and calibrate the discount.

    \b
    Example:
      distillguard outlook fit --since 2018-01-01 --top-n 10
    """
    from distillguard.outlook import fit_outlook, fit_summary

    fr = fit_outlook(models, since=since, top_n=top_n, bootstrap=bootstrap, seed=seed, ci=ci,
                     calibrate_since=calibrate_since, out_dir=None if no_files else out_dir)
    summary = fit_summary(fr)
    if fmt == "json":
        emit(summary, fmt)
    else:
        cal = summary["calibration"]
        assert isinstance(cal, dict)
        flat = {k: v for k, v in summary.items() if k != "calibration"}
        flat["quarantined"] = len(fr.data.quarantined)
        flat.update({f"calibration.{k}": v for k, v in cal.items()})
        if fmt == "csv":
            emit([flat], fmt)
        else:
            emit(flat, fmt, title="Frontier training compute growth, derived from Data: "
                 "Epoch AI; observed lag sourced from the Epoch Capabilities Index")
    for q in fr.data.quarantined[:20]:
        click.echo(f"quarantined: {fr.data.source}:{q.line}: {q.field}: {q.reason}", err=True)
    if fr.files:
        click.echo(f"wrote {', '.join(str(p) for p in fr.files)}", err=True)


@outlook.command("compare")
@click.argument("scenarios", nargs=-1, required=True)
@_run_options("Where compare.png/svg go [default: outlook-compare].")
@format_option
def compare_cmd(scenarios: tuple[str, ...], out_dir: Path | None, no_files: bool,
                draws: int | None, seed: int | None, chart_fmt: str, fmt: str) -> None:
    """Run several scenarios and put their lags on one chart, year by year.

    \b
    Example:
      distillguard outlook compare us-leads neck-and-neck --out outlook-compare
    """
    from distillguard.outlook import compare_outlooks

    target = None if no_files else (out_dir or Path("outlook-compare"))
    res = compare_outlooks(list(scenarios), draws=draws, seed=seed, out_dir=target,
                           formats=CHART_FORMATS[chart_fmt])
    rows = [{"scenario": r.scenario.name, "year": s.year, "lag_p10": round(s.lag.p10, 2),
             "lag_p50": round(s.lag.p50, 2), "lag_p90": round(s.lag.p90, 2),
             "ratio_p50": round(s.ratio.p50, 2)}
            for r in res.results for s in r.summaries]
    emit(rows, fmt, title="US lead over China (months) and US:China compute ratio, by scenario")
    if res.files:
        click.echo(f"wrote {', '.join(str(p) for p in res.files)}", err=True)


@outlook.command("scenarios")
@format_option
def scenarios_cmd(fmt: str) -> None:
    """List the built-in scenarios.

    \b
    Example:
      distillguard outlook scenarios
    """
    from distillguard.outlook import builtin_names, load_scenario

    rows = []
    for name in builtin_names():
        sc = load_scenario(name)
        rows.append({"name": name, "title": sc.title,
                     "levers": ", ".join(f"{k}={v.value:g}" for k, v in sc.levers.items()),
                     "path": sc.source})
    emit(rows, fmt, title="Built-in scenarios (run with: distillguard outlook run NAME)")
    sys.stdout.flush()


commands: list[click.Command] = [outlook]
