#!/usr/bin/env bash
# Figures on a throwaway PostgreSQL 15 (initdb into a temporary folder, loopback port, fsync on
# as in production): the expiry sweep at 100k and 1M keys (production-like: one owner per key,
# notices on, retained done tasks and sent messages; then the bare shape), what the statistics
# and the queue-depth gauge cost there, and task claim-and-complete throughput from one worker
# process and from three at once. Usage: bench/pg.sh [build-dir]
# PG_BENCH_ONLY=sweep (or stats, claim) runs one part.
# PG_SYNCHRONOUS_COMMIT=off runs the server without waiting for the WAL flush at commit, to
# separate VPNHub's cost from the disk's fsync latency.
set -euo pipefail
build="${1:-build}"
bench="$build/bench/vpnhub_pg_bench"
[[ -x "$bench" ]] || { echo "build first: scripts/build.sh (missing $bench)" >&2; exit 2; }
pgbin=/usr/lib/postgresql/15/bin
dir=$(mktemp -d /tmp/vpnhub-pgbench-XXXXXX)
as=()
if [[ $(id -u) == 0 ]]; then chown postgres "$dir"; as=(runuser -u postgres --); fi
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { "${as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
"${as[@]}" "$pgbin/initdb" -D "$dir/data" -U vpnhub --auth=trust -E UTF8 --locale=C >/dev/null
"${as[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c synchronous_commit=${PG_SYNCHRONOUS_COMMIT:-on}" start >/dev/null
"${as[@]}" "$pgbin/psql" -h 127.0.0.1 -p "$port" -U vpnhub -d postgres -qc "CREATE DATABASE vpnhub"
url="postgresql://vpnhub@127.0.0.1:$port/vpnhub"

only="${PG_BENCH_ONLY:-}"
[[ -z "$only" || "$only" == sweep ]] && "$bench" sweep "$url" --rounds 7
[[ -z "$only" || "$only" == stats ]] && "$bench" stats "$url" --rounds 21
[[ -z "$only" || "$only" == claim ]] || exit 0

"$bench" seed-tasks "$url" 200000
rate() { awk '{for (i = 1; i < NF; i++) if ($i == "=") print $(i + 1)}' "$@"; }
one=$("$bench" claim "$url" --seconds 10 | tee /dev/stderr | rate)
"$bench" seed-tasks "$url" 300000
pids=()
for i in 1 2 3; do "$bench" claim "$url" --seconds 10 > "$dir/claim.$i" & pids+=($!); done
wait "${pids[@]}"
cat "$dir"/claim.*
three=$(rate "$dir"/claim.* | awk '{s += $1} END {print s}')
echo "claim+complete: 1 process $one tasks/s, 3 processes $three tasks/s together, ratio $(echo "scale=2; $three / $one" | bc)"
