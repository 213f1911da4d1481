#!/usr/bin/env python3
"""A fake Crypto Pay API (CryptoBot) for the e2e tests, following the public documentation
(help.send.tg "Crypto Pay API", API 1.5.x):

  Authorizing your app    every method needs the header Crypto-Pay-API-Token; a wrong token is
                          HTTP 401 {"ok": false, "error": {"code": 401, "name": "UNAUTHORIZED"}}
  Making requests         https://pay.crypt.bot/api/<method>, GET (query) or POST (JSON);
                          answers {"ok": true, "result": ...} or {"ok": false, "error": {...}}
  createInvoice           currency_type "crypto" (asset) or "fiat" (fiat + accepted_assets),
                          amount (string), description (<= 1024), payload (<= 4 KB),
                          expires_in (1..2678400); result: an Invoice
  getInvoices             invoice_ids (comma list), status; result {"items": [Invoice]}
  Invoice                 invoice_id, hash, currency_type, asset/fiat, amount, bot_invoice_url,
                          mini_app_invoice_url, web_app_invoice_url, status (active, paid,
                          expired), created_at, paid_at, payload, paid_asset, paid_amount, ...
  Webhooks                POST {"update_id", "update_type": "invoice_paid", "request_date",
                          "payload": Invoice}; header crypto-pay-api-signature =
                          hex(HMAC-SHA-256(key = SHA-256(app token), raw body))

Run: fake_cryptobot.py --port 0 [APP_TOKEN]. Controls (POST /_control/<name>, JSON):
  pay      {"invoice_id", "url", "mode", "times", "paid_asset", "amount"}: marks the invoice
           paid and delivers the invoice_paid update to `url` `times` times at once (default 1).
           mode: normal; forged (signed with another token; nothing is paid); replay (the last
           normal or amount delivery again, byte for byte); amount (the invoice's amount
           changed to "amount", then signed); reserialised (signed, then re-encoded with
           blanks: must fail); late (request_date two days ago); never (paid, nothing sent: for
           reconciliation). Returns {"results": [[status, text], ...]}.
  invoices {}: every invoice.
"""
import datetime
import hashlib
import hmac
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from fake_pay_base import Fake, serve  # noqa: E402
from webhook_delivery import deliver_signed  # noqa: E402

MAX_EXPIRES_IN = 2678400
FIATS = {"USD", "EUR", "RUB", "BYN", "UAH", "GBP", "CNY", "KZT", "UZS", "GEL", "TRY", "AMD",
         "THB", "INR", "BRL", "IDR", "AZN", "AED", "PLN", "ILS"}


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def error(status, name):
    return status, {"ok": False, "error": {"code": status, "name": name}}


def sign(token, body):
    return hmac.new(hashlib.sha256(token.encode()).digest(), body, hashlib.sha256).hexdigest()


class CryptoBotFake(Fake):
    """A Crypto Pay app whose token is the first argument."""

    def __init__(self, token="1234:fake-crypto-pay-token"):
        super().__init__()
        self.token = token
        self.invoices = {}
        self.next_id = 1000
        self.update_id = 0
        self.last_delivery = None
        for method in ("GET", "POST"):
            self.routes[(method, "/api/createInvoice")] = self.create_invoice
            self.routes[(method, "/api/getInvoices")] = self.get_invoices
        self.controls["pay"] = self.pay
        self.controls["invoices"] = lambda body: list(self.invoices.values())

    def params(self, req):
        if req.method == "GET":
            return {k: v[0] for k, v in urllib.parse.parse_qs(req.query).items()}
        return req.json()

    def authorised(self, req):
        return hmac.compare_digest(req.headers.get("crypto-pay-api-token", ""), self.token)

    def create_invoice(self, req):
        if not self.authorised(req):
            return error(401, "UNAUTHORIZED")
        p = self.params(req)
        if not isinstance(p, dict):
            return error(400, "PARAMS_INVALID")
        if p.get("currency_type", "crypto") == "fiat":
            if p.get("fiat") not in FIATS:
                return error(400, "FIAT_INVALID")
        elif not p.get("asset"):
            return error(400, "ASSET_REQUIRED")
        amount = p.get("amount")
        try:
            if not isinstance(amount, str) or float(amount) <= 0:
                raise ValueError
        except ValueError:
            return error(400, "AMOUNT_INVALID")
        expires_in = p.get("expires_in")
        if expires_in is not None and not (isinstance(expires_in, int)
                                           and 1 <= expires_in <= MAX_EXPIRES_IN):
            return error(400, "EXPIRES_IN_INVALID")
        if len(p.get("payload", "")) > 4096 or len(p.get("description", "")) > 1024:
            return error(400, "PARAM_TOO_LONG")
        with self.lock:
            self.next_id += 1
            iid = self.next_id
            h = "IV" + hashlib.sha1(str(iid).encode()).hexdigest()[:12]
            invoice = {
                "invoice_id": iid, "hash": h, "currency_type": p.get("currency_type", "crypto"),
                "amount": amount, "status": "active", "created_at": now_iso(),
                "allow_comments": True, "allow_anonymous": True,
                "bot_invoice_url": "https://t.me/CryptoBot?start=" + h,
                "mini_app_invoice_url": "https://t.me/CryptoBot/app?startapp=invoice-" + h,
                "web_app_invoice_url": "https://app.send.tg/invoices/" + h,
            }
            for key in ("fiat", "asset", "description", "payload"):
                if key in p:
                    invoice[key] = p[key]
            if invoice["currency_type"] == "fiat":
                invoice["accepted_assets"] = ["USDT", "TON", "BTC"]
            self.invoices[iid] = invoice
        return 200, {"ok": True, "result": invoice}

    def get_invoices(self, req):
        if not self.authorised(req):
            return error(401, "UNAUTHORIZED")
        p = self.params(req) or {}
        ids = str(p.get("invoice_ids", ""))
        with self.lock:
            wanted = [int(x) for x in ids.split(",") if x.strip().isdigit()] if ids else None
            items = [inv for iid, inv in self.invoices.items() if wanted is None or iid in wanted]
            if p.get("status"):
                items = [inv for inv in items if inv["status"] == p["status"]]
        return 200, {"ok": True, "result": {"items": items}}

    def pay(self, body):
        iid = int(body["invoice_id"])
        mode = body.get("mode", "normal")
        if mode == "replay":  # the last authentic delivery, byte for byte
            return {"results": self.send(body, *self.last_delivery)}
        with self.lock:
            invoice = self.invoices[iid]
            if invoice["status"] != "paid" and mode != "forged":  # a forger pays nothing
                invoice.update({"status": "paid", "paid_at": now_iso(),
                                "paid_asset": body.get("paid_asset", "USDT"),
                                "paid_amount": "3.10", "paid_anonymously": False})
                if mode == "amount":  # the person paid another amount
                    invoice["amount"] = body["amount"]
            self.update_id += 1
            update = {"update_id": self.update_id, "update_type": "invoice_paid",
                      "request_date": now_iso(), "payload": dict(invoice)}
        if mode == "never":
            return {"results": []}
        if mode == "forged":
            update["payload"]["status"] = "paid"
        if mode == "late":
            update["request_date"] = (datetime.datetime.now(datetime.timezone.utc)
                                      - datetime.timedelta(days=2)).strftime(
                                          "%Y-%m-%dT%H:%M:%S.000Z")
        raw = json.dumps(update, separators=(",", ":")).encode()
        signature = sign("0:forged" if mode == "forged" else self.token, raw)
        if mode == "reserialised":
            raw = json.dumps(update, indent=1).encode()
        if mode in ("normal", "amount"):
            self.last_delivery = (raw, signature)
        return {"results": self.send(body, raw, signature)}

    def send(self, body, raw, signature):
        """Delivers the signed bytes to body["url"], body["times"] times at once."""
        return deliver_signed(body["url"], raw, "crypto-pay-api-signature", signature,
                              int(body.get("times", 1)))


if __name__ == "__main__":
    serve(CryptoBotFake)
