"""End to end: /healthz, /readyz and /metrics of the real `vpnhub serve`."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402


class HttpTest(unittest.TestCase):
    def setUp(self):
        self._wd = harness.Workdir()
        self.dir = self._wd.__enter__()
        self.hub = harness.Vpnhub(self.dir)
        self.hub.start()

    def tearDown(self):
        self.hub.stop()
        self._wd.__exit__(None, None, None)

    def test_readyz_follows_the_database(self):
        harness.wait_until(lambda: self.hub.get("/readyz")[0] == 200, 5, what="ready")
        moved = self.hub.db_path + ".away"
        os.rename(self.hub.db_path, moved)  # the database file is gone for the service
        status, body = harness.wait_until(
            lambda: (lambda r: r if r[0] == 503 else None)(self.hub.get("/readyz")), 5,
            what="/readyz 503")
        self.assertIn("not_ready", body)
        self.assertEqual(self.hub.get("/healthz")[0], 200)  # the process itself is fine
        os.rename(moved, self.hub.db_path)
        harness.wait_until(lambda: self.hub.get("/readyz")[0] == 200, 5, what="ready again")

    def test_readyz_turns_503_when_the_file_is_garbage(self):
        harness.wait_until(lambda: self.hub.get("/readyz")[0] == 200, 5, what="ready")
        moved = self.hub.db_path + ".away"
        os.rename(self.hub.db_path, moved)
        with open(self.hub.db_path, "wb") as f:
            f.write(b"this is not a database" * 100)
        harness.wait_until(lambda: self.hub.get("/readyz")[0] == 503, 5, what="/readyz 503")
        os.replace(moved, self.hub.db_path)
        harness.wait_until(lambda: self.hub.get("/readyz")[0] == 200, 5, what="ready again")

    def test_readyz_turns_503_while_writes_fail(self):
        """Reads work, writes do not (a full disk, a broken table): not ready, and the detail says
        why. Triggers that abort every write stand in for the disk."""
        import sqlite3
        harness.wait_until(lambda: self.hub.get("/readyz")[0] == 200, 5, what="ready")
        db = sqlite3.connect(self.hub.db_path, timeout=10)
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        with db:
            for table in tables:
                for op in ("INSERT", "UPDATE", "DELETE"):
                    db.execute(f"CREATE TRIGGER refuse_{op}_{table} BEFORE {op} ON {table} "
                               "BEGIN SELECT RAISE(ABORT, 'simulated full disk'); END")
        status, body = harness.wait_until(
            lambda: (lambda r: r if r[0] == 503 else None)(self.hub.get("/readyz")), 5,
            what="/readyz 503")
        self.assertIn("not_ready", body)
        self.assertIn("writes fail", body)
        self.assertIn("simulated full disk", body)
        self.assertEqual(self.hub.get("/healthz")[0], 200)
        with db:
            for table in tables:
                for op in ("INSERT", "UPDATE", "DELETE"):
                    db.execute(f"DROP TRIGGER refuse_{op}_{table}")
        db.close()
        harness.wait_until(lambda: self.hub.get("/readyz")[0] == 200, 5, what="ready again")

    def test_metrics_and_unknown_paths(self):
        self.hub.cli("location", "add", "Berlin")
        status, body = self.hub.get("/metrics")
        self.assertEqual(status, 200)
        for series in ("vpnhub_keys{state=\"active\"}", "vpnhub_users",
                       "vpnhub_tasks{kind=\"revoke_key\",state=\"failed\"}",
                       "vpnhub_sweep_duration_seconds_bucket",
                       "vpnhub_http_requests_total"):
            self.assertIn(series, body)
        self.assertEqual(self.hub.get("/nope")[0], 404)
        self.assertEqual(self.hub.get("/healthz")[1], "ok\n")


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    unittest.main()
