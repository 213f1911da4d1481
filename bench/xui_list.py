#!/usr/bin/python3
"""Issue 16 figure: the reconciliation listing of 10,000 keys on one 3x-ui panel.

For each API generation asked for, a fresh SQLite database gets one xui server pointing at
tests/servers/xui/fake_xui.py (no v2ray: listing does not touch the data plane) whose inbound 1
holds COUNT clients made by /_control/seed; then build/bench/vpnhub_list_keys_bench times
VpnBackend::ListKeys for that server REPEAT times through the process's backend stack, and the
fake's request counts give the panel calls one listing takes (v2: the inbound with every client
in its settings, one call; v3: clients/list/paged, at most 200 per page on the real panel).

  bench/xui_list.py [--build build] [--count 10000] [--repeat 5] [--apis v2,v3]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "servers", "xui"))
import harness  # noqa: E402
from xui_support import FakeXui  # noqa: E402


def run(build, api, count, repeat):
    with tempfile.TemporaryDirectory(prefix="vpnhub-bench-xui-list-") as work:
        fake = FakeXui(api=api, token="bench-token" if api == "v3" else "",
                       state=os.path.join(work, "xui"), v2ray=False).start()
        try:
            hub = harness.Vpnhub(work, VPN_CALL_TIMEOUT_MS="30000")
            hub.cli("location", "add", "bench")
            creds = (("--token", fake.token) if api == "v3" else
                     ("--username", fake.username, "--password", fake.password))
            hub.cli("server", "add", "--location", "bench", "--kind", "xui", "--api-url",
                    fake.url, *creds, "--inbound-id", "1", "--capacity", str(count + 10))
            server_id = hub.cli_json("server", "list")[0]["id"]
            # Seeded after `server add`: its probe reads the inbound, which then holds every client.
            t0 = time.monotonic()
            # As the hub makes its clients (remote name vpnhub-..., comment "vpnhub"), so that the
            # listing keeps them all; the inbound's own first client (admin-1) is not the hub's.
            fake.control("seed", n=count, inbound=1, prefix="vpnhub-9-", comment="vpnhub")
            seeded = time.monotonic() - t0
            before = fake.requests()
            res = subprocess.run(
                [os.path.join(build, "bench", "vpnhub_list_keys_bench"), "--server-id",
                 str(server_id), "--repeat", str(repeat)],
                cwd=work, env=hub.env, capture_output=True, text=True, timeout=600)
            after = fake.requests()
            print(f"== xui {api}: {count} clients seeded in {seeded:.1f} s")
            print(res.stdout.strip())
            if res.returncode != 0:
                print(res.stderr.strip())
            calls = {r: n - before.get(r, 0) for r, n in after.items() if n > before.get(r, 0)}
            print(f"panel calls for {repeat} listings: {sum(calls.values())}")
            for route, n in sorted(calls.items()):
                print(f"  {route}: {n}")
            return res.returncode
        finally:
            fake.cleanup()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--apis", default="v2,v3")
    a = p.parse_args()
    harness.BINARY = os.path.join(os.path.abspath(a.build), "bin", "vpnhub")
    rc = 0
    for api in a.apis.split(","):
        rc |= run(os.path.abspath(a.build), api, a.count, a.repeat)
    return rc


if __name__ == "__main__":
    sys.exit(main())
