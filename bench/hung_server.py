#!/usr/bin/env python3
"""Issue 17 figure: the other servers' provisioning p99 with one hung server, as a ratio to the
same run with none hung.

Three shadowsocks servers on three real ss-managers, COUNT keys issued at RATE per second and
provisioned by the embedded worker with the production defaults (tests/e2e/provision_isolation.py,
build/tests/e2e/vpnhub_provision_load); first with every manager answering, then with the third
stopped by SIGSTOP before the first key. Prints the issue -> active p50/p99/max of the keys on the
other two servers in both runs and the ratio of the p99s. RUNS > 1 repeats the pair.

  bench/hung_server.py [--build build] [--count 300] [--rate 50] [--runs 1]
"""
import argparse
import os
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import provision_isolation  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--count", type=int, default=300)
    p.add_argument("--rate", type=float, default=50)
    p.add_argument("--runs", type=int, default=1)
    args = p.parse_args()
    vpnhub = os.path.join(args.build, "bin", "vpnhub")
    load = os.path.join(args.build, "tests", "e2e", "vpnhub_provision_load")
    for path in (vpnhub, load):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} not built (cmake --build {args.build} --target vpnhub "
                     "vpnhub_provision_load)")
    print(f"{args.count} keys at {args.rate:g}/s over s1, s2, s3; measured: s1 and s2")
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="hung_server_") as work:
            base = provision_isolation.run(vpnhub, load, os.path.join(work, "base"), hang=False,
                                           count=args.count, rate=args.rate)
            hung = provision_isolation.run(vpnhub, load, os.path.join(work, "hung"), hang=True,
                                           count=args.count, rate=args.rate)
        for label, r in (("none hung", base), ("s3 SIGSTOP", hung)):
            print(f"run {run + 1} {label:10}: {r['measured_active']}/{r['measured_keys']} active, "
                  f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, max {r['max']:.1f} ms; "
                  f"calls refused {r['refused_calls']}, attempts retried {r['retried_tasks']}")
        print(f"run {run + 1} p99 ratio (s3 hung / none hung): "
              f"{hung['p99'] / max(base['p99'], 0.1):.2f}")


if __name__ == "__main__":
    main()
