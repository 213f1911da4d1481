"""End to end: `vpnhub task retry` on a provisioning that failed for good (issue 11, item 3).

The real `vpnhub serve` and a real ss-manager that is down at first: two keys fail for good
(key failed, task failed). ss-manager starts; two new keys fill the server, so the retry is
refused with a clear message and changes nothing. One of them is revoked; the retry now puts the
failed key back to pending on the freed slot, the service provisions it, and it carries traffic
through ss-local to a local web server. The other failed key is retried on its own free slot.
"""
import json
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402


class TaskRetryTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        # The server row names this manager port; nothing listens there yet.
        self.manager_port = harness.free_port(socket.SOCK_DGRAM)
        self.hub = self.own_hub(harness.Vpnhub(self.dir, TASK_MAX_ATTEMPTS=2))
        self.hub.cli("location", "add", "Amsterdam")
        self.port_from = harness.free_port_block(2)
        self.hub.cli("server", "add", "--location", "Amsterdam", "--manager",
                     f"127.0.0.1:{self.manager_port}", "--public-host", "127.0.0.1", "--ports",
                     f"{self.port_from}-{self.port_from + 1}", "--capacity", "2")
        self.hub.start()

    def key_of(self, tg):
        keys = [k for k in self.hub.cli_json("key", "list") if k["user_tg_id"] == tg]
        self.assertEqual(len(keys), 1, keys)
        return keys[0]

    def task_of(self, key_id, kind="provision_key"):
        tasks = [t for t in self.hub.cli_json("task", "list")
                 if t["subject_id"] == key_id and t["kind"] == kind]
        self.assertEqual(len(tasks), 1, tasks)
        return tasks[0]

    def wait_key_state(self, tg, state, timeout=15):
        return harness.wait_until(
            lambda: (lambda k: k if k["state"] == state else None)(self.key_of(tg)), timeout,
            what=f"key of {tg} {state}")

    def test_a_failed_provisioning_is_retried_onto_a_free_slot_and_carries_traffic(self):
        # ss-manager is down: both keys fail for good (TASK_MAX_ATTEMPTS=2).
        for tg in (1001, 1002):
            self.hub.cli("key", "create", "--user", str(tg), "--location", "Amsterdam",
                         "--days", "30", "--no-wait")
        first = self.wait_key_state(1001, "failed")
        second = self.wait_key_state(1002, "failed")
        first_task = self.task_of(first["id"])
        second_task = self.task_of(second["id"])
        self.assertEqual(first_task["state"], "failed")
        self.assertEqual(second_task["state"], "failed")
        self.assertEqual(first["link"], "")  # a failed key holds no slot, so it has no link

        # ss-manager comes up; two new keys fill the server (slots 0 and 1).
        self.ss = self.stop_after(harness.SsManager(self.dir, port=self.manager_port))
        for tg in (2001, 2002):
            self.hub.cli("key", "create", "--user", str(tg), "--location", "Amsterdam",
                         "--days", "30")
            self.assertEqual(self.key_of(tg)["state"], "active")

        # No free slot: the retry is refused, says why, and changes nothing.
        res = self.hub.cli("task", "retry", str(first_task["id"]), check=False)
        self.assertEqual(res.returncode, 1, res)
        self.assertIn(f"cannot retry task {first_task['id']}", res.stderr)
        self.assertIn("is full (2 of 2 slots held)", res.stderr)
        self.assertEqual(res.stdout, "")
        self.assertEqual(self.key_of(1001)["state"], "failed")
        self.assertEqual(self.task_of(first["id"])["state"], "failed")

        # A slot is freed; the retry puts the key back to pending there and the service
        # provisions it.
        freed = self.key_of(2002)
        self.hub.cli("key", "revoke", str(freed["id"]))
        res = self.hub.cli("task", "retry", str(first_task["id"]))
        self.assertEqual(res.stdout.split("\t")[:3],
                         [str(first_task["id"]), "pending", f"key {first['id']}"])
        self.assertIn("moves to slot", res.stderr)
        revived = self.wait_key_state(1001, "active")
        self.assertEqual(self.task_of(first["id"])["state"], "done")
        # ss-manager holds the key's port with the key's password.
        _, password, _, port = harness.parse_ss(revived["link"])
        self.assertEqual(port, self.port_from + 1)  # slot 1: its own slot 0 was taken
        held = {int(p["server_port"]): p.get("password")
                for p in json.loads(self.ss.call("list"))}
        self.assertEqual(held.get(port), password, held)

        http_port = self.serve_text("hello.txt", "hello-after-retry")
        self.assertEqual(self.fetch_through(revived["link"], http_port),
                         (0, "hello-after-retry"))

        # The other failed key: the server is full again, so its retry is refused too; once
        # a key is revoked it gets that key's slot.
        res = self.hub.cli("task", "retry", str(second_task["id"]), check=False)
        self.assertEqual(res.returncode, 1, res)
        self.hub.cli("key", "revoke", str(self.key_of(2001)["id"]))
        self.hub.cli("task", "retry", str(second_task["id"]))
        again = self.wait_key_state(1002, "active")
        self.assertEqual(self.fetch_through(again["link"], http_port), (0, "hello-after-retry"))
        self.assertEqual(self.hub.cli_json("task", "list", "--failed"), [])

        # A task that is not failed cannot be retried, with a clear message.
        res = self.hub.cli("task", "retry", str(first_task["id"]), check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("is done; only failed tasks can be retried", res.stderr)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    unittest.main()
