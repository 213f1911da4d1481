"""End to end: selling through a YooMoney wallet with the real `vpnhub serve`, the fake Bot API,
the fake YooMoney (tests/servers/payments/fake_yoomoney.py) and a real ss-manager. The person
pays through the quickpay link; the form notification is believed only with its sha1_hash: ten
at once credit once, a forged hash is refused (401), an unaccepted transfer credits nothing, a
payment short of the price is recorded as a mismatch and alerts the admin, a lost notification
is found in operation-history by the reconciliation job (YOOMONEY_TOKEN).
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from pay_shop import PERSON, PayShopTest  # noqa: E402

WALLET = "4100118000000"
SECRET = "01234567890ABCDEF01234567890"
TOKEN = "410011.TOKEN"


class YooMoneyTest(PayShopTest):
    PROVIDER = "yoomoney"
    LABEL = "YooMoney"

    def setUp(self):
        super().setUp()
        fake = harness.PayFake("yoomoney", SECRET, TOKEN)
        self.start_shop(fake, YOOMONEY_API_URL=fake.url, YOOMONEY_WALLET=WALLET,
                        YOOMONEY_NOTIFICATION_SECRET=SECRET, YOOMONEY_TOKEN=TOKEN)

    def pay(self, label, total="100.00", **extra):
        """The person pays `total` through the quickpay form; the fake notifies the hub."""
        return self.fake.control("pay", dict(label=label, sum=total, url=self.webhook_url,
                                             **extra))

    def test_pay_and_ten_notices_at_once_credit_once(self):
        link = self.query_of(self.buy())
        self.assertEqual((link["receiver"], link["quickpay-form"], link["sum"]),
                         (WALLET, "button", "100.00"))
        order_id = link["label"]
        paid = self.pay(order_id, times=10, fee_percent=3)
        self.assertEqual(sorted(s for s, _ in paid["statuses"]), [200] * 10, paid)
        self.assertEqual([t for _, t in paid["statuses"]].count("credited"), 1, paid)
        self.key_arrives()
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments"), 1)
        self.assertEqual(self.count("SELECT provider_payment_id FROM payments"),
                         paid["operation_id"])
        self.assertEqual(self.count("SELECT amount FROM payments"), 100)
        self.assertEqual(self.webhooks("credited"), 1)
        self.assertEqual(self.webhooks("replay"), 9)
        replayed = self.fake.control("replay", {"operation_id": paid["operation_id"],
                                                "url": self.webhook_url})
        self.assertEqual(replayed["statuses"][0][0], 200)
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments"), 1)

    def test_a_forged_or_unaccepted_notice_credits_nothing(self):
        order_id = self.query_of(self.buy())["label"]
        forged = self.pay(order_id, secret="guessed")
        self.assertEqual(forged["statuses"][0][0], 401)
        raised = self.pay(order_id, total="1.00", withdraw_amount="100.00")  # unsigned field
        self.assertEqual(raised["statuses"][0][0], 200)
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments WHERE state = 'credited'"), 0)
        unaccepted = self.pay(order_id, unaccepted=True)
        self.assertEqual(unaccepted["statuses"][0], [200, unaccepted["statuses"][0][1]])
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments WHERE state = 'credited'"), 0)
        self.assertEqual(self.webhooks("bad_signature"), 1)
        self.assertEqual(self.post_notice("sha1_hash=00&label=1",
                                          "application/x-www-form-urlencoded")[0], 400)

    def test_an_underpayment_is_a_mismatch_with_an_alert(self):
        order_id = self.query_of(self.buy())["label"]
        short = self.pay(order_id, total="99.99")
        self.assertEqual(short["statuses"], [[200, "recorded"]])
        harness.wait_until(lambda: self.count(
            "SELECT COUNT(*) FROM payments WHERE state = 'mismatch'") == 1, 10, what="mismatch")
        self.admin_alerted(short["operation_id"])
        self.assertEqual(self.webhooks("mismatch"), 1)
        self.assertFalse([c for c in self.tg.to_chat(PERSON) if c["method"] == "sendPhoto"])

    def test_a_lost_notice_is_found_in_the_history(self):
        order_id = self.query_of(self.buy())["label"]
        paid = self.pay(order_id, send=False)
        self.key_arrives()
        self.assertEqual(self.count("SELECT provider_payment_id FROM payments"),
                         paid["operation_id"])
        asked = [r for r in self.fake.requests() if r["path"] == "/api/operation-history"]
        self.assertTrue(asked)
        self.assertEqual(asked[0]["headers"]["authorization"], "Bearer " + TOKEN)
        # The notification arriving late after all is a replay.
        late = self.fake.control("replay", {"operation_id": paid["operation_id"],
                                            "url": self.webhook_url})
        self.assertEqual(late["statuses"][0][0], 200)
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments"), 1)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
