#!/usr/bin/env bash
# make test-browser: the viewer in headless Chromium, driven by Selenium.
# 1. a synthetic 96-well plate (cellar synth + cellar ingest), served by `cellar serve`:
#    plate map colours, a well's thumbnails, a field with outlines toggled, a cell's area;
# 2. `cellar watch` on an empty folder while `cellar synth --rate` writes: the plate page
#    fills in without a reload.
# Screenshots go to $ARTEFACTS (default out/browser/).
set -euo pipefail
CELLAR=$(realpath "${1:-.build/release/cellar}")
PYTHON=${2:-.venv-browser/bin/python}
ARTEFACTS=${ARTEFACTS:-out/browser}
mkdir -p "$ARTEFACTS"
ARTEFACTS=$(realpath "$ARTEFACTS")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cellar-browser.XXXXXX")
cleanup() {
    for pid in ${PIDS:-}; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "== synthetic 96-well plate (256² fields, 2 sites) → cellar ingest"
"$CELLAR" synth "$WORK/acq" --plate P1 --wells 96 --sites 2 --size 256 --no-truth >/dev/null
"$CELLAR" ingest "$WORK/acq" --db "$WORK/screen.db" >"$WORK/ingest.log" 2>&1
# One source file moved away after ingest: its field must say so and still show its masks.
mv "$WORK/acq/P1/P1_H12_s2_w1.TIF" "$WORK/moved.TIF" 2>/dev/null || mv "$(ls "$WORK"/acq/P1/*H12_s2* | head -1)" "$WORK/moved.TIF"

echo "== cellar serve"
"$CELLAR" serve --db "$WORK/screen.db" --port 0 >"$WORK/serve.log" 2>&1 &
PIDS="$!"
for _ in $(seq 1 100); do grep -q '^cellar serve: http' "$WORK/serve.log" && break; sleep 0.1; done
URL=$(sed -n 's/^cellar serve: //p' "$WORK/serve.log" | head -1)
[ -n "$URL" ] || { cat "$WORK/serve.log"; echo "cellar serve did not start" >&2; exit 1; }
echo "   $URL"

"$PYTHON" scripts/browser_test.py --cellar "$CELLAR" --url "$URL" --db "$WORK/screen.db" --work "$WORK" --out "$ARTEFACTS"
echo "== screenshots in $ARTEFACTS"
