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
Left out: pre_checkout_query (answered before the payment, not on this path), the /buy dialogue
that makes the orders (seeded instead), keys of the history people (each would be an ss-server
process), PostgreSQL (DATABASE_URL is a SQLite file), a second instance.
"""
import argparse
import contextlib
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402

ADMIN = 999
FIRST_PERSON = 7_000_000
FIRST_HISTORY = 8_000_000
PRICE = 100  # MONTH_COST_STARS' first tariff: 1 month


def seed(db_path, people, history, location_id):
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
        for i in range(people):
            tg = FIRST_PERSON + i
            uid = db.execute("INSERT INTO users (tg_id, username, created_at) VALUES (?, ?, ?)",
                             (tg, f"p{i}", now)).lastrowid
            orders[tg] = db.execute(
                "INSERT INTO orders (user_id, kind, location_id, months, provider, amount, "
                "currency, state, created_at, expires_at, updated_at) VALUES "
                "(?, 'new_key', ?, 1, 'stars', ?, 'XTR', 'created', ?, ?, ?)",
                (uid, location_id, PRICE, now, now + 3 * 3600_000, now)).lastrowid
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


def run(args, workdir):
    people = args.rate * args.seconds
    ss = harness.SsManager(workdir)
    tg = harness.FakeTelegram()
    env = dict(TG_TOKEN=harness.BOT_TOKEN, TELEGRAM_API_URL=tg.url, ADMIN_TG_ID=ADMIN,
               MONTH_COST_STARS="100,250,450,800", TELEGRAM_POLL_TIMEOUT_SEC=1, LOG_LEVEL="warn")
    if args.pacing == "off":
        env.update(TELEGRAM_RATE_PER_SEC=1000, TELEGRAM_CHAT_INTERVAL_MS=0)
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
        orders = seed(hub.db_path, people, args.history, location_id)
        hub.start()
        load_before = os.getloadavg()
        queued = {}
        start = time.monotonic()
        for i, (person, order_id) in enumerate(orders.items()):
            delay = start + i / args.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            reply = tg.control("successful_payment", {
                "user_id": person, "payload": str(order_id), "total_amount": PRICE,
                "charge_id": f"bench-charge-{i}"})
            queued[person] = reply["time_ms"]
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
            credited = db.execute("SELECT COUNT(*) FROM payments WHERE provider_payment_id "
                                  "LIKE 'bench-charge-%' AND state = 'credited'").fetchone()[0]
    finally:
        with contextlib.suppress(Exception):
            hub.stop()
        tg.stop()
        ss.stop()
    key_ms = [photos[p] - queued[p] for p in photos]
    receipt_ms = [receipts[p] - queued[p] for p in receipts]
    print(f"payments: {people} successful_payment updates at {args.rate}/s for {args.seconds} s "
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
    parser.add_argument("--drain", type=int, default=180,
                        help="seconds to wait for the last keys after the last payment (180)")
    args = parser.parse_args()
    harness.BINARY = os.path.abspath(args.vpnhub)
    harness.FAKE_TELEGRAM = os.path.abspath(args.fake_telegram)
    with harness.Workdir() as workdir:
        return run(args, workdir)


if __name__ == "__main__":
    sys.exit(main())
