"""End to end: selling through YooKassa with the real `vpnhub serve`, the fake Bot API, the fake
YooKassa API (tests/servers/payments/fake_yookassa.py) and a real ss-manager. The person pays
through the payment link; the unsigned notification is believed only after the hub re-read the
payment from the API: ten at once credit once, a made-up payment is refused (401), a notice sent
before the payment succeeded credits nothing, an amount changed at the provider is recorded as a
mismatch and alerts the admin, a lost notification is found by the reconciliation job, an API
500 at invoice time leaves a "try again" button that works, and an allowlist turns other sources
away.
"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from pay_shop import PERSON, PayShopTest  # noqa: E402

SHOP_ID = "123456"
SECRET = "test_SecretKey"


class YooKassaStage(PayShopTest):
    """The hub selling through the fake YooKassa; no tests of its own."""
    PROVIDER = "yookassa"
    LABEL = "YooKassa"

    def setUp(self):
        super().setUp()
        fake = harness.PayFake("yookassa", SHOP_ID, SECRET)
        self.start_shop(fake, YOOKASSA_API_URL=fake.url + "/v3", **self.hub_env())

    def hub_env(self):
        return dict(YOOKASSA_SHOP_ID=SHOP_ID, YOOKASSA_SECRET_KEY=SECRET,
                    YOOKASSA_RECEIPT_EMAIL="receipts@example.com",
                    PAYMENT_WEBHOOK_BASE_URL="https://vpn.example.com")

    def payment_of(self, url):
        """The fake's payment behind a confirmation URL."""
        pid = self.query_of(url)["orderId"]
        return next(p for p in self.fake.control("payments") if p["id"] == pid)

    def notify(self, payment_id, times=1, **extra):
        return self.fake.control("notify", dict(url=self.webhook_url, payment_id=payment_id,
                                                times=times, **extra))["statuses"]



class YooKassaTest(YooKassaStage):
    def test_pay_and_ten_notices_at_once_credit_once(self):
        payment = self.payment_of(self.buy())
        order_id = payment["metadata"]["order_id"]
        self.assertEqual(payment["amount"], {"value": "100.00", "currency": "RUB"})
        create = next(r for r in self.fake.requests() if r["method"] == "POST")
        self.assertEqual(create["headers"]["idempotence-key"], f"order-{order_id}")
        body = json.loads(create["body"])
        self.assertTrue(body["capture"])
        self.assertEqual(body["receipt"]["customer"]["email"], "receipts@example.com")

        self.fake.control("succeed", {"payment_id": payment["id"]})
        statuses = self.notify(payment["id"], times=10)
        self.assertEqual(sorted(s for s, _ in statuses), [200] * 10, statuses)
        self.assertEqual(sorted(t for _, t in statuses).count("credited"), 1, statuses)
        self.key_arrives()
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments"), 1)
        self.assertEqual(self.count("SELECT provider_payment_id FROM payments"), payment["id"])
        self.assertEqual(self.webhooks("credited"), 1)
        self.assertEqual(self.webhooks("replay"), 9)

    def test_a_made_up_payment_or_an_early_notice_credits_nothing(self):
        payment = self.payment_of(self.buy())
        forged = json.dumps({"type": "notification", "event": "payment.succeeded",
                             "object": {"id": "2f3b588d-000f-5000-8000-000000000000",
                                        "status": "succeeded",
                                        "amount": {"value": "100.00", "currency": "RUB"},
                                        "metadata": {"order_id": payment["metadata"]["order_id"]}}})
        status, text = self.post_notice(forged)
        self.assertEqual((status, text.strip()), (401, "bad signature"))
        # The real payment, notified before it succeeded: the re-read says pending.
        self.assertEqual([s for s, _ in self.notify(payment["id"])], [200])
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments"), 0)
        self.assertEqual(self.webhooks("bad_signature"), 1)
        self.assertEqual(self.webhooks("ignored"), 1)
        self.assertEqual(self.post_notice("{not json")[0], 400)

    def test_an_amount_changed_at_the_provider_is_a_mismatch_with_an_alert(self):
        payment = self.payment_of(self.buy())
        self.fake.control("succeed", {"payment_id": payment["id"], "amount": "50.00"})
        self.assertEqual([s for s, _ in self.notify(payment["id"])], [200])
        harness.wait_until(lambda: self.count(
            "SELECT COUNT(*) FROM payments WHERE state = 'mismatch'") == 1, 10, what="mismatch")
        self.admin_alerted(payment["id"])
        self.assertEqual(self.webhooks("mismatch"), 1)
        self.assertFalse([c for c in self.tg.to_chat(PERSON) if c["method"] == "sendPhoto"])

    def test_a_lost_notice_is_found_by_the_reconciliation(self):
        payment = self.payment_of(self.buy())
        self.fake.control("succeed", {"payment_id": payment["id"]})
        self.key_arrives()
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments"), 1)
        gets = [r for r in self.fake.requests() if r["method"] == "GET"]
        self.assertTrue(gets and gets[0]["path"] == f"/v3/payments/{payment['id']}")
        self.assertEqual(gets[0]["headers"]["authorization"].split()[0], "Basic")

    def test_an_api_error_at_invoice_time_keeps_the_order_and_try_again_works(self):
        self.fake.fail_next(500)
        self.choose_provider(PERSON)
        self.tap(PERSON, lambda b: "Try again" in b.get("text", "") and "callback_data" in b,
                 "the try-again button", 15)
        payment = self.payment_of(self.payment_link(PERSON))
        self.assertEqual(self.count("SELECT COUNT(*) FROM orders"), 1)
        self.fake.control("succeed", {"payment_id": payment["id"]})
        self.notify(payment["id"])
        self.key_arrives()


class YooKassaAllowlistTest(YooKassaStage):
    """YOOKASSA_TRUSTED_IPS with YooKassa's own ranges: the fake's notices come from 127.0.0.1."""

    def hub_env(self):
        return dict(super().hub_env(), YOOKASSA_TRUSTED_IPS="185.71.76.0/27,2a02:5180::/32")

    def test_notices_from_elsewhere_are_refused(self):
        payment = self.payment_of(self.buy())
        self.fake.control("succeed", {"payment_id": payment["id"]})
        self.assertEqual([s for s, _ in self.notify(payment["id"])], [401])
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments"), 0)
        self.assertFalse([r for r in self.fake.requests() if r["method"] == "GET"])

if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
