"""Shared helpers for the outlook tests: golden summaries and synthetic inputs."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from distillguard.outlook import load_scenario, run
from distillguard.outlook.report import summary_dict

GOLDEN = Path(__file__).resolve().parent / "golden"
GOLDEN_DRAWS = 2000
GOLDEN_SEED = 2028
BUILTINS = ("us-leads", "neck-and-neck")


def golden_summary(name: str) -> dict[str, object]:
    return summary_dict(run(load_scenario(name), draws=GOLDEN_DRAWS, seed=GOLDEN_SEED))


def write_models_csv(path: Path, *, growth: float, n: int = 120, seed: int = 1,
                     noise: float = 0.15, extra_rows: list[list[str]] | None = None) -> None:
    """Synthetic Epoch-shaped CSV: one frontier model per month on a known trend."""
    rng = np.random.default_rng(seed)
    header = ["Model", "Organization", "Publication date", "Domain", "Training compute (FLOP)",
              "Country (of organization)", "Frontier model"]
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(n):
            year, month = 2018 + i // 12, 1 + i % 12
            lc = 22.0 + np.log10(growth) * (i / 12.0) + rng.normal(0.0, noise)
            country = "China" if i % 5 == 0 else "United States of America"
            w.writerow([f"m{i}", "org", f"{year}-{month:02d}-15", "Language", f"{10**lc:.6e}",
                        country, ""])
        for row in extra_rows or []:
            w.writerow(row)
