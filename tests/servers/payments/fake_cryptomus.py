#!/usr/bin/env python3
"""A fake Cryptomus merchant API, or Heleket's (--name heleket: the same protocol on another host;
only the pay URL host it hands out changes). It follows the public documentation as summarised in
/work/shared/reference/payments.md §2 (Cryptomus) and §3 (Heleket):

  Cryptomus "Request format" (doc.cryptomus.com/business/general/request-format), Heleket
  "general/request-format": every request carries the `merchant` (merchant UUID) and `sign`
  headers, sign = md5(base64(raw body) + payment API key), checked here over the exact bytes
  received (any JSON formatting is accepted). Wrong merchant or sign -> 401.
  "Creating an invoice" (payments/creating-invoice): POST /v1/payment with amount (string, '.'
  separator), currency, order_id (1-128, alpha_dash), url_return / url_success / url_callback
  (6-255), is_payment_multiple (bool), lifetime (300-43200); an order_id that exists returns the
  existing invoice, no new one. Answer {"state":0,"result":{uuid, order_id, amount, ..., url,
  expired_at, status, is_final, ...}}.
  "Payment information" (payments/payment-information): POST /v1/payment/info with uuid or
  order_id (order_id wins when both are given); unknown -> {"state":1,"message":"Payment not
  found"}.
  Validation errors -> HTTP 422 {"state":1,"errors":{"<field>":["validation.required"]}}.
  "Payment statuses" (payments/payment-statuses): check, paid, paid_over, wrong_amount, cancel, ...
  "Webhook" (payments/webhook): POST to the invoice's url_callback, fields in the documented order
  (type, uuid, order_id, amount, payment_amount, payment_amount_usd, merchant_amount, commission,
  is_final, status, from, wallet_address_uuid, network, currency, payer_currency,
  additional_data, convert, txid) and `sign` last = md5(base64(PHP json_encode(data,
  JSON_UNESCAPED_UNICODE)) + payment API key). The body goes out in that PHP encoding (raw UTF-8,
  "\\/") or, with "encoding": "ascii", in plain json_encode's (\\uXXXX, "\\/"): the sign is the
  same, so only a verifier that re-encodes like PHP accepts both.

Controls (POST /_control/<name>, JSON):
  pay        {order_id | uuid, status="paid"}: the invoice's status (final) as the API reports it
  webhook    {order_id | uuid, status?, encoding="php"|"ascii", amount?, claim?, key?, url?,
             times=1}: marks the invoice (when status is given) and POSTs its webhook to
             url_callback (or `url`: where the service listens locally) `times` times at once;
             `amount` changes the invoice amount the webhook states (signed correctly), `claim`
             the status it states without changing the invoice, `key` signs with another key.
             Answer {"answers": [[status, text], ...], "body": the body sent}
  forged     as webhook, claiming "paid" and signed with a wrong key
  replayed   as webhook, times=10 by default
  never      as pay: paid at the provider, no webhook (the reconciliation job must find it)
  invoices   {}: every invoice, by order_id
"""
import argparse
import base64
import concurrent.futures
import hashlib
import json
import re
import threading
import time
import uuid as uuidlib

from fake_pay_base import Fake, post, serve

ALPHA_DASH = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
AMOUNT = re.compile(r"^[0-9]+(\.[0-9]{1,8})?$")
FINAL = {"paid", "paid_over", "wrong_amount", "fail", "cancel", "system_fail", "refund_fail",
         "refund_paid", "locked"}


def php_json(value, ascii_only=False):
    """PHP json_encode(value[, JSON_UNESCAPED_UNICODE]) of strings, ints, bools, nulls, dicts."""
    text = json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":"))
    text = text.replace("/", "\\/")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def sign_of(encoded, key):
    """md5(base64(encoded) + key): `encoded` as bytes, or text sent as UTF-8."""
    raw = encoded if isinstance(encoded, bytes) else encoded.encode()
    return hashlib.md5(base64.b64encode(raw) + key.encode()).hexdigest()


class CryptomusFake(Fake):
    """Cryptomus (or Heleket) merchant API: invoices, payment info, signed webhooks."""

    def __init__(self, *args):
        super().__init__()
        parser = argparse.ArgumentParser()
        parser.add_argument("--name", choices=["cryptomus", "heleket"], default="cryptomus")
        parser.add_argument("--merchant", default="8b03432e-385b-4670-8d06-064591096795")
        parser.add_argument("--key", default="fake-payment-key-0123456789")
        opts = parser.parse_args(list(args))
        self.name, self.merchant, self.key = opts.name, opts.merchant, opts.key
        self.pay_host = "pay.cryptomus.com" if self.name == "cryptomus" else "pay.heleket.com"
        self.invoices = {}  # order_id -> invoice
        self.routes[("POST", "/v1/payment/info")] = self.info
        self.routes[("POST", "/v1/payment")] = self.create
        self.controls.update({
            "pay": self.c_pay, "never": self.c_pay, "webhook": self.c_webhook,
            "forged": lambda b: self.c_webhook({"claim": "paid", **b,
                                                "key": "forged-" + self.key}),
            "replayed": lambda b: self.c_webhook({"times": 10, **b}),
            "invoices": lambda b: self.snapshot(),
        })

    # --- the API ---

    def authenticate(self, req):
        if req.headers.get("merchant") != self.merchant:
            return 401, {"state": 1, "message": "Unauthenticated"}
        if req.headers.get("sign", "") != sign_of(req.body, self.key):
            return 401, {"state": 1, "message": "Invalid Sign"}
        body = req.json()
        if not isinstance(body, dict):
            return 422, {"state": 1, "message": "The body must be a JSON object"}
        return None, body

    def create(self, req):
        status, body = self.authenticate(req)
        if status:
            return status, body
        errors = {}
        for field in ("amount", "currency", "order_id"):
            if not isinstance(body.get(field), str) or not body.get(field):
                errors[field] = ["validation.required"]
        if "amount" not in errors and not AMOUNT.match(body["amount"]):
            errors["amount"] = ["validation.numeric"]
        if "order_id" not in errors and not ALPHA_DASH.match(body["order_id"]):
            errors["order_id"] = ["validation.alpha_dash"]
        for field in ("url_return", "url_success", "url_callback"):
            v = body.get(field)
            if v is not None and (not isinstance(v, str) or not 6 <= len(v) <= 255
                                  or not re.match(r"^https?://", v)):
                errors[field] = ["validation.url"]
        lifetime = body.get("lifetime", 3600)
        if not isinstance(lifetime, int) or isinstance(lifetime, bool) or \
                not 300 <= lifetime <= 43200:
            errors["lifetime"] = ["validation.between.numeric"]
        if not isinstance(body.get("is_payment_multiple", True), bool):
            errors["is_payment_multiple"] = ["validation.boolean"]
        if errors:
            return 422, {"state": 1, "errors": errors}
        with self.lock:
            invoice = self.invoices.get(body["order_id"])
            if invoice is None:
                invoice = self.new_invoice(body, lifetime)
                self.invoices[body["order_id"]] = invoice
            return 200, {"state": 0, "result": self.public(invoice)}

    def new_invoice(self, body, lifetime):
        uid = str(uuidlib.uuid4())
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        return {
            "uuid": uid, "order_id": body["order_id"], "amount": body["amount"],
            "payment_amount": None, "payer_amount": None, "discount_percent": 0,
            "discount": "0.00000000", "payer_currency": None, "currency": body["currency"],
            "comments": None, "merchant_amount": None, "network": None, "address": None,
            "from": None, "txid": None, "payment_status": "check",
            "url": f"https://{self.pay_host}/pay/{uid}",
            "expired_at": int(time.time()) + lifetime, "status": "check", "is_final": False,
            "additional_data": body.get("additional_data"), "created_at": now, "updated_at": now,
            "_callback": body.get("url_callback"),
            "_is_payment_multiple": body.get("is_payment_multiple", True),
        }

    @staticmethod
    def public(invoice):
        return {k: v for k, v in invoice.items() if not k.startswith("_")}

    def find(self, body):
        """The invoice `body` names: order_id wins over uuid (payment-information)."""
        if body.get("order_id") is not None:
            return self.invoices.get(body["order_id"])
        for invoice in self.invoices.values():
            if invoice["uuid"] == body.get("uuid"):
                return invoice
        return None

    def info(self, req):
        status, body = self.authenticate(req)
        if status:
            return status, body
        if not body.get("uuid") and not body.get("order_id"):
            return 422, {"state": 1, "errors": {"uuid": ["validation.required_without"],
                                                "order_id": ["validation.required_without"]}}
        with self.lock:
            invoice = self.find(body)
            if invoice is None:
                return 404, {"state": 1, "message": "Payment not found"}
            return 200, {"state": 0, "result": self.public(invoice)}

    # --- controls ---

    def mark(self, invoice, status):
        invoice["status"] = invoice["payment_status"] = status
        invoice["is_final"] = status in FINAL
        if status in ("paid", "paid_over"):
            invoice["payer_currency"] = "USDT"
            invoice["payment_amount"] = invoice["payer_amount"] = "3.25000000"
            invoice["merchant_amount"] = "3.18500000"
            invoice["network"] = "tron"
            invoice["txid"] = invoice["txid"] or hashlib.sha256(
                invoice["uuid"].encode()).hexdigest()

    def c_pay(self, body):
        with self.lock:
            invoice = self.find(body)
            if invoice is None:
                raise KeyError("no invoice for " + json.dumps(body))
            self.mark(invoice, body.get("status", "paid"))
            return self.public(invoice)

    def webhook_body(self, invoice, body):
        data = {
            "type": "payment", "uuid": invoice["uuid"], "order_id": invoice["order_id"],
            "amount": body.get("amount", invoice["amount"]),
            "payment_amount": invoice["payment_amount"], "payment_amount_usd": "3.25",
            "merchant_amount": invoice["merchant_amount"], "commission": "0.065",
            "is_final": True if body.get("claim") else invoice["is_final"],
            "status": body.get("claim") or invoice["status"], "from": None,
            "wallet_address_uuid": None, "network": invoice["network"],
            "currency": invoice["currency"], "payer_currency": invoice["payer_currency"],
            "additional_data": "Подписка VPN/месяц",
            "convert": {"to_currency": "USDT", "commission": None, "rate": "1.00000000",
                        "amount": invoice["merchant_amount"]},
            "txid": invoice["txid"],
        }
        data["sign"] = sign_of(php_json(data), body.get("key", self.key))
        return php_json(data, ascii_only=body.get("encoding") == "ascii").encode()

    def c_webhook(self, body):
        with self.lock:
            invoice = self.find(body)
            if invoice is None:
                raise KeyError("no invoice for " + json.dumps(body))
            if body.get("status"):
                self.mark(invoice, body["status"])
            payload = self.webhook_body(invoice, body)
            url = body.get("url") or invoice["_callback"]
        times = int(body.get("times", 1))
        headers = {"Content-Type": "application/json"}
        with concurrent.futures.ThreadPoolExecutor(max_workers=times) as pool:
            answers = list(pool.map(lambda _: post(url, payload, headers), range(times)))
        return {"answers": answers, "body": payload.decode()}

    def snapshot(self):
        with self.lock:
            return {k: self.public(v) for k, v in self.invoices.items()}


if __name__ == "__main__":
    serve(CryptomusFake)
