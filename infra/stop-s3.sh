#!/usr/bin/env bash
# Stops an s3rver started by infra/start-s3.sh. Usage: infra/stop-s3.sh PID_FILE
# Sends TERM to the recorded PID, waits up to 5 s, then KILL; removes the pid file. The data dir is kept.
set -euo pipefail
pid_file="${1:?usage: infra/stop-s3.sh PID_FILE}"
[ -f "$pid_file" ] || { echo "stop-s3: no pid file $pid_file (already stopped?)" >&2; exit 0; }
pid="$(cat "$pid_file")"
[[ "$pid" =~ ^[0-9]+$ ]] || { echo "stop-s3: '$pid_file' does not hold a PID" >&2; exit 1; }
if kill "$pid" 2>/dev/null; then
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$pid_file"
echo "stop-s3: stopped $pid"
