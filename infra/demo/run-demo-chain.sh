#!/usr/bin/env bash
# The demo chain stage by stage with the CLIs (what `training demo` runs in-process), for machines where the
# command is not built yet or to run one stage by hand. Every stage resumes its own run folder; rerun to continue.
# Usage: infra/demo/run-demo-chain.sh OUT_DIR   (env: TRAINING=…/training DATAPREP=…/dataprep, *_STEPS, COUNT)
set -euo pipefail
out=${1:?output folder}
training=${TRAINING:-"dotnet run --project src/Training --"}
dataprep=${DATAPREP:-"dotnet run --project src/DataPrep --"}
count=${COUNT:-1200}
mkdir -p "$out"
if [ ! -f "$out/raw/.done" ]; then
  $dataprep synth --output "$out/raw" --count "$count" --shards 4 --seed 7 --defect-share 0.05 \
    --shapes circle,square,triangle --colors red,green,blue,yellow --backgrounds white,gray,blue
  touch "$out/raw/.done"
fi
$dataprep ingest --input "$out/raw" --output "$out/buckets" --resolution 256
prev=""
for stage in pretrain s1 s2 s3; do
  var="${stage^^}_STEPS"
  init=()
  [ -n "$prev" ] && init=(--set "init_from=$out/runs/tok-$prev")
  $training launch "tok-tiny-$stage" --run-dir "$out/runs/tok-$stage" --steps "${!var:-100}" \
    --set "data=$out/buckets" --set eval_batches=${EVAL_BATCHES:-6} "${init[@]}"
  prev=$stage
done
$training launch t2i-tiny --run-dir "$out/runs/dit" --steps "${DIT_STEPS:-600}" \
  --set "data=$out/buckets" --set "latents=$out/runs/tok-s3"
