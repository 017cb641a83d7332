#!/usr/bin/env bash
# The README's test command: install what a fresh machine lacks, run the whole suite, print one closing tally.
# Extra arguments go to dotnet test (e.g. --filter ..., -c Release). Exit status: dotnet test's.
set -uo pipefail
cd "$(dirname "$0")/.."
bash infra/install-deps.sh || exit 1
log=$(mktemp)
dotnet test T2I.sln "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# One closing tally over all test assemblies (dotnet test prints one summary line per assembly).
awk '/(Passed|Failed)! +- +Failed:/ { gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
