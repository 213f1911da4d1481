#!/usr/bin/env bash
# Issue 3 figures: updates handled per second from a burst of /start (with the p99 time from
# update received to reply queued), and the sustained send rate against a fake Bot API that
# enforces Telegram's limits (60 s). Usage: bench/bot.sh [build-dir]
set -euo pipefail
build="${1:-build}"
bin="$build/bench/vpnhub_bot_bench"
[[ -x "$bin" ]] || { echo "build first: scripts/build.sh (missing $bin)" >&2; exit 2; }
"$bin" updates --count 10000
"$bin" send --seconds 60
