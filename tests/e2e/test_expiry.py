"""End to end: the real `vpnhub serve` + CLI + a real ss-manager.

A key with a 3-second life is revoked on the ss-manager within one sweep interval; a service
killed with SIGKILL between the sweep and the revoke still gets the key revoked after restart.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402


class ExpiryTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.ss = self.stop_after(harness.SsManager(self.dir))
        self.hub = self.own_hub(harness.Vpnhub(self.dir))
        self.hub.cli("location", "add", "Amsterdam")
        self.port_from = harness.free_port_block(10)
        self.hub.cli("server", "add", "--location", "Amsterdam", "--kind", "shadowsocks",
                     "--manager", self.ss.address, "--public-host", "127.0.0.1",
                     "--ports", f"{self.port_from}-{self.port_from + 9}", "--capacity", "10")

    def create_key(self, seconds):
        out = self.hub.cli("key", "create", "--user", "424242", "--location", "Amsterdam",
                           "--seconds", str(seconds)).stdout.splitlines()
        fields = out[0].split("\t")
        self.assertEqual(fields[4], "active", out)  # the columns of `key list`
        self.assertTrue(out[1].startswith("ss://"), out)
        return int(fields[0]), out[1]

    def test_key_is_revoked_on_the_server_within_one_sweep_interval(self):
        self.hub.start()
        key_id, link = self.create_key(3)
        created = time.monotonic()
        self.assertIn(self.port_from, self.ss.ports())
        # Named "NAME | location" (NAME defaults to VPNHub), nothing about the owner.
        self.assertTrue(link.endswith("#VPNHub%20%7C%20Amsterdam"), link)
        self.assertNotIn("424242", link)
        harness.wait_until(lambda: self.port_from not in self.ss.ports(), 10,
                           what="port removed from ss-manager")
        elapsed = time.monotonic() - created
        interval = 1.0
        # Expiry at 3 s; removal must follow within one sweep interval (plus process slack).
        self.assertLess(elapsed, 3 + interval + 1.0, f"revoked after {elapsed:.2f}s")
        harness.wait_until(lambda: self.hub.key(key_id)["state"] == "revoked", 5,
                           what="key state revoked")

    def test_kill9_between_sweep_and_revoke_loses_nothing(self):
        self.hub.start()
        key_id, _ = self.create_key(3)
        self.assertIn(self.port_from, self.ss.ports())
        self.ss.pause()  # the revoke cannot reach the VPN server now
        harness.wait_until(lambda: self.hub.key(key_id)["state"] == "revoking", 10,
                           what="sweep moved the key to revoking")
        self.hub.kill9()
        self.ss.resume()
        self.assertEqual(self.hub.key(key_id)["state"], "revoking")
        tasks = self.hub.cli_json("task", "list")
        revoke = [t for t in tasks if t["kind"] == "revoke_key" and t["subject_id"] == key_id]
        self.assertEqual(len(revoke), 1, tasks)
        self.assertIn(revoke[0]["state"], ("pending", "running"))
        self.hub.start()
        harness.wait_until(lambda: self.hub.key(key_id)["state"] == "revoked", 20,
                           what="restarted service finished the revoke")
        self.assertNotIn(self.port_from, self.ss.ports())
        tasks = self.hub.cli_json("task", "list")
        revoke = [t for t in tasks if t["kind"] == "revoke_key" and t["subject_id"] == key_id]
        self.assertEqual([t["state"] for t in revoke], ["done"])


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    unittest.main()
