#!/usr/bin/env bash
# make bench: Cellar next to the scikit-image reference on the same synthetic plate.
#   BENCH_FIELDS  fields on the benchmark plate (default 200: 100 wells × 2 sites)
#   BENCH_DIR     where plates and databases go (default /tmp/cellar-bench)
#   BENCH_SEED_WORKLOAD=0 skips the 900-field "seed workload" line
set -euo pipefail
CELLAR=${1:-.build/release/cellar}
PY=${PYTHON:-.venv/bin/python}
REF=../shared/reference
[ -d "$REF" ] || { echo "make bench: $REF not found: the scikit-image reference it compares with is the project's, not part of a clone" >&2; exit 1; }
DIR=${BENCH_DIR:-/tmp/cellar-bench}
FIELDS=${BENCH_FIELDS:-200}
WELLS=$(( FIELDS / 2 ))
mkdir -p "$DIR"
say() { printf '%s\n' "$*" >&2; }
rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }

# 1. The plate: fixed seed, truth labels beside it.
PLATE="$DIR/plate"
if [ ! -f "$PLATE/P1_manifest.json" ] || [ "$(ls "$PLATE/P1" | wc -l)" -ne "$FIELDS" ]; then
    rm -rf "$PLATE"
    say "== cellar synth: $FIELDS fields of 1024² (seed 1)"
    "$CELLAR" synth "$PLATE" --plate P1 --wells "$WELLS" --sites 2 --seed 1 >&2
fi
cat "$PLATE"/P1/* >/dev/null   # warm page cache for every contender

# 2. Cellar ingest end to end (read, segment, measure, encode, SQLite), 1 and 2 workers.
declare -A FPS CPS RSS BPC
for w in 1 2; do
    db="$DIR/bench-w$w.db"; rm -f "$db" "$db"-* "$db".lock
    out="$DIR/ingest-w$w.txt"
    /usr/bin/time -f 'peak_rss_kb %M' -o "$DIR/time-w$w.txt" \
        "$CELLAR" ingest "$PLATE/P1" --db "$db" --settle 0 --workers "$w" --profile >"$out" 2>"$DIR/ingest-w$w.err"
    FPS[$w]=$(awk '/^throughput/ { print $2 }' "$out")
    CPS[$w]=$(awk '/^throughput/ { print $4 }' "$out")
    RSS[$w]=$(awk '/peak_rss_kb/ { printf "%.0f", $2 / 1024 }' "$DIR/time-w$w.txt")
    cells=$(awk '/^ingested/ { print $4 }' "$out")
    bytes=$(du -cb "$db"* | awk 'END { print $1 }')
    BPC[$w]=$(awk -v b="$bytes" -v c="$cells" 'BEGIN { printf "%.0f", b / c }')
    say "cellar ingest, $w worker(s): $(grep '^throughput' "$out")"
    say "  $(grep '^stages' "$out")"
done

# 3. The reference on the same files, 1 and 2 processes.
if ! "$PY" -c 'import skimage, tifffile, scipy' 2>/dev/null; then
    say "== creating the reference's Python environment (.venv)"; make -s venv >&2
fi
declare -A RFPS
for t in 1 2; do
    out="$DIR/reference-t$t.txt"
    labels=()
    [ "$t" = 2 ] && labels=(--labels-out "$DIR/pred-reference")
    "$PY" "$REF/reference_pipeline.py" "$PLATE/P1" --threads "$t" --out "$DIR/reference-cells.csv" "${labels[@]}" >"$out" 2>&1
    RFPS[$t]=$(sed -n 's/.*processing wall [0-9.]* s -> \([0-9.]*\) images\/s.*/\1/p' "$out")
    say "reference, $t process(es): ${RFPS[$t]} fields/s (read + segment + measure, no database)"
done

# 4. Accuracy of both against the truth.
rm -rf "$DIR/pred-cellar"
"$CELLAR" segment "$PLATE/P1" --labels-out "$DIR/pred-cellar" >/dev/null
f1() { "$CELLAR" evaluate --truth "$PLATE/P1_groundtruth" --predicted "$1" --format tsv | awk -F'\t' 'NR == 2 { print $6 }'; }
F1C=$(f1 "$DIR/pred-cellar"); F1R=$(f1 "$DIR/pred-reference")

# 5. The seed's workload: 900 fields end to end.
SEED_LINE="seed workload skipped (BENCH_SEED_WORKLOAD=0)"
if [ "${BENCH_SEED_WORKLOAD:-1}" != 0 ]; then
    SEED="$DIR/seed900"
    [ "$(ls "$SEED/P1" 2>/dev/null | wc -l)" -eq 900 ] || { rm -rf "$SEED"; "$CELLAR" synth "$SEED" --plate P1 --wells 100 --sites 9 --seed 2 --no-truth >&2; }
    cat "$SEED"/P1/* >/dev/null
    db="$DIR/seed900.db"; rm -f "$db" "$db"-* "$db".lock
    start=$(date +%s.%N)
    "$CELLAR" ingest "$SEED/P1" --db "$db" --settle 0 --workers 2 >"$DIR/seed900.txt" 2>/dev/null
    end=$(date +%s.%N)
    SEED_LINE=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "seed workload: 900 fields of 1024² end to end (scan + segment + measure + SQLite) in %.1f s", e - s }')
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f×", a / b; else print "-" }'; }
echo
echo "Cellar vs reference — $FIELDS fields of 1024², ~250 nuclei each, $(nproc) cores ($(uname -m))"
printf '%-34s %12s %12s %8s\n' "" "cellar" "reference" "ratio"
printf '%-34s %12s %12s %8s\n' "fields/s, 1 worker / process" "${FPS[1]}" "${RFPS[1]}" "$(ratio "${FPS[1]}" "${RFPS[1]}")"
printf '%-34s %12s %12s %8s\n' "fields/s, 2 workers / processes" "${FPS[2]}" "${RFPS[2]}" "$(ratio "${FPS[2]}" "${RFPS[2]}")"
printf '%-34s %12s\n' "scaling 1 → 2 workers" "$(ratio "${FPS[2]}" "${FPS[1]}")"
printf '%-34s %12s\n' "cells/s, 2 workers" "${CPS[2]}"
printf '%-34s %12s\n' "peak RSS MB, 1 / 2 workers" "${RSS[1]} / ${RSS[2]}"
printf '%-34s %12s\n' "database bytes per cell" "${BPC[2]}"
printf '%-34s %12s %12s\n' "F1 @ IoU 0.5 vs truth" "$F1C" "$F1R"
echo "$SEED_LINE"
echo "(cellar: into SQLite with masks; reference: scikit-image without a database)"
