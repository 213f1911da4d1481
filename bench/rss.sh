#!/usr/bin/env bash
# Figure: peak RSS (VmHWM) and current RSS of `vpnhub serve` (SQLite, all roles, bot off)
#   - idle on an empty database;
#   - idle on 1,000,000 keys (one owner each);
#   - after purging 1,000,000 done tasks and 1,000,000 sent messages that settled 40 days ago
#     (RETENTION_DAYS=30, the default): measured once the purge counters reach both millions.
#     The rows are seeded, not settled by this process: sending a million messages through the
#     rate-limited sender would take over nine hours.
# Usage: bench/rss.sh [build-dir]   (default build/)
set -euo pipefail
build=${1:-build}
bin=$build/bin/vpnhub
seed=$build/bench/vpnhub_bench_seed
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

metric() {  # $1 port, $2 series: its value on /metrics (0 when absent)
  curl -fs "http://127.0.0.1:$1/metrics" | awk -v s="$2" '$1 == s {print $2; found=1} END {if (!found) print 0}'
}

measure() {  # $1 label, $2 db path, $3 (optional) shell condition on $port to wait for
  local port
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  DATABASE_URL="sqlite://$2" HTTP_LISTEN="127.0.0.1:$port" LOG_LEVEL=warn \
    "$bin" serve >"$tmp/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  local started=$SECONDS
  if [ -n "${3:-}" ]; then
    until eval "$3"; do
      sleep 1
      if (( SECONDS - started > 900 )); then echo "timed out waiting for: $3" >&2; exit 1; fi
    done
    echo "$1: condition met after $((SECONDS - started)) s" >&2
  fi
  # Idle for a while: sweeps, probes and the statistics refresh all run at least once.
  sleep "${IDLE_SECONDS:-20}"
  curl -fs "http://127.0.0.1:$port/metrics" >/dev/null
  local hwm rss
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  printf '%-52s peak RSS %6.1f MB   current RSS %6.1f MB\n' "$1" "$(echo "$hwm/1024" | bc -l)" \
    "$(echo "$rss/1024" | bc -l)"
}

measure "empty database" "$tmp/empty.db"
"$seed" "$tmp/million.db" 1000000 0
measure "1,000,000 keys" "$tmp/million.db"
rm -f "$tmp"/million.db*
"$seed" "$tmp/purge.db" 1000000 0 1 40
size_before=$(du -m "$tmp/purge.db" | cut -f1)
purged='[ "$(metric $port '"'"'vpnhub_retention_purged_rows_total{table="tasks"}'"'"')" = 1000000 ] &&
        [ "$(metric $port '"'"'vpnhub_retention_purged_rows_total{table="outgoing_messages"}'"'"')" = 1000000 ]'
measure "1,000,000 tasks + 1,000,000 messages purged" "$tmp/purge.db" "$purged"
echo "database file: ${size_before} MB before the purge, $(du -m "$tmp/purge.db" | cut -f1) MB after" \
  "(freed pages are reused, not returned: VACUUM shrinks the file)"
