#!/usr/bin/env bash
# The demo: a simulated microscope writes a synthetic plate into a folder.
set -euo pipefail
CELLAR=${1:-.build/release/cellar}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cellar-demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "== simulated microscope writes plate P1 (4 wells × 2 sites, 1024², with truth) into $WORK/acquisition"
"$CELLAR" synth "$WORK/acquisition" --plate P1 --wells 4 --sites 2 --truth
echo "== files written:"
(cd "$WORK/acquisition" && find . -type f | sort | head -20)
