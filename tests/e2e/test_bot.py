"""End to end: a person uses the bot (fake Bot API) against the real `vpnhub serve` and a real
ss-manager: /start -> /trial -> location -> link + QR photo -> a real ss-local fetch works ->
after TRIAL_PERIOD and a sweep the fetch fails and the expiry message arrived exactly once.
Plus: admin commands are refused to others, and another person's key id reveals nothing.
And with SUBSCRIPTION_BASE_URL set (issue 18): 🔑 My keys shows the person's subscription URL
with its QR, GET /sub/<token> on the running serve gives their key (which carries traffic), and
after "New subscription link" the old URL answers 404 while the new one works.
"""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PERSON = 5551001
OTHER = 5551002
ADMIN = 5559999
TRIAL_SECONDS = 6


class BotTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.start_bot_hub(ADMIN_TG_ID=ADMIN, TRIAL_PERIOD=TRIAL_SECONDS, NOTICE_INTERVAL_SEC=1)

    def wait_for(self, chat, predicate, what, timeout=10):
        return self.tg.wait_for(chat, predicate, what, timeout)

    def test_trial_end_to_end(self):
        http_port = self.serve_text("hello.txt", "hello-through-vpnhub")

        self.tg.message(PERSON, "/start")
        menu = self.wait_for(PERSON, lambda c: any(b.get("callback_data") == "m:trial"
                                                   for b in harness.buttons(c)), "main menu")
        self.assertFalse(any(b.get("callback_data", "").startswith("a:")
                             for b in harness.buttons(menu)), "admin button for a person")
        self.tg.message(PERSON, "/trial")
        choice = self.wait_for(PERSON, lambda c: any(b.get("callback_data", "").startswith("t:")
                                                     for b in harness.buttons(c)),
                               "location buttons")
        data = next(b["callback_data"] for b in harness.buttons(choice)
                    if b.get("callback_data", "").startswith("t:"))
        self.tg.callback(PERSON, data)
        photo = self.wait_for(PERSON, lambda c: c["method"] == "sendPhoto", "QR photo", 15)
        self.assertGreater(photo["photo_size"], 100)
        link_msg = self.wait_for(PERSON, lambda c: "ss://" in c.get("text", ""), "the link")
        link = re.search(r"ss://[^\s<\"]+", link_msg["text"]).group(0)
        link = link.replace("&amp;", "&")
        rc, body = self.fetch_through(link, http_port)
        self.assertEqual((rc, body), (0, "hello-through-vpnhub"))

        # The trial ends: the key is removed from the server and the person told once.
        harness.wait_until(lambda: self.port_from not in self.ss.ports(), TRIAL_SECONDS + 10,
                           what="key removed from ss-manager")
        rc, _ = self.fetch_through(link, http_port)
        self.assertNotEqual(rc, 0)
        keys = self.hub.cli_json("key", "list")
        key_id = keys[0]["id"]
        expired = self.wait_for(PERSON, lambda c: c["method"] == "sendMessage" and
                                c["time_ms"] > link_msg["time_ms"] and
                                ("ended" in c["text"] or "expired" in c["text"]),
                                "expiry message", 10)
        time.sleep(2.5)  # a few more sweeps and notice runs: still exactly one
        notices = [c for c in self.tg.to_chat(PERSON)
                   if c["time_ms"] >= expired["time_ms"] and c["method"] == "sendMessage"
                   and c["text"] == expired["text"]]
        self.assertEqual(len(notices), 1, notices)
        self.assertIn(self.hub.key(key_id)["state"], ("revoking", "revoked"))

        # A second trial is refused.
        self.tg.message(PERSON, "/trial")
        self.wait_for(PERSON, lambda c: c["time_ms"] > expired["time_ms"] and
                      "t:" not in str(c.get("reply_markup")), "trial refused")

    def test_admin_only_for_admins_and_no_peeking_at_keys(self):
        self.tg.message(OTHER, "/start")
        self.wait_for(OTHER, lambda c: True, "welcome for the other person")
        self.tg.message(PERSON, "/start")
        self.wait_for(PERSON, lambda c: True, "welcome")
        key = self.hub.cli("key", "create", "--user", str(PERSON), "--location", "Amsterdam",
                           "--days", "30").stdout.split("\t")[0]
        remote_name = self.hub.key(int(key))["remote_name"]
        before = len(self.tg.to_chat(OTHER))
        self.tg.message(OTHER, "/admin")
        self.tg.callback(OTHER, "a:refresh")
        self.tg.callback(OTHER, f"k:{key}")

        def other_answers():
            return [c for c in self.tg.calls("answerCallbackQuery")
                    if str(c["params"].get("callback_query_id", "")).startswith(f"{OTHER}-")]
        # Both buttons are answered (the spinner stops) with the same "outdated" toast any stale
        # button gets; the typed /admin gets the unknown-command hint.
        harness.wait_until(lambda: len(other_answers()) >= 2, 10, what="both buttons answered")
        self.wait_for(OTHER, lambda c: c["message_id"] > 1, "the reply to /admin")
        time.sleep(1.5)  # anything else the forged buttons might have caused
        answers = self.tg.to_chat(OTHER)[before:]
        self.assertEqual(len(answers), 1, answers)
        toasts = [c["params"].get("text", "") for c in other_answers()]
        self.assertEqual(toasts[0], toasts[1])
        joined = " ".join([c.get("text", "") for c in answers] + toasts)
        self.assertNotIn("ss://", joined)
        self.assertNotIn(remote_name, joined)
        self.assertNotIn("Users", joined)
        self.assertNotIn("Amsterdam", joined)
        self.assertFalse(any(c["method"] == "sendPhoto" for c in answers))
        self.assertFalse(any(c["method"] == "sendPhoto" for c in self.tg.calls()
                             if c.get("chat_id") == OTHER))

        self.tg.message(ADMIN, "/admin")
        summary = self.wait_for(ADMIN, lambda c: "Amsterdam" in c.get("text", ""),
                                "admin summary")
        self.assertIn("1/10", summary["text"])


SUB_BASE = "https://vpn.example.com"
SUB_URL = re.compile(re.escape(SUB_BASE) + r"/sub/([A-Za-z0-9_-]+)")


class BotSubscriptionTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.start_bot_hub(ADMIN_TG_ID=ADMIN, SUBSCRIPTION_BASE_URL=SUB_BASE,
                           SUBSCRIPTION_SIGNING_KEY="s" * 40)

    def sub_photo(self, after_ms, what):
        """The next QR photo to PERSON whose caption holds a subscription URL; (call, token)."""
        photo = self.tg.wait_for(PERSON, lambda c: c["method"] == "sendPhoto"
                                 and c["time_ms"] > after_ms and SUB_URL.search(c["text"]),
                                 what, 15)
        self.assertGreater(photo["photo_size"], 100)
        return photo, SUB_URL.search(photo["text"]).group(1)

    def fetch_sub(self, token):
        return self.hub.get(f"/sub/{token}?format=plain")

    def test_my_keys_link_serves_the_key_and_rotation_kills_the_old_one(self):
        http_port = self.serve_text("hello.txt", "hello-through-subscription")
        self.tg.message(PERSON, "/start")
        self.tg.wait_for(PERSON, lambda c: True, "welcome")
        key = int(self.hub.cli("key", "create", "--user", str(PERSON), "--location", "Amsterdam",
                               "--days", "30").stdout.split("\t")[0])
        harness.wait_until(lambda: self.hub.key(key)["state"] == "active", 15,
                           what="key active")

        self.tg.message(PERSON, "/keys")
        photo, token = self.sub_photo(0, "subscription link in My keys")
        user_id = self.hub.cli_json("user", "show", str(PERSON))["id"]
        self.assertEqual([b.get("callback_data") for b in harness.buttons(photo)],
                         [f"r:{user_id}"])
        # The same URL the operator sees.
        self.assertEqual(self.hub.cli_json("user", "show", str(PERSON))["subscription_url"],
                         f"{SUB_BASE}/sub/{token}")

        # Fetched over HTTP from the running serve: the person's own key, which carries traffic.
        status, body = self.fetch_sub(token)
        self.assertEqual(status, 200, body)
        links = re.findall(r"ss://\S+", body)
        self.assertEqual(len(links), 1, body)
        self.assertEqual(self.fetch_through(links[0], http_port),
                         (0, "hello-through-subscription"))

        # Another person pressing a forged rotate button for PERSON's user id changes nothing.
        self.tg.message(OTHER, "/start")
        self.tg.wait_for(OTHER, lambda c: True, "welcome for the other person")
        self.tg.callback(OTHER, f"y:{user_id}")
        harness.wait_until(lambda: any(
            str(c["params"].get("callback_query_id", "")).startswith(f"{OTHER}-")
            for c in self.tg.calls("answerCallbackQuery")), 10, what="forged button answered")
        self.assertEqual(self.fetch_sub(token)[0], 200)
        self.assertFalse(any(c["method"] == "sendPhoto" for c in self.tg.to_chat(OTHER)))

        # New subscription link: asked first, then rotated.
        self.tg.callback(PERSON, f"r:{user_id}")
        confirm = self.tg.wait_for(PERSON, lambda c: any(
            b.get("callback_data") == f"y:{user_id}" for b in harness.buttons(c)),
            "confirmation")
        self.assertEqual(self.fetch_sub(token)[0], 200, "asking must not rotate")
        self.tg.callback(PERSON, f"y:{user_id}")
        _, new_token = self.sub_photo(confirm["time_ms"], "the new link")
        self.assertNotEqual(new_token, token)
        harness.wait_until(lambda: self.fetch_sub(token)[0] == 404, 10,
                           what="the old subscription URL answers 404")
        status, body = self.fetch_sub(new_token)
        self.assertEqual(status, 200, body)
        self.assertEqual(re.findall(r"ss://\S+", body), links)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
