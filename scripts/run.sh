#!/usr/bin/env bash
# Command 1 of the README: set up, build and start the service on embedded defaults
# (SQLite in ./data/vpnhub.db, embedded task queue, HTTP on 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --no-test-deps
scripts/build.sh -DVPNHUB_BUILD_TESTS=OFF -DVPNHUB_BUILD_BENCH=OFF
exec build/bin/vpnhub serve "$@"
