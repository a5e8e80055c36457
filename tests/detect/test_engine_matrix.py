"""The same world on DuckDB and on Spark (local mode) gives the same verdicts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from distillguard.detect import HuntResult, hunt


def _verdicts(out: Path) -> dict[str, tuple[str, str, str]]:
    with (out / "accounts.csv").open() as fh:
        return {r["account_id"]: (r["verdict"], r["cluster_id"], r["risk"])
                for r in csv.DictReader(fh)}


@pytest.mark.spark
@pytest.mark.timeout(300)
# py4j leaves its gateway socket to the interpreter's exit.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_spark_matches_duckdb(tiny_world: tuple[Path, Path, dict[str, str]],
                              tiny_hunt: HuntResult, tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    ev, ac, _ = tiny_world
    res = hunt(ev, ac, tmp_path / "spark", engine="spark")
    assert res.engine == "spark"
    duck = _verdicts(tiny_hunt.out_dir)
    spark = _verdicts(tmp_path / "spark")
    assert {k: v[:2] for k, v in spark.items()} == {k: v[:2] for k, v in duck.items()}
    for k, (_, _, risk) in spark.items():
        assert abs(float(risk) - float(duck[k][2])) < 1e-3, k
