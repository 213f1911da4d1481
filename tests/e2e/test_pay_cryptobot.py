"""End to end: paying with CryptoBot (Crypto Pay) through the real `vpnhub serve`, the fake Bot
API, tests/servers/payments/fake_cryptobot.py and a real ss-manager: the invoice link, the signed
invoice_paid webhook on /pay/cryptobot, the key carrying traffic; a forged, a re-serialised and a
stale webhook change nothing; ten concurrent replays credit once; a changed amount is recorded as
a mismatch and alerts the admin; a lost webhook is found by the reconciliation job; Crypto Pay
down at invoice time leaves the order with a Try again button.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from http_pay_shop import PERSON, HttpPayShopTest  # noqa: E402

TOKEN = "4321:AAHcryptoPayE2eToken"


class CryptoBotTest(HttpPayShopTest):
    PROVIDER = "cryptobot"
    LABEL = "CryptoBot"
    LINK = "https://t.me/CryptoBot?start="

    def start(self, reconcile=False):
        fake = harness.PayFake("cryptobot", TOKEN)
        self.start_shop(fake, reconcile, CRYPTO_BOT_API=TOKEN,
                        CRYPTO_BOT_API_URL=fake.url + "/api")

    def invoice(self):
        """The fake's last invoice (the one the bot just made)."""
        return self.fake.control("invoices")[-1]

    def pay(self, mode="normal", **extra):
        return self.fake.control("pay", {"invoice_id": self.invoice()["invoice_id"],
                                         "url": self.webhook, "mode": mode, **extra})["results"]

    def test_pay_forgeries_and_replays(self):
        self.start()
        http_port = self.serve_text("hello.txt", "hello-through-cryptobot")
        self.choose_provider(PERSON)
        link = self.payment_link(PERSON)
        invoice = self.invoice()
        self.assertEqual(link, invoice["bot_invoice_url"])
        self.assertEqual((invoice["currency_type"], invoice["fiat"], invoice["amount"]),
                         ("fiat", "RUB", "100.00"))
        order_id = int(invoice["payload"])
        self.assertEqual(self.count("SELECT invoice_ref FROM orders WHERE id = ?", order_id),
                         str(invoice["invoice_id"]))

        self.assertEqual(self.pay("forged"), [[401, "bad signature"]])
        self.assertEqual(self.payments(), 0)

        self.check_ten_at_once_credit_once()
        self.assertEqual(self.fetch_through(self.key_link(PERSON), http_port),
                         (0, "hello-through-cryptobot"))
        # Re-encoded after signing (a proxy): refused; delivered two days late: ignored.
        self.assertEqual(self.pay("reserialised")[0][0], 401)
        self.assertEqual(self.pay("late"), [[200, "ignored"]])
        self.assertEqual(self.pay("replay", times=3), [[200, "already credited"]] * 3)
        self.assertEqual(self.payments(), 1)
        self.assertEqual(self.payments("credited"), 1)
        self.assertEqual(self.metric("vpnhub_payment_webhooks_total", "credited"), 1)
        self.assertEqual(self.metric("vpnhub_payment_webhooks_total", "replay"), 12)
        self.assertEqual(self.metric("vpnhub_payment_webhooks_total", "bad_signature"), 2)
        self.assertEqual(len(self.hub.cli_json("key", "list")), 1)

    def test_changed_amount_is_a_mismatch_with_an_admin_alert(self):
        self.start()
        self.check_mismatch("1.00")

    def test_a_lost_webhook_is_found_by_reconciliation(self):
        self.start(reconcile=True)
        self.check_reconciled()
        # The webhook arriving late after all is a replay.
        self.assertEqual(self.pay(), [[200, "already credited"]])

    def test_crypto_pay_down_at_invoice_time_then_try_again(self):
        self.start()
        self.fake.fail_next(500)
        self.choose_provider(PERSON)
        link = self.check_try_again(PERSON)
        self.assertEqual(link, self.invoice()["bot_invoice_url"])
        self.assertEqual(len(self.fake.control("invoices")), 1)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
