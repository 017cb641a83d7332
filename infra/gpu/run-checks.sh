#!/usr/bin/env bash
# The GPU check: run on a machine with an NVIDIA GPU and PyTorch 2.10 (a pip torch with CUDA), from the unpacked
# bundle (infra/gpu/build-bundle.sh). It loads that torch's libtorch into our TorchSharp build (T2I_LIBTORCH) and
# prints: the device, bf16 GEMM TFLOP/s (ours and PyTorch's on the same library), SDPA, a short t2i-tiny training
# run, training-step MFU (t2i-tiny and the 2B DiT at micro-batch 1-8 with activation checkpointing: step time,
# peak memory), 50-step sampling at 256 and 512 px, and the same seed's image on CPU vs GPU.
#   DEVICE=cpu QUICK=1 bash run-checks.sh    # the same script on a CPU, tiny sizes (what CI runs)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
BIN="${BIN:-$here/bin}"
DATAPREP_BIN="${DATAPREP_BIN:-$BIN}"   # the bundle has both CLIs in one folder; a build tree has two
DEVICE="${DEVICE:-cuda}"
QUICK="${QUICK:-0}"
PYTHON="${PYTHON:-python3}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
run() {
  local dir="$BIN"; [ "$1" = dataprep ] && dir="$DATAPREP_BIN"
  if [ -f "$dir/$1.runtimeconfig.json" ] && [ -x "$dir/$1" ]; then "$dir/$1" "${@:2}"; else dotnet "$dir/$1.dll" "${@:2}"; fi
}
step() { echo; echo "== $*"; }
failed=0
check() { "$@" || { echo "FAILED ($?): $*"; failed=$((failed + 1)); }; }

if [ -z "${T2I_LIBTORCH:-}" ]; then
  T2I_LIBTORCH="$("$PYTHON" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')" \
    || { echo "run-checks: no PyTorch for $PYTHON; set T2I_LIBTORCH to a libtorch 2.10 folder" >&2; exit 2; }
fi
export T2I_LIBTORCH
has_torch() { "$PYTHON" -c 'import torch' 2>/dev/null; }
step "machine"
has_torch || echo "(PyTorch not importable by $PYTHON: its own figures are skipped)"
has_torch && "$PYTHON" - <<'PY'
import torch
print("torch", torch.__version__, "| CUDA", torch.version.cuda, "| cuDNN", torch.backends.cudnn.version())
if torch.cuda.is_available():
    print("device:", torch.cuda.get_device_name(0), "|", round(torch.cuda.get_device_properties(0).total_memory / 2**30), "GiB")
PY
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

step "backend: matmul, conv, backward, SDPA, a tiny DiT step, a sampled image; same seed on CPU"
check run training backend-check --device "$DEVICE" --compare-cpu

step "bf16 GEMM: PyTorch on the same libtorch (reference)"
has_torch && "$PYTHON" - "$DEVICE" "$QUICK" <<'PY'
import sys, time, torch
dev, quick = sys.argv[1], sys.argv[2] == "1"
if dev.startswith("cuda") and not torch.cuda.is_available(): sys.exit(0)
n = 512 if quick else 8192
a, b = (torch.randn(n, n, device=dev, dtype=torch.bfloat16) for _ in range(2))
for _ in range(3): a @ b
best = 1e9
for _ in range(10):
    if dev.startswith("cuda"): torch.cuda.synchronize()
    t = time.perf_counter(); a @ b
    if dev.startswith("cuda"): torch.cuda.synchronize()
    best = min(best, time.perf_counter() - t)
print(f"PyTorch bf16 GEMM {n}^3: {2 * n**3 / best / 1e12:.1f} TFLOP/s")
PY

step "data: synthetic shards -> 256-px buckets"
# Training streams whole batches of one bucket; 384 images give the quick runs' batch of 32 a full square bucket.
count=$([ "$QUICK" = 1 ] && echo 384 || echo 2048)
check run dataprep synth --output "$work/raw" --count "$count" --shards 2 --seed 1 --defect-share 0 >/dev/null
check run dataprep ingest --input "$work/raw" --output "$work/buckets" --resolution 256 | tail -1
data=(--set latents=dct --set "data=$work/buckets" --set eval_every=0)

step "t2i-tiny trains a few steps on $DEVICE"
check run training launch t2i-tiny --run-dir "$work/tiny" --steps "$([ "$QUICK" = 1 ] && echo 3 || echo 50)" \
  "${data[@]}" --device "$DEVICE" | tail -3

# Peak GPU memory of a command: nvidia-smi sampled every 100 ms (TorchSharp exposes no allocator statistics).
peak() {
  if [ "$DEVICE" = cpu ] || ! command -v nvidia-smi >/dev/null; then "$@"; return; fi
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > "$work/mem" & local sampler=$!
  "$@"; local rc=$?
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
  echo "peak GPU memory: $(sort -n "$work/mem" | tail -1) MiB"
  return $rc
}
step "training-step MFU vs the same run's bf16 GEMM"
gemm=$([ "$QUICK" = 1 ] && echo 256 || echo 8192)
bench=(--steps "$([ "$QUICK" = 1 ] && echo 1 || echo 10)" --warmup 1 --gemm-size "$gemm" --gemm-dtype bf16 --device "$DEVICE")
for b in 1 8; do
  [ "$QUICK" = 1 ] && [ "$b" = 8 ] && continue
  check peak run training bench t2i-tiny "${bench[@]}" "${data[@]}" --set batch_size=$((b * 32)) --set precision=bf16
done
if [ "$QUICK" = 1 ]; then sizes="1"; dit=mini; else sizes="1 2 4 8"; dit=2b; fi
for b in $sizes; do
  # The 2B DiT with the built-in text encoder (T5-XXL/CLIP-L weights are the user's): the DiT's own FLOPs are what count.
  check peak run training bench t2i-256 "${bench[@]}" "${data[@]}" --set batch_size="$b" --set gradient_checkpointing=true \
    --set dit_size="$dit" --set text_encoder=builtin
done

step "sampling: 50 DDIM steps with CFG (random-weight DiT; seconds per image)"
steps=$([ "$QUICK" = 1 ] && echo 2 || echo 50)
for size in 256x256 512x512; do
  check run training bench-sampling --dit "$dit" --size "$size" --steps "$steps" --device "$DEVICE"
done

echo
[ "$failed" = 0 ] && echo "run-checks: all checks ran" || echo "run-checks: $failed check(s) failed"
exit $((failed > 0))
