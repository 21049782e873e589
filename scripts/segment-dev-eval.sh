#!/usr/bin/env bash
# Dev-only: accuracy and speed of CellarSegment's default parameters on the shared dev
# sets (+ 20 synthetic 1024² fields), cross-checked with the reference score.py.
#   scripts/segment-dev-eval.sh [WORKDIR]      (PYTHON=... to choose the interpreter)
# Writes predicted label TIFFs to WORKDIR/pred/<set>/ and prints score.py's summary per set.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-/tmp/cellar-segment-eval}
PY=${PYTHON:-${CELLAR_PYTHON:-.venv/bin/python}}
REF=../shared/reference
DATA=../shared/data
mkdir -p "$W"
[ -d "$W/synth20/images" ] || "$PY" $REF/synth_plate.py "$W/synth20" --images 20 --size 1024 --seed 1 >/dev/null
rm -rf "$W/pred"
FLAGS=(--scratch-path .build -c release -Xswiftc -enable-testing)
swift build "${FLAGS[@]}" --build-tests >/dev/null
CELLAR_SEG_EVAL=1 CELLAR_SEG_SYNTH="$W/synth20" CELLAR_SEG_OUT="$W/pred" \
    swift test "${FLAGS[@]}" --skip-build --filter AccuracyEvaluation 2>&1 | grep -A1 '^=='
for s in synthetic dsb_u2os_dev ctc_hela stardist_dsb_crop ctc_gowt1; do
    gt=$DATA/$s/labels; [ $s = synthetic ] && gt=$W/synth20/labels
    echo "## score.py $s"
    "$PY" $REF/score.py "$gt" "$W/pred/$s" | grep -E 'IoU>|mAP'
done
CELLAR_SEG_BENCH="$W/synth20" swift test "${FLAGS[@]}" --skip-build --filter SegmentationSpeed 2>&1 | grep 'ms/field'
