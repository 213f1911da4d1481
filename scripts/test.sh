#!/usr/bin/env bash
# Command 2 of the README: set up, build and run every test (unit, storage contract,
# integration against a real ss-manager, end-to-end against the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh -DVPNHUB_BUILD_TESTS=ON -DVPNHUB_WERROR=ON
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 300
