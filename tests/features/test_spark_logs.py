"""A Spark hunt's stderr holds no Spark start-up noise (issue 16: users read it as errors)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from distillguard.features.engine import relay_jvm_stderr


@pytest.mark.spark
def test_spark_starts_without_log_noise(tmp_path: Path) -> None:
    code = ("from distillguard.features.engine import spark_session; "
            "print(spark_session().range(3).count())")
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, check=False)
    assert res.returncode == 0 and res.stdout.strip() == "3", res.stderr
    # what Spark's default log4j profile prints on every start, and the JVM's own
    # notice of the incubating module Spark 4 adds to every driver
    for noise in ("Using Spark's default log4j profile", "Setting default log level",
                  " WARN NativeCodeLoader", "WARNING: Using incubator modules"):
        assert noise not in res.stderr, res.stderr


def test_the_jvm_relay_passes_everything_but_the_start_up_notice() -> None:
    jvm = io.BytesIO(b"WARNING: Using incubator modules: jdk.incubator.vector\n"
                     b"25/12/05 18:00:00 ERROR Executor: task 1 failed\n"
                     b"Traceback (most recent call last):\n  no newline at the end")
    read_fd, write_fd = os.pipe()
    try:
        relay_jvm_stderr(jvm, write_fd)
    finally:
        os.close(write_fd)
    with os.fdopen(read_fd, "rb") as fh:
        assert fh.read() == (b"25/12/05 18:00:00 ERROR Executor: task 1 failed\n"
                             b"Traceback (most recent call last):\n  no newline at the end")


def test_the_jvm_relay_keeps_draining_when_stderr_is_gone() -> None:
    jvm = io.BytesIO(b"one\ntwo\nthree\n")
    read_fd, write_fd = os.pipe()
    os.close(read_fd)
    os.close(write_fd)  # writing to it now fails
    relay_jvm_stderr(jvm, write_fd)
    assert jvm.read() == b""  # read to the end all the same
