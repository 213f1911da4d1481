"""The harness's Telegram Stars helpers against the fake Bot API executable: what the e2e flows of
buying with Stars build on (inject a pre_checkout_query and a successful_payment as Telegram sends
them, read the answers, invoices and refunds the fake recorded).

usage: test_fake_telegram_stars.py FAKE_TELEGRAM [unittest args]
"""
import json
import sys
import time
import unittest
import urllib.error
import urllib.request

import harness

TOKEN = harness.BOT_TOKEN


class FakeTelegramStarsTest(unittest.TestCase):
    def setUp(self):
        self.tg = harness.FakeTelegram()
        self.addCleanup(self.tg.stop)

    def api(self, method, params):
        req = urllib.request.Request(f"{self.tg.url}/bot{TOKEN}/{method}",
                                     data=json.dumps(params).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read().decode())

    def test_a_stars_purchase_as_the_bot_sees_it(self):
        status, _ = self.api("sendInvoice", {
            "chat_id": 5, "title": "VPN, 1 month", "description": "31 days", "payload": "42",
            "provider_token": "", "currency": "XTR",
            "prices": [{"label": "1 month", "amount": 150}]})
        self.assertEqual(status, 200)
        self.assertEqual([i["params"]["payload"] for i in self.tg.invoices(5)], ["42"])
        status, reply = self.api("sendInvoice", {
            "chat_id": 5, "title": "VPN", "description": "d", "payload": "42", "currency": "XTR",
            "prices": [{"label": "a", "amount": 100}, {"label": "b", "amount": 50}]})
        self.assertEqual((status, reply["description"]), (400, "Bad Request: STARS_INVOICE_INVALID"))
        self.assertEqual(len(self.tg.invoices()), 1)

        query = self.tg.pre_checkout(5, 42, 150)
        self.assertEqual(query["pre_checkout_query"]["invoice_payload"], "42")
        self.assertEqual(query["pre_checkout_query"]["currency"], "XTR")
        status, polled = self.api("getUpdates", {"timeout": 0})
        self.assertEqual(polled["result"], [query])  # exactly the update the helper returned
        query_id = query["pre_checkout_query"]["id"]
        self.assertEqual(self.api("answerPreCheckoutQuery",
                                  {"pre_checkout_query_id": query_id, "ok": True})[0], 200)
        answer = self.tg.wait_for_pre_checkout_answer(query_id)
        self.assertTrue(answer["ok"] and answer["in_time"])
        self.assertEqual(answer["user_id"], 5)

        paid = self.tg.successful_payment(5, 42, 150)
        payment = paid["message"]["successful_payment"]
        self.assertEqual((payment["currency"], payment["total_amount"], payment["invoice_payload"]),
                         ("XTR", 150, "42"))
        charge = payment["telegram_payment_charge_id"]
        again = self.tg.push(paid)  # Telegram delivering the same update again
        self.assertEqual(again, paid["update_id"])
        self.assertEqual(len(self.tg.charges()), 1)

        status, reply = self.api("refundStarPayment", {"user_id": 5,
                                                      "telegram_payment_charge_id": "nope"})
        self.assertEqual(status, 400)
        self.assertEqual(self.api("refundStarPayment",
                                  {"user_id": 5, "telegram_payment_charge_id": charge})[0], 200)
        self.assertEqual(self.tg.charges()[0]["refunded"], True)

    def test_a_late_answer_is_refused_and_recorded_as_late(self):
        self.tg.pre_checkout_deadline(1)
        query = self.tg.pre_checkout(6, 7, 400, queue=False)
        self.assertNotIn("update_id", query)
        time.sleep(0.05)  # the point is to be late (the deadline is 1 ms)
        status, _ = self.api("answerPreCheckoutQuery", {
            "pre_checkout_query_id": query["pre_checkout_query"]["id"], "ok": False,
            "error_message": "expired"})
        self.assertEqual(status, 400)
        answer = self.tg.wait_for_pre_checkout_answer(query["pre_checkout_query"]["id"])
        self.assertFalse(answer["in_time"])
        self.assertEqual(answer["error_message"], "expired")


if __name__ == "__main__":
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
