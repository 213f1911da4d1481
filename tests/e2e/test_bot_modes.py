"""End to end: how `vpnhub serve` runs the bot role — webhook mode, no TG_TOKEN, a rejected
TG_TOKEN, the webhook URL and secret, each update handled once (webhook retries, a batch polled
again), one bot per SQLite file, and the command menus registered at start."""
import hashlib
import hmac
import json
import os
import sqlite3
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PERSON = 5552001
SECRET = "e2e-webhook-secret_0123456789"
ADMINS = (5552901, 5552902)
OPEN_COMMANDS = ["start", "trial", "buy", "keys", "invite", "help", "lang"]


class BotModesTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.tg = self.stop_after(harness.FakeTelegram())
        self.hub = None

    def tearDown(self):
        for hub in getattr(self, "hubs_to_stop", []):
            hub.stop()
        if self.hub:
            self.stop_hub(self.hub)

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
        # Stars: Telegram sends pre_checkout_query only to a bot that asks for it.
        self.assertEqual(params["allowed_updates"],
                         ["message", "callback_query", "pre_checkout_query"])
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

    def replied_with(self, words):
        return any(words in c.get("text", "") for c in self.tg.to_chat(PERSON))

    def update(self, update_id, text="/help", person=PERSON):
        return {"update_id": update_id, "message": {
            "message_id": update_id, "date": 1700000000, "text": text,
            "chat": {"id": person, "type": "private"},
            "from": {"id": person, "is_bot": False, "first_name": "P", "language_code": "en"}}}

    def test_a_webhook_delivery_retried_by_telegram_is_handled_once(self):
        self.hub = harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                  TELEGRAM_API_URL=self.tg.url,
                                  TELEGRAM_WEBHOOK_URL="https://bot.example.test/tg/hook",
                                  TELEGRAM_WEBHOOK_SECRET=SECRET)
        self.hub.start()
        harness.wait_until(lambda: self.tg.calls("setWebhook"), 10, what="setWebhook")
        for _ in range(3):  # Telegram retries when it did not see our 200
            self.assertEqual(self.post_update(self.update(41), SECRET), 200)
        self.assertEqual(self.post_update(self.update(42, "/keys"), SECRET), 200)
        harness.wait_until(lambda: self.replied_with("no keys yet"), 10, what="the /keys reply")
        # A chat's replies go out in order: once the last one arrived, every earlier one did.
        self.assertEqual(self.post_update(self.update(43, "/start"), SECRET), 200)
        harness.wait_until(lambda: self.replied_with("Welcome"), 10, what="the /start reply")
        self.assertEqual(len(self.tg.to_chat(PERSON)), 3, self.tg.to_chat(PERSON))
        _, metrics = self.hub.get("/metrics")
        self.assertIn('vpnhub_bot_updates_dropped_total{reason="duplicate"} 2', metrics)

    def test_without_a_secret_every_instance_uses_the_one_derived_from_the_token(self):
        self.hub = harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                  TELEGRAM_API_URL=self.tg.url,
                                  TELEGRAM_WEBHOOK_URL="https://bot.example.test/tg/hook")
        self.hub.start()
        hooks = harness.wait_until(lambda: self.tg.calls("setWebhook"), 10, what="setWebhook")
        derived = hmac.new(harness.BOT_TOKEN.encode(), b"vpnhub-webhook",
                           hashlib.sha256).hexdigest()
        self.assertEqual(hooks[-1]["params"]["secret_token"], derived)
        self.assertEqual(self.post_update(self.update(51), "0" * 64), 401)
        self.assertEqual(self.post_update(self.update(51), derived), 200)
        harness.wait_until(lambda: self.tg.to_chat(PERSON), 10, what="the reply")

    def test_a_webhook_url_without_a_path_or_on_another_port_is_refused_by_check_config(self):
        for url, why in (("https://bot.example.test", "no path"),
                         ("https://bot.example.test/", "no path"),
                         ("https://bot.example.test:8080/tg/hook", "port '8080'")):
            env = harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                 TELEGRAM_WEBHOOK_URL=url).env
            for command in (["check-config"], ["serve"]):
                res = subprocess.run([harness.BINARY, *command], cwd=self.dir, env=env,
                                     capture_output=True, text=True, timeout=30)
                self.assertEqual(res.returncode, 2, (url, command, res.stdout, res.stderr))
                self.assertIn("TELEGRAM_WEBHOOK_URL", res.stderr + res.stdout)
                self.assertIn(why, res.stderr + res.stdout)
        self.assertEqual(self.tg.calls("setWebhook"), [])
        # A port Telegram posts to, with a path: registered exactly as given, served at the path.
        self.hub = harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                  TELEGRAM_API_URL=self.tg.url,
                                  TELEGRAM_WEBHOOK_URL="https://bot.example.test:8443/tg/hook",
                                  TELEGRAM_WEBHOOK_SECRET=SECRET)
        self.hub.start()
        hooks = harness.wait_until(lambda: self.tg.calls("setWebhook"), 10, what="setWebhook")
        self.assertEqual(hooks[-1]["params"]["url"], "https://bot.example.test:8443/tg/hook")
        self.assertEqual(self.post_update(self.update(61), SECRET), 200)
        harness.wait_until(lambda: self.tg.to_chat(PERSON), 10, what="the reply")

    def offset(self):
        db = sqlite3.connect(f"file:{self.hub.db_path}?mode=ro", uri=True, timeout=5)
        try:
            row = db.execute("SELECT value FROM settings WHERE name = 'telegram.update_offset'")
            row = row.fetchone()
            return int(row[0]) if row else 0
        finally:
            db.close()

    def test_an_update_polled_again_after_a_restart_is_handled_once(self):
        self.hub = harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                  TELEGRAM_API_URL=self.tg.url, TELEGRAM_POLL_TIMEOUT_SEC=1)
        self.hub.start()
        self.tg.control("updates", self.update(71))
        harness.wait_until(lambda: self.tg.to_chat(PERSON), 10, what="the reply")
        harness.wait_until(lambda: self.offset() == 72, 10, what="the offset saved")
        self.hub.kill9()
        # As if the process had died before it saved the offset: Telegram hands update 71 out
        # again after the restart.
        db = sqlite3.connect(self.hub.db_path, timeout=5)
        db.execute("UPDATE settings SET value = '0' WHERE name = 'telegram.update_offset'")
        db.commit()
        db.close()
        self.tg.control("updates", self.update(71))
        self.hub.start()
        harness.wait_until(lambda: self.offset() == 72, 10, what="update 71 taken again")
        self.tg.control("updates", self.update(72, "/keys"))
        # A chat's replies go out in order: once the /keys one arrived, every earlier one did.
        harness.wait_until(lambda: self.replied_with("no keys yet"), 10, what="the /keys reply")
        texts = [c["text"] for c in self.tg.to_chat(PERSON)]
        self.assertEqual(len(texts), 2, texts)  # /help once, /keys once

    def test_a_second_serve_with_the_bot_on_one_sqlite_file_is_refused(self):
        self.hub = harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                  TELEGRAM_API_URL=self.tg.url, TELEGRAM_POLL_TIMEOUT_SEC=1)
        self.hub.start()
        second = harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                TELEGRAM_API_URL=self.tg.url, TELEGRAM_POLL_TIMEOUT_SEC=1)
        res = subprocess.run([harness.BINARY, "serve"], cwd=self.dir, env=second.env,
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertIn("another `vpnhub serve` with the bot role", res.stderr)
        self.assertIn(f"pid {self.hub.proc.pid}", res.stderr)
        self.assertIn("vpnhub.db", res.stderr)
        # Roles without the bot may still share the file (as the CLI does).
        self.assertEqual(second.cli("key", "list").returncode, 0)
        # After a crash the lock is gone with the process, and the lease it left is taken over
        # at once: the restarted bot answers without waiting for JOB_LEASE_SEC.
        self.hub.kill9()
        second.start()
        self.hubs_to_stop = [second]
        self.tg.control("updates", self.update(81))
        # JOB_LEASE_SEC is 30 s by default: a reply within 10 s means it did not wait for it.
        harness.wait_until(lambda: self.tg.to_chat(PERSON), 10, what="the reply")

    def test_without_a_token_everything_else_runs_and_the_log_says_how_to_enable_the_bot(self):
        self.hub = harness.Vpnhub(self.dir, TELEGRAM_API_URL=self.tg.url)
        self.hub.start()
        # start() returns once /healthz answers; /readyz may turn 200 a moment later.
        harness.wait_until(lambda: self.hub.get("/readyz")[0] == 200, 10, what="/readyz 200")
        with open(self.hub.log_path) as f:
            lines = [json.loads(line) for line in f if line.startswith("{")]
        disabled = [line for line in lines if line["event"] == "bot.disabled"]
        self.assertEqual(len(disabled), 1, lines)
        self.assertIn("TG_TOKEN", disabled[0]["hint"])
        self.assertEqual(self.tg.calls(), [])

    def log_events(self, event):
        with open(self.hub.log_path) as f:
            lines = [json.loads(line) for line in f if line.startswith("{")]
        return [line for line in lines if line["event"] == event]

    def menus(self):
        return {(m["scope"].get("chat_id", 0), m["language_code"]):
                [c["command"] for c in m["commands"]] for m in self.tg.control("commands")}

    def test_the_command_menus_are_set_at_start_with_admin_commands_for_admins_only(self):
        self.hub = harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                  TELEGRAM_API_URL=self.tg.url, TELEGRAM_POLL_TIMEOUT_SEC=1,
                                  ADMIN_TG_ID=",".join(map(str, ADMINS)))
        self.hub.start()
        harness.wait_until(lambda: len(self.menus()) == 6, 10, what="six command menus")
        menus = self.menus()
        self.assertEqual(menus[(0, "")], OPEN_COMMANDS)
        self.assertEqual(menus[(0, "ru")], OPEN_COMMANDS)
        for admin in ADMINS:
            self.assertEqual(menus[(admin, "")], OPEN_COMMANDS + ["admin"])
            self.assertEqual(menus[(admin, "ru")], OPEN_COMMANDS + ["admin"])
        ru = next(m for m in self.tg.control("commands")
                  if m["language_code"] == "ru" and m["scope"]["type"] == "default")
        self.assertIn("Получить пробный ключ", [c["description"] for c in ru["commands"]])
        chat_scopes = [c["params"]["scope"] for c in self.tg.calls("setMyCommands")
                       if c["params"]["scope"]["type"] == "chat"]
        self.assertEqual(sorted({s["chat_id"] for s in chat_scopes}), list(ADMINS))
        self.assertEqual(len(self.log_events("telegram.commands_set")), 1)

    def start_and_ask_for_help(self):
        """Starts serve with one admin and waits until the bot answers /help."""
        self.hub = harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                  TELEGRAM_API_URL=self.tg.url, TELEGRAM_POLL_TIMEOUT_SEC=1,
                                  ADMIN_TG_ID=ADMINS[0])
        self.hub.start()
        self.tg.message(PERSON, "/help")
        harness.wait_until(lambda: self.tg.to_chat(PERSON), 10, what="the /help reply")

    def test_a_menu_telegram_refuses_is_logged_and_the_bot_starts_anyway(self):
        # The first admin never wrote to the bot: Telegram knows no such chat.
        self.tg.control("fail", {"method": "setMyCommands", "count": 1, "status": 400,
                                 "description": "Bad Request: chat not found"})
        self.start_and_ask_for_help()
        self.assertEqual(len(self.tg.calls("setMyCommands")), 4)  # the others went on
        self.assertEqual(len(self.menus()), 3)
        refused = self.log_events("telegram.commands_not_set")
        self.assertEqual(len(refused), 1, refused)
        self.assertIn("chat not found", refused[0]["error"])

    def test_telegram_failing_every_menu_does_not_stop_the_start(self):
        self.tg.control("fail", {"method": "setMyCommands", "count": 100, "status": 502})
        self.start_and_ask_for_help()
        # A retryable failure ends the round: one try, one warning, the next start tries again.
        self.assertEqual(len(self.tg.calls("setMyCommands")), 1)
        self.assertEqual(len(self.log_events("telegram.commands_not_set")), 1)
        self.assertEqual(self.menus(), {})

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
