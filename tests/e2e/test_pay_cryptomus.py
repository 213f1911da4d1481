"""End to end: buying a key through Cryptomus (and Heleket, the same protocol on another host)
with the real `vpnhub serve`, the fake Bot API, a real ss-manager and the fake Cryptomus API
(tests/servers/payments/fake_cryptomus.py): /buy -> location -> tariff -> the provider's button ->
the payment link -> the fake marks the invoice paid and POSTs its signed webhook to
/pay/<provider> -> the key arrives and carries traffic. Also: the same webhook 10x at once credits
once; a forged one is refused (401) and credits nothing; a changed amount is recorded as a
mismatch and alerts the admin; a webhook never sent is found by the reconciliation job; the API
answering 500 at invoice time leaves the order with a "Try again" button that works.
"""
import contextlib
import json
import os
import re
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PERSON = 5553001
ADMIN = 5553999
MERCHANT = "8b03432e-385b-4670-8d06-064591096795"
KEY = "e2e-cryptomus-payment-key"
PUBLIC_BASE = "https://vpn.example.com"


class CryptomusShopTest(harness.HubTestCase):
    """A `vpnhub serve` selling through one provider of the Cryptomus protocol only (Stars off)."""

    NAME = "cryptomus"
    LABEL = "Cryptomus"
    PREFIX = "CRYPTOMUS"

    def setUp(self):
        super().setUp()
        self.pay = self.stop_after(harness.PayFake("cryptomus", "--name", self.NAME,
                                                   "--merchant", MERCHANT, "--key", KEY))
        self.start_bot_hub(ADMIN_TG_ID=ADMIN, TG_STARS="off", MONTH_COST="100,250,450,800",
                           PAYMENT_WEBHOOK_BASE_URL=PUBLIC_BASE, PAYMENT_CHECK_FIRST_SEC=1,
                           PAYMENT_RECONCILE_INTERVAL_SEC=1,
                           **{f"{self.PREFIX}_KEY": KEY, f"{self.PREFIX}_UUID": MERCHANT,
                              f"{self.PREFIX}_API_URL": self.pay.url})

    def count(self, sql, *args):
        with contextlib.closing(sqlite3.connect(self.hub.db_path)) as db:
            return db.execute(sql, args).fetchone()[0]

    def webhook(self, control="webhook", **body):
        """Sends the only invoice's webhook through the fake, to the hub's route; its answers."""
        body.setdefault("order_id", self.order_ref())
        body["url"] = f"http://127.0.0.1:{self.hub.http_port}/pay/{self.NAME}"
        return self.pay.control(control, body)["answers"]

    def order_ref(self):
        invoices = self.pay.control("invoices")
        self.assertEqual(len(invoices), 1, invoices)
        return next(iter(invoices))

    def provider_button(self, person):
        """Walks /buy to the pay step; the callback data of the provider's button."""
        harness.choose_tariff(self.tg, person)
        step = self.tg.wait_for(person, lambda c: any(
            self.LABEL in b.get("text", "") for b in harness.buttons(c)), "the pay step")
        return next(b["callback_data"] for b in harness.buttons(step)
                    if self.LABEL in b.get("text", ""))

    def link_message(self, person):
        return self.tg.wait_for(person, lambda c: any(
            b.get("url", "").startswith("https://pay.") for b in harness.buttons(c)),
            "the payment link", 15)

    def buy(self, person=PERSON):
        """Walks to the payment link; returns its URL."""
        self.tg.callback(person, self.provider_button(person))
        msg = self.link_message(person)
        return next(b["url"] for b in harness.buttons(msg) if b.get("url", "").startswith("https"))

    def key_photo(self, person=PERSON, timeout=20):
        return self.tg.wait_for(person, lambda c: c["method"] == "sendPhoto", "key QR", timeout)

    def assert_key_carries_traffic(self, photo, http_port):
        link = re.search(r"ss://[^\s<\"]+", photo["text"]).group(0).replace("&amp;", "&")
        self.assertEqual(self.fetch_through(link, http_port), (0, "hello-through-" + self.NAME))


class PayCryptomusTest(CryptomusShopTest):
    def test_pay_then_the_same_webhook_ten_times_at_once_credits_once(self):
        http_port = self.serve_text("hello.txt", "hello-through-cryptomus")
        url = self.buy()
        self.assertTrue(url.startswith("https://pay.cryptomus.com/pay/"), url)
        created = [r for r in self.pay.requests() if r["path"] == "/v1/payment"]
        self.assertEqual(len(created), 1)
        self.assertEqual(created[0]["headers"]["merchant"], MERCHANT)
        sent = json.loads(created[0]["body"])
        self.assertEqual((sent["amount"], sent["currency"]), ("100.00", "RUB"))
        self.assertEqual(sent["url_callback"], PUBLIC_BASE + "/pay/cryptomus")
        self.assertRegex(sent["order_id"], r"^vpnhub-[1-9][0-9]*$")
        self.assertIs(sent["is_payment_multiple"], False)

        answers = self.webhook("replayed", status="paid", times=10)
        self.assertEqual(sorted(a[0] for a in answers), [200] * 10, answers)
        texts = sorted(a[1] for a in answers)
        self.assertEqual(texts.count("credited"), 1, texts)
        self.assertEqual(texts.count("already credited"), 9, texts)
        photo = self.key_photo()
        self.assertIn("Payment received", photo["text"])
        self.assert_key_carries_traffic(photo, http_port)
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments WHERE provider='cryptomus' "
                                    "AND state='credited'"), 1)
        self.assertEqual(len(self.hub.cli_json("key", "list")), 1)

    def test_forged_webhook_is_refused_and_credits_nothing(self):
        self.buy()
        answers = self.webhook("forged")
        self.assertEqual(answers[0][0], 401, answers)
        # Also in the ascii wire encoding, and a correctly signed claim the invoice denies later.
        self.assertEqual(self.webhook("forged", encoding="ascii")[0][0], 401)
        time.sleep(2.5)  # the reconciliation job asks the API, which says "check"
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments"), 0)
        self.assertFalse([c for c in self.tg.to_chat(PERSON) if c["method"] == "sendPhoto"])
        self.assertTrue([r for r in self.pay.requests() if r["path"] == "/v1/payment/info"])

    def test_changed_amount_is_a_mismatch_and_alerts_the_admin(self):
        self.buy()
        answers = self.webhook(status="paid", amount="1.00", encoding="ascii")
        self.assertEqual(answers[0], [200, "recorded"], answers)
        self.tg.wait_for(ADMIN, lambda c: "NOT credited" in c.get("text", ""), "admin alert")
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments WHERE state='mismatch'"), 1)
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments WHERE state='credited'"), 0)

    def test_webhook_never_sent_the_reconciliation_job_credits(self):
        http_port = self.serve_text("hello.txt", "hello-through-cryptomus")
        self.buy()
        self.pay.control("never", {"order_id": self.order_ref(), "status": "paid_over"})
        photo = self.key_photo(timeout=30)
        self.assert_key_carries_traffic(photo, http_port)
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments WHERE state='credited'"), 1)
        # The webhook that comes late finds the payment made.
        self.assertEqual(self.webhook()[0], [200, "already credited"])

    def test_api_500_at_invoice_time_keeps_the_order_and_try_again_works(self):
        button = self.provider_button(PERSON)
        self.pay.fail_next(500)
        self.tg.callback(PERSON, button)
        sorry = self.tg.wait_for(PERSON, lambda c: any(
            "Try again" in b.get("text", "") for b in harness.buttons(c)), "try again", 15)
        retry = next(b["callback_data"] for b in harness.buttons(sorry)
                     if "Try again" in b.get("text", ""))
        self.assertEqual(self.count("SELECT COUNT(*) FROM orders"), 1)
        self.tg.callback(PERSON, retry)
        self.link_message(PERSON)
        self.assertEqual(self.count("SELECT COUNT(*) FROM orders"), 1)
        self.assertEqual(self.webhook(status="paid")[0], [200, "credited"])
        self.key_photo()


class PayHeleketTest(CryptomusShopTest):
    NAME = "heleket"
    LABEL = "Heleket"
    PREFIX = "HELEKET"

    def test_pay_with_heleket_in_the_ascii_encoding(self):
        http_port = self.serve_text("hello.txt", "hello-through-heleket")
        url = self.buy()
        self.assertTrue(url.startswith("https://pay.heleket.com/pay/"), url)
        self.assertEqual(self.webhook(status="paid", encoding="ascii")[0], [200, "credited"])
        self.assert_key_carries_traffic(self.key_photo(), http_port)
        self.assertEqual(self.count("SELECT COUNT(*) FROM payments WHERE provider='heleket'"), 1)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
