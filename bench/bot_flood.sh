#!/usr/bin/env bash
# Issue 11 item 9 figure: p99 reply latency of 50 ordinary people while one account sends 5,000
# "/help", against the fake Bot API enforcing Telegram's limits; then one account sending 100
# "/help" a second all along; then no flood at all, the baseline; then the 5,000 "/help" again
# without the flood guard and the per-chat reply cap (--no-guard: the figure before the fix).
# Usage: bench/bot_flood.sh [build-dir] [seconds]
set -euo pipefail
build="${1:-build}"
seconds="${2:-60}"
bin="$build/bench/vpnhub_bot_flood_bench"
[[ -x "$bin" ]] || { echo "build first: cmake --build $build --target vpnhub_bot_flood_bench" >&2; exit 2; }
"$bin" --seconds "$seconds" --flood 5000
"$bin" --seconds "$seconds" --flood 0 --flood-per-sec 100
"$bin" --seconds "$seconds" --flood 0
"$bin" --seconds "$seconds" --flood 5000 --no-guard
