"""The two entry points the CLI calls: run a scenario, and fit the growth rate."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from distillguard.outlook import charts
from distillguard.outlook.evidence import HuntEvidence, read_hunt_evidence
from distillguard.outlook.fit import OBSERVED_LAG, Calibration, GrowthFit, calibrate, fit_growth
from distillguard.outlook.model import OutlookResult, run
from distillguard.outlook.models_data import ATTRIBUTION, ModelsData, load_models
from distillguard.outlook.report import Written, write_outputs
from distillguard.outlook.scenario import load_scenario


@dataclass(frozen=True)
class OutlookRun:
    result: OutlookResult
    evidence: HuntEvidence | None
    written: Written | None


def run_outlook(
    scenario_ref: str,
    *,
    draws: int | None = None,
    seed: int | None = None,
    out_dir: Path | None = None,
    hunt_evidence: Path | None = None,
    formats: tuple[str, ...] = charts.FORMATS,
) -> OutlookRun:
    """Load a scenario (file or built-in), fold in hunt evidence, simulate, write outputs."""
    scenario = load_scenario(scenario_ref)
    evidence = None
    if hunt_evidence is not None:
        evidence = read_hunt_evidence(hunt_evidence)
        scenario = scenario.with_params(distillation_curb_effect=evidence.as_param())
    result = run(scenario, draws=draws, seed=seed)
    written = None
    if out_dir is not None:
        written = write_outputs(result, out_dir, evidence=evidence, formats=formats)
    return OutlookRun(result, evidence, written)


@dataclass(frozen=True)
class CompareRun:
    results: tuple[OutlookResult, ...]
    files: tuple[Path, ...]


def compare_outlooks(scenario_refs: list[str], *, draws: int | None = None,
                     seed: int | None = None, out_dir: Path | None = None,
                     formats: tuple[str, ...] = charts.FORMATS) -> CompareRun:
    """Run several scenarios with the same draws and seed and chart their lags together."""
    results = tuple(run(load_scenario(ref), draws=draws, seed=seed) for ref in scenario_refs)
    files: list[Path] = []
    if out_dir is not None:
        fig = charts.compare(list(results))
        files += charts.save(fig, out_dir, "compare", formats)
        charts.close(fig)
    return CompareRun(results, tuple(files))


@dataclass(frozen=True)
class FitRun:
    data: ModelsData
    fit: GrowthFit
    calibration: Calibration
    files: tuple[Path, ...]


def fit_outlook(
    models: Path | None = None,
    *,
    since: date = date(2018, 1, 1),
    top_n: int = 10,
    bootstrap: int = 2000,
    seed: int = 0,
    ci: float = 0.95,
    calibrate_since: date = date(2023, 1, 1),
    observed_lag: tuple[float, float, float] = OBSERVED_LAG,
    out_dir: Path | None = None,
    formats: tuple[str, ...] = charts.FORMATS,
) -> FitRun:
    """Fit frontier compute growth with a bootstrap CI and calibrate the discount."""
    data = load_models(models)
    fit = fit_growth(data, since=since, top_n=top_n, bootstrap=bootstrap, seed=seed, ci=ci)
    cal = calibrate(data, fit, since=calibrate_since, observed_lag=observed_lag)
    files: list[Path] = []
    if out_dir is not None:
        fig = charts.fit_chart(data, fit, cal)
        files += charts.save(fig, out_dir, "fit", formats)
        charts.close(fig)
        (out_dir / "fit.json").write_text(json.dumps(fit_summary(FitRun(data, fit, cal, ())),
                                                     indent=2) + "\n")
        files.append(out_dir / "fit.json")
    return FitRun(data, fit, cal, tuple(files))


def _reference_discounts(fr: FitRun) -> dict[str, dict[str, float]]:
    """The discount the built-in national-compute reference ratio implies, at the fitted growth."""
    ref = load_scenario("us-leads").params["reference_ratio"]
    return {
        where: {"reference_ratio": ref.at(where),
                "discount_months": round(fr.calibration.discount_at(ref.at(where),
                                                                    fr.fit.growth), 2)}
        for where in ("low", "mode", "high")
    }


def fit_summary(fr: FitRun) -> dict[str, object]:
    f, c = fr.fit, fr.calibration
    return {
        "source": fr.data.source,
        "attribution": ATTRIBUTION,
        "models_with_compute": len(fr.data.records),
        "skipped_no_compute": fr.data.skipped_no_compute,
        "quarantined": [f"line {q.line}: {q.field}: {q.reason}" for q in fr.data.quarantined],
        "frontier_models": f.n_models,
        "since": f.since.isoformat(),
        "top_n": f.top_n,
        "growth_per_year": round(f.growth, 3),
        "ci_level": f.ci_level,
        "ci_low": round(f.ci_low, 3),
        "ci_high": round(f.ci_high, 3),
        "doubling_months": round(f.doubling_months, 2),
        "r2": round(f.r2, 3),
        "bootstrap": f.bootstrap,
        "seed": f.seed,
        "calibration": {
            "since": c.since.isoformat(),
            "training_compute_gap_months": {"low": round(c.gap_low, 2),
                                            "mean": round(c.gap_mean, 2),
                                            "high": round(c.gap_high, 2)},
            "implied_training_compute_ratio": round(f.growth ** (c.gap_mean / 12.0), 2),
            "observed_lag_months": list(c.observed_lag),
            "discount_months": round(c.discount_mean, 2),
            "discount_range_months": [round(x, 2) for x in c.discount_range],
            "discount_at_reference_ratio": _reference_discounts(fr),
        },
    }
