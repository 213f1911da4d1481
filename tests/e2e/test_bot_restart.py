"""End to end: notifications queued in the database survive kill -9 of `vpnhub serve`.

100 people hold keys whose "expires in a day" warning falls due a few seconds after they are
made, so the notice job queues one message for each. The service is killed with -9 while most of them are still queued (the fake
Bot API holds sending back with a 429); after a restart every person gets the notice exactly
once.
"""
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PEOPLE = 100
FIRST = 7_100_000


class BotRestartTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.ss = self.stop_after(harness.SsManager(self.dir))
        self.tg = self.stop_after(harness.FakeTelegram())
        # TELEGRAM_RATE_PER_SEC=1: slow, so most messages are still queued at the kill.
        self.hub = self.own_hub(harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                               TELEGRAM_API_URL=self.tg.url, ADMIN_TG_ID=1,
                                               NOTICE_INTERVAL_SEC=1, TELEGRAM_POLL_TIMEOUT_SEC=1,
                                               TELEGRAM_RATE_PER_SEC=1))
        self.hub.cli("location", "add", "Amsterdam")
        port_from = harness.free_port_block(PEOPLE + 10)
        self.hub.cli("server", "add", "--location", "Amsterdam", "--manager", self.ss.address,
                     "--public-host", "127.0.0.1", "--ports",
                     f"{port_from}-{port_from + PEOPLE + 9}", "--capacity", str(PEOPLE + 10))
        # Recorded only (the service provisions them). A day and 8 s: the one-day warning falls
        # due 8 s after each is made (a warning already due at creation is skipped).
        for i in range(PEOPLE):
            self.hub.cli("key", "create", "--user", str(FIRST + i), "--location", "Amsterdam",
                         "--seconds", str(86400 + 8), "--no-wait")

    def queue(self):
        db = sqlite3.connect(f"file:{self.hub.db_path}?mode=ro", uri=True, timeout=5)
        try:
            return dict(db.execute("SELECT state, count(*) FROM outgoing_messages "
                                   "WHERE chat_id >= ? GROUP BY state", (FIRST,)).fetchall())
        finally:
            db.close()

    def delivered(self):
        """chat id -> texts of the messages Telegram accepted for it."""
        out = {}
        for c in self.tg.calls("sendMessage"):
            if c.get("status") == 200 and c.get("chat_id", 0) >= FIRST:
                out.setdefault(c["chat_id"], []).append(c["text"])
        return out

    def test_queued_notices_survive_kill_9_and_arrive_once(self):
        self.hub.start()
        harness.wait_until(lambda: sum(self.queue().values()) == PEOPLE, 40,
                           what="every notice queued")
        self.assertGreater(len(self.delivered()), 0)  # sending is under way
        # Hold sending back: the next send gets a 429 with a long retry_after, so nothing is
        # between Telegram's OK and the store's "sent" when the process dies.
        self.tg.control("fail", {"method": "sendMessage", "count": 1, "status": 429,
                                 "retry_after": 8})
        harness.wait_until(lambda: any(c["status"] == 429 for c in self.tg.calls("sendMessage")),
                           10, what="the 429")
        time.sleep(0.5)  # a send the other sender thread had in flight lands
        self.hub.kill9()
        before = self.delivered()
        queued = self.queue()
        self.assertEqual(sum(queued.values()), PEOPLE, queued)  # every notice queued once
        still_open = queued.get("pending", 0) + queued.get("sending", 0)
        self.assertGreaterEqual(still_open, 50, queued)
        self.assertEqual(queued.get("sent", 0), len(before), (queued, len(before)))

        # Back at full speed. The 429's retry_after was kept with the rescheduled messages, and
        # claims of the killed process (if any) free up when their lease (30 s) ends.
        self.hub.env["TELEGRAM_RATE_PER_SEC"] = "30"
        self.hub.start()
        harness.wait_until(lambda: len(self.delivered()) == PEOPLE, 90,
                           what="every notice delivered after the restart")
        time.sleep(3)  # more notice runs and sends: still nothing twice
        delivered = self.delivered()
        self.assertEqual(sorted(delivered), list(range(FIRST, FIRST + PEOPLE)))
        for chat, texts in delivered.items():
            self.assertEqual(len(texts), 1, (chat, texts))
            self.assertIn("expires", texts[0])
        self.assertEqual(self.queue(), {"sent": PEOPLE})


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
