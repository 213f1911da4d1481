"""The selling commands as an operator meets them: order list, payment list / refund, promo
add / list / disable, user show. The real binary on SQLite; refunds against the fake Bot API
(refundStarPayment) and a real ss-manager. A paid order is written into the database as the
crediting transaction leaves it (the bot's buy flow is tested in the bot's e2e tests)."""
import contextlib
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

COMMANDS = [["order"], ["order", "list"], ["payment"], ["payment", "list"],
            ["payment", "refund"], ["promo"], ["promo", "add"], ["promo", "list"],
            ["promo", "disable"], ["user", "show"]]
MONTH = 31 * 86400
TG = 5001


class CliBillingTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.tg = self.stop_after(harness.FakeTelegram())
        self.hub = harness.Vpnhub(self.dir, TG_TOKEN=harness.BOT_TOKEN,
                                  TELEGRAM_API_URL=self.tg.url,
                                  MONTH_COST_STARS="100,250,450,800")

    def usage_error(self, *args, says=()):
        return self.cli_exits(self.hub, 2, *args, says=says)

    def failure(self, *args, says=(), hub=None):
        return self.cli_exits(hub or self.hub, 1, *args, says=says)

    def db(self):
        return contextlib.closing(sqlite3.connect(self.hub.db_path))

    def add_key(self, days):
        """An active key of TG on a real ss-manager; returns (key id, ss-manager)."""
        if not hasattr(self, "ss"):
            self.ss = self.stop_after(harness.SsManager(self.dir))
            self.hub.cli("location", "add", "Oslo")
            first = harness.free_port_block(10)
            self.hub.cli("server", "add", "--location", "Oslo", "--manager", self.ss.address,
                         "--public-host", "127.0.0.1", "--ports", f"{first}-{first + 9}",
                         "--capacity", "10")
        out = self.hub.cli("key", "create", "--user", str(TG), "--location", "Oslo", "--days",
                           str(days)).stdout
        return int(out.split("\t")[0])

    def paid_order(self, key_id, charge_id, months=1, amount=100):
        """A fulfilled new-key order for TG that made `key_id`, and its credited Stars payment
        as ConfirmPayment records them; returns (order id, payment id)."""
        now = int(time.time() * 1000)
        with self.db() as db:
            user_id = db.execute("SELECT id FROM users WHERE tg_id = ?", (TG,)).fetchone()[0]
            loc = db.execute("SELECT id FROM locations WHERE name = 'Oslo'").fetchone()[0]
            order = db.execute(
                "INSERT INTO orders (user_id, kind, location_id, months, provider, amount,"
                " currency, state, result_key_id, created_at, expires_at, updated_at)"
                " VALUES (?, 'new_key', ?, ?, 'stars', ?, 'XTR', 'fulfilled', ?, ?, ?, ?)",
                (user_id, loc, months, amount, key_id, now, now + 3600000, now)).lastrowid
            payment = db.execute(
                "INSERT INTO payments (provider, provider_payment_id, order_id, user_id, amount,"
                " currency, state, created_at, updated_at)"
                " VALUES ('stars', ?, ?, ?, ?, 'XTR', 'credited', ?, ?)",
                (charge_id, order, user_id, amount, now, now)).lastrowid
            db.commit()
        return order, payment

    def key(self, key_id):
        return next(k for k in self.hub.cli_json("key", "list") if k["id"] == key_id)

    def test_help_on_every_command(self):
        for cmd in COMMANDS:
            res = self.hub.cli(*cmd, "--help", check=False)
            self.assertEqual(res.returncode, 0, (cmd, res.stderr))
            self.assertIn("Usage", res.stdout, cmd)

    def test_promo_add_list_disable(self):
        self.assertEqual(self.hub.cli_json("promo", "list"), [])
        out = self.hub.cli("promo", "add", "spring-26", "--percent", "20", "--max-uses", "50",
                           "--until", "2099-05-31", "--once-per-person").stdout
        self.assertTrue(out.startswith("SPRING-26\t20% off\tuses 0/50"), out)
        self.hub.cli("promo", "add", "WEEK_FREE", "--days", "7")
        promos = self.hub.cli_json("promo", "list")
        self.assertEqual([p["code"] for p in promos], ["SPRING-26", "WEEK_FREE"])
        self.assertEqual(promos[0], {
            "code": "SPRING-26", "percent": 20, "days": 0, "max_uses": 50, "uses": 0,
            "once_per_person": True, "valid_until": "2099-06-01T00:00:00Z", "enabled": True,
            "created_at": promos[0]["created_at"]})
        self.assertEqual((promos[1]["days"], promos[1]["percent"], promos[1]["max_uses"],
                          promos[1]["valid_until"], promos[1]["once_per_person"]),
                         (7, 0, 0, None, False))
        self.assertIn("WEEK_FREE\t+7 days\tuses 0/unlimited", self.hub.cli("promo", "list").stdout)
        # A code exists once, whatever the case it is typed in.
        self.failure("promo", "add", "week_free", "--percent", "5", says=["exists"])
        self.hub.cli("promo", "disable", "week_free")
        self.hub.cli("promo", "disable", "WEEK_FREE")  # idempotent
        promos = self.hub.cli_json("promo", "list")
        self.assertEqual([p["enabled"] for p in promos], [True, False])
        self.failure("promo", "disable", "NOPE", says=["cannot disable promo code 'NOPE'"])

    def test_promo_bad_input_changes_nothing(self):
        self.hub.cli("promo", "add", "KEEP", "--days", "3")
        before = self.hub.cli_json("promo", "list")
        add = ["promo", "add"]
        cases = [
            (add + ["NEW1", "--percent", "0"], "--percent: expected an integer in 1..100"),
            (add + ["NEW1", "--percent", "101"], "--percent: expected an integer in 1..100"),
            (add + ["NEW1", "--days", "0"], "--days: expected an integer in 1..3650"),
            (add + ["NEW1", "--days", "3651"], "--days: expected an integer in 1..3650"),
            (add + ["NEW1"], "exactly one of --percent N or --days N"),
            (add + ["NEW1", "--percent", "5", "--days", "5"], "exactly one of"),
            (add + ["NEW1", "--days", "5", "--max-uses", "0"], "--max-uses: expected an integer"),
            (add + ["NEW1", "--days", "5", "--until", "31.12.2099"],
             "--until: expected a date YYYY-MM-DD, got '31.12.2099'"),
            (add + ["NEW1", "--days", "5", "--until", "2099-02-30"], "expected a date YYYY-MM-DD"),
            (add + ["NEW1", "--days", "5", "--until", "2099-1-05"], "expected a date YYYY-MM-DD"),
            (add + ["NEW1", "--days", "5", "--until", "2020-01-01"], "the end date has passed"),
            (add + ["AB", "--days", "5"], "3..32 characters, got 2"),
            (add + ["A" * 33, "--days", "5"], "3..32 characters, got 33"),
            (add + ["BAD!CODE", "--days", "5"], "only letters A-Z, digits, '_' and '-'"),
            (add + ["КОД123", "--days", "5"], "only letters A-Z"),
            (add, "CODE is required"),
        ]
        for args, says in cases:
            self.usage_error(*args, says=[says])
        self.assertEqual(self.hub.cli_json("promo", "list"), before)

    def test_order_and_payment_lists(self):
        key_id = self.add_key(40)
        order_id, payment_id = self.paid_order(key_id, "stxA")
        orders = self.hub.cli_json("order", "list")
        self.assertEqual(orders, [{
            "id": order_id, "user_tg_id": TG, "kind": "new_key", "location": "Oslo",
            "key_id": 0, "months": 1, "provider": "stars", "amount": 100, "currency": "XTR",
            "promo_code": "", "bonus_days": 0, "state": "fulfilled", "result_key_id": key_id,
            "created_at": orders[0]["created_at"], "expires_at": orders[0]["expires_at"]}])
        self.assertEqual(self.hub.cli_json("order", "list", "--state", "fulfilled"), orders)
        self.assertEqual(self.hub.cli_json("order", "list", "--state", "created"), [])
        self.assertEqual(self.hub.cli_json("order", "list", "--user", str(TG)), orders)
        line = self.hub.cli("order", "list").stdout
        self.assertTrue(line.startswith(f"{order_id}\tuser {TG}\tnew_key\tOslo 1 months\t100 XTR"
                                        "\tfulfilled\tstars"), line)
        payments = self.hub.cli_json("payment", "list")
        self.assertEqual(payments, [{
            "id": payment_id, "user_tg_id": TG, "provider": "stars",
            "provider_payment_id": "stxA", "order_id": order_id, "amount": 100,
            "currency": "XTR", "state": "credited", "created_at": payments[0]["created_at"]}])
        self.assertEqual(self.hub.cli_json("payment", "list", "--provider", "stars"), payments)
        self.assertEqual(self.hub.cli_json("payment", "list", "--provider", "yookassa"), [])
        self.assertEqual(self.hub.cli_json("payment", "list", "--user", str(TG)), payments)
        self.assertIn(f"{payment_id}\tuser {TG}\tstars\t100 XTR\tcredited\torder {order_id}",
                      self.hub.cli("payment", "list").stdout)
        self.usage_error("order", "list", "--state", "paidd", says=["unknown state 'paidd'"])
        self.usage_error("order", "list", "--user", "0", says=["--user: expected an integer"])
        self.usage_error("payment", "list", "--user", "x", says=["--user"])
        self.failure("order", "list", "--user", "777", says=["unknown user 777"])
        self.failure("payment", "list", "--user", "777", says=["unknown user 777"])

    def test_user_show(self):
        key_id = self.add_key(40)
        order_id, payment_id = self.paid_order(key_id, "stxB")
        shown = self.hub.cli_json("user", "show", str(TG))
        self.assertEqual(shown["tg_id"], TG)
        self.assertEqual([k["id"] for k in shown["keys"]], [key_id])
        self.assertEqual(shown["keys"][0]["state"], "active")
        self.assertTrue(shown["keys"][0]["link"].startswith("ss://"))
        self.assertEqual([o["id"] for o in shown["orders"]], [order_id])
        self.assertEqual([p["id"] for p in shown["payments"]], [payment_id])
        self.assertEqual(shown["referrals"],
                         {"invited": 0, "rewards": 0, "days_earned": 0, "days_pending": 0})
        text = self.hub.cli("user", "show", str(TG)).stdout
        for part in ["keys: 1", "orders: 1", "payments: 1", "referrals: invited 0",
                     f"  {payment_id}\tuser {TG}\tstars"]:
            self.assertIn(part, text)
        self.failure("user", "show", "777", says=["unknown user 777"])
        self.usage_error("user", "show", says=["TG is required"])

    def test_refund_takes_the_month_back_once(self):
        key_id = self.add_key(40)
        charge = self.tg.successful_payment(TG, 1, 100, queue=False)[
            "message"]["successful_payment"]["telegram_payment_charge_id"]
        order_id, payment_id = self.paid_order(key_id, charge)
        expires = self.key(key_id)["expires_at"]
        out = self.hub.cli("payment", "refund", str(payment_id)).stdout
        self.assertTrue(out.startswith(f"{payment_id}\trefunded\torder {order_id}\trefunded\t"
                                       f"key {key_id}\tactive\texpires "), out)
        after = self.key(key_id)["expires_at"]
        self.assertEqual(harness.iso_seconds(expires) - harness.iso_seconds(after), MONTH)
        self.assertEqual([(c["charge_id"], c["refunded"]) for c in self.tg.charges()],
                         [(charge, True)])
        self.assertEqual(self.hub.cli_json("payment", "list")[0]["state"], "refunded")
        self.assertEqual(self.hub.cli_json("order", "list")[0]["state"], "refunded")
        # The second refund is refused before Telegram is asked; nothing changes.
        calls = len(self.tg.calls("refundStarPayment"))
        self.failure("payment", "refund", str(payment_id), says=["refunded, not credited"])
        self.assertEqual(len(self.tg.calls("refundStarPayment")), calls)
        self.assertEqual(self.key(key_id)["expires_at"], after)

    def test_refund_revokes_a_key_with_nothing_left(self):
        key_id = self.add_key(10)
        port = min(self.ss.ports())
        charge = self.tg.successful_payment(TG, 1, 100, queue=False)[
            "message"]["successful_payment"]["telegram_payment_charge_id"]
        _, payment_id = self.paid_order(key_id, charge)
        out = self.hub.cli("payment", "refund", str(payment_id)).stdout
        self.assertIn(f"key {key_id}\trevoked\trevoked: nothing left", out)
        self.assertEqual(self.key(key_id)["state"], "revoked")
        self.assertNotIn(port, self.ss.ports())
        self.assertTrue(self.tg.charges()[0]["refunded"])

    def test_refund_the_provider_refuses_changes_nothing(self):
        key_id = self.add_key(40)
        _, payment_id = self.paid_order(key_id, "stxUnknownToTelegram")
        before = (self.key(key_id), self.hub.cli_json("payment", "list"),
                  self.hub.cli_json("order", "list"))
        self.failure("payment", "refund", str(payment_id), says=["CHARGE_NOT_FOUND"])
        self.assertEqual(len(self.tg.calls("refundStarPayment")), 1)
        self.assertEqual((self.key(key_id), self.hub.cli_json("payment", "list"),
                          self.hub.cli_json("order", "list")), before)
        self.failure("payment", "refund", "999", says=["cannot refund payment 999"])
        self.usage_error("payment", "refund", "0", says=["ID: expected an integer"])

    def test_refund_without_the_provider_configured(self):
        key_id = self.add_key(40)
        _, payment_id = self.paid_order(key_id, "stxC")
        for env, why in [({"TG_TOKEN": ""}, "TG_TOKEN is empty"), ({"TG_STARS": "off"},
                                                                   "TG_STARS=off"),
                         ({"MONTH_COST_STARS": ""}, "MONTH_COST_STARS is empty")]:
            hub = harness.Vpnhub(self.dir, **{**self.hub.env, **env})
            self.failure("payment", "refund", str(payment_id), hub=hub,
                         says=["provider 'stars' is not configured here", why])
        self.assertEqual(self.tg.calls("refundStarPayment"), [])
        self.assertEqual(self.hub.cli_json("payment", "list")[0]["state"], "credited")


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
