#!/usr/bin/env python3
"""Issue 15 figure: key create -> active, p50/p99 per server kind, COUNT keys at RATE per second.

For each kind asked for, a fresh SQLite database gets one location and one server of that kind
pointing at a real server where one runs here, or at the fake the tests use:
  shadowsocks  a real ss-manager (shadowsocks-libev): each key is a real ss-server process
  outline      tests/servers/outline/fake_outline.py (HTTPS, pinned certificate) over a real
               ss-manager: each access key is a real ss-server process
  amneziawg    tests/servers/amneziawg/fake_awg_easy.py, in memory (no tunnel)
  wireguard    tests/servers/node/fake_node.py (the node agent's API, in memory)
  remnawave    tests/servers/remnawave/fake_remnawave.py over a real v2ray (each user added to
               its inbounds); prints the panel requests per key from its /_control/requests
  marzban      tests/servers/marzban/fake_marzban.py, a real v2ray behind it (each key is a user
               added to v2ray's VLESS TCP inbound); also prints the panel calls per key create
               from the fake's /_control/requests
  xui-v2, xui-v3  tests/servers/xui/fake_xui.py (3x-ui's v2 cookie API / v3 token API) over a
               real v2ray 4.34: each key is a panel client added to v2ray; the panel's request
               counts (/_control/requests) give the panel calls per key create
  wireguard-node  real wireguard-go and `vpnhub node` in a network namespace (root; not in the
               default list)
Then build/bench/vpnhub_key_create_bench issues COUNT keys for COUNT people at RATE per second
(open loop) and runs each one's provisioning task at once, as `vpnhub key create` does; see that
file for what a key's latency covers and leaves out.

  bench/key_create.py [--build build] [--count 1000] [--rate 50] [--kinds shadowsocks,outline,...]
  (marzban needs v2ray and tests/servers/v2ray/v2ray_core.py with /usr/bin/python3's grpcio)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness  # noqa: E402


def setup_shadowsocks(hub, work, count, stack):
    ss = harness.SsManager(work)
    stack.append(ss.stop)
    port_from = harness.free_port_block(count)
    hub.cli("server", "add", "--location", "bench", "--kind", "shadowsocks", "--manager",
            ss.address, "--public-host", "127.0.0.1", "--ports",
            f"{port_from}-{port_from + count - 1}", "--capacity", str(count))


def start_fake(args, work, stack):
    """Starts a fake server (python3 ARGS) and returns (process, its first stdout line)."""
    proc = subprocess.Popen([sys.executable, *args], cwd=work, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    stack.append(lambda: harness.end_process(proc, 10))
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"{args[0]} did not start")
    return proc, line


def setup_outline(hub, work, count, stack):
    _, line = start_fake([os.path.join(ROOT, "tests/servers/outline/fake_outline.py"),
                          "--dir", os.path.join(work, "outline")], work, stack)
    hub.cli("server", "add", "--location", "bench", "--kind", "outline", "--outline-json",
            line.strip(), "--capacity", str(count))


def setup_amneziawg(hub, work, count, stack):
    # amnezia-wg-easy hands out the addresses of one /24: 250 keys per server.
    per_server = 250
    for i in range((count + per_server - 1) // per_server):
        _, line = start_fake([os.path.join(ROOT, "tests/servers/amneziawg/fake_awg_easy.py"),
                              "--password", "bench-password"], work, stack)
        port = int(line.split()[-1])
        hub.cli("server", "add", "--location", "bench", "--kind", "amneziawg", "--name",
                f"awg{i}", "--api-url", f"http://127.0.0.1:{port}", "--password",
                "bench-password", "--capacity", str(min(per_server, count - i * per_server)))


def setup_wireguard(hub, work, count, stack):
    node_dir = os.path.join(work, "node")
    os.makedirs(node_dir)
    _, line = start_fake([os.path.join(ROOT, "tests/servers/node/fake_node.py"), "--dir",
                          node_dir, "--tunnel", "10.8.0.1/16"], work, stack)
    node = json.loads(line)
    hub.cli("server", "add", "--location", "bench", "--kind", "wireguard", "--node",
            f"https://127.0.0.1:{node['port']}", "--cert-sha256", node["cert_sha256"],
            "--token", node["token"], "--capacity", str(count))


def setup_wireguard_node(hub, work, count, stack):
    """Real wireguard-go and `vpnhub node` in a server network namespace (root), linked to this
    namespace, where the hub and the bench run."""
    import wg_netns
    why = wg_netns.missing()
    if why:
        raise SystemExit(f"wireguard-node needs root and ip netns: {why}")
    stage = wg_netns.Stage(work, tunnel_prefix=16)
    stack.append(stage.stop)
    wg_netns.link_host_to(stage, stage.srv, "10.66.9.1", "10.66.9.2")
    args = wg_netns.start_node(stage, harness.BINARY, os.path.join(work, "node"), hub.env,
                               listen_addr="10.66.9.2", hub_ns=False)
    hub.cli(*args, "--location", "bench", "--capacity", str(count))
    stack.append(lambda: print(f"interface holds {len(stage.server_peers())} peers"))


def setup_remnawave(hub, work, count, stack):
    ready = os.path.join(work, "panel-ready.json")
    proc = subprocess.Popen(["/usr/bin/python3",  # v2ray_core needs Debian's python3-grpcio
                             os.path.join(ROOT, "tests/servers/remnawave/fake_remnawave.py"),
                             "--state", os.path.join(work, "panel"), "--token", "bench-token",
                             "--ready-file", ready], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    stack.append(lambda: harness.end_process(proc, 10))
    harness.wait_until(lambda: os.path.exists(ready), 30, what="the fake Remnawave panel")
    with open(ready) as f:
        panel = json.load(f)
    hub.cli("server", "add", "--location", "bench", "--kind", "remnawave", "--api-url",
            panel["url"], "--token", "bench-token", "--squad", panel["squads"]["Default-Squad"],
            "--capacity", str(count))
    with urllib.request.urlopen(panel["url"] + "/_control/requests", timeout=5) as r:
        before = sum(json.load(r).values())  # the probe of server add

    def report(keys):
        with urllib.request.urlopen(panel["url"] + "/_control/requests", timeout=5) as r:
            counts = json.load(r)
        calls = sum(counts.values()) - before
        return (f"panel requests: {calls} for {keys} keys = {calls / keys:.2f} per key create "
                f"({json.dumps(counts)})")
    return report


def setup_marzban(hub, work, count, stack):
    """The fake Marzban panel (/usr/bin/python3: v2ray_core.py needs grpcio); returns what prints
    the panel calls per key once the keys are made."""
    ready = os.path.join(work, "marzban-ready.json")
    proc = subprocess.Popen(
        ["/usr/bin/python3", os.path.join(ROOT, "tests/servers/marzban/fake_marzban.py"),
         "--state", os.path.join(work, "marzban"), "--password", "bench-pw", "--ready-file",
         ready], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.append(lambda: harness.end_process(proc, 10))
    harness.wait_until(lambda: os.path.exists(ready) or proc.poll() is not None, 60,
                       what="the fake Marzban panel")
    if not os.path.exists(ready):
        raise SystemExit("fake_marzban.py did not start")
    with open(ready) as f:
        url = json.load(f)["url"]
    hub.cli("server", "add", "--location", "bench", "--kind", "marzban", "--api-url", url,
            "--username", "admin", "--password", "bench-pw", "--inbound", "VLESS TCP",
            "--capacity", str(count))

    def counts():
        import urllib.request
        with urllib.request.urlopen(url + "/_control/requests", timeout=10) as r:
            return json.load(r)
    # What `server add` asked (its probe and its Ping) is not a key's.
    before = counts()

    def calls_per_key(_keys=None):
        after = counts()
        keys = {k: n - before.get(k, 0) for k, n in after.items() if n - before.get(k, 0)}
        total = sum(keys.values())
        return (f"panel calls during the keys: {keys}; per key create: {total / count:.3f}")
    return calls_per_key


def setup_xui(api):
    def setup(hub, work, count, stack):
        sys.path.insert(0, os.path.join(ROOT, "tests", "servers", "xui"))
        from xui_support import FakeXui
        fake = FakeXui(api=api, token="bench-token" if api == "v3" else "",
                       state=os.path.join(work, "xui")).start()
        stack.append(fake.cleanup)
        creds = (("--token", fake.token) if api == "v3" else
                 ("--username", fake.username, "--password", fake.password))
        hub.cli("server", "add", "--location", "bench", "--kind", "xui", "--api-url", fake.url,
                *creds, "--inbound-id", "1", "--capacity", str(count))
        before = fake.requests()

        def report(_keys=None):
            after = fake.requests()
            calls = {r: n - before.get(r, 0) for r, n in after.items() if n > before.get(r, 0)}
            total = sum(calls.values())
            lines = [f"panel calls per key create: {total / count:.3f} ({total} for {count} keys)"]
            lines += [f"  {route}: {n}" for route, n in sorted(calls.items())]
            return "\n".join(lines)
        return report
    return setup


SETUPS = {"shadowsocks": setup_shadowsocks, "outline": setup_outline,
          "amneziawg": setup_amneziawg, "wireguard": setup_wireguard,
          "wireguard-node": setup_wireguard_node, "remnawave": setup_remnawave,
          "marzban": setup_marzban, "xui-v2": setup_xui("v2"), "xui-v3": setup_xui("v3")}


def run_kind(build, kind, count, rate):
    stack = []
    with tempfile.TemporaryDirectory(prefix=f"vpnhub-bench-{kind}-") as work:
        try:
            # 8 calls per server, as measured for issue 15: the per-server limit is capped at
            # half of WORKER_CONCURRENCY (the bench's 16 threads).
            hub = harness.Vpnhub(work, VPN_CALL_TIMEOUT_MS="3000", WORKER_PER_SERVER="8",
                                 WORKER_CONCURRENCY="16")
            hub.cli("location", "add", "bench")
            report = SETUPS[kind](hub, work, count, stack)
            res = subprocess.run(
                [os.path.join(build, "bench", "vpnhub_key_create_bench"), "--location", "bench",
                 "--count", str(count), "--rate", str(rate)],
                cwd=work, env=hub.env, capture_output=True, text=True, timeout=count / rate + 600)
            print(f"== {kind}")
            print(res.stdout.strip())
            if res.returncode != 0:
                print(res.stderr.strip())
            if callable(report):
                print(report(count))
            return res.returncode
        finally:
            for stop in reversed(stack):
                stop()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--rate", type=float, default=50)
    p.add_argument("--kinds", default="shadowsocks,outline,amneziawg,wireguard,xui-v2,xui-v3,marzban,remnawave")
    a = p.parse_args()
    harness.BINARY = os.path.join(os.path.abspath(a.build), "bin", "vpnhub")
    rc = 0
    for kind in a.kinds.split(","):
        if kind not in SETUPS:
            sys.exit(f"unknown kind {kind} (known: {', '.join(SETUPS)})")
        rc |= run_kind(os.path.abspath(a.build), kind, a.count, a.rate)
    return rc


if __name__ == "__main__":
    sys.exit(main())
