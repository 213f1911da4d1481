#!/usr/bin/env bash
# Issue 14 figure: verified payment webhooks per second on one `vpnhub serve`, as a ratio to
# GET /healthz measured in the same run (bench/webhooks.py does the work).
#
#   bench/webhooks.sh [VPNHUB_BINARY]     (default build/bin/vpnhub)
#
# The hub: `vpnhub serve` with every role (no TG_TOKEN, so no bot), SQLite on a file in a
# temporary folder, LOG_LEVEL=warn, CryptoBot (CRYPTO_BOT_API) and Cryptomus (CRYPTOMUS_KEY,
# CRYPTOMUS_UUID) offered through PAYMENT_WEBHOOK_BASE_URL, their API URLs pointed at a closed
# port (the webhook path never calls them). The database holds production-shaped data: 50 000
# people with 3 sent messages each, 10 000 paid CryptoBot and 10 000 paid Cryptomus orders with
# their credited payments (retained history), and open Stars orders of every tenth other person.
#
# What one request does: wrk (64 connections, 2 threads, keep-alive) cycles through a pool of
# 5 000 distinct pre-signed bodies per case, each naming a different paid order, so each is a
# valid replay of a real notice:
#   cryptobot        POST /pay/cryptobot, an `invoice_paid` Update (~0.9 KB, compact JSON) with
#                    crypto-pay-api-signature = hex HMAC-SHA256(SHA256(token), raw body)
#   cryptomus        POST /pay/cryptomus, a `paid` payment webhook (~0.6 KB, PHP-encoded, UTF-8
#                    text, escaped slashes) with `sign` = md5(base64(PHP json without sign) + key)
# Each goes: the HTTP server, the 64 KB check, the hand-off to the payment route's worker pool,
# the signature check (CryptoBot over the raw bytes; Cryptomus parses the body, re-encodes it as
# PHP would and hashes that), the JSON reading of the notice, the order lookup (a read
# transaction), ConfirmPayment's write transaction finding the (provider, payment id) already
# recorded, and the answer 200 "already credited" with the outcome counted in
# vpnhub_payment_webhooks_total{outcome="replay"}.
#   *_forged         the same bodies signed with another token/key: the signature check fails
#                    and the answer is 401 "bad signature" (the runbook's "flood of forged
#                    webhooks"); refused notices are logged at most once a second per provider.
# The first answers of every pool are checked before timing; in the timed runs a valid case
# reports any answer that is not 2xx, a forged one any answer that is not an error.
#
# Left out: TLS (a reverse proxy terminates it in production), a first-time credit (its write
# transaction also inserts the payment, the key and the provisioning task; bench/billing.sh
# measures crediting, and the latency figure below runs the whole path), the log lines of
# credited notices (LOG_LEVEL=warn), PostgreSQL, the provider's network and retries.
#
# Rounds are interleaved (the order of the five cases rotates each round) because one run on a
# shared 2-core machine can be off by 25 %; the medians, the ratios to /healthz and the server CPU
# time per request (utime+stime of the vpnhub process / requests) are printed.
#
# Environment: ROUNDS (3), DURATION (10s), CONNECTIONS (64), WRK_THREADS (2), WEBHOOKS_BENCH_ARGS
# (more arguments of bench/webhooks.py, e.g. "--people 200000 --paid 50000").
set -euo pipefail
BIN=${1:-build/bin/vpnhub}
[[ -x $BIN ]] || { echo "webhooks: no executable at '$BIN' (build first)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "webhooks: wrk is not installed" >&2; exit 2; }
read -r -a extra <<< "${WEBHOOKS_BENCH_ARGS:-}"
exec /usr/bin/python3 "$(dirname "$0")/webhooks.py" "$BIN" --rounds "${ROUNDS:-3}" \
  --duration "${DURATION:-10s}" --connections "${CONNECTIONS:-64}" \
  --threads "${WRK_THREADS:-2}" "${extra[@]}"
