#!/usr/bin/env python3
"""A fake YooKassa API v3 (https://yookassa.ru/developers/using-api/), field by field as
/work/shared/reference/payments.md §1 reads the public documentation:

  §1.1 interaction format: HTTP Basic shopId:secretKey on every request (401
       invalid_credentials otherwise), an Idempotence-Key on every POST (the same key returns
       the object the first request made; at most 64 characters).
  §1.2 POST /v3/payments: amount.value a string with two decimals, amount.currency from the
       enum, capture, confirmation {type: redirect, return_url}, description <= 128 characters,
       metadata <= 16 keys (key <= 32, value <= 512 characters), the 54-FZ receipt (customer
       email or phone, items with description, quantity, amount, vat_code 1..10,
       payment_subject, payment_mode; the items add up to the amount). Answer: a pending payment
       with confirmation.confirmation_url.
  §1.3 GET /v3/payments/{id}: the payment object; 404 not_found for an unknown id.
  §1.4 notifications: {"type":"notification","event":...,"object":<payment>} POSTed as JSON.
  §1.5 POST /v3/refunds {payment_id, amount}: a succeeded payment, not more than it.
  §1.6 errors: {"type":"error","id":...,"code":...,"description":...,"parameter":...}.

Controls (POST /_control/<name>, JSON):
  succeed  {payment_id | order_id, [amount]}  status succeeded, paid true ([amount]: the value
           the API reports from now on, e.g. an amount changed at the provider)
  cancel   {payment_id | order_id}            status canceled (expired_on_confirmation)
  notify   {url, payment_id | order_id, [event], [times], [object]}  POSTs the notification
           (the payment as it is now, or [object] merged into it) `times` times at once;
           -> {"statuses": [[status, text], ...]}
  payments {}                                 every payment object
Command line: fake_yookassa.py [--port N] [SHOP_ID [SECRET_KEY]] (default 123456
test_SecretKey)."""
import base64
import datetime
import json
import re
import threading
import uuid

from fake_pay_base import Fake, post, serve

CURRENCIES = {"RUB", "EUR", "USD", "KZT", "BYN", "UAH", "UZS", "TRY", "INR", "MDL", "AZN", "AMD"}
AMOUNT_RE = re.compile(r"^\d{1,15}\.\d{2}$")


def error(status, code, description, parameter=None):
    body = {"type": "error", "id": str(uuid.uuid4()), "code": code, "description": description}
    if parameter:
        body["parameter"] = parameter
    return status, body


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def cents(value):
    whole, _, frac = value.partition(".")
    return int(whole) * 100 + int(frac or 0)


class FakeYooKassa(Fake):
    """A fake YooKassa API v3: payments, refunds, notifications."""

    def __init__(self, shop_id="123456", secret_key="test_SecretKey"):
        super().__init__()
        self.auth = "Basic " + base64.b64encode(f"{shop_id}:{secret_key}".encode()).decode()
        self.payments = {}   # id -> payment object
        self.by_key = {}     # Idempotence-Key -> (status, body) of the first answer
        self.routes = {
            ("POST", "/v3/payments"): self.create_payment,
            ("GET", "/v3/payments/"): self.get_payment,
            ("POST", "/v3/refunds"): self.create_refund,
        }
        self.controls = {"succeed": self.succeed, "cancel": self.cancel, "notify": self.notify,
                         "payments": lambda body: list(self.payments.values())}

    def authorized(self, req):
        return req.headers.get("authorization") == self.auth

    def idempotent(self, req, make):
        """Runs make(body) once per Idempotence-Key; later requests get the first answer."""
        if not self.authorized(req):
            return error(401, "invalid_credentials", "Authentication by given credentials failed")
        key = req.headers.get("idempotence-key", "")
        if not key or len(key) > 64:
            return error(400, "invalid_request", "Idempotence key is missing or too long",
                         "Idempotence-Key")
        with self.lock:
            if key in self.by_key:
                return self.by_key[key]
        body = req.json()
        if not isinstance(body, dict):
            return error(400, "invalid_request", "Request body is not a JSON object")
        answer = make(body, req)
        with self.lock:
            if answer[0] == 200:
                self.by_key.setdefault(key, answer)
            return self.by_key.get(key, answer)

    def create_payment(self, req):
        return self.idempotent(req, self.make_payment)

    def check_payment(self, b):
        """The documented limits; (parameter, description) of the first broken one, or None."""
        amount = b.get("amount")
        if not isinstance(amount, dict) or not isinstance(amount.get("value"), str) \
                or not AMOUNT_RE.match(amount["value"]) or cents(amount["value"]) <= 0:
            return "amount.value", "a string with two decimals, more than 0"
        if amount.get("currency") not in CURRENCIES:
            return "amount.currency", "not a supported currency"
        if "capture" in b and not isinstance(b["capture"], bool):
            return "capture", "not a boolean"
        conf = b.get("confirmation")
        if conf is not None and (not isinstance(conf, dict) or conf.get("type") != "redirect"
                                 or not isinstance(conf.get("return_url"), str)
                                 or not conf["return_url"]):
            return "confirmation", "redirect needs a return_url"
        if len(b.get("description", "")) > 128:
            return "description", "longer than 128 characters"
        meta = b.get("metadata", {})
        if not isinstance(meta, dict) or len(meta) > 16 or any(
                len(k) > 32 or not isinstance(v, str) or len(v) > 512 for k, v in meta.items()):
            return "metadata", "at most 16 keys of 32 characters, string values of 512"
        if "receipt" in b:
            return self.check_receipt(b["receipt"], amount)
        return None

    def check_receipt(self, receipt, amount):
        customer = receipt.get("customer", {}) if isinstance(receipt, dict) else {}
        if not customer.get("email") and not customer.get("phone"):
            return "receipt.customer", "an email or a phone is required"
        total = 0
        for item in receipt.get("items") or [None]:
            if not isinstance(item, dict) or not item.get("description") \
                    or not isinstance(item.get("quantity"), (str, int, float)) \
                    or item.get("payment_subject") is None or item.get("payment_mode") is None:
                return "receipt.items", "description, quantity, payment_subject, payment_mode"
            if not isinstance(item.get("vat_code"), int) or not 1 <= item["vat_code"] <= 10:
                return "receipt.items.vat_code", "an integer 1..10"
            a = item.get("amount") or {}
            if not AMOUNT_RE.match(str(a.get("value", ""))) or a.get("currency") != amount["currency"]:
                return "receipt.items.amount", "a price in the payment's currency"
            total += cents(a["value"]) * float(item["quantity"])
        if round(total) != cents(amount["value"]):
            return "receipt", "the items do not add up to the amount"
        return None

    def make_payment(self, b, req):
        broken = self.check_payment(b)
        if broken:
            return error(400, "invalid_request", broken[1], broken[0])
        pid = str(uuid.uuid4())
        host = req.headers.get("host", "127.0.0.1")
        payment = {
            "id": pid, "status": "pending", "paid": False, "amount": b["amount"],
            "confirmation": {"type": "redirect",
                             "return_url": (b.get("confirmation") or {}).get("return_url", ""),
                             "confirmation_url":
                                 f"http://{host}/checkout/payments/v2/contract?orderId={pid}"},
            "created_at": now(), "description": b.get("description", ""),
            "metadata": b.get("metadata", {}),
            "recipient": {"account_id": "100500", "gateway_id": "100700"},
            "refundable": False, "test": True, "capture": b.get("capture", False),
        }
        if "receipt" in b:
            payment["receipt_registration"] = "pending"
        with self.lock:
            self.payments[pid] = payment
        return 200, self.public(payment)

    @staticmethod
    def public(payment):
        return {k: v for k, v in payment.items() if k != "capture"}

    def get_payment(self, req):
        if not self.authorized(req):
            return error(401, "invalid_credentials", "Authentication by given credentials failed")
        pid = req.path[len("/v3/payments/"):]
        with self.lock:
            payment = self.payments.get(pid)
            if payment is None:
                return error(404, "not_found", "Payment not found", "payment_id")
            return 200, self.public(payment)

    def create_refund(self, req):
        def make(b, _req):
            with self.lock:
                payment = self.payments.get(b.get("payment_id"))
                if payment is None or payment["status"] != "succeeded":
                    return error(400, "invalid_request", "Payment is not succeeded", "payment_id")
                a = b.get("amount") or {}
                if not AMOUNT_RE.match(str(a.get("value", ""))) \
                        or cents(a["value"]) > cents(payment["amount"]["value"]):
                    return error(400, "invalid_request", "Refund amount", "amount")
                payment["refunded_amount"] = a
                return 200, {"id": str(uuid.uuid4()), "payment_id": payment["id"],
                             "status": "succeeded", "amount": a, "created_at": now()}
        return self.idempotent(req, make)

    def find(self, body):
        with self.lock:
            if body.get("payment_id"):
                return self.payments[body["payment_id"]]
            for p in self.payments.values():
                if p["metadata"].get("order_id") == str(body.get("order_id")):
                    return p
        raise KeyError(f"no payment for {body}")

    def succeed(self, body):
        p = self.find(body)
        with self.lock:
            p.update(status="succeeded", paid=True, captured_at=now())
            if body.get("amount"):
                p["amount"] = {"value": body["amount"], "currency": p["amount"]["currency"]}
            return self.public(p)

    def cancel(self, body):
        p = self.find(body)
        with self.lock:
            p.update(status="canceled", paid=False, cancellation_details={
                "party": "yoo_money", "reason": "expired_on_confirmation"})
            return self.public(p)

    def notify(self, body):
        p = self.find(body)
        with self.lock:
            obj = dict(self.public(p), **(body.get("object") or {}))
        data = json.dumps({"type": "notification", "event": body.get("event", "payment.succeeded"),
                           "object": obj}).encode()
        statuses = [None] * int(body.get("times", 1))

        def send(i):
            statuses[i] = post(body["url"], data, {"Content-Type": "application/json"})
        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(statuses))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return {"statuses": statuses, "payment_id": p["id"]}


if __name__ == "__main__":
    serve(FakeYooKassa)
