#!/usr/bin/env bash
# Data-parallel figures on this machine (prints them; not a test):
#   1. samples/s of one training job, 1 rank × 2 threads vs 2 ranks × 1 thread (same global batch, same steps);
#   2. all-reduce time and GB/s of the MPI backend beside Open MPI's own MPI_Allreduce from C, same sizes;
#   3. the communication share of a 2-rank step (the loop's own figure, logged at the end of the run).
# Workload: toy-regression widened to a 1024 → 256 linear layer (262k parameters, 1 MiB of gradients per step) at a
# global batch of 1024, so a step has real compute; --set values are ordinary preset overrides.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$here/.."
steps="${STEPS:-150}"
dotnet build "$root/src/Training/Training.csproj" -c Release -v q -nologo >/dev/null
training=(dotnet "$root/src/Training/bin/Release/net10.0/training.dll")
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
common=(--device cpu --set "steps=$steps" --set features=1024 --set outputs=256 --set eval_every=0 --set checkpoint_every=100000
        --set warmup_steps=0)

elapsed() { tail -1 "$1/metrics.jsonl" | sed -E 's/.*"elapsed_s":([0-9.]+).*/\1/'; }

"${training[@]}" launch toy-regression --run-dir "$work/one" "${common[@]}" --set batch_size=1024 --set threads=2 >/dev/null 2>&1
"${training[@]}" launch toy-regression --nproc 2 --run-dir "$work/two" "${common[@]}" --set batch_size=512 --set threads=1 \
  >/dev/null 2>"$work/two.err"
one=$(elapsed "$work/one"); two=$(elapsed "$work/two")
echo "samples/s, global batch 1024, $steps steps (load average $(cut -d' ' -f1 /proc/loadavg)):"
awk -v s="$steps" -v a="$one" -v b="$two" 'BEGIN { printf "  1 rank  x 2 threads: %8.0f samples/s (%.2f s)\n  2 ranks x 1 thread:  %8.0f samples/s (%.2f s)\n", s*1024/a, a, s*1024/b, b }'
echo "communication share (2 ranks):"; grep -h "data parallel:" "$work/two.err" | sed 's/^/  /'

echo "all-reduce, MPI backend (training collective-bench --nproc 2):"
"${training[@]}" collective-bench --nproc 2 | sed 's/^/  /'
if command -v mpicc >/dev/null; then
  mpicc -O2 -o "$work/allreduce-bench" "$here/mpi/allreduce-bench.c"
  root_flag=(); [ "$(id -u)" -eq 0 ] && root_flag=(--allow-run-as-root)
  echo "all-reduce, Open MPI's MPI_Allreduce from C (infra/mpi/allreduce-bench.c):"
  mpirun "${root_flag[@]}" --oversubscribe --bind-to none -np 2 "$work/allreduce-bench" 0.5 | sed 's/^/  /'
fi
