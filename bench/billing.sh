#!/usr/bin/env bash
# Issue 13 figure: crediting throughput (confirmations per second with 8 concurrent confirmers,
# half of them replays of an already credited payment) on a SQLite file and on a throwaway
# PostgreSQL 15 (fsync and synchronous_commit on, as in production), each seeded with 5,000
# people's keys, paid orders, payments and sent messages. See bench/billing_bench.cpp for what is
# measured and what is left out. Usage: bench/billing.sh [build-dir]
# BILLING_BENCH_ONLY=sqlite (or postgres) runs one; BILLING_BENCH_ARGS overrides
# "--users 5000 --payments 2000 --confirmers 8".
set -euo pipefail
build="${1:-build}"
bench="$build/bench/vpnhub_billing_bench"
[[ -x "$bench" ]] || { echo "build first: scripts/build.sh (missing $bench)" >&2; exit 2; }
read -r -a args <<< "${BILLING_BENCH_ARGS:---users 5000 --payments 2000 --confirmers 8}"
only="${BILLING_BENCH_ONLY:-}"
if [[ -z "$only" || "$only" == sqlite ]]; then
  tmp=$(mktemp -d /tmp/vpnhub-billingbench-XXXXXX)
  "$bench" "sqlite://$tmp/vpnhub.db" "${args[@]}" || { rm -rf "$tmp"; exit 1; }
  rm -rf "$tmp"
fi
[[ -z "$only" || "$only" == postgres ]] || exit 0
source "$(dirname "$0")/pg_server.sh"
"$bench" "$url" "${args[@]}"
# Each of these made a confirmation run its transaction again (PostgresStore retries them).
echo "  serialization conflicts (retried): $(grep -c 'could not serialize' "$dir/server.log" || true)"
