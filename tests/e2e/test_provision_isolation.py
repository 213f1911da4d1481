"""End to end: provisioning isolated from a hung server (issue 17).

300 keys across three shadowsocks servers on real ss-managers, provisioned by the embedded worker
with the production defaults (provision_isolation.py): once with every manager answering, once
with the third one stopped by SIGSTOP before the first key. The other two servers' issue ->
active p99 in the run with the hang stays within 1.2x of the run without it.

Noise floor: the p99 of ~200 keys is their second slowest, latencies come from millisecond
timestamps, and on a shared 2-core machine (the suite runs tests in parallel) one run's p99 of
~20 ms moves by several milliseconds from scheduling alone. The bound is therefore
max(1.2 x p99, p99 + SLACK_MS). What the test guards against costs far more than that slack: a
hung server holding the worker threads makes the keys behind it wait VPN_CALL_TIMEOUT_MS (5000
ms; without GatedBackend's refusals, 91 of 200 keys on the answering servers were still pending
after 60 s), and a caller waiting for a slot of the hung server waits its patience (100 ms).
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
import provision_isolation  # noqa: E402

LOAD_BIN = None
RATIO = 1.2
SLACK_MS = 25.0


class ProvisionIsolationTest(harness.HubTestCase):
    def test_a_hung_server_does_not_slow_the_other_servers_provisioning(self):
        base = provision_isolation.run(harness.BINARY, LOAD_BIN, os.path.join(self.dir, "base"),
                                       hang=False)
        hung = provision_isolation.run(harness.BINARY, LOAD_BIN, os.path.join(self.dir, "hung"),
                                       hang=True)
        for result in (base, hung):
            self.assertEqual(result["measured_active"], result["measured_keys"], result)
            self.assertGreater(result["measured_keys"], 150, result)
        # The hung server got its share of the keys, and none of them became active.
        self.assertGreater(hung["servers"]["s3"]["keys"], 50, hung)
        self.assertFalse(hung["servers"]["s3"]["measured"], hung)
        bound = max(RATIO * base["p99"], base["p99"] + SLACK_MS)
        sys.stderr.write(f"\nFIGURE other servers' p99: {base['p99']:.1f} ms without a hung "
                         f"server, {hung['p99']:.1f} ms with s3 stopped (ratio "
                         f"{hung['p99'] / max(base['p99'], 0.1):.2f}; bound {bound:.1f} ms; "
                         f"calls refused {base['refused_calls']} / {hung['refused_calls']})\n")
        self.assertLessEqual(hung["p99"], bound, {"base": base, "hung": hung})


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    LOAD_BIN = sys.argv.pop(1)
    unittest.main()
