"""End to end: several `vpnhub serve` processes on one PostgreSQL database.

- 5,000 keys expiring together, three instances: every key is revoked, and the VPN server sees
  exactly one remove per key.
- Two instances, one killed with -9 mid-way: the other finishes its work; a key in a batch the
  killed one had in flight (done on the server, not yet committed) may be removed twice (removal
  is idempotent), never more.
- Leader failover: kill the instance holding the sweep lease; another runs the sweep within one
  lease period (plus one sweep interval).
- PostgreSQL stopped under load: /readyz says not ready, the service recovers by itself when the
  database is back, and no key is lost.

The VPN server is harness.FakeSsManager (ss-manager's protocol, counting every call): the real
ss-manager would fork one ss-server per key, thousands of processes.
"""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

KEYS = 5000
PORT_FROM = 20000
JOB_LEASE = 3
WORKERS, BATCH = 4, 16  # a batch's outcomes commit together: what one instance has in flight


class MultiInstanceTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.pg = harness.PgServer()
        self.addCleanup(self.pg.close)
        self.ss = self.stop_after(harness.FakeSsManager())
        self.hubs = []

    def tearDown(self):
        # Whatever the diagnosis hits, the servers and folders go (clean-ups of HubTestCase).
        for hub in self.hubs:
            hub.stop()
        if self.failed():
            self._diagnose()

    def _diagnose(self):
        if self.pg.psql("SELECT to_regclass('keys') IS NOT NULL") == "t":
            sys.stderr.write("keys: " + self.pg.psql(
                "SELECT state, count(*) FROM keys GROUP BY 1").replace("\n", ", ") + "\n")
            sys.stderr.write("tasks: " + self.pg.psql(
                "SELECT kind, state, count(*), min(next_attempt_at), max(attempts) FROM tasks "
                "GROUP BY 1, 2").replace("\n", ", ") + "\n")
            sys.stderr.write("leases: " + self.pg.psql("SELECT * FROM job_leases") + "\n")
        for i, hub in enumerate(self.hubs):
            if not os.path.exists(hub.log_path):
                continue
            with open(hub.log_path) as f:
                lines = f.readlines()
            lines = [line for line in lines if "key.revoked" not in line
                     and "task.done" not in line]
            sys.stderr.write(f"---- instance {i} log (last 40 lines) ----\n"
                             + "".join(lines[-40:]))

    def hub(self, **env):
        self.made = getattr(self, "made", 0) + 1
        workdir = os.path.join(self.dir, f"i{self.made}")
        os.makedirs(workdir, exist_ok=True)
        # RECONCILE_INTERVAL_SEC=0: the keys are seeded in the database only (seed_active_keys),
        # which a reconciliation would rightly re-create on the fake ss-manager first.
        hub = harness.Vpnhub(workdir, DATABASE_URL=self.pg.url, JOB_LEASE_SEC=JOB_LEASE,
                             WORKER_CONCURRENCY=WORKERS, WORKER_BATCH=BATCH, TASK_LEASE_SEC=3,
                             RECONCILE_INTERVAL_SEC=0, **env)
        self.hubs.append(hub)
        return hub

    def seed(self, count, expires_in_sec):
        """A location, a server on the fake ss-manager and `count` active keys (one person
        each) expiring together: inserted in bulk, as a years-old installation would hold."""
        admin = self.hub()
        self.hubs.pop()
        harness.seed_active_keys(admin, self.pg, self.ss, count, PORT_FROM,
                                 int(time.time() * 1000) + expires_in_sec * 1000)
        return admin

    def revoked(self):
        return int(self.pg.psql("SELECT count(*) FROM keys WHERE state = 'revoked'"))

    def leader(self, job="expiry_sweep"):
        """Index of the instance whose /metrics says it runs `job`, or None."""
        for i, hub in enumerate(self.hubs):
            if hub.proc is None or hub.proc.poll() is not None:
                continue
            status, body = hub.get("/metrics")
            if status == 200 and f'vpnhub_job_leader{{job="{job}"}} 1' in body:
                return i
        return None

    def test_three_instances_revoke_5000_keys_exactly_once(self):
        self.seed(KEYS, expires_in_sec=4)
        for _ in range(3):
            self.hub().start()
        harness.wait_until(lambda: self.revoked() == KEYS, 120, interval=0.5,
                           what="every key revoked")
        _, removes, _ = self.ss.counts()
        self.assertEqual(len(removes), KEYS)
        self.assertEqual(sorted(set(removes.values())), [1], "a key was removed twice")
        self.assertEqual(set(removes), set(range(PORT_FROM, PORT_FROM + KEYS)))
        self.assertEqual(self.pg.psql("SELECT count(*) FROM tasks WHERE state <> 'done'"), "0")
        # The work was shared: every instance revoked some keys (their worker metrics).
        done = []
        for hub in self.hubs:
            _, body = hub.get("/metrics")
            total = sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
                        if line.startswith("vpnhub_backend_call_duration_seconds_count")
                        and 'op="delete_key"' in line)
            done.append(total)
        self.assertEqual(sum(done), KEYS, done)
        self.assertTrue(all(n > 0 for n in done), done)

    def test_kill_9_one_of_two_instances_midway_and_the_other_finishes(self):
        self.seed(KEYS, expires_in_sec=4)
        a, b = self.hub(), self.hub()
        a.start()
        b.start()
        harness.wait_until(lambda: len(self.ss.counts()[1]) >= 1000, 60, interval=0.05,
                           what="a fifth of the keys removed")
        a.kill9()
        harness.wait_until(lambda: self.revoked() == KEYS, 120, interval=0.5,
                           what="every key revoked by the survivor")
        _, removes, _ = self.ss.counts()
        self.assertEqual(set(removes), set(range(PORT_FROM, PORT_FROM + KEYS)))
        twice = [p for p, n in removes.items() if n > 1]
        # Only what the killed worker had in flight can repeat: each of its threads' batch
        # (up to WORKER_BATCH tasks whose VPN calls were made, their outcomes not yet committed).
        self.assertLessEqual(len(twice), WORKERS * BATCH, twice)
        self.assertLessEqual(max(removes.values()), 2)
        self.assertEqual(self.pg.psql("SELECT count(*) FROM tasks WHERE state <> 'done'"), "0")

    def test_the_sweep_moves_to_another_instance_within_one_lease(self):
        admin = self.seed(10, expires_in_sec=3600)
        for _ in range(2):
            self.hub().start()
        harness.wait_until(lambda: self.leader() is not None, 10, what="a sweep leader")
        holder = self.leader()
        follower = 1 - holder
        self.hubs[holder].kill9()
        killed_at = time.monotonic()
        # A key expiring right away: only a sweep revokes it.
        admin.cli("key", "create", "--user", "1", "--location", "Amsterdam", "--seconds", "1",
                  "--no-wait")
        harness.wait_until(lambda: self.leader() == follower, JOB_LEASE + 3, interval=0.1,
                           what="the other instance leading the sweep")
        took_over = time.monotonic() - killed_at
        self.assertLessEqual(took_over, JOB_LEASE + 1 + 1)  # lease + one sweep interval + slack
        key_state = lambda: self.pg.psql(  # noqa: E731
            "SELECT state FROM keys WHERE user_id = (SELECT id FROM users WHERE tg_id = 1)")
        harness.wait_until(lambda: key_state() in ("revoking", "revoked"), 10,
                           what="the new key swept by the new leader")

    def test_postgres_stopped_under_load_not_ready_then_recovers_and_loses_nothing(self):
        self.seed(2000, expires_in_sec=3)
        hub = self.hub()
        hub.start()
        harness.wait_until(lambda: hub.get("/readyz")[0] == 200, 10, what="ready")
        harness.wait_until(lambda: len(self.ss.counts()[1]) >= 200, 60, interval=0.05,
                           what="revocations under way")
        self.pg.stop()
        harness.wait_until(lambda: hub.get("/readyz")[0] == 503, 10, what="/readyz 503")
        time.sleep(2)  # the worker and sweep fail against the missing database meanwhile
        self.assertIsNone(hub.proc.poll(), "the service must survive the outage")
        self.pg.start()
        harness.wait_until(lambda: hub.get("/readyz")[0] == 200, 20, what="ready again")
        harness.wait_until(lambda: self.revoked() == 2000, 120, interval=0.5,
                           what="every key revoked after the outage")
        _, removes, _ = self.ss.counts()
        self.assertEqual(set(removes), set(range(PORT_FROM, PORT_FROM + 2000)))
        with open(hub.log_path) as f:
            events = [json.loads(line)["event"] for line in f if line.startswith("{")]
        self.assertIn("readiness.not_ready", events)

    def test_db_copy_moves_a_sqlite_installation_to_postgres(self):
        """An embedded installation moves to PostgreSQL with `vpnhub db copy`; the same CLI
        then reads the same keys from PostgreSQL, and a second copy onto it is refused."""
        workdir = os.path.join(self.dir, "embedded")
        os.makedirs(workdir)
        old = harness.Vpnhub(workdir)
        old.cli("location", "add", "Amsterdam")
        old.cli("server", "add", "--location", "Amsterdam", "--manager", self.ss.address,
                "--public-host", "127.0.0.1", "--ports", f"{PORT_FROM}-{PORT_FROM + 99}",
                "--capacity", "100")
        for user in range(1, 6):
            old.cli("key", "create", "--user", str(user), "--location", "Amsterdam",
                    "--days", "30", "--no-wait")
        before = old.cli_json("key", "list")
        self.assertEqual(len(before), 5)

        res = old.cli("db", "copy", "--from", f"sqlite://{old.db_path}", "--to", self.pg.url)
        self.assertIn("keys\t5", res.stdout)
        self.assertIn("users\t5", res.stdout)

        moved = harness.Vpnhub(workdir, DATABASE_URL=self.pg.url)
        self.assertEqual(moved.cli_json("key", "list"), before)
        self.assertEqual(len(moved.cli_json("location", "list")), 1)

        again = old.cli("db", "copy", "--from", f"sqlite://{old.db_path}", "--to", self.pg.url,
                        check=False)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("the target is not empty", again.stderr)
        self.assertEqual(len(moved.cli_json("key", "list")), 5)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    unittest.main()
