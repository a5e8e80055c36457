#!/usr/bin/env bash
# The native ingest scanner under AddressSanitizer and UndefinedBehaviorSanitizer: builds
# it instrumented in place, runs the ingest tests against it, then rebuilds it normally.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
INC=$($PY -c "import sysconfig; print(sysconfig.get_paths()['include'])")
SO=src/distillguard/ingest/_scan$($PY -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
restore() { rm -f "$SO"; touch src/distillguard/ingest/_scan.c; make -s install >/dev/null; }
trap restore EXIT
gcc -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
    -fno-omit-frame-pointer -fPIC -shared -std=c11 -I"$INC" \
    src/distillguard/ingest/_scan.c -o "$SO"
# CPython itself keeps memory until exit, so leak reports would be its own: leaks off.
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)" \
    $PY -m pytest -q -p no:cacheprovider tests/ingest "$@"
