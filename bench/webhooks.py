#!/usr/bin/env python3
"""Issue 14 figure: verified payment webhooks per second on one `vpnhub serve` (the HTTP role,
SQLite on a file, LOG_LEVEL=warn), measured with wrk, as a ratio to GET /healthz in the same run.
Run it through bench/webhooks.sh, which says what a request does and what is left out.

Rounds are interleaved (the order of the cases rotates each round) and the medians are printed,
with the server's CPU time per request (utime+stime of the vpnhub process / requests).
"""
import argparse
import contextlib
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import harness  # noqa: E402
import webhook_bodies as wb  # noqa: E402

PRICE = 100  # MONTH_COST's first tariff, roubles
FIRST_TG = 9_000_000


def seed(db_path, people, paid, location_id):
    """`people` people; `paid` of them paid a one-month order through CryptoBot and `paid`
    others through Cryptomus (credited payments, fulfilled orders), every tenth person has an
    open Stars order, and each has 3 sent messages. Returns ([cryptobot (order, invoice)],
    [cryptomus order ids])."""
    if 2 * paid > people:
        raise SystemExit("--paid must be at most half of --people")
    now = int(time.time() * 1000)
    old = now - 20 * 86400 * 1000
    cb, cm = [], []
    with contextlib.closing(sqlite3.connect(db_path)) as db, db:
        db.executemany("INSERT INTO users (id, tg_id, username, trial_used, created_at) "
                       "VALUES (?, ?, ?, 1, ?)",
                       ((i + 1, FIRST_TG + i, f"u{i}", old) for i in range(people)))
        db.executemany("INSERT INTO outgoing_messages (chat_id, kind, priority, subject_id, text, "
                       "state, attempts, next_attempt_at, created_at, updated_at) VALUES "
                       "(?, ?, 1, 0, '', 'sent', 1, ?, ?, ?)",
                       ((FIRST_TG + i, kind, old, old, old) for i in range(people)
                        for kind in ("text", "key_ready", "expiry_notice")))
        order_id = 0
        for i in range(people):
            provider = "cryptobot" if i < paid else "cryptomus" if i < 2 * paid else None
            if provider is None and i % 10:
                continue
            order_id += 1
            state = "fulfilled" if provider else "created"
            db.execute("INSERT INTO orders (id, user_id, kind, location_id, months, provider, "
                       "amount, currency, state, created_at, expires_at, updated_at, invoice_ref) "
                       "VALUES (?, ?, 'new_key', ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (order_id, i + 1, location_id, provider or "stars", PRICE,
                        "XTR" if provider is None else "RUB", state, old if provider else now,
                        (old if provider else now) + 3600_000, old, ""))
            if provider is None:
                continue
            if provider == "cryptobot":
                ref = str(500_000_000 + order_id)
                cb.append((order_id, int(ref)))
            else:
                ref = wb.cryptomus_payment_uuid(order_id)
                cm.append(order_id)
            db.execute("UPDATE orders SET invoice_ref = ? WHERE id = ?", (ref, order_id))
            db.execute("INSERT INTO payments (provider, provider_payment_id, order_id, user_id, "
                       "amount, currency, raw_reference, state, created_at, updated_at) VALUES "
                       "(?, ?, ?, ?, ?, 'RUB', ?, 'credited', ?, ?)",
                       (provider, ref, order_id, i + 1, PRICE, f"{provider} {ref}", old, old))
    return cb, cm


def write_pool(path, lines):
    with open(path, "wb") as f:
        for url_path, name, value, body in lines:
            assert b"\n" not in body and b"\t" not in body
            f.write(f"{url_path}\t{name}\t{value}\t".encode() + body + b"\n")


def make_pools(workdir, cb, cm, size):
    """{case: (url path, pool file)}: valid and forged bodies of both providers, `size` each,
    each naming a different paid order."""
    pools = {}
    cb, cm = cb[:size], cm[:size]
    bodies = [wb.cryptobot_body(n + 1, inv, oid, PRICE) for n, (oid, inv) in enumerate(cb)]
    for case, token in (("cryptobot", wb.CRYPTOBOT_TOKEN), ("cryptobot_forged", "0:forged")):
        pools[case] = [("/pay/cryptobot", "crypto-pay-api-signature",
                        wb.cryptobot_signature(token, b), b) for b in bodies]
    for case, key in (("cryptomus", wb.CRYPTOMUS_KEY), ("cryptomus_forged", "forged-key")):
        pools[case] = [("/pay/cryptomus", "", "", wb.cryptomus_body(oid, PRICE, key))
                       for oid in cm]
    out = {}
    for case, lines in pools.items():
        path = os.path.join(workdir, f"pool_{case}.tsv")
        write_pool(path, lines)
        out[case] = (lines, path)
    return out


def post(port, url_path, name, value, body):
    headers = {"Content-Type": "application/json"}
    if name:
        headers[name] = value
    req = urllib.request.Request(f"http://127.0.0.1:{port}{url_path}", data=body,
                                 headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def check_answers(port, pools):
    """Each pool's first bodies get the answer the figure claims, before anything is timed."""
    want = {"cryptobot": (200, "already credited"), "cryptomus": (200, "already credited"),
            "cryptobot_forged": (401, "bad signature"), "cryptomus_forged": (401, "bad signature")}
    for case, (lines, _) in pools.items():
        for line in lines[:3] + lines[-2:]:
            got = post(port, *line)
            if got != want[case]:
                raise SystemExit(f"{case}: the hub answered {got}, not {want[case]}")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)


def run_wrk(args, pid, url, pool=None):
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}", "--latency"]
    if pool:
        cmd += ["-s", os.path.join(HERE, "webhooks.lua"), url, "--", pool]
    else:
        cmd.append(url)
    before = cpu_ticks(pid)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    after = cpu_ticks(pid)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    reqs = int(re.search(r"(\d+) requests in", out).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    cpu_us = (after - before) / os.sysconf("SC_CLK_TCK") * 1e6 / max(1, reqs)
    return rps, reqs, p99, int(non2xx.group(1)) if non2xx else 0, errors, cpu_us


def metric(port, provider, outcome):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    total = 0.0
    for line in text.splitlines():
        if (line.startswith("vpnhub_payment_webhooks_total{") and f'provider="{provider}"' in line
                and f'outcome="{outcome}"' in line):
            total += float(line.rsplit(" ", 1)[1])
    return total


def measure(args, hub, pools):
    url = f"http://127.0.0.1:{hub.http_port}"
    cases = ["healthz", "cryptobot", "cryptomus", "cryptobot_forged", "cryptomus_forged"]
    results = {c: [] for c in cases}
    for rnd in range(args.rounds):
        print(f"round {rnd + 1}", flush=True)
        for case in cases[rnd % len(cases):] + cases[:rnd % len(cases)]:
            forged = case.endswith("_forged")
            if case == "healthz":
                r = run_wrk(args, hub.proc.pid, url + "/healthz")
            else:
                r = run_wrk(args, hub.proc.pid, url, pools[case][1])
            rps, reqs, p99, non2xx, errors, cpu_us = r
            bad = reqs - non2xx if forged else non2xx  # forged: every answer must be a 401
            print(f"  {case:17} {rps:10.0f} req/s  p99 {p99:8}  server CPU {cpu_us:6.1f} us/req"
                  + (f"  [{bad} unexpected answers]" if bad else "")
                  + (f"  [socket errors: {errors.group(1)}]" if errors else ""), flush=True)
            results[case].append(rps)
    return results


def run(args, workdir):
    hub = harness.Vpnhub(
        workdir, LOG_LEVEL="warn", LOG_FORMAT="json", CURRENCY="RUB",
        MONTH_COST="100,250,450,800", PAYMENT_WEBHOOK_BASE_URL="https://vpn.example.com",
        CRYPTO_BOT_API=wb.CRYPTOBOT_TOKEN, CRYPTO_BOT_API_URL="http://127.0.0.1:9/api",
        CRYPTOMUS_KEY=wb.CRYPTOMUS_KEY, CRYPTOMUS_UUID=wb.CRYPTOMUS_UUID,
        CRYPTOMUS_API_URL="http://127.0.0.1:9")
    for test_only in ("EXPIRY_SWEEP_INTERVAL_SEC", "TASK_LEASE_SEC", "TASK_RETRY_BASE_MS",
                      "VPN_CALL_TIMEOUT_MS"):
        hub.env.pop(test_only)
    hub.cli("location", "add", "Amsterdam")
    location_id = hub.cli_json("location", "list")[0]["id"]
    t0 = time.monotonic()
    cb, cm = seed(hub.db_path, args.people, args.paid, location_id)
    pools = make_pools(workdir, cb, cm, args.pool)
    print(f"seeded {args.people} people, {len(cb)} CryptoBot and {len(cm)} Cryptomus paid orders "
          f"in {time.monotonic() - t0:.1f} s; pools of {len(pools['cryptobot'][0])} bodies")
    try:
        hub.start()
        check_answers(hub.http_port, pools)
        replays_before = {p: metric(hub.http_port, p, "replay") for p in ("cryptobot", "cryptomus")}
        print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}, {args.rounds} "
              f"interleaved rounds, vpnhub pid {hub.proc.pid}; load average before: "
              + " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
        results = measure(args, hub, pools)
        replays = {p: metric(hub.http_port, p, "replay") - replays_before[p]
                   for p in ("cryptobot", "cryptomus")}
    finally:
        hub.stop()
    med = {c: statistics.median(v) for c, v in results.items()}
    print("medians (req/s) and ratio to /healthz:")
    for case, value in med.items():
        print(f"  {case:17} {value:10.0f}  {value / med['healthz']:.3f}")
    print(f"replays counted by vpnhub_payment_webhooks_total: {replays['cryptobot']:.0f} "
          f"CryptoBot, {replays['cryptomus']:.0f} Cryptomus; load average after: "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vpnhub")
    parser.add_argument("--people", type=int, default=50000)
    parser.add_argument("--paid", type=int, default=10000,
                        help="paid orders per provider (credited history)")
    parser.add_argument("--pool", type=int, default=5000,
                        help="distinct signed bodies per case, cycled by wrk")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", default="10s")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    harness.BINARY = os.path.abspath(args.vpnhub)
    with harness.Workdir() as workdir:
        return run(args, workdir)


if __name__ == "__main__":
    sys.exit(main())
