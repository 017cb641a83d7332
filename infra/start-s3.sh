#!/usr/bin/env bash
# Starts s3rver (a real S3 HTTP endpoint, npm package pinned in infra/s3) on 127.0.0.1 for tests and
# local runs. Credentials: access key S3RVER, secret key S3RVER; use path-style addressing.
#
# Usage: infra/start-s3.sh [--port N] [--dir DIR] [--pid-file FILE] [--bucket NAME]... [--watch-pid PID]
#   --port       port to listen on (default: a free one)
#   --dir        working dir for data/, s3rver.log and the pid file (default: a new temp dir)
#   --pid-file   where to write s3rver's PID (default: DIR/s3rver.pid)
#   --bucket     create this bucket at startup (repeatable)
#   --watch-pid  stop s3rver when this process exits (tests pass their own PID so no server outlives them)
# Output (stdout, KEY=VALUE lines; the last one is the endpoint):
#   S3_DIR=...  S3_PID_FILE=...  S3_PID=...  S3_ENDPOINT=http://127.0.0.1:PORT
# Stop with: infra/stop-s3.sh PID_FILE
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
s3dir="$here/s3"

port="" dir="" pid_file="" watch_pid="" buckets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --pid-file) pid_file="$2"; shift 2 ;;
    --bucket) buckets+=("$2"); shift 2 ;;
    --watch-pid) watch_pid="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "start-s3: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

fail() { echo "start-s3: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node is not installed (run infra/install-deps.sh, or apt-get install nodejs npm)"

if [ ! -x "$s3dir/node_modules/.bin/s3rver" ]; then
  command -v npm >/dev/null || fail "npm is not installed (run infra/install-deps.sh)"
  # Test projects start this script in parallel on a fresh clone: one installs, the others wait for it
  # (two concurrent `npm ci` in one folder fail with ENOTEMPTY).
  exec 9>"$s3dir/.install.lock"
  flock 9
  if [ ! -x "$s3dir/node_modules/.bin/s3rver" ]; then
    echo "start-s3: installing s3rver into infra/s3/node_modules" >&2
    (cd "$s3dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || fail "npm ci in infra/s3 failed"
  fi
  flock -u 9
  exec 9>&-
fi

[ -n "$dir" ] || dir="$(mktemp -d "${TMPDIR:-/tmp}/t2i-s3.XXXXXX")"
mkdir -p "$dir/data"
dir="$(cd "$dir" && pwd)"
[ -n "$pid_file" ] || pid_file="$dir/s3rver.pid"
log="$dir/s3rver.log"

if [ -z "$port" ]; then
  # Ask the kernel for a free loopback port; the window until s3rver binds it is tiny.
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
fi

args=(-d "$dir/data" -a 127.0.0.1 -p "$port" --no-vhost-buckets)
for b in "${buckets[@]}"; do args+=(--configure-bucket "$b"); done

# s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17) only has in its
# legacy provider: without it every second listing page is a 500 "internal error".
# Detach stdio: whoever runs this script (a test) reads our stdout to EOF and must not wait on the server.
node --openssl-legacy-provider "$s3dir/node_modules/s3rver/bin/s3rver.js" "${args[@]}" </dev/null >"$log" 2>&1 &
pid=$!
echo "$pid" > "$pid_file"

if [ -n "$watch_pid" ]; then
  ( while kill -0 "$watch_pid" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
    kill "$pid" 2>/dev/null || true ) </dev/null >/dev/null 2>&1 &
fi

endpoint="http://127.0.0.1:$port"
for _ in $(seq 1 150); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start-s3: s3rver exited during startup; log ($log):" >&2
    tail -n 20 "$log" >&2 || true
    exit 1
  fi
  # Any HTTP answer (s3rver replies 403 to an unsigned GET) means it is serving.
  if node -e 'require("http").get(process.argv[1],r=>process.exit(0)).on("error",()=>process.exit(1))' "$endpoint/" 2>/dev/null; then
    echo "S3_DIR=$dir"
    echo "S3_PID_FILE=$pid_file"
    echo "S3_PID=$pid"
    echo "S3_ENDPOINT=$endpoint"
    exit 0
  fi
  sleep 0.1
done
kill "$pid" 2>/dev/null || true
echo "start-s3: s3rver did not answer on $endpoint within 15 s; log ($log):" >&2
tail -n 20 "$log" >&2 || true
exit 1
