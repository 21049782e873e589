#!/usr/bin/env bash
# Timings of `cellar serve` on a database, as a user's browser would ask (curl on loopback):
# the plate page's data, heatmaps of features (first request: no cache), a field image with
# outlines (first request, then cached), and a wrk load test with 50 connections.
#   scripts/serve-timings.sh CELLAR DB PLATE WELL SITE [FEATURE…]
# e.g. scripts/serve-timings.sh .build/release/cellar big.db FAKE1 B03 1 Nuclei_AreaShape_Area
set -euo pipefail
CELLAR=$1 DB=$2 PLATE=$3 WELL=$4 SITE=$5
shift 5
FEATURES=("$@")
[ ${#FEATURES[@]} -gt 0 ] || FEATURES=(Nuclei_AreaShape_Area Nuclei_Intensity_MeanIntensity_DNA Nuclei_AreaShape_Eccentricity)
LOG=$(mktemp)
"$CELLAR" serve --db "$DB" --port 0 >"$LOG" 2>&1 &
SERVE=$!
trap 'kill $SERVE 2>/dev/null; wait $SERVE 2>/dev/null; rm -f "$LOG"' EXIT
for _ in $(seq 1 100); do grep -q '^cellar serve: http' "$LOG" && break; sleep 0.1; done
BASE=$(sed -n 's/^cellar serve: //p' "$LOG" | head -1); BASE=${BASE%/}
[ -n "$BASE" ] || { cat "$LOG"; exit 1; }
ms() { curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$BASE$1" | awk '{ if ($1 != 200) { print "HTTP " $1 > "/dev/stderr"; exit 1 } printf "%.0f", $2 * 1000 }'; }
q="plate=$PLATE"
echo "database: $DB ($(du -h "$DB" | cut -f1)), plate $PLATE"
echo "plate page data (/api/plate + /api/heatmap cells), 5 tries:"
for i in 1 2 3 4 5; do a=$(ms "/api/plate?$q"); b=$(ms "/api/heatmap?$q"); echo "   $((a + b)) ms (plate $a + heatmap $b)"; done
for f in "${FEATURES[@]}"; do
    echo "heatmap of median $f: first $(ms "/api/heatmap?$q&value=$f") ms, again $(ms "/api/heatmap?$q&value=$f") ms;" \
         "mean, first $(ms "/api/heatmap?$q&value=$f&stat=mean") ms"
done
field="$q&well=$WELL&site=$SITE"
echo "field image $PLATE/$WELL/$SITE with outlines: first $(ms "/api/image.png?$field") ms," \
     "other contrast (uncached) $(ms "/api/image.png?$field&lo=1&hi=99.5") ms, $(ms "/api/image.png?$field&lo=2&hi=99") ms," \
     "cached $(ms "/api/image.png?$field") ms; bytes $(curl -s "$BASE/api/image.png?$field" | wc -c)"
echo "thumbnail 256 px: $(ms "/api/image.png?$field&size=256") ms; cell at a pixel: $(ms "/api/cell?$field&object=1") ms"
if command -v wrk >/dev/null; then
    echo "wrk, 50 connections, 2 threads, 10 s, plate data (/api/heatmap cells):"
    wrk -t2 -c50 -d10s --latency "$BASE/api/heatmap?$q" | sed 's/^/   /'
    echo "wrk, 50 connections, 10 s, field image (cached PNG):"
    wrk -t2 -c50 -d10s --latency "$BASE/api/image.png?$field" | sed 's/^/   /'
fi
