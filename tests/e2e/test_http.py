"""End to end: /healthz, /readyz and /metrics of the real `vpnhub serve`."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402


class HttpTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.hub = self.own_hub(harness.Vpnhub(self.dir))
        self.hub.start()

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


class RetentionTest(harness.HubTestCase):
    """`vpnhub serve` deletes done tasks and sent/failed messages RETENTION_DAYS after they
    settled, keeps failed tasks (dead letters) and open work, and counts what it deleted."""

    def seed(self):
        import sqlite3
        import time
        self.hub.cli("migrate")
        now_ms = int(time.time() * 1000)
        old = now_ms - 40 * 86400 * 1000  # settled 40 days ago
        recent = now_ms - 5 * 86400 * 1000
        db = sqlite3.connect(self.hub.db_path, timeout=10)
        with db:
            for state, at in (("done", old), ("done", old), ("failed", old), ("done", recent)):
                db.execute("INSERT INTO tasks (kind, subject_id, state, attempts, next_attempt_at, "
                           "created_at, updated_at) VALUES ('revoke_key', 1, ?, 1, ?, ?, ?)",
                           (state, at, at, at))
            for state, at in (("sent", old), ("failed", old), ("sent", recent),
                              ("pending", now_ms + 3600 * 1000)):
                db.execute("INSERT INTO outgoing_messages (chat_id, kind, priority, state, "
                           "next_attempt_at, created_at, updated_at) "
                           "VALUES (1, 'text', 1, ?, ?, ?, ?)", (state, at, at, at))
        db.close()

    def rows(self):
        import sqlite3
        db = sqlite3.connect(self.hub.db_path, timeout=10)
        tasks = [r[0] for r in db.execute("SELECT state FROM tasks ORDER BY id")]
        messages = [r[0] for r in db.execute("SELECT state FROM outgoing_messages ORDER BY id")]
        db.close()
        return tasks, messages

    def test_purges_what_settled_before_the_retention(self):
        self.hub = self.own_hub(harness.Vpnhub(self.dir))  # RETENTION_DAYS defaults to 30
        self.seed()
        self.hub.start()
        metrics = harness.wait_until(
            lambda: (lambda b: b if 'vpnhub_retention_purged_rows_total{table="tasks"} 2' in b
                     else None)(self.hub.get("/metrics")[1]), 10, what="the purge")
        self.assertIn('vpnhub_retention_purged_rows_total{table="outgoing_messages"} 2', metrics)
        self.assertEqual(self.rows(), (["failed", "done"], ["sent", "pending"]))

    def test_zero_keeps_everything(self):
        self.hub = self.own_hub(harness.Vpnhub(self.dir, RETENTION_DAYS=0))
        self.seed()
        self.hub.start()
        # No purge job at all: its counters are not even registered. (A purge job would have
        # run at start, together with the first statistics run waited for here.)
        harness.wait_until(lambda: "vpnhub_users" in self.hub.get("/metrics")[1], 10,
                           what="the first statistics")
        self.assertNotIn("vpnhub_retention_purged_rows_total", self.hub.get("/metrics")[1])
        self.assertEqual(len(self.rows()[0]), 4)
        self.assertEqual(len(self.rows()[1]), 4)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    unittest.main()
