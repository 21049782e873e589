#!/usr/bin/env bash
# Reliability scenarios too heavy for `make test` (run by `make test-reliability` and .ci/run):
#   1. crash safety: SIGKILL `cellar ingest` of a 200-field plate at 10 random moments,
#      restart each time, then compare with a clean run (fields, cells per field, no
#      orphans/duplicates, integrity_check);
#   2. full disk: the database on a 20 MB tmpfs (root only) - the ingest pauses with a clear
#      error, retries, and completes with nothing lost once space is freed;
#   3. concurrent readers: 4 processes poll the database while `cellar watch` ingests a plate
#      that `cellar synth --rate` writes: no errors, counts never decrease, no field ever
#      seen with fewer cells than its final count.
# Usage: scripts/test-reliability.sh [CELLAR_BINARY]   (default: build and use .build/release/cellar)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${CELLAR_PYTHON:-python3}
CHECK="$PY $ROOT/scripts/reliability_check.py"
if [ $# -ge 1 ]; then
    CELLAR=$(realpath "$1")
else
    swift build -c release --product cellar ${SWIFT_BUILD_FLAGS:-} >&2
    CELLAR=$ROOT/.build/release/cellar
fi
FIELDS_WELLS=100 FIELDS_SITES=2      # 200 fields
KILLS=${KILLS:-10}
WORK=$(mktemp -d /tmp/cellar-reliability.XXXXXX)
MOUNTED=""
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
    [ -n "$MOUNTED" ] && umount "$MOUNTED" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
FAIL=0
fail() { echo "FAIL: $*" >&2; FAIL=1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
T0=$(now)

echo "== synthetic plate: $((FIELDS_WELLS * FIELDS_SITES)) fields"
"$CELLAR" synth "$WORK/acq" --plate P1 --wells $FIELDS_WELLS --sites $FIELDS_SITES --no-truth >/dev/null

echo "== clean run"
t=$(now)
"$CELLAR" ingest "$WORK/acq" --db "$WORK/clean.db" --log-level error >/dev/null
CLEAN_SECONDS=$(secs "$t")
echo "  $CLEAN_SECONDS s; $($CHECK snapshot "$WORK/clean.db")"

echo "== crash safety: SIGKILL at $KILLS random moments"
t=$(now)
kills=0 attempts=0
# Runs with at least one commit (the run row is written with a run's first commit).
runcount() { $PY -c "import sqlite3,sys
try: print(sqlite3.connect('file:$1?mode=ro', uri=True).execute('SELECT count(*) FROM run').fetchone()[0])
except Exception: print(0)"; }
while [ $kills -lt "$KILLS" ] && [ $attempts -lt $((KILLS * 3)) ]; do
    attempts=$((attempts + 1))
    before=$(runcount "$WORK/crash.db")
    "$CELLAR" ingest "$WORK/acq" --db "$WORK/crash.db" --log-level critical >/dev/null 2>&1 &
    pid=$!; PIDS+=("$pid")
    if [ $kills -lt 2 ]; then
        # Early moments: opening/creating the database, scanning, the first batch.
        phase="start"
        delay=$($PY -c "import random; print(round(random.uniform(0.02, 1.0), 3))")
    else
        # Mid-ingest: wait for this run's first commit, then a random moment within 0.2 s
        # (batches keep committing; a kill lands inside or between transactions).
        phase="ingest"
        # Touch a random quarter of the files so every restart has work, including replacing
        # fields already stored (same pixels, so the final database must still match).
        find "$WORK/acq" -name '*.TIF' | shuf -n 50 | xargs touch
        for _ in $(seq 1 400); do
            [ "$(runcount "$WORK/crash.db")" -gt "$before" ] && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.02
        done
        delay=$($PY -c "import random; print(round(random.uniform(0.0, 0.2), 3))")
    fi
    sleep "$delay"
    if kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null; then
        kills=$((kills + 1))
        wait "$pid" 2>/dev/null || true
        echo "  kill $kills ($phase +${delay}s): $($CHECK snapshot "$WORK/crash.db" 2>&1 | $PY -c "import json,sys; s=json.load(sys.stdin); print(f\"{s['fields']} fields, {s['cells']} cells, problems {sum(s['problems'].values())}\")")"
    else
        wait "$pid" 2>/dev/null || true
        echo "  run finished before the kill ($phase +${delay}s)"
    fi
done
# Restart without a kill: it must finish the plate.
status=0
"$CELLAR" ingest "$WORK/acq" --db "$WORK/crash.db" --log-level error >/dev/null || status=$?
[ $status -eq 0 ] || fail "final ingest after the kills exited $status"
if $CHECK compare "$WORK/clean.db" "$WORK/crash.db"; then
    echo "  crash safety: $kills kills survived, 0 cells lost ($(secs "$t") s)"
else
    fail "database after $kills kills differs from the clean run"
fi
[ $kills -ge "$KILLS" ] || fail "only $kills kills landed in $attempts attempts"

echo "== full disk"
if [ "$(id -u)" != 0 ]; then
    echo "  SKIPPED: not root (needs mount -t tmpfs)"
elif ! mkdir -p "$WORK/small" || ! mount -t tmpfs -o size=20m tmpfs "$WORK/small" 2>/dev/null; then
    echo "  SKIPPED: cannot mount a tmpfs here (not permitted in this container?)"
else
    MOUNTED="$WORK/small"
    t=$(now)
    CELLAR_WRITE_RETRY_SECONDS=1 "$CELLAR" ingest "$WORK/acq" --db "$WORK/small/screen.db" --log-level warning \
        >"$WORK/full.out" 2>"$WORK/full.err" &
    pid=$!; PIDS+=("$pid")
    paused=""
    for _ in $(seq 1 600); do
        if grep -q "disk full" "$WORK/full.err" 2>/dev/null; then paused=yes; break; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$paused" ]; then
        fail "no disk-full pause (the database fit in 20 MB, or the ingest stopped): $(tail -n 3 "$WORK/full.err")"
    else
        line=$(grep -m1 "disk full" "$WORK/full.err")
        echo "  logged: ${line:0:260}"
        case "$line" in *"$WORK/small/screen.db"*"on $WORK/small"*) ;; *) fail "the disk-full error does not name the database and the mount";; esac
        sleep 3  # it must keep waiting, not exit or drop fields
        kill -0 "$pid" 2>/dev/null || fail "the ingest exited on a full disk instead of pausing"
        retries=$(grep -c "still cannot write" "$WORK/full.err" || true)
        echo "  paused, $retries retries so far; freeing space (tmpfs 20 MB -> 300 MB)"
        mount -o remount,size=300m "$WORK/small"
    fi
    status=0
    wait "$pid" || status=$?
    [ $status -eq 0 ] || fail "ingest on the full disk exited $status: $(tail -n 3 "$WORK/full.err")"
    if $CHECK compare "$WORK/clean.db" "$WORK/small/screen.db"; then
        echo "  full disk: paused, resumed, nothing lost ($(secs "$t") s)"
    else
        fail "database written across a full disk differs from the clean run"
    fi
fi

echo "== concurrent readers during cellar watch"
t=$(now)
mkdir -p "$WORK/live"
WATCH_DB="$WORK/live.db"
"$CELLAR" watch "$WORK/live" --db "$WATCH_DB" --settle 0.5 --log-level error >"$WORK/watch.out" 2>"$WORK/watch.err" &
wpid=$!; PIDS+=("$wpid")
for _ in $(seq 1 300); do
    [ -s "$WATCH_DB" ] && $PY -c "import sqlite3,sys; sqlite3.connect('file:$WATCH_DB?mode=ro', uri=True).execute('SELECT 1 FROM field_info')" 2>/dev/null && break
    sleep 0.1
done
COUNTS_ARG=""
"$CELLAR" --help 2>/dev/null | grep -qE "^ +counts( |$)" && COUNTS_ARG="$CELLAR"
READERS=()
for i in 1 2 3 4; do
    $CHECK reader "$WATCH_DB" "$WORK/reader$i.json" "$WORK/stop" $COUNTS_ARG &
    READERS+=("$!"); PIDS+=("$!")
done
LIVE_FIELDS=96
"$CELLAR" synth "$WORK/live" --plate L1 --wells 48 --sites 2 --no-truth --rate 12 --write-mode mixed >/dev/null
done_fields=0
for _ in $(seq 1 1200); do
    done_fields=$($PY -c "import sqlite3; print(sqlite3.connect('file:$WATCH_DB?mode=ro', uri=True).execute('SELECT count(*) FROM field').fetchone()[0])")
    [ "$done_fields" -ge $LIVE_FIELDS ] && break
    sleep 0.1
done
[ "$done_fields" -ge $LIVE_FIELDS ] || fail "watch stored $done_fields of $LIVE_FIELDS fields"
touch "$WORK/stop"
for p in "${READERS[@]}"; do wait "$p" || fail "a reader process failed"; done
kill -TERM "$wpid"; wait "$wpid" || true
echo "  watch stored $done_fields fields; readers$([ -n "$COUNTS_ARG" ] && echo " (SQL + cellar counts)" || echo " (SQL)")"
$CHECK readers-verdict "$WATCH_DB" "$WORK"/reader*.json || fail "a reader saw an error, a decrease or a partial field"
echo "  $(secs "$t") s; $($CHECK snapshot "$WATCH_DB")"

echo "== total $(secs "$T0") s"
[ $FAIL -eq 0 ] && echo "test-reliability: PASS" || { echo "test-reliability: FAIL"; exit 1; }
