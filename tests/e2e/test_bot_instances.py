"""End to end: two `vpnhub serve` processes with the bot role (the default roles include it) on
one PostgreSQL database, against the fake Bot API.

- Long polling: only the instance holding the "telegram_bot" lease polls (no 409 "terminated by
  other getUpdates request"), every update is answered once, and when it is killed with -9 the
  other takes over within JOB_LEASE_SEC.
- Webhook mode without TELEGRAM_WEBHOOK_SECRET: both instances accept Telegram's deliveries (one
  secret, derived from TG_TOKEN), the lease holder alone calls setWebhook, and one update posted
  to both is answered once.
- The send rate is the bot's, not a process's: with TELEGRAM_RATE_PER_SEC=20 and the fake
  enforcing Telegram's 30 messages/s, 150 replies go out from two instances without a 429 (two
  senders at 20/s each would make 40/s).
"""
import hashlib
import hmac
import json
import os
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

JOB_LEASE = 3
FIRST_PERSON = 6_200_000


class BotInstancesTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.pg = harness.PgServer()
        self.addCleanup(self.pg.close)
        self.tg = self.stop_after(harness.FakeTelegram())
        self.hubs = []

    def tearDown(self):
        for hub in self.hubs:
            hub.stop()
        if self.failed():
            for i, hub in enumerate(self.hubs):
                if os.path.exists(hub.log_path):
                    with open(hub.log_path) as f:
                        sys.stderr.write(f"---- instance {i} log (last 30 lines) ----\n"
                                         + "".join(f.readlines()[-30:]))

    def hub(self, **env):
        workdir = os.path.join(self.dir, f"i{len(self.hubs)}")
        os.makedirs(workdir, exist_ok=True)
        hub = harness.Vpnhub(workdir, DATABASE_URL=self.pg.url, TG_TOKEN=harness.BOT_TOKEN,
                             TELEGRAM_API_URL=self.tg.url, TELEGRAM_POLL_TIMEOUT_SEC=1,
                             JOB_LEASE_SEC=JOB_LEASE, **env)
        self.hubs.append(hub)
        return hub

    def leaders(self):
        """Indexes of the live instances whose /metrics say they hold the bot's lease."""
        out = []
        for i, hub in enumerate(self.hubs):
            if hub.proc is None or hub.proc.poll() is not None:
                continue
            status, body = hub.get("/metrics")
            if status == 200 and 'vpnhub_job_leader{job="telegram_bot"} 1' in body:
                out.append(i)
        return out

    def logged(self, hub, event):
        with open(hub.log_path) as f:
            return any(json.loads(line).get("event") == event for line in f
                       if line.startswith("{"))

    def replies(self):
        """chat id -> number of messages Telegram accepted for it."""
        out = {}
        for c in self.tg.calls("sendMessage"):
            if c.get("status") == 200 and c.get("chat_id", 0) >= FIRST_PERSON:
                out[c["chat_id"]] = out.get(c["chat_id"], 0) + 1
        return out

    def post(self, hub, update, secret):
        req = urllib.request.Request(
            f"http://127.0.0.1:{hub.http_port}/tg/hook", data=json.dumps(update).encode(),
            method="POST", headers={"Content-Type": "application/json",
                                    "X-Telegram-Bot-Api-Secret-Token": secret})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def test_one_instance_polls_each_update_is_answered_once_and_the_other_takes_over(self):
        a, b = self.hub(), self.hub()
        a.start()
        b.start()
        people = range(FIRST_PERSON, FIRST_PERSON + 20)
        for person in people:
            self.tg.message(person, "/help")
        harness.wait_until(lambda: len(self.replies()) == 20, 20, what="20 replies")
        conflicts = [c for c in self.tg.calls("getUpdates") if c["status"] == 409]
        self.assertEqual(conflicts, [], "two instances polled with one token")
        self.assertEqual(len(self.leaders()), 1)

        holder = self.leaders()[0]
        self.hubs[holder].kill9()
        follower = 1 - holder
        harness.wait_until(lambda: self.leaders() == [follower], JOB_LEASE + 3, interval=0.1,
                           what="the other instance polling")
        later = range(FIRST_PERSON + 20, FIRST_PERSON + 30)
        for person in later:
            self.tg.message(person, "/help")
        harness.wait_until(lambda: len(self.replies()) == 30, 20, what="10 more replies")
        # One more from the first people: the reply proves everything before it was handled.
        self.tg.message(FIRST_PERSON, "/keys")
        harness.wait_until(lambda: self.replies().get(FIRST_PERSON) == 2, 20, what="/keys")
        replies = self.replies()
        self.assertEqual(sorted(replies), list(people) + list(later))
        self.assertEqual({n for p, n in replies.items() if p != FIRST_PERSON}, {1}, replies)
        offset = int(self.pg.psql(
            "SELECT value FROM settings WHERE name = 'telegram.update_offset'"))
        self.assertEqual(offset, 32)  # 31 updates, confirmed in order by both pollers

    def test_webhook_instances_share_the_derived_secret_and_answer_a_retried_update_once(self):
        url = "https://bot.example.test/tg/hook"
        a, b = self.hub(TELEGRAM_WEBHOOK_URL=url), self.hub(TELEGRAM_WEBHOOK_URL=url)
        a.start()
        b.start()
        harness.wait_until(lambda: self.tg.calls("setWebhook"), 10, what="setWebhook")
        secret = hmac.new(harness.BOT_TOKEN.encode(), b"vpnhub-webhook",
                          hashlib.sha256).hexdigest()
        person = FIRST_PERSON

        def update(update_id, text):
            return {"update_id": update_id, "message": {
                "message_id": update_id, "date": 1700000000, "text": text,
                "chat": {"id": person, "type": "private"},
                "from": {"id": person, "is_bot": False, "first_name": "P",
                         "language_code": "en"}}}

        # Telegram retries a delivery it did not see answered; behind a load balancer the retry
        # may reach the other instance.
        self.assertEqual(self.post(a, update(501, "/help"), secret), 200)
        self.assertEqual(self.post(b, update(501, "/help"), secret), 200)
        self.assertEqual(self.post(b, update(502, "/keys"), secret), 200)
        self.assertEqual(self.post(a, update(502, "/keys"), secret), 200)
        harness.wait_until(lambda: self.replies().get(person, 0) >= 2, 10, what="two replies")
        # A chat's replies go out in order: once the last one arrived, every earlier one did.
        self.assertEqual(self.post(b, update(503, "/start"), secret), 200)
        harness.wait_until(lambda: any("Welcome" in c.get("text", "")
                                       for c in self.tg.calls("sendMessage")),
                           10, what="the /start reply")
        self.assertEqual(self.replies(), {person: 3})

        # The webhook was registered by the lease holder only, with that secret.
        self.assertEqual(len(self.leaders()), 1)
        standby = self.hubs[1 - self.leaders()[0]]
        harness.wait_until(lambda: self.logged(standby, "telegram.standby"), 10,
                           what="the other instance on standby")
        hooks = self.tg.calls("setWebhook")
        self.assertEqual(len(hooks), 1, hooks)
        self.assertEqual(hooks[0]["params"]["secret_token"], secret)

    def test_two_instances_send_within_the_bots_rate_limit(self):
        self.tg.control("rate_limit", {"enabled": True})  # 30/s in total, 1/s per chat
        # 20/s leaves the fake's window room for scheduling jitter; 2 x 20/s would not fit.
        a, b = self.hub(TELEGRAM_RATE_PER_SEC=20), self.hub(TELEGRAM_RATE_PER_SEC=20)
        a.start()
        b.start()
        for person in range(FIRST_PERSON, FIRST_PERSON + 150):
            self.tg.message(person, "/help")
        harness.wait_until(lambda: len(self.replies()) == 150, 60, interval=0.5,
                           what="150 replies")
        stats = self.tg.control("stats")
        self.assertEqual(stats["rate_limited"], 0, stats)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
