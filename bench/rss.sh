#!/usr/bin/env bash
# Figure: peak RSS (VmHWM) of `vpnhub serve` idle on an empty database and on 1,000,000 keys.
# Usage: bench/rss.sh [build-dir]   (default build/)
set -euo pipefail
build=${1:-build}
bin=$build/bin/vpnhub
seed=$build/bench/vpnhub_bench_seed
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

measure() {  # $1 label, $2 db path
  local port
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  DATABASE_URL="sqlite://$2" HTTP_LISTEN="127.0.0.1:$port" LOG_LEVEL=warn \
    "$bin" serve >"$tmp/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  # Idle for a while: sweeps, probes and the statistics refresh all run at least once.
  sleep "${IDLE_SECONDS:-20}"
  curl -fs "http://127.0.0.1:$port/metrics" >/dev/null
  local hwm rss
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  printf '%-22s peak RSS %6.1f MB   current RSS %6.1f MB\n' "$1" "$(echo "$hwm/1024" | bc -l)" \
    "$(echo "$rss/1024" | bc -l)"
}

measure "empty database" "$tmp/empty.db"
"$seed" "$tmp/million.db" 1000000 0
measure "1,000,000 keys" "$tmp/million.db"
