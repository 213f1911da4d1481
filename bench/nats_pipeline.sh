#!/usr/bin/env bash
# NATS task pipeline figures: throughput and commit -> handler latency of relay -> JetStream ->
# worker against the embedded queue, both on a SQLite file in /tmp, in one run. The bench starts
# and stops its own nats-server (apt: nats-server).
# Usage: bench/nats_pipeline.sh [build-dir] [bench options...]   (build-dir default: build-bench)
#        bench/nats_pipeline.sh --help
# Builds nats_pipeline_bench (Release) into build-dir, then runs it; options after build-dir go
# to the bench (defaults: --keys 20000 --rates 500,1000,2000 --seconds 5; `bench/nats_pipeline.sh
# build-bench --help` lists them all). A full run takes about two minutes on 2 CPUs.
set -euo pipefail
usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
}
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then
  usage
  exit 0
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="build-bench"
if [[ $# -gt 0 && "$1" != -* ]]; then
  build="$1"
  shift
fi
command -v nats-server >/dev/null || [[ -x /usr/sbin/nats-server ]] || {
  echo "nats-server is missing (apt-get install nats-server)" >&2
  exit 2
}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target nats_pipeline_bench -j"$(nproc)"
exec "$build/bench/nats_pipeline_bench" "$@"
