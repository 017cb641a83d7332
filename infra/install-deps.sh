#!/usr/bin/env bash
# Installs what a fresh Debian 12 + .NET 10 SDK machine lacks for building and testing T2I.
# Idempotent: packages already present are skipped. Needs root (or sudo) for apt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
command -v g++ >/dev/null          || need+=(g++)              # builds the TorchSharp libstdc++ compat shim
command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null     || need+=(chromium)         # end-to-end tests drive it via Playwright
command -v node >/dev/null         || need+=(nodejs npm)       # s3rver, the loopback S3 endpoint
command -v vipsthumbnail >/dev/null || need+=(libvips-tools)   # reference resizer for the DataPrep benchmark
command -v mpirun >/dev/null     || need+=(openmpi-bin)      # data-parallel ranks: mpirun and Open MPI
ls /usr/lib/*/libmpi.so.40 >/dev/null 2>&1 || need+=(libopenmpi-dev) # libmpi.so.40, bound by T2I.Core.Distributed
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core) # plots and image captions
if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${need[*]}"
  # Wait for the dpkg lock instead of failing when another apt run (e.g. a parallel test script) holds it.
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  apt_install() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "$@" >/dev/null; }
  # One retry after finishing any interrupted configuration (a concurrent dpkg run can leave one behind).
  apt_install "${need[@]}" || { $SUDO dpkg --configure -a; apt_install "${need[@]}"; }
fi
# npm packages pinned by their lock files: s3rver (loopback S3) and the emoji image sets `dataprep emoji` reads.
for dir in s3 emoji; do
  if [ -f "$here/$dir/package.json" ] && [ ! -d "$here/$dir/node_modules" ]; then
    (cd "$here/$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
echo "install-deps: ok"
