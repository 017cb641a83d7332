#!/usr/bin/env bash
# Starts one built T2I.Web process in a role (web | worker | all) on a free loopback port, for tests, the
# scale-out benchmark and local multi-process runs. Configuration comes from the environment as usual
# (ConnectionStrings__Hangfire, T2I__Images, T2I_S3_*, ...) plus extra `--Key=Value` arguments after `--`.
#
# Usage: infra/start-t2i.sh --role ROLE [--dll PATH] [--dir DIR] [--watch-pid PID] [--timeout S] [-- APP ARGS...]
#   --role       web, worker or all (sets T2I:Role)
#   --dll        the built app (default: src/T2I.Web/bin/Debug/net10.0/T2I.Web.dll; build it first)
#   --dir        where app.log and app.pid go (default: a new temp dir)
#   --watch-pid  stop the app when this process exits (tests pass their own PID)
#   --timeout    seconds to wait for /readyz (default 120)
# Output (stdout, KEY=VALUE): T2I_DIR=... T2I_LOG=... T2I_PID=... T2I_URL=http://127.0.0.1:PORT
# Waits until /readyz answers 200 (a worker: model loaded, PostgreSQL and the image store reachable).
# Stop with: kill PID (graceful: running jobs are handed back to the queue), or kill -9 PID (a crash).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
role="" dll="$here/../src/T2I.Web/bin/Debug/net10.0/T2I.Web.dll" dir="" watch_pid="" timeout=120
while [ $# -gt 0 ]; do
  case "$1" in
    --role) role="$2"; shift 2 ;;
    --dll) dll="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --watch-pid) watch_pid="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "start-t2i: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
fail() { echo "start-t2i: $*" >&2; exit 1; }
case "$role" in web|worker|all) ;; *) fail "--role must be web, worker or all (got '$role')" ;; esac
[ -f "$dll" ] || fail "$dll not found: build it first (dotnet build src/T2I.Web)"
command -v curl >/dev/null || fail "curl is not installed"

[ -n "$dir" ] || dir="$(mktemp -d "${TMPDIR:-/tmp}/t2i-$role.XXXXXX")"
mkdir -p "$dir"
log="$dir/app.log"
# Port 0: Kestrel binds a free port and logs it — no window in which another process can take it.
# Lifetime messages stay on so the address reaches the log; stdio is detached so callers reading our stdout to EOF do not wait on the app.
dotnet "$dll" --urls http://127.0.0.1:0 --T2I:Role="$role" --Logging:LogLevel:Microsoft.Hosting.Lifetime=Information "$@" </dev/null >"$log" 2>&1 &
pid=$!
echo "$pid" > "$dir/app.pid"

if [ -n "$watch_pid" ]; then
  ( while kill -0 "$watch_pid" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
    kill "$pid" 2>/dev/null || true ) </dev/null >/dev/null 2>&1 &
fi

url=""
deadline=$((SECONDS + timeout))
while [ $SECONDS -lt $deadline ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start-t2i: the $role process exited during startup; log ($log):" >&2
    tail -n 30 "$log" >&2 || true
    exit 1
  fi
  [ -n "$url" ] || url="$(grep -o 'Now listening on: http://127.0.0.1:[0-9]*' "$log" | head -1 | sed 's/Now listening on: //' || true)"
  if [ -n "$url" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz" || true)" = 200 ]; then
    echo "T2I_DIR=$dir"
    echo "T2I_LOG=$log"
    echo "T2I_PID=$pid"
    echo "T2I_URL=$url"
    exit 0
  fi
  sleep 0.2
done
echo "start-t2i: the $role process was not ready within ${timeout} s; /readyz says: $(curl -s "$url/readyz" || true); log ($log):" >&2
tail -n 30 "$log" >&2 || true
kill "$pid" 2>/dev/null || true
exit 1
