#!/usr/bin/env bash
# The README's test command: install what a fresh machine lacks, run the whole suite, print one closing tally.
# Extra arguments go to dotnet test (e.g. --filter ..., -c Release). Exit status: dotnet test's, or 1 when the
# whitespace check failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash infra/install-deps.sh || exit 1
# Whitespace as .editorconfig states it, checked beside the tests (folder mode reads files only, no MSBuild, so it
# cannot race the build), reported, and failing the run after the tests have run.
dotnet format whitespace --folder . --verify-no-changes >/dev/null 2>&1 &
format_pid=$!
log=$(mktemp)
# Three test assemblies at a time (MSBuild's default is one per core): much of their time is spent waiting on
# processes they start (workers, mpirun ranks, PostgreSQL, Chromium), not on the CPU.
dotnet test T2I.sln -maxcpucount:3 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
format_status=0
wait "$format_pid" || {
  format_status=1
  echo "format: whitespace differs from .editorconfig; run: dotnet format whitespace T2I.sln"
}
# One closing tally over all test assemblies (dotnet test prints one summary line per assembly).
awk '/(Passed|Failed)! +- +Failed:/ { gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
[ "$status" -eq 0 ] && status=$format_status
exit "$status"
