"""End to end: extending and switching a key from 🔑 My keys, and promo codes typed in reply,
through the real `vpnhub serve`, the fake Bot API (Telegram Stars) and real ss-managers, one per
location. Extend moves expires_at by exactly months x 2,678,400 s; a switch (free, then paid)
gives a key in the other location that carries traffic while the old one is revoked and leaves
its ss-manager; a percent code lowers the amount sent with sendInvoice and a days code lengthens
the key by its days.
"""
import contextlib
import os
import re
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

PERSON = 5553001
ADMIN = 5559999
MONTH_S = 2_678_400
DAY_S = 86_400


class BotKeyOrdersTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.tg = self.stop_after(harness.FakeTelegram())
        self.hub = self.own_hub(harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                               TELEGRAM_API_URL=self.tg.url, ADMIN_TG_ID=ADMIN,
                                               MONTH_COST_STARS="100,250,450,800",
                                               PRICE_SWITCH_LOCATION_STARS=50,
                                               TELEGRAM_POLL_TIMEOUT_SEC=1))
        self.ss = {}
        self.ports = {}
        for name in ("Amsterdam", "Frankfurt"):
            self.ss[name], port_from = self.add_ss_location(
                self.hub, name, os.path.join(self.dir, name), name.lower())
            self.ports[name] = range(port_from, port_from + 10)
        self.hub.start()
        self.http_port = self.serve_text("hello.txt", "hello-key-orders")
        self.tg.message(PERSON, "/start")
        self.tg.wait_for(PERSON, lambda c: True, "welcome")

    # -- reading the state -------------------------------------------------------------------

    def rows(self, sql, *args):
        with contextlib.closing(sqlite3.connect(self.hub.db_path)) as db:
            return db.execute(sql, args).fetchall()

    def key_row(self, key_id):
        """(state, expires_at in ms, location name)"""
        return self.rows("SELECT k.state, k.expires_at, l.name FROM keys k "
                         "JOIN servers s ON s.id = k.server_id "
                         "JOIN locations l ON l.id = s.location_id WHERE k.id = ?", key_id)[0]

    def location_id(self, name):
        return self.rows("SELECT id FROM locations WHERE name = ?", name)[0][0]

    def links(self):
        return [re.search(r"ss://[^\s<\"]+", c["text"]).group(0).replace("&amp;", "&")
                for c in self.tg.to_chat(PERSON) if "ss://" in c.get("text", "")]

    def wait_new_link(self, before):
        harness.wait_until(lambda: len(self.links()) > before, 30, what="a new key's link")
        return self.links()[-1]

    def wait_state(self, key_id, state, timeout=30):
        harness.wait_until(lambda: self.key_row(key_id)[0] == state, timeout,
                           what=f"key {key_id} {state}")

    # -- pressing buttons ----------------------------------------------------------------------

    def press_when_offered(self, data, what, timeout=10):
        self.tg.wait_for(PERSON, lambda c: any(b.get("callback_data") == data
                                               for b in harness.buttons(c)), what, timeout)
        self.tg.callback(PERSON, data)

    def trial_key(self):
        """A trial key in Amsterdam, active; returns its id."""
        before = len(self.links())
        self.tg.message(PERSON, "/trial")
        self.press_when_offered(f"t:{self.location_id('Amsterdam')}", "trial locations")
        self.wait_new_link(before)
        key_id = self.rows("SELECT MAX(id) FROM keys")[0][0]
        self.wait_state(key_id, "active")
        return key_id

    def invoice_after(self, count):
        """The sendInvoice call after the first `count`, waited for."""
        return harness.wait_until(lambda: (self.tg.invoices(PERSON)[count:] or [None])[0], 15,
                                  what="the invoice")

    def pay(self, invoice, charge_id):
        """Pays the invoice as Telegram does (pre-checkout, then successful_payment) and waits for
        the receipt."""
        order_id = invoice["params"]["payload"]
        amount = invoice["params"]["prices"][0]["amount"]
        query = self.tg.pre_checkout(PERSON, order_id, amount)
        answer = self.tg.wait_for_pre_checkout_answer(query["pre_checkout_query"]["id"])
        self.assertTrue(answer["ok"], answer)
        self.tg.successful_payment(PERSON, order_id, amount, charge_id=charge_id)
        harness.wait_until(lambda: self.rows("SELECT state FROM orders WHERE id = ?",
                                             int(order_id))[0][0] == "fulfilled", 15,
                           what=f"order {order_id} fulfilled")

    def extend_invoice(self, key_id, months, promo=None):
        """My keys -> Extend -> tariff -> (promo code typed) -> Stars: the invoice."""
        count = len(self.tg.invoices(PERSON))
        self.tg.message(PERSON, "/keys")
        self.press_when_offered(f"x:{key_id}", "the Extend button")
        self.press_when_offered(f"e:{key_id}.{months}", "extend tariffs")
        if promo is None:
            self.press_when_offered(f"g:{key_id}.{months}.1", "the pay step")
        else:
            self.press_when_offered(f"d:{key_id}.{months}", "the promo button")
            self.tg.wait_for(PERSON, lambda c: "Send your promo code" in c.get("text", ""),
                             "the promo question")
            self.tg.message(PERSON, promo)
        return self.invoice_after(count)

    # -- the tests -----------------------------------------------------------------------------

    def test_extend_with_stars_moves_expiry_by_exactly_the_months(self):
        key_id = self.trial_key()
        _, before, _ = self.key_row(key_id)
        invoice = self.extend_invoice(key_id, 3)
        self.assertEqual((invoice["params"]["currency"], invoice["params"]["prices"][0]["amount"]),
                         ("XTR", 250))
        self.pay(invoice, "charge-extend-1")
        state, after, _ = self.key_row(key_id)
        self.assertEqual(state, "active")
        self.assertEqual(after - before, 3 * MONTH_S * 1000)

    def test_switch_free_then_paid_moves_the_key_and_stops_the_old_one(self):
        first = self.trial_key()
        _, expires, _ = self.key_row(first)
        frankfurt = self.location_id("Frankfurt")
        amsterdam = self.location_id("Amsterdam")
        # Free: the person's one free switch of this key.
        self.tg.message(PERSON, "/keys")
        self.press_when_offered(f"s:{first}", "the Switch button")
        self.tg.wait_for(PERSON, lambda c: "Free switches left: 1" in c.get("text", ""),
                         "the switch screen")
        before = len(self.links())
        self.press_when_offered(f"w:{first}.{frankfurt}", "Frankfurt")
        link = self.wait_new_link(before)
        second = self.rows("SELECT MAX(id) FROM keys")[0][0]
        self.assertNotEqual(second, first)
        self.wait_state(second, "active")
        self.assertEqual(self.key_row(second)[2], "Frankfurt")
        self.assertEqual(self.key_row(second)[1], expires)
        self.assertEqual(self.fetch_through(link, self.http_port), (0, "hello-key-orders"))
        self.wait_state(first, "revoked")
        harness.wait_until(lambda: not (self.ss["Amsterdam"].ports() &
                                        set(self.ports["Amsterdam"])), 15,
                           what="the old key off Amsterdam's ss-manager")
        self.assertEqual(self.invoices_count(), 0)
        # Paid: the moved key has no free switch left.
        self.tg.message(PERSON, "/keys")
        self.press_when_offered(f"s:{second}", "the Switch button of the new key")
        self.tg.wait_for(PERSON, lambda c: "Free switches left: 0" in c.get("text", ""),
                         "the paid switch screen")
        self.press_when_offered(f"w:{second}.{amsterdam}", "Amsterdam")
        invoice = self.invoice_after(0)
        self.assertEqual(invoice["params"]["prices"][0]["amount"], 50)
        before = len(self.links())
        self.pay(invoice, "charge-switch-1")
        link = self.wait_new_link(before)
        third = self.rows("SELECT MAX(id) FROM keys")[0][0]
        self.wait_state(third, "active")
        self.assertEqual(self.key_row(third)[2], "Amsterdam")
        self.assertEqual(self.fetch_through(link, self.http_port), (0, "hello-key-orders"))
        self.wait_state(second, "revoked")
        harness.wait_until(lambda: not (self.ss["Frankfurt"].ports() &
                                        set(self.ports["Frankfurt"])), 15,
                           what="the old key off Frankfurt's ss-manager")

    def invoices_count(self):
        return len(self.tg.invoices(PERSON))

    def test_promo_percent_and_days_by_typed_reply(self):
        self.hub.cli("promo", "add", "SPRING", "--percent", "20")
        self.hub.cli("promo", "add", "BONUS", "--days", "7")
        amsterdam = self.location_id("Amsterdam")
        # Buying: 3 months at 250 Stars, 20% off = 200 as sent with sendInvoice.
        self.tg.message(PERSON, "/buy")
        self.press_when_offered(f"b:{amsterdam}", "buy locations")
        self.press_when_offered(f"p:{amsterdam}.3", "tariffs")
        self.press_when_offered(f"c:{amsterdam}.3", "the promo button")
        self.tg.wait_for(PERSON, lambda c: "Send your promo code" in c.get("text", ""),
                         "the promo question")
        self.tg.message(PERSON, "NOSUCH")
        self.tg.wait_for(PERSON, lambda c: "no such promo code" in c.get("text", ""),
                         "the unknown-code answer")
        self.tg.message(PERSON, "spring")
        invoice = self.invoice_after(0)
        self.assertEqual(invoice["params"]["prices"][0]["amount"], 200)
        before = len(self.links())
        self.pay(invoice, "charge-promo-1")
        self.wait_new_link(before)
        key_id = self.rows("SELECT MAX(id) FROM keys")[0][0]
        self.wait_state(key_id, "active")
        # Extending by 1 month with 7 days more.
        _, before_ms, _ = self.key_row(key_id)
        invoice = self.extend_invoice(key_id, 1, promo="bonus")
        self.assertEqual(invoice["params"]["prices"][0]["amount"], 100)
        self.pay(invoice, "charge-promo-2")
        _, after_ms, _ = self.key_row(key_id)
        self.assertEqual(after_ms - before_ms, (MONTH_S + 7 * DAY_S) * 1000)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
