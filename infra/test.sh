#!/usr/bin/env bash
# The README's test command: install what a fresh machine lacks, run the whole suite, print one closing tally.
# Extra arguments go to dotnet test (e.g. --filter ...); -c/--configuration goes to the build too. Exit status: 0 when
# every test assembly passed and the whitespace check held, else 1.
set -uo pipefail
cd "$(dirname "$0")/.."
bash infra/install-deps.sh || exit 1
build_args=(); test_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -c|--configuration) build_args+=("$1" "$2"); test_args+=("$1" "$2"); shift 2 ;;
    *) test_args+=("$1"); shift ;;
  esac
done
# Whitespace as .editorconfig states it, checked beside the tests (folder mode reads files only, no MSBuild, so it
# cannot race the build), reported, and failing the run after the tests have run.
dotnet format whitespace --folder . --verify-no-changes >/dev/null 2>&1 &
format_pid=$!
logs=$(mktemp -d)
dotnet build T2I.sln "${build_args[@]}" 2>&1 | tee "$logs/build"
if [ "${PIPESTATUS[0]}" -ne 0 ]; then echo "build failed"; rm -rf "$logs"; exit 1; fi
# Three lanes of test assemblies balanced by their measured times (three at a time on two cores: EndToEnd ~9 min,
# Web ~7, Training ~6.5, Core ~1.5, DataPrep ~1): much of their time is spent waiting on processes they start (workers,
# mpirun ranks, PostgreSQL, Chromium), and a fixed order keeps the long ones from queueing behind short ones.
lane() {
  for project in "$@"; do
    dotnet test "tests/$project" --no-build "${test_args[@]}" > "$logs/$project" 2>&1 || touch "$logs/$project.failed"
    cat "$logs/$project"
  done
}
lane T2I.Web.Tests T2I.Core.Tests & lane1=$!
lane Training.Tests DataPrep.Tests Architecture.Tests & lane2=$!
lane EndToEnd.Tests & lane3=$!
wait "$lane1" "$lane2" "$lane3"
status=0
if ls "$logs"/*.failed >/dev/null 2>&1; then
  status=1
  echo "failed: $(cd "$logs" && ls *.failed | sed 's/\.failed$//' | tr '\n' ' ')"
fi
format_status=0
wait "$format_pid" || {
  format_status=1
  echo "format: whitespace differs from .editorconfig; run: dotnet format whitespace T2I.sln"
}
# One closing tally over all test assemblies (dotnet test prints one summary line per assembly).
awk '/(Passed|Failed)! +- +Failed:/ { gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$logs"/*Tests
rm -rf "$logs"
[ "$status" -eq 0 ] && status=$format_status
exit "$status"
