"""The stage of the e2e tests of a provider over HTTP (test_pay_<provider>.py): the real
`vpnhub serve` with the fake Bot API, the provider's fake (tests/servers/payments) and one real
ss-manager, and the person's walk /buy -> location -> tariff -> the provider's button -> the
payment link. The fake then pays and POSTs its webhook to /pay/<provider> on the hub's HTTP port.
"""
import contextlib
import re
import sqlite3

import harness

PERSON = 5553001
ADMIN = 5559998


class HttpPayShopTest(harness.HubTestCase):
    PROVIDER = ""  # the provider's name (/pay/<name>, metrics)
    LABEL = ""     # its button's text
    LINK = ""      # how its fake's payment links begin

    def start_shop(self, fake, reconcile=False, **env):
        """Starts `fake` (a harness.PayFake, stopped after the test) and the hub selling with it.
        The reconciliation job asks the provider a second after an invoice when `reconcile`,
        else only after ten minutes: a test of webhooks is then not raced by it."""
        self.fake = self.stop_after(fake)
        self.start_bot_hub(ADMIN_TG_ID=ADMIN, MONTH_COST="100,250,450,800", TG_STARS="off",
                           PAYMENT_CHECK_FIRST_SEC=1 if reconcile else 600,
                           PAYMENT_RECONCILE_INTERVAL_SEC=1, **env)
        self.webhook = f"http://127.0.0.1:{self.hub.http_port}/pay/{self.PROVIDER}"

    def count(self, sql, *args):
        with contextlib.closing(sqlite3.connect(self.hub.db_path)) as db:
            return db.execute(sql, args).fetchone()[0]

    def metric(self, name, outcome):
        """name{provider=PROVIDER,outcome=...} from /metrics (0 when absent)."""
        _, metrics = self.hub.get("/metrics")
        for line in metrics.splitlines():
            if (line.startswith(name + "{") and f'provider="{self.PROVIDER}"' in line
                    and f'outcome="{outcome}"' in line):
                return int(float(line.rsplit(" ", 1)[1]))
        return 0

    def choose_provider(self, person, months=1):
        """Walks /buy to the pay step and taps the provider's button; returns the pay step's
        buttons' texts."""
        self.tg.message(person, "/start")
        self.tg.wait_for(person, lambda c: True, "welcome")
        self.tg.message(person, "/buy")
        loc = self.tg.wait_for(person, lambda c: any(b.get("callback_data", "").startswith("b:")
                                                     for b in harness.buttons(c)),
                               "buy locations")
        self.tg.callback(person, next(b["callback_data"] for b in harness.buttons(loc)
                                      if b["callback_data"].startswith("b:")))
        tariffs = self.tg.wait_for(person, lambda c: any(
            b.get("callback_data", "").startswith("p:") for b in harness.buttons(c)), "tariffs")
        data = next(b["callback_data"] for b in harness.buttons(tariffs)
                    if b["callback_data"].endswith(f".{months}"))
        self.tg.callback(person, data)
        step = self.tg.wait_for(person, lambda c: self.provider_button(c), "the pay step")
        self.tg.callback(person, self.provider_button(step)["callback_data"])
        return [b.get("text", "") for b in harness.buttons(step)]

    def provider_button(self, call):
        return next((b for b in harness.buttons(call)
                     if b.get("callback_data", "").startswith("v:")
                     and b.get("text", "").startswith(self.LABEL + " — ")), None)

    def payment_link(self, person, timeout=15, after=0):
        """The URL of the payment-link button the bot sent `person` (the first after `after`
        such messages)."""
        def links():
            return [b["url"] for c in self.tg.to_chat(person) for b in harness.buttons(c)
                    if b.get("url", "").startswith(self.LINK)]
        return harness.wait_until(lambda: links()[after:], timeout, what="the payment link")[0]

    def key_link(self, person, timeout=20):
        """The ss:// link of the key message (the QR photo whose caption has the receipt)."""
        photo = self.tg.wait_for(person, lambda c: c["method"] == "sendPhoto", "key QR", timeout)
        self.assertIn("Payment received", photo["text"])
        return re.search(r"ss://[^\s<\"]+", photo["text"]).group(0).replace("&amp;", "&")

    def payments(self, state=None):
        if state is None:
            return self.count("SELECT COUNT(*) FROM payments")
        return self.count("SELECT COUNT(*) FROM payments WHERE state = ?", state)

    def pay(self, mode="normal", **extra):
        """The fake pays the last invoice and delivers its webhook (see its `pay` control);
        [[status, text], ...] of the deliveries."""
        raise NotImplementedError

    def check_ten_at_once_credit_once(self):
        """The same webhook ten times at once: one credits, nine are replays."""
        self.assertEqual(sorted(self.pay(times=10)),
                         [[200, "already credited"]] * 9 + [[200, "credited"]])

    def check_mismatch(self, amount):
        """A webhook for `amount` (not the order's) is recorded as a mismatch, alerts the admin
        and gives no key."""
        self.choose_provider(PERSON)
        self.payment_link(PERSON)
        self.assertEqual(self.pay("amount", amount=amount), [[200, "recorded"]])
        self.assertEqual((self.payments("mismatch"), self.payments("credited")), (1, 0))
        self.tg.wait_for(ADMIN, lambda c: self.PROVIDER in c.get("text", "").lower(),
                         "the admin alert")
        self.assertEqual(len(self.hub.cli_json("key", "list")), 0)

    def check_reconciled(self):
        """The webhook is never sent: the reconciliation job finds the payment and credits it."""
        self.choose_provider(PERSON)
        self.payment_link(PERSON)
        self.assertEqual(self.pay("never"), [])
        self.key_link(PERSON, timeout=30)
        self.assertEqual(self.payments("credited"), 1)
        self.assertGreaterEqual(self.metric("vpnhub_payment_reconciled_total", "credited"), 1)

    def check_try_again(self, person):
        """The provider answered 500 at invoice time: the person reads that the service does not
        answer with a Try again button; tapping it (the provider back) brings the link."""
        msg = self.tg.wait_for(person, lambda c: any("Try again" in b.get("text", "")
                                                     for b in harness.buttons(c)),
                               "the try-again message")
        self.assertIn("not answering", msg["text"])
        again = next(b for b in harness.buttons(msg) if "Try again" in b.get("text", ""))
        self.tg.callback(person, again["callback_data"])
        return self.payment_link(person)
