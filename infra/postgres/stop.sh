#!/usr/bin/env bash
# Stops a cluster started by infra/start-postgres.sh and deletes its temp dir. Usage: stop.sh <PGDATA>
set -euo pipefail
data="$1"
bin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
else "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true; fi
case "$data" in */t2i-pg-*/data) rm -rf "$(dirname "$data")" ;; esac
