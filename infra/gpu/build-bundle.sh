#!/usr/bin/env bash
# Builds the GPU check bundle from a clean clone: a self-contained linux-x64 `training` (+ `dataprep`) that ships no
# libtorch (-p:T2IBackend=external: it loads the GPU machine's pip torch 2.10 through T2I_LIBTORCH) and needs no .NET
# there, with run-checks.sh, packed as one tar.xz small enough to carry (limit 60 MB).
#   bash infra/gpu/build-bundle.sh [OUT_DIR]      # → OUT_DIR/t2i-gpu-bundle.tar.xz (default artifacts/gpu-bundle)
# On the GPU machine: tar -xJf t2i-gpu-bundle.tar.xz -C bundle && bash bundle/run-checks.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mkdir -p "${1:-$root/artifacts/gpu-bundle}" && cd "${1:-$root/artifacts/gpu-bundle}" && pwd)"
limit_mb=60
stage="$(mktemp -d)"; trap 'rm -rf "$stage"' EXIT
# InvariantGlobalization: the GPU machine need not have libicu; English resources only.
for project in Training DataPrep; do
  dotnet publish "$root/src/$project" -c Release -r linux-x64 --self-contained -p:T2IBackend=external \
    -p:InvariantGlobalization=true -p:SatelliteResourceLanguages=en -nodeReuse:false -v q -nologo -o "$stage/bin"
done
if find "$stage/bin" -name 'libtorch*.so' | grep -q .; then echo "build-bundle: libtorch in the bundle" >&2; exit 1; fi
cp "$root/infra/gpu/run-checks.sh" "$stage/"
git -C "$root" rev-parse HEAD > "$stage/COMMIT" 2>/dev/null || true
tar -cJf "$out/t2i-gpu-bundle.tar.xz" -C "$stage" .
size=$(stat -c %s "$out/t2i-gpu-bundle.tar.xz")
echo "build-bundle: $out/t2i-gpu-bundle.tar.xz, $((size / 1024 / 1024)) MB ($(du -sm "$stage" | cut -f1) MB unpacked)"
[ "$size" -le $((limit_mb * 1024 * 1024)) ] || { echo "build-bundle: over the ${limit_mb} MB carry limit" >&2; exit 1; }
