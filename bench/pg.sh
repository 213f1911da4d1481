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
source "$(dirname "$0")/pg_server.sh"

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
