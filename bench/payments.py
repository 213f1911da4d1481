#!/usr/bin/env python3
"""Issue 13 figure: payment received -> key delivered, on the real `vpnhub serve` with a real
ss-manager (shadowsocks-libev) and the fake Bot API of the e2e tests (tests/servers), driven
through tests/e2e/harness.py. Run it through bench/payments.sh.

N people (rate x seconds) each have a created one-month Stars order, seeded into the database
with a retained history of other people (paid orders, credited payments, sent messages). Then
successful_payment updates are queued at the fake at a steady rate, one per person, and the
latency of each is the time from its queueing to the fake recording the sendPhoto of the key,
whose caption opens with the receipt (one message per payment; the receipt column counts the
first message carrying "Payment received", which is that photo) -- both on the fake's clock. The
path measured: the poller's getUpdates, the router, ConfirmPayment (payment, order, key,
provisioning task, admin notice in one transaction), the worker provisioning the key on
ss-manager, the key-ready message with the order's receipt, the sender's pacing and the
sendPhoto.

--pacing telegram (the default) keeps the sender's Telegram limits as shipped: 30 messages/s in
total, 1 s between two messages to one chat. --pacing off lifts them (TELEGRAM_RATE_PER_SEC=1000,
TELEGRAM_CHAT_INTERVAL_MS=0) to show VPNHub's own part.
--via cryptobot (issue 14) makes the orders CryptoBot orders in roubles and delivers each
payment as a signed Crypto Pay `invoice_paid` webhook POSTed to the hub's /pay/cryptobot (a pool
of client threads, so a slow answer does not hold the next one back); its latency runs from the
moment the POST is sent (read on the fake's clock: both are CLOCK_MONOTONIC, the offset is
measured before the run) to the key's sendPhoto. The path is then: the HTTP server, the route's
worker pool, the HMAC check, ReceiveNotice's order lookup, ConfirmPayment, and from there the
same worker, message and sender as for Stars. Left out there too: createInvoice (the orders are
seeded with their invoice), the Crypto Pay network and its retries, TLS in front of the hub.
Left out: pre_checkout_query (answered before the payment, not on this path), the /buy dialogue
that makes the orders (seeded instead), keys of the history people (each would be an ss-server
process), PostgreSQL (DATABASE_URL is a SQLite file), a second instance.
"""
import argparse
import concurrent.futures
import contextlib
import os
import sqlite3
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402
import webhook_bodies as wb  # noqa: E402

ADMIN = 999
FIRST_PERSON = 7_000_000
FIRST_HISTORY = 8_000_000
PRICE = 100  # MONTH_COST_STARS' (and MONTH_COST's) first tariff: 1 month
FIRST_INVOICE = 600_000_000  # CryptoBot invoice ids of the people's orders


def seed(db_path, people, history, location_id, via="stars"):
    """`people` created orders (one person each) and `history` people with 2 paid orders, their
    credited payments and 3 sent messages each. Returns {tg_id: order_id}."""
    now = int(time.time() * 1000)
    old = now - 60 * 86400 * 1000
    orders = {}
    with contextlib.closing(sqlite3.connect(db_path)) as db, db:
        for i in range(history):
            tg = FIRST_HISTORY + i
            uid = db.execute("INSERT INTO users (tg_id, username, trial_used, created_at) "
                             "VALUES (?, ?, 1, ?)", (tg, f"h{i}", old)).lastrowid
            for n in range(2):
                oid = db.execute(
                    "INSERT INTO orders (user_id, kind, location_id, months, provider, amount, "
                    "currency, state, created_at, expires_at, updated_at) VALUES "
                    "(?, 'new_key', ?, 1, 'stars', ?, 'XTR', 'fulfilled', ?, ?, ?)",
                    (uid, location_id, PRICE, old, old + 3600_000, old)).lastrowid
                db.execute("INSERT INTO payments (provider, provider_payment_id, order_id, "
                           "user_id, amount, currency, state, created_at, updated_at) VALUES "
                           "('stars', ?, ?, ?, ?, 'XTR', 'credited', ?, ?)",
                           (f"history-{i}-{n}", oid, uid, PRICE, old, old))
            for kind in ("text", "key_ready", "expiry_notice"):
                db.execute("INSERT INTO outgoing_messages (chat_id, kind, priority, subject_id, "
                           "text, state, attempts, next_attempt_at, created_at, updated_at) "
                           "VALUES (?, ?, 1, 0, '', 'sent', 1, ?, ?, ?)",
                           (tg, kind, old, old, old))
        currency = "XTR" if via == "stars" else "RUB"
        for i in range(people):
            tg = FIRST_PERSON + i
            uid = db.execute("INSERT INTO users (tg_id, username, created_at) VALUES (?, ?, ?)",
                             (tg, f"p{i}", now)).lastrowid
            # A CryptoBot order carries its invoice; no reconciliation check is due in the run.
            orders[tg] = db.execute(
                "INSERT INTO orders (user_id, kind, location_id, months, provider, amount, "
                "currency, state, created_at, expires_at, updated_at, invoice_ref) VALUES "
                "(?, 'new_key', ?, 1, ?, ?, ?, 'created', ?, ?, ?, ?)",
                (uid, location_id, via, PRICE, currency, now, now + 3 * 3600_000, now,
                 "" if via == "stars" else str(FIRST_INVOICE + i))).lastrowid
    return orders


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))]


def first_call_to(calls, method, chats):
    """{chat_id: time_ms of the first successful `method` call to it} for chats in `chats`."""
    out = {}
    for c in calls:
        chat = c.get("chat_id")
        if c.get("method") == method and c.get("status") == 200 and chat in chats:
            out.setdefault(chat, c["time_ms"])
    return out


def inject_stars(tg, orders, rate):
    """successful_payment updates queued at the fake, `rate` a second: {person: fake ms}."""
    queued = {}
    start = time.monotonic()
    for i, (person, order_id) in enumerate(orders.items()):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        reply = tg.control("successful_payment", {
            "user_id": person, "payload": str(order_id), "total_amount": PRICE,
            "charge_id": f"bench-charge-{i}"})
        queued[person] = reply["time_ms"]
    return queued


def fake_clock_offset(tg):
    """fake time_ms - our monotonic ms (both CLOCK_MONOTONIC), from the quickest of a few asks
    (a successful_payment that is not queued answers the fake's time)."""
    best = None
    for _ in range(20):
        t0 = time.monotonic() * 1000
        reply = tg.control("successful_payment", {"user_id": 1, "payload": "0",
                                                  "total_amount": PRICE, "queue": False})
        t1 = time.monotonic() * 1000
        if best is None or t1 - t0 < best[0]:
            best = (t1 - t0, reply["time_ms"] - (t0 + t1) / 2)
    return best[1]


def inject_webhooks(hub, tg, orders, rate):
    """A signed CryptoBot invoice_paid webhook per order POSTed to /pay/cryptobot, `rate` a
    second, from a pool of senders: {person: when the POST was sent, on the fake's clock}."""
    offset = fake_clock_offset(tg)
    url = f"http://127.0.0.1:{hub.http_port}/pay/cryptobot"
    answers = {}

    def send(i, person, order_id):
        body = wb.cryptobot_body(i + 1, FIRST_INVOICE + i, order_id, PRICE)
        req = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json",
            "crypto-pay-api-signature": wb.cryptobot_signature(wb.CRYPTOBOT_TOKEN, body)})
        sent = time.monotonic() * 1000 + offset
        with urllib.request.urlopen(req, timeout=10) as r:
            answers[person] = r.read().decode()
        return person, sent

    futures = []
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        for i, (person, order_id) in enumerate(orders.items()):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(send, i, person, order_id))
        queued = dict(f.result() for f in futures)
    not_credited = [a for a in answers.values() if a != "credited"]
    if not_credited:
        print(f"  {len(not_credited)} webhooks were not answered 'credited', e.g. "
              f"{not_credited[0]!r}")
    return queued


def run(args, workdir):
    people = args.rate * args.seconds
    ss = harness.SsManager(workdir)
    tg = harness.FakeTelegram()
    env = dict(TG_TOKEN=harness.BOT_TOKEN, TELEGRAM_API_URL=tg.url, ADMIN_TG_ID=ADMIN,
               MONTH_COST_STARS="100,250,450,800", TELEGRAM_POLL_TIMEOUT_SEC=1, LOG_LEVEL="warn")
    if args.pacing == "off":
        env.update(TELEGRAM_RATE_PER_SEC=1000, TELEGRAM_CHAT_INTERVAL_MS=0)
    if args.via == "cryptobot":  # offered, its API pointed at a closed port (never called here)
        env.update(CURRENCY="RUB", MONTH_COST="100,250,450,800", CRYPTO_BOT_API=wb.CRYPTOBOT_TOKEN,
                   CRYPTO_BOT_API_URL="http://127.0.0.1:9/api",
                   PAYMENT_WEBHOOK_BASE_URL="https://vpn.example.com")
    hub = harness.Vpnhub(workdir, **env)
    for test_only in ("EXPIRY_SWEEP_INTERVAL_SEC", "TASK_LEASE_SEC", "TASK_RETRY_BASE_MS",
                      "VPN_CALL_TIMEOUT_MS"):
        hub.env.pop(test_only)  # the shipped defaults, not the e2e tests' short ones
    try:
        hub.cli("location", "add", "Amsterdam")
        port_from = harness.free_port_block(people + 10)
        hub.cli("server", "add", "--location", "Amsterdam", "--manager", ss.address,
                "--public-host", "127.0.0.1", "--ports", f"{port_from}-{port_from + people + 9}",
                "--capacity", str(people + 10))
        location_id = hub.cli_json("location", "list")[0]["id"]
        history_end = int(time.time() * 1000)
        orders = seed(hub.db_path, people, args.history, location_id, args.via)
        hub.start()
        load_before = os.getloadavg()
        start = time.monotonic()
        if args.via == "stars":
            queued = inject_stars(tg, orders, args.rate)
        else:
            queued = inject_webhooks(hub, tg, orders, args.rate)
        injected_for = time.monotonic() - start
        photos = {}
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline:
            photos = first_call_to(tg.calls("sendPhoto"), "sendPhoto", queued)
            if len(photos) == len(queued):
                break
            time.sleep(0.5)
        load_after = os.getloadavg()
        sent = [c for c in tg.calls() if c.get("status") == 200
                and c.get("method") in ("sendMessage", "sendPhoto")]
        receipts = first_call_to([c for c in sent if "Payment received" in c.get("text", "")],
                                 "sendPhoto", queued)
        to_people = sum(1 for c in sent if c.get("chat_id") in queued)
        to_admin = sum(1 for c in sent if c.get("chat_id") == ADMIN)
        with contextlib.closing(sqlite3.connect(hub.db_path)) as db:
            credited = db.execute("SELECT COUNT(*) FROM payments p JOIN orders o ON "
                                  "o.id = p.order_id WHERE p.provider = ? AND p.state = "
                                  "'credited' AND o.state = 'fulfilled' AND o.created_at >= ?",
                                  (args.via, history_end)).fetchone()[0]
    finally:
        with contextlib.suppress(Exception):
            hub.stop()
        tg.stop()
        ss.stop()
    key_ms = [photos[p] - queued[p] for p in photos]
    receipt_ms = [receipts[p] - queued[p] for p in receipts]
    what = ("successful_payment updates" if args.via == "stars"
            else "signed CryptoBot webhooks POSTed to /pay/cryptobot")
    print(f"payments: {people} {what} at {args.rate}/s for {args.seconds} s "
          f"(queued in {injected_for:.1f} s), pacing {args.pacing}, {args.history} people of "
          f"history, SQLite")
    print(f"  credited: {credited}; keys delivered (sendPhoto): {len(photos)}; "
          f"of them with the receipt: {len(receipts)}")
    print(f"  messages sent: {to_people} to the payers ({to_people / max(1, people):.1f} each), "
          f"{to_admin} to the admin")
    print(f"  payment -> key photo: p50 {percentile(key_ms, 0.5):.0f} ms, "
          f"p99 {percentile(key_ms, 0.99):.0f} ms, max {percentile(key_ms, 1.0):.0f} ms")
    print(f"  payment -> receipt:   p50 {percentile(receipt_ms, 0.5):.0f} ms, "
          f"p99 {percentile(receipt_ms, 0.99):.0f} ms, max {percentile(receipt_ms, 1.0):.0f} ms")
    print("  load average (1, 5, 15 min) before: %.2f %.2f %.2f, after: %.2f %.2f %.2f"
          % (load_before + load_after))
    return 0 if credited == people == len(photos) == len(receipts) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vpnhub")
    parser.add_argument("fake_telegram")
    parser.add_argument("--rate", type=int, default=20, help="payments per second (20)")
    parser.add_argument("--seconds", type=int, default=60, help="how long (60)")
    parser.add_argument("--history", type=int, default=5000,
                        help="people with paid orders in the database beforehand (5000)")
    parser.add_argument("--pacing", choices=("telegram", "off"), default="telegram")
    parser.add_argument("--via", choices=("stars", "cryptobot"), default="stars",
                        help="how the payments arrive (stars: successful_payment updates; "
                        "cryptobot: signed webhooks to /pay/cryptobot)")
    parser.add_argument("--drain", type=int, default=180,
                        help="seconds to wait for the last keys after the last payment (180)")
    args = parser.parse_args()
    harness.BINARY = os.path.abspath(args.vpnhub)
    harness.FAKE_TELEGRAM = os.path.abspath(args.fake_telegram)
    with harness.Workdir() as workdir:
        return run(args, workdir)


if __name__ == "__main__":
    sys.exit(main())
