#!/usr/bin/env bash
# Issue 13 figure: payment received -> key delivered (p50/p99, target p99 <= 300 ms) on the real
# `vpnhub serve`, a real ss-manager and the fake Bot API, 20 successful_payment updates/s for 60 s
# (bench/payments.py says what is measured and left out). Runs twice: with the sender's Telegram
# pacing as shipped, and with it lifted (VPNHub's own part). Usage: bench/payments.sh [build-dir]
# PAYMENTS_BENCH_ARGS adds arguments (e.g. "--seconds 10"); PAYMENTS_BENCH_PACING=telegram (or
# off) runs one.
# Issue 14 figure: PAYMENTS_BENCH_VIA=cryptobot delivers each payment as a signed CryptoBot webhook
# POSTed to /pay/cryptobot instead (webhook sent -> key delivered, same target).
set -euo pipefail
build="${1:-build}"
for bin in "$build/bin/vpnhub" "$build/bin/fake_telegram"; do
  [[ -x "$bin" ]] || { echo "build first: scripts/build.sh (missing $bin)" >&2; exit 2; }
done
command -v ss-manager >/dev/null || { echo "ss-manager (shadowsocks-libev) is missing" >&2; exit 2; }
read -r -a args <<< "${PAYMENTS_BENCH_ARGS:-}"
status=0
for pacing in ${PAYMENTS_BENCH_PACING:-telegram off}; do
  /usr/bin/python3 "$(dirname "$0")/payments.py" "$build/bin/vpnhub" "$build/bin/fake_telegram" \
    --pacing "$pacing" --via "${PAYMENTS_BENCH_VIA:-stars}" "${args[@]}" || status=1
done
exit $status
