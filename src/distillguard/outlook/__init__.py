"""A sourced 2028 outlook of the US-China compute ratio and capability lag.

``run_outlook`` runs a scenario (a YAML file or a built-in name) by Monte
Carlo and writes tables, charts and an HTML report; ``fit_outlook`` fits the
growth of frontier training compute on Epoch AI's data and calibrates the
fast-follower discount. See docs/outlook.md for the model and its sources.
"""

from distillguard.outlook.evidence import HuntEvidence, read_hunt_evidence
from distillguard.outlook.fit import Calibration, GrowthFit, calibrate, fit_growth
from distillguard.outlook.model import (
    FOCUS_YEAR,
    YEARS,
    OutlookResult,
    lag_months,
    run,
    simulate,
)
from distillguard.outlook.models_data import load_models, shipped_models_path
from distillguard.outlook.runner import (
    CompareRun,
    FitRun,
    OutlookRun,
    compare_outlooks,
    fit_outlook,
    fit_summary,
    run_outlook,
)
from distillguard.outlook.scenario import (
    Scenario,
    ScenarioError,
    builtin_names,
    load_scenario,
    parse_scenario,
)

__all__ = [
    "CompareRun", "compare_outlooks",
    "FOCUS_YEAR", "YEARS", "Calibration", "FitRun", "GrowthFit", "HuntEvidence",
    "OutlookResult", "OutlookRun", "Scenario", "ScenarioError", "builtin_names", "calibrate",
    "fit_growth", "fit_outlook", "fit_summary", "lag_months", "load_models", "load_scenario",
    "parse_scenario", "read_hunt_evidence", "run", "run_outlook", "shipped_models_path",
    "simulate",
]
