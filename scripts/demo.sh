#!/usr/bin/env bash
# The main job on the embedded default (DuckDB): simulate a small labelled
# world, hunt it, evaluate the hunt against the labels, point at the report.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-var/demo}
DG=.venv/bin/distillguard
SEED=${DEMO_SEED:-7}
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== 1/3 simulate: a labelled world (600 accounts, 7 days, seed $SEED, held-out corpus split)"
$DG simulate --out "$OUT/world" --accounts 600 --days 7 --seed "$SEED" --split holdout

echo "== 2/3 hunt: score every account, attribute campaigns (engine: duckdb)"
$DG hunt --events "$OUT/world/events.jsonl.gz" --accounts "$OUT/world/accounts.jsonl" \
  --out "$OUT/hunt"

echo "== 3/3 evaluate against the ground truth"
$DG evaluate --labels "$OUT/world/labels.csv" --pred "$OUT/hunt" \
  --personas "$OUT/world/personas.csv" --out "$OUT/evaluation.json"

echo
echo "report:     $OUT/hunt/report.html"
echo "verdicts:   $OUT/hunt/accounts.csv"
echo "evaluation: $OUT/evaluation.json"
