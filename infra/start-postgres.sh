#!/usr/bin/env bash
# Starts a private, throw-away PostgreSQL cluster for tests and local runs: initdb in a temp dir, trust auth,
# listening on 127.0.0.1 only, on a free port. Prints two lines:
#   PGDATA=<dir>
#   CONNECTION=Host=127.0.0.1;Port=<port>;Username=t2i;Database=postgres
# Stop and delete it with: bash infra/postgres/stop.sh <dir>
# As root, the server runs as the unprivileged 'postgres' user (PostgreSQL refuses to run as root).
set -euo pipefail
bin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
[ -x "$bin/initdb" ] || { echo "start-postgres: PostgreSQL binaries not found (run infra/install-deps.sh)" >&2; exit 1; }

dir="$(mktemp -d "${TMPDIR:-/tmp}/t2i-pg-XXXXXX")"
as_owner() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "start-postgres: running as root needs the 'postgres' user" >&2; exit 1; }
  chown postgres: "$dir"
  chmod 700 "$dir"
  as_owner() { runuser -u postgres -- "$@"; }
fi

as_owner "$bin/initdb" -D "$dir/data" -U t2i --auth=trust --encoding=UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for attempt in 1 2 3 4 5; do
  port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
  port_free "$port" || continue
  if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
       -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" start >/dev/null; then
    echo "PGDATA=$dir/data"
    echo "CONNECTION=Host=127.0.0.1;Port=$port;Username=t2i;Database=postgres"
    exit 0
  fi
done
cat "$dir/server.log" >&2
exit 1
