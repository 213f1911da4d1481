"""The stage of the e2e tests of a payment provider over HTTP (test_pay_<provider>.py): a running
`vpnhub serve` selling in RUB through the provider's fake (tests/servers/payments/fake_<name>.py)
with Stars off, the reconciliation job asking every second, and the person's walk /buy ->
location -> tariff -> the provider's button -> the payment link."""
import contextlib
import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

import harness

PERSON = 5553001
ADMIN = 5559998


class PayShopTest(harness.HubTestCase):
    PROVIDER = ""  # the provider's Name(): /pay/<PROVIDER>, metrics, orders
    LABEL = ""     # its button text

    def start_shop(self, fake, **env):
        """Starts `fake` (a harness.PayFake) and the hub with the provider's `env`."""
        self.fake = self.stop_after(fake)
        self.start_bot_hub(ADMIN_TG_ID=ADMIN, MONTH_COST="100,250,450,800", TG_STARS="off",
                           PAYMENT_CHECK_FIRST_SEC=1, PAYMENT_RECONCILE_INTERVAL_SEC=1, **env)
        self.http_port = self.serve_text("hello.txt", f"hello-through-{self.PROVIDER}")

    @property
    def webhook_url(self):
        return f"http://127.0.0.1:{self.hub.http_port}/pay/{self.PROVIDER}"

    def post_notice(self, body, content_type="application/json"):
        """POSTs `body` (text) to /pay/<PROVIDER> as a stranger would; (status, text)."""
        req = urllib.request.Request(self.webhook_url, data=body.encode(), method="POST",
                                     headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def admin_alerted(self, provider_payment_id):
        """The admins' alert that the payment `provider_payment_id` was not credited."""
        return self.tg.wait_for(ADMIN, lambda c: "NOT credited" in c.get("text", "")
                                and provider_payment_id in c.get("text", ""),
                                "the admin's mismatch alert")

    def count(self, sql, *args):
        with contextlib.closing(sqlite3.connect(self.hub.db_path)) as db:
            return db.execute(sql, args).fetchone()[0]

    def metric(self, name, **labels):
        """The value of `name`{provider=PROVIDER, **labels} on /metrics (0 when absent)."""
        _, text = self.hub.get("/metrics")
        labels = dict(provider=self.PROVIDER, **labels)
        for line in text.splitlines():
            m = re.match(r"%s\{([^}]*)\} (\S+)$" % re.escape(name), line)
            if m and all(f'{k}="{v}"' in m.group(1) for k, v in labels.items()):
                return float(m.group(2))
        return 0

    def webhooks(self, outcome):
        return self.metric("vpnhub_payment_webhooks_total", outcome=outcome)

    def tap(self, person, predicate, what, timeout=10):
        """Waits for a message to `person` with a button satisfying `predicate` and taps it."""
        msg = self.tg.wait_for(person, lambda c: any(predicate(b) for b in harness.buttons(c)),
                               what, timeout)
        button = next(b for b in harness.buttons(msg) if predicate(b))
        self.tg.callback(person, button["callback_data"])
        return msg

    def choose_provider(self, person, months=1):
        """/buy -> the first location -> `months` -> the provider's button."""
        self.tg.message(person, "/start")
        self.tg.wait_for(person, lambda c: True, "welcome")
        self.tg.message(person, "/buy")
        self.tap(person, lambda b: b.get("callback_data", "").startswith("b:"), "locations")
        self.tap(person, lambda b: b.get("callback_data", "").startswith("p:")
                 and b["callback_data"].endswith(f".{months}"), "tariffs")
        self.tap(person, lambda b: self.LABEL in b.get("text", "") and "callback_data" in b,
                 f"the {self.LABEL} button")

    def payment_link(self, person, previous=()):
        """The URL button of the invoice message (one not in `previous`), waited for."""
        def link(c):
            urls = [b["url"] for b in harness.buttons(c) if b.get("url")
                    and b["url"].startswith(self.fake.url) and b["url"] not in previous]
            return urls[0] if urls else None
        msg = self.tg.wait_for(person, link, "the payment link", 15)
        return link(msg)

    def buy(self, person=PERSON, months=1):
        self.choose_provider(person, months)
        return self.payment_link(person)

    def key_arrives(self, person=PERSON):
        """The key's message (a photo whose caption carries the ss:// link); its link carries
        traffic through the real ss-manager."""
        photo = self.tg.wait_for(person, lambda c: c["method"] == "sendPhoto", "the key", 20)
        link = re.search(r"ss://[^\s<\"]+", photo["text"]).group(0).replace("&amp;", "&")
        self.assertEqual(self.fetch_through(link, self.http_port),
                         (0, f"hello-through-{self.PROVIDER}"))
        return photo

    def order_state(self, order_id):
        return self.count("SELECT state FROM orders WHERE id = ?", int(order_id))

    @staticmethod
    def query_of(url):
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
