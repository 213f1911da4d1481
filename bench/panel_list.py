#!/usr/bin/python3
"""Issue 16 figure: 10,000 keys on one panel, the reconciliation listing time (ListKeys through
the kind's adapter, build/bench/vpnhub_adapter_list_bench) against the panel's fake seeded with
COUNT users through its /_control/seed.

  bench/panel_list.py [--build build] [--count 10000] [--runs 5] [--kinds remnawave]
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


def remnawave(work, count, stack):
    """The fake Remnawave panel without v2ray (the seeded users live in its database only)."""
    token = "bench-token"
    ready = os.path.join(work, "ready.json")
    proc = subprocess.Popen(["/usr/bin/python3",
                             os.path.join(ROOT, "tests/servers/remnawave/fake_remnawave.py"),
                             "--state", os.path.join(work, "panel"), "--token", token,
                             "--ready-file", ready, "--no-v2ray"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.append(lambda: harness.end_process(proc, 10))
    harness.wait_until(lambda: os.path.exists(ready), 30, what="the fake panel")
    with open(ready) as f:
        url = json.load(f)["url"]
    urllib.request.urlopen(urllib.request.Request(f"{url}/_control/seed?n={count}", method="POST"),
                           timeout=120).read()
    return ["--setting", f"api_url={url}", "--setting", f"token={token}"]


KINDS = {"remnawave": remnawave}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--kinds", default="remnawave")
    a = p.parse_args()
    rc = 0
    for kind in a.kinds.split(","):
        stack = []
        with tempfile.TemporaryDirectory(prefix=f"vpnhub-list-{kind}-") as work:
            try:
                flags = KINDS[kind](work, a.count, stack)
                res = subprocess.run([os.path.join(os.path.abspath(a.build), "bench",
                                                   "vpnhub_adapter_list_bench"), "--kind", kind,
                                      "--runs", str(a.runs), *flags],
                                     capture_output=True, text=True, timeout=600)
                print(f"== {kind} ({a.count} users)")
                print(res.stdout.strip())
                if res.returncode != 0:
                    print(res.stderr.strip())
                rc |= res.returncode
            finally:
                for stop in reversed(stack):
                    stop()
    return rc


if __name__ == "__main__":
    sys.exit(main())
