#!/usr/bin/env python3
"""Issue 16 figure: the reconciliation listing time of 10,000 keys on one Marzban panel.

Starts tests/servers/marzban/fake_marzban.py (with v2ray behind it when v2ray_core.py and v2ray
are there, else --no-v2ray: the listing does not touch v2ray), seeds COUNT users named
vpnhub_seed_<i> (/_control/seed: in the panel's database, not in v2ray), and times ListKeys of the
marzban adapter over them with build/bench/vpnhub_adapter_list_bench.

  bench/marzban_list.py [--build build] [--count 10000] [--rounds 5]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FAKE = os.path.join(ROOT, "tests", "servers", "marzban", "fake_marzban.py")


def v2ray_here():
    core = os.path.join(ROOT, "tests", "servers", "v2ray", "v2ray_core.py")
    probe = subprocess.run(["/usr/bin/python3", "-c", "import grpc"], capture_output=True)
    return os.path.exists(core) and probe.returncode == 0 and \
        subprocess.run(["which", "v2ray"], capture_output=True).returncode == 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="vpnhub-bench-marzban-") as work:
        ready = os.path.join(work, "ready.json")
        args = ["/usr/bin/python3", FAKE, "--state", os.path.join(work, "state"), "--password",
                "bench-pw", "--ready-file", ready]
        with_v2ray = v2ray_here()
        if not with_v2ray:
            args.append("--no-v2ray")
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 30
            while not os.path.exists(ready):
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit("the fake Marzban panel did not start")
                time.sleep(0.05)
            with open(ready) as f:
                url = json.load(f)["url"]
            req = urllib.request.Request(f"{url}/_control/seed?n={a.count}", method="POST")
            with urllib.request.urlopen(req, timeout=300) as r:
                total = json.load(r)["total"]
            print(f"== marzban listing: {total} users on the fake panel"
                  f" ({'v2ray behind it' if with_v2ray else 'no v2ray'})")
            res = subprocess.run(
                [os.path.join(os.path.abspath(a.build), "bench", "vpnhub_adapter_list_bench"),
                 "--kind", "marzban", "--setting", "api_url=" + url, "--setting",
                 "username=admin", "--setting", "password=bench-pw", "--setting",
                 'inbound_map={"vless":["VLESS TCP"]}', "--runs", str(a.rounds)],
                capture_output=True, text=True, timeout=600)
            print(res.stdout.strip())
            if res.returncode != 0:
                print(res.stderr.strip())
            with urllib.request.urlopen(f"{url}/_control/requests", timeout=10) as r:
                print("panel requests:", json.load(r))
            return res.returncode
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
