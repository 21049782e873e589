#!/usr/bin/env bash
# Reproduce Models/cellar-unet.safetensors: synthetic fields from `cellar synth`, then
# train/train_unet.py on one CPU thread, then the Swift test fixture.
# Usage: train/train.sh [CELLAR] [PYTHON]   (from the package root; `make train-unet`)
set -euo pipefail
CELLAR=${1:-.build/release/cellar}
PY=${2:-.venv-train/bin/python}
SYN=${UNET_SYNTH_DIR:-/tmp/cellar-unet-synth}
STEPS=${UNET_STEPS:-14000}
rm -rf "$SYN"
# 48 synthetic 256² fields (plate T, seed 7: disjoint from `make accuracy`'s plate S, seed 1).
"$CELLAR" synth "$SYN" --plate T --wells 48 --sites 1 --size 256 --seed 7 >/dev/null
nice -n 19 "$PY" train/train_unet.py --synthetic "$SYN/T" --steps "$STEPS" --reduce --validate-every 1000 \
  --out Models/cellar-unet.safetensors --log Models/cellar-unet.log.jsonl
"$PY" train/make_fixture.py /tmp/cellar-unet.pt Tests/CellarUNetTests/Fixtures
