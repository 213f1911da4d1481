"""End to end: paying with WATA (the SBP terminal, and the card terminal beside it) through the
real `vpnhub serve`, the fake Bot API, tests/servers/payments/fake_wata.py and a real ss-manager:
the payment link, the webhook signed with RSA-SHA512 on /pay/wata_sbp, the key carrying traffic;
a forged or re-serialised webhook changes nothing; ten concurrent replays credit once; a rotated
key is picked up; a changed amount is a mismatch with an admin alert; a lost webhook is found by
the reconciliation job; WATA down at invoice time leaves the order with a Try again button.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from http_pay_shop import PERSON, HttpPayShopTest  # noqa: E402

CARD_TOKEN = "wata-card-e2e-token"
SBP_TOKEN = "wata-sbp-e2e-token"


class WataTest(HttpPayShopTest):
    PROVIDER = "wata_sbp"
    LABEL = "SBP (WATA)"
    LINK = "https://payment.wata.pro/"

    def start(self, reconcile=False):
        fake = harness.PayFake("wata", CARD_TOKEN, SBP_TOKEN)
        self.start_shop(fake, reconcile, WATA_TOKEN_CARD=CARD_TOKEN, WATA_TOKEN_SBP=SBP_TOKEN,
                        WATA_API_URL=fake.url + "/api/h2h")

    def link(self):
        """The fake's last link (the one the bot just made)."""
        return self.fake.control("links")[-1]

    def pay(self, mode="normal", **extra):
        return self.fake.control("pay", {"link_id": self.link()["id"], "url": self.webhook,
                                         "mode": mode, **extra})["results"]

    def test_pay_forgeries_replays_and_a_rotated_key(self):
        self.start()
        http_port = self.serve_text("hello.txt", "hello-through-wata")
        offered = self.choose_provider(PERSON)
        # Both terminals are offered, each on its own button with the price.
        self.assertIn("Card (WATA) — 100 RUB", offered)
        self.assertIn("SBP (WATA) — 100 RUB", offered)
        url = self.payment_link(PERSON)
        link = self.link()
        self.assertEqual(url, link["url"])
        self.assertEqual((link["amount"], link["currency"], link["terminalName"]),
                         ("100.00", "RUB", "sbp"))
        order_id = int(link["orderId"])
        self.assertEqual(self.count("SELECT invoice_ref FROM orders WHERE id = ?", order_id),
                         link["id"])

        # A declined attempt first: the hub fetches WATA's key and keeps it.
        self.assertEqual(self.pay(status="Declined"), [[200, "ignored"]])
        # The key rotates: the first failure with the cached key fetches it again.
        self.fake.control("rotate_key")
        self.check_ten_at_once_credit_once()
        # Forged or re-serialised after signing: refused, and within the minute after that
        # refetch no forgery makes the hub ask WATA for its key again.
        self.assertEqual(self.pay("forged"), [[401, "bad signature"]])
        self.assertEqual(self.pay("reserialised")[0][0], 401)
        self.assertEqual(self.payments(), 1)
        self.assertEqual(self.fetch_through(self.key_link(PERSON), http_port),
                         (0, "hello-through-wata"))
        self.assertEqual(self.pay("replay", times=3), [[200, "already credited"]] * 3)
        self.assertEqual(self.payments("credited"), 1)
        self.assertEqual(self.metric("vpnhub_payment_webhooks_total", "replay"), 12)
        self.assertEqual(len(self.hub.cli_json("key", "list")), 1)
        keys = [r for r in self.fake.requests() if r["path"].endswith("/public-key")]
        self.assertEqual(len(keys), 2)

    def test_changed_amount_is_a_mismatch_with_an_admin_alert(self):
        self.start()
        self.check_mismatch("10.00")

    def test_a_lost_webhook_is_found_by_reconciliation(self):
        self.start(reconcile=True)
        self.check_reconciled()
        searches = [r for r in self.fake.requests() if r["path"].endswith("/transactions")]
        self.assertTrue(searches)
        self.assertIn("orderId=", searches[-1]["query"])

    def test_wata_down_at_invoice_time_then_try_again(self):
        self.start()
        self.fake.fail_next(500)
        self.choose_provider(PERSON)
        url = self.check_try_again(PERSON)
        self.assertEqual(url, self.link()["url"])
        self.assertEqual(len(self.fake.control("links")), 1)
        bearer = [r["headers"].get("authorization") for r in self.fake.requests()
                  if r["path"].endswith("/links")]
        self.assertEqual(bearer, ["Bearer " + SBP_TOKEN] * 2)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
