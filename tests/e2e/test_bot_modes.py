"""End to end: how `vpnhub serve` runs the bot role — webhook mode, no TG_TOKEN, a rejected
TG_TOKEN."""
import json
import os
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PERSON = 5552001
SECRET = "e2e-webhook-secret_0123456789"


class BotModesTest(unittest.TestCase):
    def setUp(self):
        self._wd = harness.Workdir()
        self.dir = self._wd.__enter__()
        self.tg = harness.FakeTelegram()
        self.hub = None

    def tearDown(self):
        if self.hub:
            self.hub.stop()
        self.tg.stop()
        if self.hub and (self._outcome.result.failures or self._outcome.result.errors):
            with open(self.hub.log_path) as f:
                sys.stderr.write("---- serve log ----\n" + f.read())
        self._wd.__exit__(None, None, None)

    def post_update(self, update, secret):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.hub.http_port}/tg/hook", data=json.dumps(update).encode(),
            method="POST", headers={"Content-Type": "application/json",
                                    **({"X-Telegram-Bot-Api-Secret-Token": secret}
                                       if secret is not None else {})})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def test_webhook_mode_sets_the_webhook_and_takes_updates_with_the_secret_only(self):
        self.hub = harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                  TELEGRAM_API_URL=self.tg.url,
                                  TELEGRAM_WEBHOOK_URL="https://bot.example.test/tg/hook",
                                  TELEGRAM_WEBHOOK_SECRET=SECRET)
        self.hub.start()
        hooks = harness.wait_until(lambda: self.tg.calls("setWebhook"), 10, what="setWebhook")
        params = hooks[-1]["params"]
        self.assertEqual(params["url"], "https://bot.example.test/tg/hook")
        self.assertEqual(params["secret_token"], SECRET)
        self.assertEqual(self.tg.calls("getUpdates"), [])  # no polling in webhook mode

        update = {"update_id": 1, "message": {
            "message_id": 1, "date": 1700000000, "text": "/start",
            "chat": {"id": PERSON, "type": "private"},
            "from": {"id": PERSON, "is_bot": False, "first_name": "P", "language_code": "ru"}}}
        self.assertEqual(self.post_update(update, None), 401)
        self.assertEqual(self.post_update(update, SECRET + "x"), 401)
        self.assertEqual(self.post_update({"no": "update"}, SECRET), 400)
        self.assertEqual(self.post_update(update, SECRET), 200)
        welcome = harness.wait_until(lambda: self.tg.to_chat(PERSON), 10, what="the welcome")
        self.assertEqual(len(welcome), 1)  # the refused posts did nothing
        self.assertIn("Добро пожаловать", welcome[0]["text"])  # language from language_code

    def test_without_a_token_everything_else_runs_and_the_log_says_how_to_enable_the_bot(self):
        self.hub = harness.Vpnhub(self.dir, TELEGRAM_API_URL=self.tg.url)
        self.hub.start()
        self.assertEqual(self.hub.get("/readyz")[0], 200)
        with open(self.hub.log_path) as f:
            lines = [json.loads(line) for line in f if line.startswith("{")]
        disabled = [line for line in lines if line["event"] == "bot.disabled"]
        self.assertEqual(len(disabled), 1, lines)
        self.assertIn("TG_TOKEN", disabled[0]["hint"])
        self.assertEqual(self.tg.calls(), [])

    def test_a_token_telegram_rejects_stops_the_start_naming_tg_token(self):
        env = harness.Vpnhub(self.dir, TG_TOKEN="999999:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
                             TELEGRAM_API_URL=self.tg.url).env
        res = subprocess.run([harness.BINARY, "serve"], cwd=self.dir, env=env,
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn("TG_TOKEN", res.stderr)
        self.assertNotIn("BBBBBBBB", res.stderr)  # the token itself is never logged


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
