"""End to end: referrals and the /admin sales figures through the real `vpnhub serve`, the fake
Bot API and a real ss-manager. A invites B with /start r<A>; B's trial gets REFERRAL_INVITEE_DAYS
more; each of B's two Stars payments adds REFERRAL_BONUS_DAYS to A's longest-running key, with a
message to A; a replayed payment adds nothing; a self-referral is not recorded and rewards
nothing; A's /invite shows the link and the figures; /admin shows the revenue in XTR, the paid
orders and trial -> paid to the admin and nothing to anyone else.
"""
import contextlib
import os
import re
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

A = 5553001
B = 5553002
C = 5553003
ADMIN = 5559999
DAY_MS = 86400 * 1000
TRIAL_SEC = 86400
BONUS_DAYS = 3
INVITEE_DAYS = 5
REWARD_TEXT = "Someone you invited"


class BotReferralTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.start_bot_hub(ADMIN_TG_ID=ADMIN, MONTH_COST_STARS="100,250,450,800",
                           TRIAL_PERIOD=TRIAL_SEC, REFERRAL_BONUS_DAYS=BONUS_DAYS,
                           REFERRAL_INVITEE_DAYS=INVITEE_DAYS)

    def query(self, sql, *args):
        with contextlib.closing(sqlite3.connect(self.hub.db_path)) as db:
            return db.execute(sql, args).fetchall()

    def count(self, sql, *args):
        return self.query(sql, *args)[0][0]

    def keys_of(self, tg):
        """[(id, is_trial, created_at, expires_at)] of the person's keys, by id."""
        return self.query("SELECT k.id, k.is_trial, k.created_at, k.expires_at FROM keys k "
                          "JOIN users u ON u.id = k.user_id WHERE u.tg_id = ? ORDER BY k.id", tg)

    def start(self, person, payload=""):
        before = len(self.tg.to_chat(person))
        self.tg.message(person, "/start" + (f" {payload}" if payload else ""))
        harness.wait_until(lambda: len(self.tg.to_chat(person)) > before, 15, what="welcome")

    def press_first(self, person, command, prefix, what):
        """Sends `command` and presses the first button of its reply whose data starts with
        `prefix`."""
        before = len(self.tg.to_chat(person))
        self.tg.message(person, command)
        reply = harness.wait_until(lambda: next(
            (c for c in self.tg.to_chat(person)[before:]
             if any(b.get("callback_data", "").startswith(prefix)
                    for b in harness.buttons(c))), None), 15, what=what)
        self.tg.callback(person, next(b["callback_data"] for b in harness.buttons(reply)
                                      if b["callback_data"].startswith(prefix)))
        return reply

    def take_trial(self, person):
        keys = len(self.keys_of(person))
        self.press_first(person, "/trial", "t:", "trial locations")
        harness.wait_until(lambda: len(self.keys_of(person)) > keys, 15, what="the trial key")
        return self.keys_of(person)[-1]

    def buy_and_pay(self, person, charge):
        """/buy -> location -> one month -> Stars -> invoice -> pre-checkout -> successful_payment, up to
        the receipt; returns the successful_payment update."""
        invoices = len(self.tg.invoices(person))
        receipts = self.receipts(person)
        self.press_first(person, "/buy", "b:", "buy locations")
        tariffs = harness.wait_until(lambda: next(
            (c for c in reversed(self.tg.to_chat(person))
             if any(b.get("callback_data", "").startswith("p:") for b in harness.buttons(c))),
            None), 15, what="tariffs")
        tariff = next(b["callback_data"] for b in harness.buttons(tariffs)
                      if b["callback_data"].endswith(".1"))
        pay_steps = len(self.tg.to_chat(person))
        self.tg.callback(person, tariff)
        # The pay step: Stars is the first provider (v:<location>.<months>.1).
        pay = "v:" + tariff[2:] + ".1"
        harness.wait_until(lambda: any(b.get("callback_data") == pay
                                       for c in self.tg.to_chat(person)[pay_steps:]
                                       for b in harness.buttons(c)), 15, what="the pay step")
        self.tg.callback(person, pay)
        invoice = harness.wait_until(lambda: self.tg.invoices(person)[invoices:], 15,
                                     what="the invoice")[0]
        order_id = invoice["params"]["payload"]
        amount = invoice["params"]["prices"][0]["amount"]
        query = self.tg.pre_checkout(person, order_id, amount)
        answer = self.tg.wait_for_pre_checkout_answer(query["pre_checkout_query"]["id"])
        self.assertTrue(answer["ok"], answer)
        paid = self.tg.successful_payment(person, order_id, amount, charge_id=charge)
        harness.wait_until(lambda: self.receipts(person) > receipts, 15, what="the receipt")
        # One message for the payment: the key's photo, its caption opening with the receipt.
        got = [c for c in self.tg.to_chat(person) if "Payment received" in c.get("text", "")]
        self.assertEqual(len(got), receipts + 1)
        self.assertEqual(got[-1]["method"], "sendPhoto")
        return paid

    def receipts(self, person):
        return len([c for c in self.tg.to_chat(person) if "Payment received" in c.get("text", "")])

    def rewards_told(self, person):
        return len([c for c in self.tg.to_chat(person) if REWARD_TEXT in c.get("text", "")])

    def messages_handled(self):
        _, metrics = self.hub.get("/metrics")
        m = re.search(r'vpnhub_bot_updates_total\{type="message"\} (\d+)', metrics)
        return int(m.group(1)) if m else 0

    def reply_to(self, person, text, what):
        before = len(self.tg.to_chat(person))
        self.tg.message(person, text)
        return harness.wait_until(lambda: self.tg.to_chat(person)[before:], 15, what=what)[0]

    def test_referral_rewards_once_per_paid_order_and_the_admin_figures(self):
        # A: a trial key (1 day) and a bought key (31 days): the bought one runs longest.
        self.start(A)
        a_trial = self.take_trial(A)
        self.buy_and_pay(A, "charge-a-1")
        harness.wait_until(lambda: len(self.keys_of(A)) == 2, 15, what="A's bought key")
        a_bought = self.keys_of(A)[1]
        self.assertEqual(a_bought[1], 0)

        # B comes by A's link: the trial lasts TRIAL_PERIOD + REFERRAL_INVITEE_DAYS.
        self.start(B, f"r{A}")
        self.assertEqual(self.count("SELECT r.tg_id FROM users u JOIN users r "
                                    "ON r.id = u.referrer_id WHERE u.tg_id = ?", B), A)
        b_trial = self.take_trial(B)
        self.assertEqual(b_trial[3] - b_trial[2], TRIAL_SEC * 1000 + INVITEE_DAYS * DAY_MS)

        # Each of B's payments: A's longest key gets the bonus days, and A a message.
        paid = None
        for n, charge in enumerate(["charge-b-1", "charge-b-2"], start=1):
            paid = self.buy_and_pay(B, charge)
            harness.wait_until(lambda: self.rewards_told(A) == n, 15, what=f"A's message {n}")
            self.assertEqual(self.keys_of(A)[1][3], a_bought[3] + n * BONUS_DAYS * DAY_MS)
        self.assertEqual(self.keys_of(A)[0][3], a_trial[3])  # the shorter key is left alone
        self.assertEqual(self.count("SELECT COUNT(*) FROM referral_rewards"), 2)

        # B's last payment delivered again: once the router has taken it (the counter moves
        # before handling) and a later message of B's is answered, nothing more was credited.
        # Without its update_id the fake gives it a new one; with the old one the fake would drop
        # it as already confirmed by getUpdates' offset, and the bot would never see it.
        replay = {k: v for k, v in paid.items() if k != "update_id"}
        handled = self.messages_handled()
        self.tg.push(replay)
        harness.wait_until(lambda: self.messages_handled() > handled, 15, what="the replay")
        self.reply_to(B, "/help", "the /help reply")
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments"), 3)
        self.assertEqual(self.count("SELECT COUNT(*) FROM referral_rewards"), 2)
        self.assertEqual(self.keys_of(A)[1][3], a_bought[3] + 2 * BONUS_DAYS * DAY_MS)
        self.assertEqual(self.rewards_told(A), 2)

        # C's link is their own: no referrer recorded, their payment rewards nobody.
        self.start(C, f"r{C}")
        self.assertIsNone(self.count("SELECT referrer_id FROM users WHERE tg_id = ?", C))
        self.buy_and_pay(C, "charge-c-1")
        self.assertEqual(self.count("SELECT COUNT(*) FROM referral_rewards"), 2)
        self.assertEqual(self.rewards_told(C), 0)

        # A's referral screen.
        screen = self.reply_to(A, "/invite", "the referral screen")["text"]
        self.assertIn(f"https://t.me/fake_test_bot?start=r{A}", screen)
        self.assertIn("Invited: <b>1</b>", screen)
        self.assertIn("Of them paid: <b>1</b>", screen)
        self.assertIn(f"Days earned: <b>{2 * BONUS_DAYS}</b>", screen)

        # /admin: 4 payments of 100 XTR today; A and B paid after their trials, C had none.
        summary = self.reply_to(ADMIN, "/admin", "the admin summary")["text"]
        self.assertIn("Revenue today (UTC):\n• stars: 400 XTR (4 payments)", summary)
        self.assertIn("Revenue, last 30 days:\n• stars: 400 XTR (4 payments)", summary)
        self.assertIn("Paid orders: 4 today, 4 in 30 days", summary)
        self.assertIn("Trial → paid: 2 of 2 (100%)", summary)
        # Anyone else: the unknown-command answer, nothing of the figures.
        other = self.reply_to(B, "/admin", "B's /admin answer")["text"]
        self.assertNotIn("Revenue", other)
        for person in (A, B, C):
            for call in self.tg.to_chat(person):
                for marker in ("Sales", "Revenue", "XTR", "Paid orders"):
                    self.assertNotIn(marker, call.get("text", ""), call)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
