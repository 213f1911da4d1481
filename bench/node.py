#!/usr/bin/env python3
"""The node agent's figures (issue 15 §5): operations per second of its HTTPS API and its RSS
with 10,000 peers on one interface, over real wireguard-go in a throwaway network namespace.

  sudo bench/node.py BUILD_DIR [--peers 10000] [--sample 1000] [--concurrency 1]

Fills the interface with --peers peers through PUT (new peers), then at that size times
--sample PUTs of unchanged peers, --sample DELETEs and --sample PUTs that re-add them, and a few
GET /v1/peers. One keep-alive HTTPS connection per client thread, the certificate pinned as the
hub does. Prints one line per figure; needs root, ip netns, wireguard-go and wg. Everything it
starts is stopped by PID and the namespace is deleted.
"""
import argparse
import base64
import concurrent.futures
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "e2e"))
import node_harness as nh  # noqa: E402


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wg_go_pid(ifname):
    out = subprocess.run(["pgrep", "-f", f"^wireguard-go -f {ifname}$"], capture_output=True,
                         text=True).stdout.split()
    return int(out[0]) if out else None


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(p / 100.0 * len(sorted_values)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", help="the build folder (holds bin/vpnhub)")
    ap.add_argument("--peers", type=int, default=10000)
    ap.add_argument("--sample", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=1, help="client threads")
    args = ap.parse_args()
    binary = os.path.join(os.path.abspath(args.build), "bin", "vpnhub")
    if not nh.wg_root_ready():
        print(nh.SKIP_REASON)
        return 2

    work = tempfile.mkdtemp(prefix="vpnhub-node-bench-")
    wg = None
    node = None
    pools = []
    try:
        # A /16 holds 65,534 addresses: room for --peers.
        wg = nh.WgNamespace(work, address="10.90.0.1/16")
        port = nh.free_port_in(wg.ns)
        node_dir = os.path.join(work, "node")
        res = subprocess.run([binary, "node", "init", "--interface", wg.ifname, "--endpoint",
                              "bench.test:51820", "--tunnel", "10.90.0.1/16", "--listen",
                              f"127.0.0.1:{port}", "--dir", node_dir],
                             capture_output=True, text=True, check=True)
        words = res.stdout.split()
        sha, token = words[words.index("--cert-sha256") + 1], words[words.index("--token") + 1]
        log = open(os.path.join(work, "node.log"), "w")
        node = wg.ns_popen([binary, "node", "run", "--dir", node_dir], stdout=log, stderr=log)
        pools = [concurrent.futures.ThreadPoolExecutor(1, initializer=nh.enter_netns,
                                                        initargs=(wg.ns,))
                 for _ in range(args.concurrency)]
        nh.wait_listening_in(pools[0], port)
        clients = [nh.NodeClient("127.0.0.1", port, sha, token, timeout=60) for _ in pools]
        print(f"node pid {node.pid}, interface {wg.ifname}, RSS at start {rss_kb(node.pid)} kB")

        peers = []
        for i in range(args.peers):
            pub = secrets.token_bytes(32).hex()
            psk = base64.b64encode(secrets.token_bytes(32)).decode()
            addr = f"10.90.{(i + 2) // 256}.{(i + 2) % 256}/32"
            peers.append((pub, {"preshared_key": psk, "address": addr}))

        def run(label, items, method, expect):
            """Runs `items` split over the clients; prints ops/s and latency percentiles."""
            chunks = [items[k::len(clients)] for k in range(len(clients))]

            def worker(k):
                lat = []
                for pub, body in chunks[k]:
                    t0 = time.perf_counter()
                    status, reply = clients[k].call(method, f"/v1/peers/{pub}", body)
                    lat.append(time.perf_counter() - t0)
                    if status != expect:
                        raise AssertionError(f"{label}: {status} {reply}")
                return lat
            t0 = time.perf_counter()
            futures = [pools[k].submit(worker, k) for k in range(len(clients))]
            lat = sorted(x for f in futures for x in f.result())
            took = time.perf_counter() - t0
            print(f"{label}: {len(items)} ops in {took:.2f} s = {len(items) / took:.0f} ops/s; "
                  f"latency p50 {percentile(lat, 50) * 1000:.2f} ms, "
                  f"p99 {percentile(lat, 99) * 1000:.2f} ms")

        # Fill, reporting the rate per tenth of the way (each PUT reads the whole interface).
        step = max(1, args.peers // 10)
        for start in range(0, args.peers, step):
            run(f"PUT new peer, {start}..{min(start + step, args.peers)} peers", peers[start:start + step],
                "PUT", 201)
        _, server = pools[0].submit(clients[0].call, "GET", "/v1/server").result()
        print(f"interface holds {server['peers']} peers; node RSS {rss_kb(node.pid)} kB, "
              f"wireguard-go RSS {rss_kb(wg_go_pid(wg.ifname) or node.pid)} kB")
        sample = peers[-args.sample:]
        run(f"PUT unchanged at {args.peers} peers", sample, "PUT", 200)
        run(f"DELETE at {args.peers} peers", [(p, None) for p, _ in sample], "DELETE", 204)
        run(f"PUT new (re-add) at {args.peers - len(sample)} peers", sample, "PUT", 201)
        t0 = time.perf_counter()
        for _ in range(5):
            status, listed = pools[0].submit(clients[0].call, "GET", "/v1/peers").result()
        print(f"GET /v1/peers with {len(listed['peers'])} peers: "
              f"{(time.perf_counter() - t0) / 5 * 1000:.0f} ms each")
        print(f"node RSS after the run {rss_kb(node.pid)} kB "
              f"(VmHWM {open(f'/proc/{node.pid}/status').read().split('VmHWM:')[1].split()[0]} kB)")
        for k, c in enumerate(clients):
            pools[k].submit(c.close).result()
        return 0
    finally:
        for p in pools:
            p.shutdown()
        nh.end_process(node)
        if wg is not None:
            wg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
