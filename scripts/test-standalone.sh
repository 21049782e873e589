#!/usr/bin/env bash
# make test-standalone: what a lab that clones Cellar gets. A `git clone` of this checkout's
# HEAD in an empty temporary folder (no ../shared beside it) must pass `make test`: the tests
# read the committed corpus (Tests/Corpus), and the cross-checks that need ../shared/reference
# say in one line each that they were skipped. CI is unset in the copy, since under CI those
# cross-checks must run (the main `make test` runs them). The copy builds anew in debug
# (~5 min on 2 cores); it reuses this checkout's Python venv (VENV=...) to spare the downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=$(mktemp -d /tmp/cellar-standalone.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
t0=$(date +%s)
git clone -q "$ROOT" "$WORK/cellar"
# The venv is up to date for these requirements: keep the fresh clone's file from looking newer.
touch -r "$ROOT/scripts/requirements-test.txt" "$WORK/cellar/scripts/requirements-test.txt"
[ ! -e "$WORK/shared" ] || { echo "test-standalone: $WORK/shared exists" >&2; exit 1; }
make --no-print-directory -C "$ROOT" venv >/dev/null
cd "$WORK/cellar"
echo "== make test in $WORK/cellar ($(git log -1 --format=%h), no ../shared beside it)"
status=0
env -u CI make --no-print-directory test VENV="$ROOT/.venv" >"$WORK/test.log" 2>&1 || status=$?
grep -E "^skipped: " "$WORK/test.log" || true
grep -E "Test run with|Executed [0-9]+ tests" "$WORK/test.log" | tail -n 2
if [ $status -ne 0 ]; then
    grep -E "✘|error:" "$WORK/test.log" | head -n 40 >&2
    echo "test-standalone: FAIL: make test exited $status in a clone without ../shared" >&2
    exit 1
fi
echo "test-standalone: make test passes in a clone without ../shared ($(( $(date +%s) - t0 )) s)"
