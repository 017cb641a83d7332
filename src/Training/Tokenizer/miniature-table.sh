#!/usr/bin/env bash
# The paper's claims in miniature (issue 4): trains the tiny chain tok-tiny-pretrain → s1 → s2 / s2-nosp → s3 on
# synthetic shards, then evaluates every stage on a held-out synthetic set with `training eval` and prints the table.
#
#   src/Training/Tokenizer/miniature-table.sh OUT [--set key=value ...]
#
# Extra --set arguments go to every stage (e.g. `--set train_resolution=64`). The presets train on one torch thread;
# run it under `nice -n 10` on a shared machine. EVAL_THREADS: torch threads of the final eval (default 1).
# Step counts: STEPS_PRETRAIN, STEPS_S1, STEPS_S2, STEPS_S3 (defaults: the presets'). TRAINING=path of the
# `training` executable (default: the Debug build). Data, made once with dataprep in the demo vocabulary (3 shapes,
# 4 colours, 3 backgrounds, no defects — the README's table; VOCAB="" gives all 8 shapes, which the tiny ViT at
# 112-px input separates poorly): OUT/train-buckets (synth seed 7, the demo model's data) and OUT/heldout-buckets
# (synth seed 8, never trained on).
set -euo pipefail
OUT=${1:?usage: miniature-table.sh OUT [--set key=value ...]}; shift
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
TRAINING=${TRAINING:-$ROOT/src/Training/bin/Debug/net10.0/training}
DATAPREP=${DATAPREP:-$ROOT/src/DataPrep/bin/Debug/net10.0/dataprep}
TRAIN_COUNT=${TRAIN_COUNT:-6000}; HELDOUT_COUNT=${HELDOUT_COUNT:-800}
VOCAB=${VOCAB---defect-share 0 --shapes circle,square,triangle --colors red,green,blue,yellow --backgrounds white,gray,blue}
mkdir -p "$OUT"

data() { # name seed count
  [ -f "$OUT/$1-buckets/manifest.json" ] && return
  # shellcheck disable=SC2086 # VOCAB is a list of options
  "$DATAPREP" synth --output "$OUT/$1-raw" --count "$3" --shards 8 --seed "$2" $VOCAB
  "$DATAPREP" ingest --input "$OUT/$1-raw" --output "$OUT/$1-buckets" --resolution 256
}
data train 7 "$TRAIN_COUNT"
data heldout 8 "$HELDOUT_COUNT"

stage() { # preset init steps [--set ...]
  local preset=$1 from=$2 n=$3; shift 3
  local steps=()
  [ -n "$n" ] && steps=(--steps "$n")
  local init=()
  [ -n "$from" ] && init=(--set "init_from=$OUT/$from")
  "$TRAINING" launch "$preset" --run-dir "$OUT/$preset" "${steps[@]}" --set "data=$OUT/train-buckets" "${init[@]}" "$@"
}
EXTRA=("$@")
stage tok-tiny-pretrain "" "${STEPS_PRETRAIN:-}" "${EXTRA[@]}"
stage tok-tiny-s1 tok-tiny-pretrain "${STEPS_S1:-}" "${EXTRA[@]}"
stage tok-tiny-s2 tok-tiny-s1 "${STEPS_S2:-}" "${EXTRA[@]}"
stage tok-tiny-s2-nosp tok-tiny-s1 "${STEPS_S2:-}" "${EXTRA[@]}"
stage tok-tiny-s3 tok-tiny-s2 "${STEPS_S3:-}" "${EXTRA[@]}"

# Every row on the same held-out images at the resolution the chain trained at.
# (no train_resolution override: grep finds nothing, which under pipefail would end the script before the table)
RES=$(grep -o 'train_resolution=[0-9]*' <<<"${EXTRA[*]:-}" | tail -1 | cut -d= -f2 || true)
# The encoder-pretraining row gives the encoder's own linear-probe accuracy (the reference the later rows keep or lose).
"$TRAINING" eval --data "$OUT/heldout-buckets" --out "$OUT/table" ${RES:+--resolution $RES} --threads "${EVAL_THREADS:-1}" \
  --run "$OUT/tok-tiny-pretrain" --run "$OUT/tok-tiny-s1" --run "$OUT/tok-tiny-s2" --run "$OUT/tok-tiny-s2-nosp" --run "$OUT/tok-tiny-s3"
