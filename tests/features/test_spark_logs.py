"""A Spark hunt's stderr holds no Spark start-up noise (issue 16: users read it as errors)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.spark


def test_spark_starts_without_log_noise(tmp_path: Path) -> None:
    code = ("from distillguard.features.engine import spark_session; "
            "print(spark_session().range(3).count())")
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, check=False)
    assert res.returncode == 0 and res.stdout.strip() == "3", res.stderr
    # what Spark's default log4j profile prints on every start (the JVM's own
    # "WARNING: Using incubator modules" line is not a log line and stays)
    for noise in ("Using Spark's default log4j profile", "Setting default log level",
                  " WARN NativeCodeLoader"):
        assert noise not in res.stderr, res.stderr
