#!/usr/bin/env bash
# make demo: a simulated microscope writes a 96-well plate (2 sites per well,
# 1024² 16-bit fields) into a temporary folder while `cellar watch` ingests it
# live; then the demo prints cells per well as a plate grid, stops the daemon and
# prints the `cellar serve` command that shows the plate in a browser (the folder is kept).
set -euo pipefail
CELLAR=${1:-.build/release/cellar}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cellar-demo.XXXXXX")
ACQ="$WORK/acquisition"
DB="$WORK/screen.db"
mkdir -p "$ACQ"
# The acquisition folder and database are kept for `cellar serve` (printed at the end).
cleanup() { [ -n "${WATCH_PID:-}" ] && kill "$WATCH_PID" 2>/dev/null; true; }
trap cleanup EXIT

echo "== cellar watch $ACQ --db $DB   (daemon, in the background)"
"$CELLAR" watch "$ACQ" --db "$DB" --settle 1 2>"$WORK/watch.log" &
WATCH_PID=$!
sleep 1

echo "== simulated microscope: plate P1, 96 wells × 2 sites at 30 fields/s;"
echo "   every other file is written slowly in place, the rest via temp file + rename"
"$CELLAR" synth "$ACQ" --plate P1 --wells 96 --sites 2 --rate 30 --write-mode mixed --no-truth >"$WORK/synth.log" &
SYNTH=$!

# Show the plate filling while the microscope writes.
while kill -0 "$SYNTH" 2>/dev/null; do
    sleep 2
    "$CELLAR" counts --db "$DB" --plate P1 --format tsv 2>/dev/null \
        | awk -F'\t' 'NR > 1 { f += $3; c += $5 } END { printf "   live: %d of 192 fields stored, %d cells\n", f, c }' || true
done
wait "$SYNTH"

# Let the daemon take the last files, then stop it the way an operator would.
for _ in $(seq 1 30); do
    done_fields=$("$CELLAR" counts --db "$DB" --plate P1 --format tsv 2>/dev/null | awk -F'\t' 'NR > 1 { f += $3 } END { print f + 0 }')
    [ "$done_fields" -ge 192 ] && break
    sleep 1
done
echo "== SIGTERM to the daemon (graceful stop)"
kill -TERM "$WATCH_PID"
wait "$WATCH_PID" && echo "   daemon exited cleanly" || echo "   daemon exit status $?"
WATCH_PID=

echo
echo "== cellar counts --db screen.db --plate P1 --grid   (cells per well)"
"$CELLAR" counts --db "$DB" --plate P1 --grid
echo
"$CELLAR" status --db "$DB" | sed -n '1,8p'
echo
echo "== look at it in a browser (the images are in $ACQ; remove $WORK when done):"
echo "   $CELLAR serve --db $DB"
echo "   then open http://127.0.0.1:8080/#/plate/P1"
