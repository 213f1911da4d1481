"""End to end: a trial whose key fails for good (issue 11, items 4 and 3).

The real `vpnhub serve` with the bot (fake Bot API) and an ss-manager that is down: a person
takes a trial, its key fails for good (TASK_MAX_ATTEMPTS=2), and the person hears so and may
take a trial again; the admin gets an alert. ss-manager starts; `vpnhub task retry` sets the key
up after all: the person gets their link, and the trial counts as used again.
"""
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PERSON = 5552001
ADMIN = 5552999


class TrialFailureTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.manager_port = harness.free_port(socket.SOCK_DGRAM)  # nothing listens yet
        self.tg = self.stop_after(harness.FakeTelegram())
        self.hub = self.own_hub(harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                               TELEGRAM_API_URL=self.tg.url, ADMIN_TG_ID=ADMIN,
                                               TRIAL_PERIOD=3600, TASK_MAX_ATTEMPTS=2,
                                               TELEGRAM_POLL_TIMEOUT_SEC=1))
        self.hub.cli("location", "add", "Amsterdam")
        port_from = harness.free_port_block(2)
        self.hub.cli("server", "add", "--location", "Amsterdam", "--manager",
                     f"127.0.0.1:{self.manager_port}", "--public-host", "127.0.0.1", "--ports",
                     f"{port_from}-{port_from + 1}", "--capacity", "2")
        self.hub.start()

    def wait_for(self, chat, predicate, what, timeout=15):
        return self.tg.wait_for(chat, predicate, what, timeout)

    def location_choice(self, after_ms):
        return self.wait_for(PERSON, lambda c: c["time_ms"] > after_ms and any(
            b.get("callback_data", "").startswith("t:") for b in harness.buttons(c)),
            "location buttons")

    def trial_used(self):
        users = [u for u in self.hub.cli_json("user", "list") if u["tg_id"] == PERSON]
        self.assertEqual(len(users), 1, users)
        return users[0]["trial_used"]

    def test_a_failed_trial_is_told_given_back_and_set_up_by_a_retry(self):
        self.tg.message(PERSON, "/trial")
        choice = self.location_choice(0)
        data = next(b["callback_data"] for b in harness.buttons(choice)
                    if b.get("callback_data", "").startswith("t:"))
        self.tg.callback(PERSON, data)

        # The key fails for good: the person is told, in the same breath their trial is back.
        failed = self.wait_for(PERSON, lambda c: "could not set up your trial key" in
                               c.get("text", ""), "the key-failed message")
        self.assertIn("Amsterdam", failed["text"])
        self.assertIn("Your trial is yours again", failed["text"])
        keys = self.hub.cli_json("key", "list")
        self.assertEqual([k["state"] for k in keys], ["failed"])
        self.assertFalse(self.trial_used())
        alert = self.wait_for(ADMIN, lambda c: "A person was waiting for key" in
                              c.get("text", ""), "the admin alert")
        self.assertIn(f"Telegram user {PERSON}", alert["text"])
        self.assertIn("vpnhub task retry", alert["text"])

        # A trial may be taken again: the location buttons come, not "already used".
        self.tg.message(PERSON, "/trial")
        self.location_choice(failed["time_ms"])

        # The VPN server is back; the operator retries: the person gets their link after all.
        self.stop_after(harness.SsManager(self.dir, port=self.manager_port))
        task = next(t for t in self.hub.cli_json("task", "list", "--failed")
                    if t["subject_id"] == keys[0]["id"])
        self.hub.cli("task", "retry", str(task["id"]))
        self.wait_for(PERSON, lambda c: "ss://" in c.get("text", "") or
                      c["method"] == "sendPhoto", "the link after the retry")
        self.assertEqual(self.hub.key(keys[0]["id"])["state"], "active")
        self.assertTrue(self.trial_used())


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
