#!/bin/sh
# Issue 17 figure: reconciliation of 10,000 keys on one server (see bench/reconcile_bench.cpp for
# the data's shape and why the server side is in-process). Seeds a SQLite file once, then runs
# the reconciliation in fresh processes: pages of 500 keys (the job's default) and, for
# comparison, the whole server in one page.
#   bench/reconcile.sh [BUILD_DIR] [KEYS]
set -eu
build=${1:-build}
keys=${2:-10000}
db=$(mktemp -d)/reconcile.db
"$build/bench/vpnhub_reconcile_bench" --db "$db" --seed --keys "$keys" --history $((keys * 2))
for page in 500 "$keys"; do
  "$build/bench/vpnhub_reconcile_bench" --db "$db" --run --keys "$keys" --page "$page"
done
rm -rf "$(dirname "$db")"
