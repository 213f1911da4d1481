"""End to end: the NATS JetStream task pipeline (NATS_SERVERS set) with real nats-server
processes, PostgreSQL, one `vpnhub serve --roles http,scheduler` (HTTP, expiry sweep and the
outbox relay) and `vpnhub worker --http` processes (JetStream workers; they offer to relay too).

- 10,000 keys expiring together, two workers: every key revoked, one remove per key, each task
  published to the stream once, and both workers did work.
- NATS stopped for 10 s mid-run and started again on the same port and store: nothing lost,
  nothing applied twice, NATS shown as down and then up again (/readyz, /metrics).
- One of two workers killed with -9 mid-run: its messages are redelivered after ack_wait
  (TASK_LEASE_SEC) and the survivor finishes; only tasks the killed worker had claimed may run
  twice.
- A three-node NATS cluster with NATS_STREAM_REPLICAS=3 whose stream leader is killed with -9
  mid-run: the pipeline carries on, every key revoked exactly once.
- Dead letter: a VPN server refusing removes, TASK_MAX_ATTEMPTS=2: the task fails for good
  (`task list --failed`, vpnhub_tasks_dead_lettered_total), no admin alert without a bot, an
  admin alert row with one; `vpnhub task retry` then revokes the key through the pipeline.

The VPN server is harness.FakeSsManager (ss-manager's protocol, counting every remove by port):
the real ss-manager would fork one ss-server per key. Each test prints a one-line summary.
"""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PORT_FROM = 20000
JOB_LEASE = 3
TASK_LEASE = 3  # the consumer's ack_wait: a dead worker's messages come back after it
CONCURRENCY = 4
STREAM = "VPNHUB_TASKS"


def parse_metrics(text):
    """Prometheus text -> {series (name{labels}): value}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        try:
            out[series] = float(value)
        except ValueError:
            pass
    return out


class NatsPipelineTest(harness.HubTestCase):
    def setUp(self):
        self.t_setup = time.monotonic()
        super().setUp()
        self.pg = harness.PgServer()
        self.addCleanup(self.pg.close)
        self.ss = self.stop_after(harness.FakeSsManager())
        self.hubs = []  # (name, Vpnhub)
        self.nats = []  # NatsServer or NatsCluster objects to close
        self.addCleanup(self._close_nats)

    def _close_nats(self):
        for n in self.nats:
            n.close()

    def tearDown(self):
        # Whatever the diagnosis hits, the servers and folders go (clean-ups of HubTestCase).
        for _, hub in self.hubs:  # all at once: a worker may take seconds to stop
            if hub.proc is not None and hub.proc.poll() is None:
                hub.proc.terminate()
        for _, hub in self.hubs:
            hub.stop()
        if self.failed():
            self._diagnose()

    def _diagnose(self):
        def q(sql):
            try:
                return self.pg.psql(sql).replace("\n", ", ")
            except AssertionError as e:
                return f"({e})"
        if self.pg.psql("SELECT to_regclass('keys') IS NOT NULL") == "t":
            sys.stderr.write("keys: " + q("SELECT state, count(*) FROM keys GROUP BY 1") + "\n")
            sys.stderr.write("tasks: " + q(
                "SELECT kind, state, relayed_at IS NOT NULL, generation, count(*), max(attempts) "
                "FROM tasks GROUP BY 1, 2, 3, 4") + "\n")
            sys.stderr.write("leases: " + q("SELECT * FROM job_leases") + "\n")
        _, removes, _ = self.ss.counts()
        sys.stderr.write(f"fake: {len(removes)} ports removed, {sum(removes.values())} removes, "
                         f"{sum(self.ss.refused.values())} refused\n")
        for n in self.nats:
            for node in getattr(n, "nodes", [n]):
                stream = node.stream(STREAM) if node.proc and node.proc.poll() is None else {}
                consumers = [{k: c.get(k) for k in ("name", "num_pending", "num_ack_pending",
                                                    "num_redelivered")}
                             for c in stream.get("consumer_detail") or []]
                sys.stderr.write(f"---- nats {node.name}: stream state "
                                 f"{json.dumps(stream.get('state'))}, cluster "
                                 f"{json.dumps(stream.get('cluster'))}, consumers "
                                 f"{json.dumps(consumers)}\n{node.log_tail(1500)}\n")
        for name, hub in self.hubs:
            if not os.path.exists(hub.log_path):
                continue
            with open(hub.log_path) as f:
                lines = [line for line in f if "key.revoked" not in line
                         and "task.done" not in line]
            sys.stderr.write(f"---- {name} log (last 40 lines) ----\n" + "".join(lines[-40:]))

    # ---- building blocks

    def nats_server(self):
        server = harness.NatsServer()
        self.nats.append(server)
        return server

    def nats_cluster(self):
        cluster = harness.NatsCluster(3)
        self.nats.append(cluster)
        return cluster

    def hub(self, name, urls, **env):
        workdir = os.path.join(self.dir, name)
        os.makedirs(workdir, exist_ok=True)
        settings = dict(DATABASE_URL=self.pg.url, NATS_SERVERS=",".join(urls),
                        JOB_LEASE_SEC=JOB_LEASE, WORKER_CONCURRENCY=CONCURRENCY,
                        TASK_LEASE_SEC=TASK_LEASE,
                        # The keys are seeded in the database only (seed_active_keys), which a
                        # reconciliation would rightly re-create on the fake ss-manager first.
                        RECONCILE_INTERVAL_SEC=0)
        settings.update(env)
        hub = harness.Vpnhub(workdir, **settings)
        self.hubs.append((name, hub))
        return hub

    def scheduler(self, urls, **env):
        hub = self.hub("scheduler", urls, **env)
        hub.start("serve", "--roles", "http,scheduler")
        return hub

    def worker(self, name, urls, **env):
        hub = self.hub(name, urls, **env)
        hub.start("worker", "--http")
        return hub

    @staticmethod
    def events(hub):
        out = []
        with open(hub.log_path) as f:
            for line in f:
                if line.startswith("{"):
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
        return out

    def wait_nats_ready(self, hubs, timeout=30):
        """Each process connected and set the stream and consumer up (its `nats.ready`)."""
        for hub in hubs:
            harness.wait_until(lambda: any(e.get("event") == "nats.ready"
                                           for e in self.events(hub)),
                               timeout, interval=0.1, what=f"nats.ready in {hub.log_path}")

    def metrics(self, hub):
        self.assert_alive(hub)
        status, body = hub.get("/metrics")
        if status != 200:
            raise AssertionError(f"/metrics answered {status}")
        return parse_metrics(body)

    @staticmethod
    def alive(hub):
        return hub.proc is not None and hub.proc.poll() is None

    def log_tail(self, hub, lines=25):
        with open(hub.log_path, errors="replace") as f:
            kept = [line for line in f if "key.revoked" not in line and "task.done" not in line]
        return "".join(kept[-lines:])

    def assert_alive(self, *hubs):
        """Every given process (all but those killed on purpose when none given) still runs."""
        for name, hub in self.hubs:
            if hubs and hub not in hubs or getattr(hub, "killed_on_purpose", False):
                continue
            if not self.alive(hub):
                self.fail(f"{name} exited with {hub.proc.returncode} during the test "
                          f"(pid {hub.proc.pid}); its log ends:\n{self.log_tail(hub)}")

    def sum_metric(self, hubs, name, **labels):
        """`name` summed over the processes of `hubs` that still run."""
        return sum(self.metric(parse_metrics(h.get("/metrics")[1]), name, **labels)
                   for h in hubs if self.alive(h))

    @staticmethod
    def metric(values, name, **labels):
        """Sum of the series of `name` whose labels include `labels`."""
        total = 0.0
        for series, value in values.items():
            base, _, rest = series.partition("{")
            if base != name:
                continue
            if all(f'{k}="{v}"' in rest for k, v in labels.items()):
                total += value
        return total

    def seed(self, count):
        """A location, a server on the fake ss-manager and `count` active keys (one person
        each) expiring in an hour, inserted in bulk as in test_multi_instance. Key n (slot n)
        lives on port PORT_FROM + n."""
        admin = harness.Vpnhub(self.dir, DATABASE_URL=self.pg.url)
        harness.seed_active_keys(admin, self.pg, self.ss, count, PORT_FROM,
                                 int(time.time() * 1000) + 3600 * 1000)
        self.admin = admin
        self.count = count
        return admin

    def expire_all(self):
        """Every key expires now: the next sweep moves them all to revoking together."""
        self.pg.psql(f"UPDATE keys SET expires_at = {int(time.time() * 1000) - 1000}")
        return time.monotonic()

    def revoked(self):
        return int(self.pg.psql("SELECT count(*) FROM keys WHERE state = 'revoked'"))

    def wait_all_revoked(self, timeout):
        harness.wait_until(lambda: self.revoked() == self.count, timeout, interval=0.25,
                           what=f"all {self.count} keys revoked")

    def all_ports(self):
        return set(range(PORT_FROM, PORT_FROM + self.count))

    def assert_tasks_done(self):
        self.assertEqual(self.pg.psql("SELECT count(*) FROM tasks WHERE state <> 'done'"), "0",
                         self.pg.psql("SELECT state, count(*) FROM tasks GROUP BY 1"))

    def summary(self, name, seconds, **extra):
        _, removes, _ = self.ss.counts()
        dups = sum(n - 1 for n in removes.values() if n > 1)
        fields = " ".join(f"{k}={v}" for k, v in extra.items())
        line = (f"[nats_pipeline] {name}: keys={self.count} seconds={seconds:.1f} "
                f"removes={sum(removes.values())} duplicates={dups} {fields} "
                f"(test total {time.monotonic() - self.t_setup:.1f}s)")
        print(line, file=sys.stderr, flush=True)

    # ---- the tests

    def test_a_10000_keys_two_workers_each_revoked_exactly_once(self):
        self.seed(10000)
        nats = self.nats_server()
        sched = self.scheduler([nats.url])
        w1 = self.worker("worker1", [nats.url])
        w2 = self.worker("worker2", [nats.url])
        self.wait_nats_ready([sched, w1, w2])

        started = self.expire_all()
        self.wait_all_revoked(150)
        took = time.monotonic() - started

        _, removes, _ = self.ss.counts()
        self.assertEqual(set(removes), self.all_ports())
        self.assertEqual(sorted(set(removes.values())), [1], "a key was removed twice")
        self.assert_tasks_done()
        done = [self.metric(self.metrics(w), "vpnhub_tasks_processed_total", kind="revoke_key",
                            outcome="done") for w in (w1, w2)]
        self.assertEqual(sum(done), self.count, done)
        self.assertTrue(all(n > 0 for n in done), f"both workers must work: {done}")
        all_metrics = [self.metrics(h) for _, h in self.hubs]
        published = sum(self.metric(m, "vpnhub_nats_published_total") for m in all_metrics)
        self.assertEqual(published, self.count, "each task published to the stream once")
        dead = sum(self.metric(m, "vpnhub_tasks_dead_lettered_total") for m in all_metrics)
        self.assertEqual(dead, 0)
        # The stream stored each task once and holds nothing once the acks are in (work queue).
        harness.wait_until(lambda: (nats.stream(STREAM).get("state") or {}).get("messages") == 0,
                           10, what="every message acknowledged and gone from the stream")
        self.assertEqual(nats.stream(STREAM)["state"]["last_seq"], self.count)
        self.summary("a_10000_keys_two_workers", took, worker_done=[int(n) for n in done],
                     published=int(published))
        self.assert_alive()

    def test_b_nats_stopped_10s_mid_run_loses_nothing_and_applies_nothing_twice(self):
        self.seed(3000)
        self.ss.remove_delay = 0.002  # about 6 s of removes: the outage lands mid-run
        nats = self.nats_server()
        sched = self.scheduler([nats.url])
        w1 = self.worker("worker1", [nats.url])
        w2 = self.worker("worker2", [nats.url])
        hubs = [sched, w1, w2]
        self.wait_nats_ready(hubs)
        for hub in hubs:
            self.assertEqual(self.metric(self.metrics(hub), "vpnhub_nats_connected"), 1)
        readyz_before = [h.get("/readyz") for h in hubs]

        started = self.expire_all()
        harness.wait_until(lambda: len(self.ss.counts()[1]) >= 300, 60, interval=0.02,
                           what="revocations under way")
        nats.stop()
        removed_at_stop = len(self.ss.counts()[1])
        self.assertLess(removed_at_stop, self.count, "the outage must come mid-run")

        # Ten seconds without NATS, watching what each process reports.
        readyz = {id(h): [] for h in hubs}
        connected = {id(h): [] for h in hubs}
        down_until = time.monotonic() + 10
        while time.monotonic() < down_until:
            for hub in hubs:
                if not self.alive(hub):
                    continue
                readyz[id(hub)].append(hub.get("/readyz"))
                status, body = hub.get("/metrics")
                if status == 200:
                    connected[id(hub)].append(
                        self.metric(parse_metrics(body), "vpnhub_nats_connected"))
            time.sleep(0.25)
        removed_in_outage = len(self.ss.counts()[1])
        survived_outage = [self.alive(h) for h in hubs]
        nats.start()

        # Whatever else happens, the surviving processes must finish the work.
        harness.wait_until(
            lambda: all(self.metric(parse_metrics(h.get("/metrics")[1]),
                                    "vpnhub_nats_connected") == 1
                        for h in hubs if self.alive(h)),
            20, interval=0.2, what="every running process reconnected")
        self.wait_all_revoked(90)
        took = time.monotonic() - started
        readyz_after = [h.get("/readyz") if self.alive(h) else (None, "") for h in hubs]

        _, removes, _ = self.ss.counts()
        self.summary("b_nats_outage_10s", took, removed_at_stop=removed_at_stop,
                     removed_by_outage_end=removed_in_outage,
                     published=int(self.sum_metric(hubs, "vpnhub_nats_published_total")),
                     publish_duplicates=int(self.sum_metric(
                         hubs, "vpnhub_nats_publish_duplicates_total")),
                     redelivered=int(self.sum_metric(hubs, "vpnhub_nats_redelivered_total")),
                     relay_errors=[e.get("event") for h in hubs
                                   for e in self.events(h)].count("relay.error"),
                     readyz_codes_in_outage=sorted({s for h in hubs for s, _ in readyz[id(h)]},
                                                   key=str),
                     alive=[self.alive(h) for h in hubs])
        with self.subTest("nothing lost, nothing applied twice"):
            self.assertEqual(set(removes), self.all_ports(), "a key was lost")
            self.assertEqual(sorted(set(removes.values())), [1], "a key was removed twice")
            self.assert_tasks_done()
        with self.subTest("every process survives the outage and the reconnect"):
            self.assertEqual(survived_outage, [True] * len(hubs), "died during the outage")
            self.assert_alive()
        with self.subTest("vpnhub_nats_connected and the log follow the connection"):
            for hub in hubs:
                self.assertIn(0, connected[id(hub)], f"vpnhub_nats_connected never 0: {hub.dir}")
                names = [e.get("event") for e in self.events(hub)]
                self.assertIn("nats.disconnected", names)
                self.assertIn("nats.connected", names)
        # /readyz: the service stays ready while NATS is down (docs/runbook.md: tasks wait in
        # the outbox) and its body says NATS is connected, then not, then connected again.
        with self.subTest("/readyz stays 200 and says what NATS is doing"):
            for i, hub in enumerate(hubs):
                seen = readyz[id(hub)]
                self.assertTrue(seen and all(s == 200 for s, _ in seen),
                                f"/readyz not 200 during the NATS outage: {seen[-3:]}")
                self.assertIn("nats connected", readyz_before[i][1],
                              f"/readyz before the outage: {readyz_before[i]}")
                self.assertTrue(any("nats" in b and "nats connected" not in b for _, b in seen),
                                f"/readyz never said NATS was down; last: {seen[-1:]}")
                self.assertIn("nats connected", readyz_after[i][1],
                              f"/readyz after the outage: {readyz_after[i]}")

    def test_c_worker_killed_9_mid_batch_redelivered_after_ack_wait(self):
        batch = 16
        self.seed(3000)
        self.ss.remove_delay = 0.001  # the workers spend their time in batches
        nats = self.nats_server()
        sched = self.scheduler([nats.url])
        w1 = self.worker("worker1", [nats.url], WORKER_BATCH=batch)
        w2 = self.worker("worker2", [nats.url], WORKER_BATCH=batch)
        self.wait_nats_ready([sched, w1, w2])

        started = self.expire_all()
        harness.wait_until(lambda: len(self.ss.counts()[1]) >= 600, 60, interval=0.02,
                           what="a fifth of the keys removed")
        w1_done = self.metric(self.metrics(w1), "vpnhub_tasks_processed_total", outcome="done")
        w1.killed_on_purpose = True
        w1.kill9()
        killed_at = len(self.ss.counts()[1])
        self.assertLess(killed_at, self.count, "the kill must come mid-run")
        self.assertGreater(w1_done, 0, "the killed worker had been working")
        self.wait_all_revoked(90)
        took = time.monotonic() - started

        _, removes, _ = self.ss.counts()
        self.assertEqual(set(removes), self.all_ports(), "a key was lost")
        twice = sorted(p for p, n in removes.items() if n > 1)
        total = sum(removes.values())
        self.assertLessEqual(max(removes.values()), 2)
        self.assertLessEqual(total, self.count + batch * CONCURRENCY,
                             "more repeats than the killed worker could hold")
        # A key removed twice belongs to a task claimed twice: the killed worker's claim, then
        # the survivor's after the database lease and ack_wait ran out.
        reclaimed = {PORT_FROM + int(s) for s in self.pg.psql(
            "SELECT k.slot FROM tasks t JOIN keys k ON k.id = t.subject_id "
            "WHERE t.kind = 'revoke_key' AND t.attempts >= 2").split()}
        self.assertLessEqual(set(twice), reclaimed,
                             "a key removed twice whose task was claimed only once")
        self.assert_tasks_done()
        redelivered = self.metric(self.metrics(w2), "vpnhub_nats_redelivered_total")
        self.assertGreater(redelivered, 0, "the killed worker's messages must be redelivered")
        self.summary("c_worker_kill9", took, removed_at_kill=killed_at,
                     killed_worker_done=int(w1_done), reclaimed_tasks=len(reclaimed),
                     keys_removed_twice=len(twice), survivor_redelivered=int(redelivered))
        self.assert_alive()

    def test_d_three_node_cluster_survives_losing_the_stream_leader(self):
        self.seed(3000)
        self.ss.remove_delay = 0.001
        cluster = self.nats_cluster()
        sched = self.scheduler(cluster.urls, NATS_STREAM_REPLICAS=3)
        w1 = self.worker("worker1", cluster.urls, NATS_STREAM_REPLICAS=3)
        w2 = self.worker("worker2", cluster.urls, NATS_STREAM_REPLICAS=3)
        self.wait_nats_ready([sched, w1, w2])
        stream = cluster.stream(STREAM)
        self.assertEqual(stream["config"]["num_replicas"], 3)
        replicas = stream["cluster"].get("replicas") or []
        self.assertEqual(len(replicas), 2, stream["cluster"])

        started = self.expire_all()
        harness.wait_until(lambda: len(self.ss.counts()[1]) >= 600, 60, interval=0.02,
                           what="a fifth of the keys removed")
        leader_name = cluster.stream(STREAM)["cluster"]["leader"]
        leader = cluster.node_named(leader_name)
        self.assertIsNotNone(leader, leader_name)
        leader.kill()
        killed_at = len(self.ss.counts()[1])
        self.assertLess(killed_at, self.count, "the kill must come mid-run")
        self.wait_all_revoked(90)
        took = time.monotonic() - started

        _, removes, _ = self.ss.counts()
        self.assertEqual(set(removes), self.all_ports(), "a key was lost")
        twice = sorted(p for p, n in removes.items() if n > 1)
        self.assert_tasks_done()
        hubs = [sched, w1, w2]
        published = sum(self.metric(self.metrics(h), "vpnhub_nats_published_total") for h in hubs)
        dup_publishes = sum(self.metric(self.metrics(h), "vpnhub_nats_publish_duplicates_total")
                            for h in hubs)
        redelivered = sum(self.metric(self.metrics(h), "vpnhub_nats_redelivered_total")
                          for h in (w1, w2))
        after = cluster.stream(STREAM)
        self.summary("d_cluster_leader_kill9", took, killed=leader_name.rsplit("_", 1)[1],
                     removed_at_kill=killed_at, new_leader=after.get("cluster", {}).get(
                         "leader", "?").rsplit("_", 1)[-1], published=int(published),
                     publish_duplicates=int(dup_publishes), redelivered=int(redelivered),
                     stream_last_seq=(after.get("state") or {}).get("last_seq"),
                     keys_removed_twice=len(twice))
        self.assertEqual(twice, [], f"{len(twice)} keys removed twice")
        self.assert_alive()

    def _dead_letter_setup(self, keys, **worker_env):
        self.seed(keys)
        self.ss.refuse_removes = True
        nats = self.nats_server()
        env = dict(TASK_MAX_ATTEMPTS=2, TASK_RETRY_BASE_MS=100)
        sched = self.scheduler([nats.url], **env)
        env.update(worker_env)
        worker = self.worker("worker1", [nats.url], **env)
        self.wait_nats_ready([sched, worker])
        started = self.expire_all()
        failed = harness.wait_until(
            lambda: (lambda f: len(f) == keys and f)(self.admin.cli_json("task", "list",
                                                                           "--failed")),
            30, interval=0.3, what=f"{keys} failed tasks in `task list --failed`")
        return worker, failed, started

    def test_f_refused_credentials_close_the_connection_for_good_and_the_process_exits_1(self):
        server = harness.NatsServer(cluster_args=["--user", "vpnhub", "--pass", "right-Secret"])
        self.nats.append(server)
        # The right credentials work: the worker gets ready with NATS connected.
        good = self.hub("good", [server.url], NATS_USER="vpnhub", NATS_PASSWORD="right-Secret")
        good.start("worker", "--http")
        harness.wait_until(lambda: "nats connected" in good.get("/readyz")[1], 15,
                           what="/readyz says nats connected")
        # Wrong ones: libnats gives up for good ("closed"); the process says why and exits 1
        # so that its supervisor restarts it once the operator fixed the settings.
        bad = self.hub("bad", [server.url], NATS_USER="vpnhub", NATS_PASSWORD="wrong-Secret")
        bad.log = open(bad.log_path, "a")
        bad.proc = subprocess.Popen([harness.BINARY, "worker"], cwd=bad.dir, env=bad.env,
                                    stdout=bad.log, stderr=bad.log)
        code = bad.proc.wait(timeout=60)
        self.assertEqual(code, 1)
        events = [e.get("event") for e in self.events(bad)]
        self.assertIn("nats.closed", events)
        with open(bad.log_path) as f:
            self.assertNotIn("wrong-Secret", f.read())
        print(f"\nf: refused credentials -> exit {code} ({len(events)} log events)")

    def test_e_dead_letter_then_task_retry_revokes(self):
        keys = 3
        worker, failed, started = self._dead_letter_setup(keys)
        dead_after = time.monotonic() - started
        for task in failed:
            self.assertEqual(task["kind"], "revoke_key")
            self.assertEqual(task["state"], "failed")
            self.assertEqual(task["attempts"], 2, task)
            self.assertIn("answered remove", task["last_error"])
        self.assertEqual(self.pg.psql("SELECT state, count(*) FROM keys GROUP BY 1"),
                         f"revoking|{keys}")
        self.assertEqual(set(self.ss.refused), self.all_ports())
        self.assertEqual(set(self.ss.refused.values()), {2}, "one remove per attempt")
        self.assertEqual(self.ss.counts()[1], {})
        values = self.metrics(worker)
        self.assertEqual(self.metric(values, "vpnhub_tasks_dead_lettered_total",
                                     kind="revoke_key"), keys)
        self.assertEqual(self.metric(values, "vpnhub_tasks_processed_total", kind="revoke_key",
                                     outcome="failed"), keys)
        names = [e.get("event") for e in self.events(worker)]
        self.assertEqual(names.count("task.dead_letter"), keys)
        # No bot (TG_TOKEN unset): nobody to deliver an alert to, so none is queued.
        self.assertEqual(self.pg.psql(
            "SELECT count(*) FROM outgoing_messages WHERE kind = 'admin_alert'"), "0")

        # The VPN server works again; the operator retries each task.
        self.ss.refuse_removes = False
        retried_at = time.monotonic()
        for task in failed:
            out = self.admin.cli("task", "retry", str(task["id"])).stdout
            self.assertIn("pending", out)
        self.wait_all_revoked(30)
        retry_took = time.monotonic() - retried_at
        self.assert_tasks_done()
        _, removes, _ = self.ss.counts()
        self.assertEqual(removes, {p: 1 for p in self.all_ports()})
        self.assertEqual(self.admin.cli_json("task", "list", "--failed"), [])
        self.summary("e_dead_letter_retry", dead_after, retry_seconds=f"{retry_took:.1f}",
                     refused=sum(self.ss.refused.values()))
        self.assert_alive()

    def test_e2_dead_letter_queues_an_admin_alert_when_a_bot_is_configured(self):
        # The worker role alone never talks to Telegram: the alert waits in outgoing_messages
        # for the bot role of some process.
        worker, failed, started = self._dead_letter_setup(
            1, TG_TOKEN=harness.BOT_TOKEN, ADMIN_TG_ID=4242)
        took = time.monotonic() - started
        self.assertEqual(self.metric(self.metrics(worker), "vpnhub_tasks_dead_lettered_total",
                                     kind="revoke_key"), 1)
        rows = self.pg.psql("SELECT chat_id, text FROM outgoing_messages "
                            "WHERE kind = 'admin_alert'").splitlines()
        self.assertEqual(len(rows), 1, rows)
        chat, text = rows[0].split("|", 1)
        self.assertEqual(chat, "4242")
        self.assertIn("failed for good", text)
        self.assertIn(f"vpnhub task retry {failed[0]['id']}", text)
        self.summary("e2_dead_letter_alert", took, alerts=len(rows))
        self.assert_alive()


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    unittest.main()
