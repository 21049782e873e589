#!/usr/bin/env bash
# make accuracy: Cellar's segmentation next to the scikit-image reference on the
# same images — every dev set of ../shared/data and 20 synthetic fields (seed 1).
# Same default parameters everywhere; only --diameter 60 for GOWT1's large nuclei.
set -euo pipefail
CELLAR=${1:-.build/release/cellar}
PY=${PYTHON:-.venv/bin/python}
DATA=../shared/data
REF=../shared/reference
OUT=${ACCURACY_DIR:-/tmp/cellar-accuracy}
for d in "$DATA" "$REF"; do
    [ -d "$d" ] || { echo "make accuracy: $d not found: it scores the project's full dev sets and reference scripts, which a clone does not have (make test uses Tests/Corpus)" >&2; exit 1; }
done
rm -rf "$OUT"; mkdir -p "$OUT"

"$CELLAR" synth "$OUT/synthetic" --plate S --wells 10 --sites 2 --seed 1 >/dev/null

# name | images | truth | cellar flags
SETS=(
  "synthetic 20 fields|$OUT/synthetic/S|$OUT/synthetic/S_groundtruth|"
  "dsb_u2os_dev|$DATA/dsb_u2os_dev/images|$DATA/dsb_u2os_dev/labels|"
  "ctc_hela|$DATA/ctc_hela/images|$DATA/ctc_hela/labels|"
  "stardist_dsb_crop|$DATA/stardist_dsb_crop/images|$DATA/stardist_dsb_crop/labels|"
  "ctc_gowt1 (--diameter 60)|$DATA/ctc_gowt1/images|$DATA/ctc_gowt1/labels|--diameter 60"
)
scores() {  # F1@0.5 F1@0.7 mAP count-error% from `cellar evaluate --format tsv`
  "$CELLAR" evaluate --truth "$1" --predicted "$2" --format tsv |
    awk -F'\t' 'NR == 2 { printf "%.3f  %.3f  %.3f  %+6.1f%%", $6, $7, $8, 100 * $9 / $2 }'
}
printf '%-28s  %-30s  %-30s  %-30s\n' "set" "cellar F1@.5 F1@.7 mAP count" "unet F1@.5 F1@.7 mAP count" "reference F1@.5 F1@.7 mAP count"
for entry in "${SETS[@]}"; do
  IFS='|' read -r name images truth flags <<<"$entry"
  key=${name%% *}
  # shellcheck disable=SC2086
  "$CELLAR" segment "$images" --labels-out "$OUT/$key-cellar" $flags >/dev/null
  # shellcheck disable=SC2086
  "$CELLAR" segment "$images" --method unet --labels-out "$OUT/$key-unet" $flags >/dev/null
  "$PY" "$REF/reference_pipeline.py" "$images" --labels-out "$OUT/$key-reference" --out "$OUT/$key-reference.csv" >/dev/null 2>&1
  printf '%-28s  %-30s  %-30s  %-30s\n' "$name" "$(scores "$truth" "$OUT/$key-cellar")" "$(scores "$truth" "$OUT/$key-unet")" "$(scores "$truth" "$OUT/$key-reference")"
done
echo "(unet: cellar segment --method unet, Models/cellar-unet.safetensors; see Models/cellar-unet.md)"
echo "(reference: ../shared/reference/reference_pipeline.py at its defaults; count = (predicted − truth) / truth)"
