"""End to end: reconciliation of drift (issue 17, part 2) with real ss-managers and `vpnhub serve`.

test_a_restarted_ss_manager_gets_every_key_back: two servers of one location; ss-manager A sits
behind a counting UDP proxy (every `add` it forwards is counted per port). A is SIGKILLed: it
turns unhealthy (SERVER_CHECK_INTERVAL_SEC=1), a trial asked of the bot (fake Bot API) goes to B
although A would be chosen by load, and the admin is alerted once. A is started again empty: it
turns healthy, and the reconciliation the health job asks for at once (RECONCILE_INTERVAL_SEC is
an hour here, so no periodic pass can do it) re-creates every active key of A: each carries
traffic through ss-local again, and each port was added exactly twice (created, restored). The
time from the restart to every key back is printed. `server reconcile --dry-run` then lists an
orphan port added behind the hub's back and changes nothing; `server reconcile` removes it.

test_the_periodic_pass_removes_what_is_not_ours_to_keep: RECONCILE_INTERVAL_SEC=2. A port added
directly on ss-manager inside the server's range and a revoked key put back with its old password
are removed by the job; a port outside the range and one marked `--foreign` stay.
"""
import glob
import json
import os
import select
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PERSON = 5552001
ADMIN = 5559999


class CountingProxy:
    """A UDP proxy in front of an ss-manager that counts the `add` commands per port."""

    def __init__(self, upstream_port):
        self.upstream = ("127.0.0.1", upstream_port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.adds = {}
        self.lock = threading.Lock()
        self.clients = {}  # client address -> its upstream socket
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def _loop(self):
        while self.running:
            socks = [self.sock, *self.clients.values()]
            ready, _, _ = select.select(socks, [], [], 0.1)
            for s in ready:
                data, addr = s.recvfrom(65536)
                if s is self.sock:
                    self._count(data)
                    up = self.clients.get(addr)
                    if up is None:
                        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                        up.bind(("127.0.0.1", 0))
                        self.clients[addr] = up
                    up.sendto(data, self.upstream)
                else:
                    client = next(a for a, u in self.clients.items() if u is s)
                    self.sock.sendto(data, client)

    def _count(self, data):
        text = data.decode(errors="replace")
        if not text.startswith("add:"):
            return
        port = int(json.loads(text[4:])["server_port"])
        with self.lock:
            self.adds[port] = self.adds.get(port, 0) + 1

    def counts(self):
        with self.lock:
            return dict(self.adds)

    def stop(self):
        self.running = False
        self.thread.join(2)
        for s in [self.sock, *self.clients.values()]:
            s.close()


def ss_add(ss, port, password):
    reply = ss.call("add: " + json.dumps({"server_port": port, "password": password}))
    if reply != "ok":
        raise AssertionError(f"ss-manager add {port}: {reply!r}")


def ss_server_pids(ss):
    """The pids of the ss-server processes ss-manager started (one per port; they outlive a
    SIGKILLed ss-manager), from the pid files in its working folder."""
    pids = []
    for path in glob.glob(os.path.join(ss.dir, ".shadowsocks_*.pid")):
        with open(path) as f:
            pids.append(int(f.read().strip()))
    return pids


class ReconcileTest(harness.HubTestCase):
    def server(self, hub, name):
        for s in hub.cli_json("server", "list"):
            if s["name"] == name:
                return s
        raise AssertionError(f"server {name} not listed")

    def keys_on(self, hub, name):
        return [k for k in hub.cli_json("key", "list")
                if k["server"] == name and k["state"] == "active"]

    def test_a_restarted_ss_manager_gets_every_key_back(self):
        http_port = self.serve_text("hello.txt", "hello-after-restart")
        self.tg = self.stop_after(harness.FakeTelegram())
        hub = self.own_hub(harness.Vpnhub(
            self.dir, TG_TOKEN=harness.BOT_TOKEN, TELEGRAM_API_URL=self.tg.url,
            TELEGRAM_POLL_TIMEOUT_SEC=1, ADMIN_TG_ID=ADMIN, SERVER_CHECK_INTERVAL_SEC=1,
            RECONCILE_INTERVAL_SEC=3600))
        ss_a = self.stop_after(harness.SsManager(os.path.join(self.dir, "a")))
        ss_b = self.stop_after(harness.SsManager(os.path.join(self.dir, "b")))
        proxy = self.stop_after(CountingProxy(ss_a.port))
        hub.cli("location", "add", "Amsterdam")
        ports = {}
        for name, manager in (("ams-a", proxy.address), ("ams-b", ss_b.address)):
            port_from = harness.free_port_block(10)
            ports[name] = port_from
            hub.cli("server", "add", "--location", "Amsterdam", "--name", name, "--manager",
                    manager, "--public-host", "127.0.0.1", "--ports",
                    f"{port_from}-{port_from + 9}", "--capacity", "10")
        a_id = self.server(hub, "ams-a")["id"]
        # Three keys on A, four on B: A is the next server by load.
        for name, other, count, first_tg in (("ams-a", "ams-b", 3, 100), ("ams-b", "ams-a", 4, 200)):
            hub.cli("server", "disable", str(self.server(hub, other)["id"]))
            for tg in range(first_tg, first_tg + count):
                hub.cli("key", "create", "--user", str(tg), "--location", "Amsterdam", "--days",
                        "30")
            hub.cli("server", "enable", str(self.server(hub, other)["id"]))
        a_keys = self.keys_on(hub, "ams-a")
        self.assertEqual(len(a_keys), 3)
        a_ports = {harness.parse_ss(k["link"])[3] for k in a_keys}
        self.assertEqual(set(proxy.counts()), a_ports)
        hub.start()

        # SIGKILL, and its ss-server children with it (as systemd stops the unit's cgroup): every
        # key of A is gone.
        children = ss_server_pids(ss_a)
        self.assertEqual(len(children), 3, children)
        ss_a.proc.kill()
        ss_a.proc.wait()
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        harness.wait_until(lambda: not self.server(hub, "ams-a")["healthy"], 15, interval=0.2,
                           what="ams-a unhealthy")
        # A trial goes to B, although A holds fewer keys.
        self.ask_trial(PERSON)
        harness.wait_until(lambda: any(k["user_tg_id"] == PERSON and k["state"] == "active"
                                       for k in hub.cli_json("key", "list")), 15,
                           what="the trial key active")
        trial = [k for k in hub.cli_json("key", "list") if k["user_tg_id"] == PERSON][0]
        self.assertEqual(trial["server"], "ams-b")
        down = harness.wait_until(
            lambda: [c for c in self.tg.to_chat(ADMIN) if "ams-a" in c.get("text", "")
                     and "unhealthy" in c.get("text", "")], 10, what="the admin alert")
        self.assertEqual(len(down), 1, down)

        restarted_at = time.monotonic()
        ss_a = self.stop_after(harness.SsManager(os.path.join(self.dir, "a2"), port=ss_a.port))
        self.assertEqual(ss_a.ports(), set())  # started empty
        harness.wait_until(lambda: a_ports <= ss_a.ports(), 20, interval=0.1,
                           what="every key of ams-a back on its ss-manager")
        back = time.monotonic() - restarted_at
        for k in a_keys:
            self.assertEqual(self.fetch_through(k["link"], http_port), (0, "hello-after-restart"),
                             k["id"])
        self.assertEqual(self.server(hub, "ams-a")["healthy"], True)
        # Created once, restored once: never twice.
        self.assertEqual(proxy.counts(), {p: 2 for p in a_ports})
        with open(hub.log_path) as f:
            restored = [json.loads(line) for line in f if '"key.restored"' in line]
        self.assertEqual(sorted(e["key_id"] for e in restored), sorted(k["id"] for k in a_keys))
        self.assertEqual(len([c for c in self.tg.to_chat(ADMIN)
                              if "ams-a" in c.get("text", "") and "unhealthy" in c["text"]]), 1)

        # An orphan added behind the hub's back: the dry run lists it, the run removes it.
        stray = ports["ams-a"] + 9
        ss_add(ss_a, stray, "not-the-hubs")
        dry = hub.cli("server", "reconcile", str(a_id), "--dry-run")
        self.assertIn(f"orphan\tkey -\tremote {stray}\twould remove", dry.stdout)
        self.assertIn("1 orphan", dry.stdout)
        self.assertIn("dry run, nothing changed", dry.stdout)
        self.assertIn(stray, ss_a.ports())
        run = hub.cli("server", "reconcile", str(a_id))
        self.assertIn(f"orphan\tkey -\tremote {stray}\tremoved", run.stdout)
        self.assertNotIn(stray, ss_a.ports())
        self.assertTrue(a_ports <= ss_a.ports())
        self.assertEqual(proxy.counts(), {p: 2 for p in a_ports})
        sys.stderr.write(f"\nFIGURE ss-manager restart -> every key of the server back: "
                         f"{back:.1f} s (SERVER_CHECK_INTERVAL_SEC=1, "
                         f"SERVER_RECOVER_THRESHOLD=2)\n")

    def test_the_periodic_pass_removes_what_is_not_ours_to_keep(self):
        hub = self.own_hub(harness.Vpnhub(self.dir, SERVER_CHECK_INTERVAL_SEC=1,
                                          RECONCILE_INTERVAL_SEC=2))
        ss, port_from = self.add_ss_location(hub, "Amsterdam", server_name="ams")
        sid = self.server(hub, "ams")["id"]
        hub.cli("key", "create", "--user", "1", "--location", "Amsterdam", "--days", "30")
        hub.cli("key", "create", "--user", "2", "--location", "Amsterdam", "--days", "30")
        keys = sorted(hub.cli_json("key", "list"), key=lambda k: k["id"])
        kept, revoked = keys
        _, revoked_password, _, revoked_port = harness.parse_ss(revoked["link"])
        kept_port = harness.parse_ss(kept["link"])[3]
        hub.cli("key", "revoke", str(revoked["id"]))
        harness.wait_until(lambda: revoked_port not in ss.ports(), 10, what="the key revoked")
        foreign_port = port_from + 8
        hub.cli("server", "edit", str(sid), "--foreign", str(foreign_port))
        hub.start()

        outside = harness.free_port_block(1)
        stray = port_from + 7
        ss_add(ss, revoked_port, revoked_password)  # the revoked key, put back
        ss_add(ss, stray, "stray")                  # unknown, inside the range
        ss_add(ss, foreign_port, "static")          # marked foreign
        ss_add(ss, outside, "elsewhere")            # not of the server's range
        harness.wait_until(lambda: not ({revoked_port, stray} & ss.ports()), 15, interval=0.2,
                           what="the revoked key and the stray port removed")
        self.assertTrue({kept_port, foreign_port, outside} <= ss.ports(), ss.ports())
        self.assertEqual(hub.key(revoked["id"])["state"], "revoked")
        self.assertEqual(hub.key(kept["id"])["state"], "active")
        status, metrics = hub.get("/metrics")
        self.assertEqual(status, 200)
        self.assertIn('vpnhub_reconcile_repairs_total{server="ams",kind="orphan"} 2', metrics)
        self.assertIn('vpnhub_reconcile_drift_total{server="ams",kind="missing"} 0', metrics)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
