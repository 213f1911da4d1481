"""End to end: server health with hysteresis (issue 17, part 1), with the default settings
(SERVER_CHECK_INTERVAL_SEC=10, SERVER_FAIL_THRESHOLD=3, SERVER_RECOVER_THRESHOLD=2).

`vpnhub serve` and two real ss-managers behind two servers of one location. One ss-manager is
killed with SIGKILL: its server turns unhealthy within the threshold (logged once), and a new key
goes to the other server although the dead one would be chosen by load. The ss-manager is started
again on the same port: the server turns healthy again and takes new keys. The times from the
kill to out-of-pool and from the restart to back-in-pool are printed (the issue's figures). The
same with SIGSTOP (a hung manager that never answers) and SIGCONT.
"""
import datetime
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

INTERVAL = 10  # SERVER_CHECK_INTERVAL_SEC's default
FAIL = 3       # SERVER_FAIL_THRESHOLD's default
RECOVER = 2    # SERVER_RECOVER_THRESHOLD's default


class ServerHealthTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        # The production call deadline (the harness shortens it): a hung manager's probe fails
        # after VPN_CALL_TIMEOUT_MS, so the SIGSTOP figure depends on it.
        self.hub = self.own_hub(harness.Vpnhub(self.dir, VPN_CALL_TIMEOUT_MS=5000))
        self.ss_a = self.stop_after(harness.SsManager(os.path.join(self.dir, "a")))
        self.ss_b = self.stop_after(harness.SsManager(os.path.join(self.dir, "b")))
        self.hub.cli("location", "add", "Amsterdam")
        for name, ss in (("ams-a", self.ss_a), ("ams-b", self.ss_b)):
            port_from = harness.free_port_block(5)
            self.hub.cli("server", "add", "--location", "Amsterdam", "--name", name, "--manager",
                         ss.address, "--public-host", "127.0.0.1", "--ports",
                         f"{port_from}-{port_from + 4}", "--capacity", "5")
        self.hub.start()

    def server(self, name):
        for s in self.hub.cli_json("server", "list"):
            if s["name"] == name:
                return s
        raise AssertionError(f"server {name} not listed")

    def new_key_server(self, tg):
        self.hub.cli("key", "create", "--user", str(tg), "--location", "Amsterdam", "--days",
                     "30")
        keys = [k for k in self.hub.cli_json("key", "list") if k["user_tg_id"] == tg]
        self.assertEqual(len(keys), 1, keys)
        self.assertEqual(keys[0]["state"], "active", keys[0])
        return keys[0]["server"]

    def log_events(self, event):
        with open(self.hub.log_path) as f:
            return [line for line in f if f'"event":"{event}"' in line.replace(" ", "")]

    def seconds_to(self, event, since):
        """From `since` (time.time()) to the service's log line of `event` (its ms timestamp):
        the figure without the test's polling of `server list`."""
        ts = json.loads(self.log_events(event)[-1])["ts"]
        at = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        return at - since

    def test_a_killed_ss_manager_leaves_the_pool_and_comes_back_after_a_restart(self):
        # Equal load after two keys: the lower id (ams-a) is the next server by load.
        self.assertEqual(self.new_key_server(1001), "ams-a")
        self.assertEqual(self.new_key_server(1002), "ams-b")
        harness.wait_until(lambda: self.server("ams-a")["last_check_at"] is not None, 2 * INTERVAL,
                           what="a first probe of ams-a")
        self.assertTrue(self.server("ams-a")["healthy"])
        self.assertIsNone(self.server("ams-a")["health_changed_at"])

        killed_at = time.monotonic()
        killed_wall = time.time()
        self.ss_a.proc.kill()  # SIGKILL
        self.ss_a.proc.wait()
        # Out of the pool after FAIL failed probes: within FAIL + 1 intervals of the kill (each
        # probe failing at once or after VPN_CALL_TIMEOUT_MS).
        harness.wait_until(lambda: not self.server("ams-a")["healthy"], (FAIL + 1) * INTERVAL + 5,
                           interval=0.2, what="ams-a unhealthy")
        out_of_pool = time.monotonic() - killed_at
        out_logged = self.seconds_to("server.unhealthy", killed_wall)
        a = self.server("ams-a")
        self.assertGreaterEqual(a["consecutive_failures"], FAIL)
        self.assertIsNotNone(a["health_changed_at"])
        listed = self.hub.cli("server", "list").stdout
        row = [r for r in listed.splitlines() if "\tams-a\t" in r][0].split("\t")
        self.assertIn("unhealthy", row)
        self.assertIn("changed=" + a["health_changed_at"], row)
        self.assertTrue(self.server("ams-b")["healthy"])
        self.assertEqual(len(self.log_events("server.unhealthy")), 1)

        # ams-a would be next by load; the new key goes to ams-b.
        self.assertEqual(self.new_key_server(1003), "ams-b")

        restarted_at = time.monotonic()
        restarted_wall = time.time()
        self.ss_a = self.stop_after(harness.SsManager(os.path.join(self.dir, "a2"),
                                                      port=self.ss_a.port))
        harness.wait_until(lambda: self.server("ams-a")["healthy"], (RECOVER + 1) * INTERVAL + 5,
                           interval=0.2, what="ams-a healthy again")
        back_in_pool = time.monotonic() - restarted_at
        back_logged = self.seconds_to("server.healthy", restarted_wall)
        self.assertEqual(len(self.log_events("server.healthy")), 1)
        self.assertEqual(len(self.log_events("server.unhealthy")), 1)
        # Back in the pool: the less loaded ams-a (1 key against 2) takes the next key.
        self.assertEqual(self.new_key_server(1004), "ams-a")
        sys.stderr.write(f"\nFIGURE kill -> out of pool: {out_of_pool:.1f} s "
                         f"(logged {out_logged:.1f} s); restart -> back in pool: "
                         f"{back_in_pool:.1f} s (logged {back_logged:.1f} s) "
                         f"(interval {INTERVAL} s, thresholds {FAIL}/{RECOVER})\n")

    def test_a_hung_ss_manager_leaves_the_pool_and_comes_back_when_it_answers_again(self):
        # SIGSTOP: the manager still holds its port and never answers, so each probe fails only
        # at its deadline (VPN_CALL_TIMEOUT_MS, 5 s, before SERVER_CHECK_TIMEOUT_SEC's 8 s). The
        # rounds keep their fixed rate all the same.
        self.assertEqual(self.new_key_server(1001), "ams-a")
        self.assertEqual(self.new_key_server(1002), "ams-b")
        harness.wait_until(lambda: self.server("ams-a")["last_check_at"] is not None, 2 * INTERVAL,
                           what="a first probe of ams-a")
        self.assertTrue(self.server("ams-a")["healthy"])

        stopped_at = time.monotonic()
        stopped_wall = time.time()
        self.ss_a.pause()  # SIGSTOP
        try:
            harness.wait_until(lambda: not self.server("ams-a")["healthy"],
                               (FAIL + 1) * INTERVAL + 10, interval=0.2, what="ams-a unhealthy")
            out_of_pool = time.monotonic() - stopped_at
            out_logged = self.seconds_to("server.unhealthy", stopped_wall)
            self.assertGreaterEqual(self.server("ams-a")["consecutive_failures"], FAIL)
            self.assertTrue(self.server("ams-b")["healthy"])
            self.assertEqual(len(self.log_events("server.unhealthy")), 1)
            # The hung server would be next by load; the new key goes to ams-b.
            self.assertEqual(self.new_key_server(1003), "ams-b")
        finally:
            resumed_at = time.monotonic()
            resumed_wall = time.time()
            self.ss_a.resume()  # SIGCONT
        harness.wait_until(lambda: self.server("ams-a")["healthy"], (RECOVER + 1) * INTERVAL + 10,
                           interval=0.2, what="ams-a healthy again")
        back_in_pool = time.monotonic() - resumed_at
        back_logged = self.seconds_to("server.healthy", resumed_wall)
        self.assertEqual(len(self.log_events("server.healthy")), 1)
        self.assertEqual(self.new_key_server(1004), "ams-a")
        sys.stderr.write(f"\nFIGURE SIGSTOP -> out of pool: {out_of_pool:.1f} s "
                         f"(logged {out_logged:.1f} s); SIGCONT -> back in pool: "
                         f"{back_in_pool:.1f} s (logged {back_logged:.1f} s) "
                         f"(interval {INTERVAL} s, thresholds {FAIL}/{RECOVER})\n")


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    unittest.main()
