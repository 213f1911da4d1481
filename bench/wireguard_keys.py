#!/usr/bin/python3
"""Issue 15 §5 figure: WireGuard key create -> active, p50/p99, 1,000 keys at 50/s, through a real
`vpnhub node` managing a real wireguard-go interface in network namespaces (tests/e2e/wg_netns.py:
the hub in its own namespace, the node and wireguard-go in the server's). Where root or ip netns
is missing it runs against the fake node (tests/servers/node/fake_node.py) on loopback instead and
says so (--fake forces that).

Each key is one `vpnhub key create --user U --location L --days 1` started on a steady schedule
(rate per second) from a pool of threads: the CLI creates the key and its provisioning task in one
transaction, runs the task at once (PUT /v1/peers/{key} to the node over pinned HTTPS, which sets
the peer on wireguard-go through its UAPI socket) and commits the activation. Two figures per key:
  cli      the whole `vpnhub key create` process (start, SQLite, provisioning, exit), as an
           operator sees it; with `ip netns exec` in front when in namespaces;
  active   the key row's created_at -> updated_at at activation (the hub's own clock): the
           provisioning path alone.
At the end the interface must hold exactly one peer per key.

Usage: bench/wireguard_keys.py build/bin/vpnhub [--keys 1000] [--rate 50] [--fake]
"""
import argparse
import concurrent.futures
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import harness  # noqa: E402
import wg_netns  # noqa: E402

FAKE_NODE = os.path.join(HERE, "..", "tests", "servers", "node", "fake_node.py")
FIRST_USER = 5_000_000


def percentile(values, p):
    s = sorted(values)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


class FakeNode:
    def __init__(self, workdir, tunnel):
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", FAKE_NODE, "--dir", workdir, "--tunnel", tunnel],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.hello = json.loads(self.proc.stdout.readline())

    def server_add_args(self):
        return ["server", "add", "--kind", "wireguard", "--node",
                f"https://127.0.0.1:{self.hello['port']}", "--cert-sha256",
                self.hello["cert_sha256"], "--token", self.hello["token"]]

    def peers(self):
        self.proc.stdin.write("peers\n")
        self.proc.stdin.flush()
        return {p["public_key"] for p in json.loads(self.proc.stdout.readline()[3:])}

    def stop(self):
        self.proc.stdin.close()
        harness.end_process(self.proc, 5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--keys", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--threads", type=int, default=32)
    ap.add_argument("--fake", action="store_true", help="use the fake node even where netns works")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)

    workdir = tempfile.mkdtemp(prefix="vpnhub-bench-wg-")
    hub = harness.Vpnhub(workdir, VPN_CALL_TIMEOUT_MS=5000)
    why = "--fake given" if args.fake else wg_netns.missing()
    stage = fake = None
    tunnel_prefix = 21 if args.keys > 1021 else 22
    try:
        if why is None:
            stage = wg_netns.Stage(workdir, tunnel_prefix=tunnel_prefix)
            add_args = wg_netns.start_node(stage, binary, os.path.join(workdir, "node"), hub.env)
            prefix = ["ip", "netns", "exec", stage.hub]
            where = (f"real wireguard-go ({stage.srv_if}) + vpnhub node in network namespaces, "
                     f"tunnel {stage.tunnel}")
        else:
            fake = FakeNode(workdir, f"10.66.0.1/{tunnel_prefix}")
            add_args = fake.server_add_args()
            prefix = []
            where = f"FAKE node on loopback (real node not runnable here: {why})"

        def cli(*a, check=True):
            res = subprocess.run(prefix + [binary, *a], cwd=workdir, env=hub.env,
                                 capture_output=True, text=True, timeout=120)
            if check and res.returncode != 0:
                raise AssertionError(f"vpnhub {' '.join(a)}: {res.stdout}{res.stderr}")
            return res

        cli("location", "add", "Bench")
        cli(*add_args, "--location", "Bench", "--capacity", str(args.keys))

        walls = [None] * args.keys
        errors = []
        lock = threading.Lock()
        t0 = time.monotonic() + 0.5

        def one(i):
            start_at = t0 + i / args.rate
            delay = start_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            started = time.monotonic()
            res = cli("key", "create", "--user", str(FIRST_USER + i), "--location", "Bench",
                      "--days", "1", check=False)
            walls[i] = (time.monotonic() - started) * 1000.0
            if res.returncode != 0 or "[Interface]" not in res.stdout or res.stderr.strip():
                with lock:
                    errors.append((i, res.returncode, res.stderr.strip()[:200]))

        with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(one, range(args.keys)))
        elapsed = time.monotonic() - t0

        with contextlib.closing(sqlite3.connect(hub.db_path)) as db:
            rows = db.execute("SELECT state, created_at, updated_at FROM keys").fetchall()
        active = [u - c for s, c, u in rows if s == "active"]
        peers = stage.server_peers() if stage else fake.peers()

        print(f"wireguard key create -> active: {args.keys} keys at {args.rate:g}/s "
              f"({args.threads} client threads), {where}")
        print(f"  schedule took {elapsed:.1f} s ({args.keys / elapsed:.1f} keys/s achieved)")
        print(f"  cli     p50 {percentile(walls, 50):7.1f} ms  p99 {percentile(walls, 99):7.1f} ms"
              f"  max {max(walls):7.1f} ms")
        print(f"  active  p50 {percentile(active, 50):7.1f} ms  p99 {percentile(active, 99):7.1f} ms"
              f"  max {max(active) if active else float('nan'):7.1f} ms  ({len(active)} active)")
        print(f"  peers on the interface: {len(peers)}; failures: {len(errors)}")
        for e in errors[:5]:
            print("   ", e)
        ok = not errors and len(active) == args.keys and len(peers) == args.keys
        return 0 if ok else 1
    finally:
        if fake:
            fake.stop()
        if stage:
            stage.stop()
        import shutil
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
