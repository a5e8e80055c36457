#!/usr/bin/env bash
# Installs everything distillguard needs on a bare machine: uv, the locked
# Python environment (with the Spark extra) and a Java runtime for Spark.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -m uv --version >/dev/null 2>&1; then
  "$PYTHON" -m pip install --quiet 'uv>=0.5'
fi
# Bytecode is compiled once here: the machines set PYTHONDONTWRITEBYTECODE=1,
# so otherwise every process recompiles pandas & co. on import (seconds each).
"$PYTHON" -m uv sync --frozen --all-extras --compile-bytecode --python "$PYTHON"

if ! command -v java >/dev/null 2>&1; then
  echo "bootstrap: installing a Java runtime for Spark (Debian openjdk-17-jre-headless)" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
