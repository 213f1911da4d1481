#!/usr/bin/env python3
"""A fake WATA H2H API (api.wata.pro/api/h2h) for the e2e tests, following the public
documentation (payments.md §4 collects it):

  General information   Authorization: Bearer <terminal access token> on every protected
                        request (401 without a valid one); JSON bodies; errors are non-200 with
                        {"error": {"code", "message", "details", "validationErrors"}}
  Links                 POST /links (and /links/): amount (number, <= 2 decimals, 10..999999.99
                        RUB), currency (RUB, EUR, USD), description, orderId,
                        successRedirectUrl, failRedirectUrl, expirationDateTime (10 min..30 days
                        ahead, default 3 days); answers the link: id, amount, currency,
                        status "Opened", url, terminalName, terminalPublicId, creationTime, ...
                        GET /links/{id}: the link; "Closed" once paid.
  Transactions          GET /transactions/{id}; GET /transactions?orderId= (search, W7):
                        {"items": [...], "totalCount"}; id, type, kind (Payment, Refund),
                        amount, currency, status (Created, Pending, Paid, Declined), orderId, ...
                        POST /transactions/refunds {originalTransactionId, amount}.
  Webhooks              POST of the transaction (transactionType, kind, transactionId,
                        transactionStatus, errorCode, errorDescription, terminalName, amount,
                        currency, orderId, orderDescription, commission, paymentTime, email,
                        paymentLinkId), signed in X-Signature = base64(RSA PKCS#1 v1.5 SHA-512
                        over the raw body); GET /public-key (no auth) -> {"value": PEM}.

The key pair is made at start-up with the openssl command line (python has no RSA).
Run: fake_wata.py --port 0 [CARD_TOKEN SBP_TOKEN]. Controls (POST /_control/<name>, JSON):
  pay        {"link_id", "url", "mode", "times", "status", "amount"}: a transaction for the link
             (status Paid by default, or Declined) and its webhook to `url`, `times` at once.
             mode: normal; forged (signed with another key; nothing is recorded); replay (the
             last normal or amount delivery again, byte for byte); amount (the transaction's amount changed to "amount", a
             decimal text written as the JSON number, then signed); reserialised (signed, then
             re-encoded: must fail); never (paid, nothing sent: for reconciliation).
  rotate_key {}: a new key pair; the public key endpoint gives the new one from now on.
  links      {}: every link.
"""
import datetime
import decimal
import json
import os
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from fake_pay_base import Fake, serve  # noqa: E402
from webhook_delivery import deliver_signed  # noqa: E402

PREFIX = "/api/h2h"
MIN_LIFE = datetime.timedelta(minutes=10)
MAX_LIFE = datetime.timedelta(days=30)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def invalid(message, member):
    return 400, {"error": {"code": None, "message": "Your request is invalid!",
                           "details": "The following validation errors were found – " + message,
                           "data": {}, "validationErrors": [{"message": message,
                                                             "members": [member]}]}}


def refused(code, message):
    return 400, {"error": {"code": "Payment:" + code, "message": message}}


class KeyPair:
    def __init__(self, folder):
        fd, self.private = tempfile.mkstemp(suffix=".pem", dir=folder)
        os.close(fd)
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", self.private], check=True,
                       capture_output=True)
        self.public = subprocess.run(["openssl", "pkey", "-in", self.private, "-pubout"],
                                     check=True, capture_output=True, text=True).stdout

    def sign(self, body):
        sig = subprocess.run(["openssl", "dgst", "-sha512", "-sign", self.private], input=body,
                             check=True, capture_output=True).stdout
        return __import__("base64").b64encode(sig).decode()


def money(value):
    """A JSON number as WATA writes it: the decimal's text, two places."""
    return format(decimal.Decimal(value).quantize(decimal.Decimal("0.01")), "f")


class WataFake(Fake):
    """Two terminals (card, SBP) whose tokens are the arguments."""

    def __init__(self, card_token="wata-card-token", sbp_token="wata-sbp-token"):
        super().__init__()
        self.terminals = {card_token: "card", sbp_token: "sbp"}
        self.folder = tempfile.mkdtemp(prefix="fake-wata-")
        self.key = KeyPair(self.folder)
        self.other_key = KeyPair(self.folder)  # what a forger signs with
        self.links = {}
        self.transactions = {}
        self.last_delivery = None
        self.routes[("GET", PREFIX + "/public-key")] = self.public_key
        self.routes[("POST", PREFIX + "/links")] = self.create_link
        self.routes[("GET", PREFIX + "/links/")] = self.get_link
        self.routes[("GET", PREFIX + "/transactions")] = self.get_transactions
        self.routes[("POST", PREFIX + "/transactions/refunds")] = self.refund
        self.controls["pay"] = self.pay
        self.controls["rotate_key"] = self.rotate_key
        self.controls["links"] = lambda body: list(self.links.values())

    def terminal(self, req):
        auth = req.headers.get("authorization", "")
        return self.terminals.get(auth[len("Bearer "):]) if auth.startswith("Bearer ") else None

    def public_key(self, req):
        with self.lock:
            return 200, {"value": self.key.public}

    def create_link(self, req):
        terminal = self.terminal(req)
        if terminal is None:
            return 401, b""
        try:
            p = json.loads(req.body.decode(), parse_float=decimal.Decimal)
        except ValueError:
            return invalid("The body is not JSON.", "body")
        amount = p.get("amount") if isinstance(p, dict) else None
        if not isinstance(amount, (int, decimal.Decimal)) or isinstance(amount, bool):
            return invalid("'Amount' is required.", "amount")
        if decimal.Decimal(amount).as_tuple().exponent < -2:
            return invalid("'Amount' has more than 2 decimals.", "amount")
        if p.get("currency") not in ("RUB", "EUR", "USD"):
            return refused("PL_1002", "The currency is not allowed")
        if not decimal.Decimal(10) <= amount <= decimal.Decimal("999999.99"):
            return refused("PL_1001", "The amount is out of range")
        expires = utcnow() + datetime.timedelta(days=3)
        if p.get("expirationDateTime"):
            try:
                expires = datetime.datetime.fromisoformat(
                    p["expirationDateTime"].replace("Z", "+00:00"))
            except (ValueError, AttributeError):
                return invalid("'Expiration Date Time' is invalid.", "expirationDateTime")
            if not MIN_LIFE - datetime.timedelta(seconds=5) <= expires - utcnow() <= MAX_LIFE:
                return invalid("'Expiration Date Time' is out of range.", "expirationDateTime")
        link_id = str(uuid.uuid4())
        link = {"id": link_id, "amount": money(amount), "currency": p["currency"],
                "status": "Opened", "url": "https://payment.wata.pro/pay-form/" + link_id,
                "terminalName": terminal, "terminalPublicId": str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                                             terminal)),
                "creationTime": iso(utcnow()), "orderId": p.get("orderId"),
                "description": p.get("description"),
                "successRedirectUrl": p.get("successRedirectUrl"),
                "failRedirectUrl": p.get("failRedirectUrl"),
                "expirationDateTime": iso(expires)}
        with self.lock:
            self.links[link_id] = link
        return 200, self.encode(link)

    def encode(self, obj):
        """JSON with "amount" written as a number of two decimals (1188.00), as WATA does."""
        text = json.dumps({k: v for k, v in obj.items() if k != "amount"},
                          separators=(",", ":"), ensure_ascii=False)
        if "amount" not in obj:
            return text.encode()
        return ('{"amount":' + obj["amount"] + ("," + text[1:] if text != "{}" else "}")).encode()

    def get_link(self, req):
        if self.terminal(req) is None:
            return 401, b""
        with self.lock:
            link = self.links.get(req.path[len(PREFIX + "/links/"):])
        return (200, self.encode(link)) if link else (404, {"error": {"message": "Not found"}})

    def get_transactions(self, req):
        if self.terminal(req) is None:
            return 401, b""
        rest = req.path[len(PREFIX + "/transactions"):]
        with self.lock:
            if rest.startswith("/"):
                t = self.transactions.get(rest[1:])
                return (200, self.encode(t)) if t else (404, {"error": {"message": "Not found"}})
            query = dict(p.split("=", 1) for p in req.query.split("&") if "=" in p)
            items = [t for t in self.transactions.values()
                     if "orderId" not in query or t["orderId"] == query["orderId"]]
        body = b'{"items":[' + b",".join(self.encode(t) for t in items) + \
            b'],"totalCount":' + str(len(items)).encode() + b"}"
        return 200, body

    def refund(self, req):
        if self.terminal(req) is None:
            return 401, b""
        p = json.loads(req.body.decode() or "{}", parse_float=decimal.Decimal)
        with self.lock:
            original = self.transactions.get(p.get("originalTransactionId"))
            if original is None or original["status"] != "Paid":
                return refused("TRA_1001", "The original transaction is not paid")
            refund_id = str(uuid.uuid4())
            self.transactions[refund_id] = dict(original, id=refund_id, kind="Refund",
                                                originalTransactionId=original["id"],
                                                amount=money(p.get("amount", 0)))
        return 200, {"transactionId": refund_id, "originalTransactionId": original["id"],
                     "transactionStatus": "Paid", "kind": "Refund", "errorCode": None,
                     "errorDescription": None}

    def rotate_key(self, body):
        new = KeyPair(self.folder)
        with self.lock:
            self.key = new
        return {"ok": True}

    def pay(self, body):
        mode = body.get("mode", "normal")
        if mode == "replay":  # the last authentic delivery, byte for byte
            return {"results": self.send(body, *self.last_delivery)}
        status = body.get("status", "Paid")
        with self.lock:
            link = self.links[body["link_id"]]
            tid = str(uuid.uuid4())
            t = {"id": tid, "terminalName": link["terminalName"],
                 "terminalPublicId": link["terminalPublicId"],
                 "type": "SBP" if link["terminalName"] == "sbp" else "CardCrypto",
                 "kind": "Payment", "amount": link["amount"], "currency": link["currency"],
                 "status": status, "errorCode": None if status == "Paid" else "Payment:TRA_2002",
                 "errorDescription": None, "orderId": link["orderId"],
                 "orderDescription": link["description"], "paymentTime": iso(utcnow()),
                 "paymentLinkId": link["id"]}
            if mode == "amount":
                t["amount"] = money(body["amount"])
            if mode != "forged":  # a forger's transaction is not at WATA
                self.transactions[tid] = t
                if status == "Paid":
                    link["status"] = "Closed"
            key = self.other_key if mode == "forged" else self.key
        if mode == "never":
            return {"results": [], "transactionId": tid}
        hook = {"transactionType": t["type"], "kind": "Payment", "transactionId": tid,
                "transactionStatus": status, "errorCode": t["errorCode"],
                "errorDescription": None, "terminalName": t["terminalName"],
                "terminalPublicId": t["terminalPublicId"],
                "amount": t["amount"],
                "currency": t["currency"], "orderId": t["orderId"],
                "orderDescription": t["orderDescription"], "commission": "0.00",
                "paymentTime": t["paymentTime"], "email": None, "paymentLinkId": link["id"]}
        raw = self.encode(hook).replace(b'"commission":"0.00"', b'"commission":0.00')
        signature = key.sign(raw)
        if mode == "reserialised":
            raw = json.dumps(json.loads(raw), indent=1).encode()  # 299.00 -> 299.0
        if mode in ("normal", "amount", "late"):
            self.last_delivery = (raw, signature)
        return {"transactionId": tid,
                "results": self.send(body, raw, signature)}

    def send(self, body, raw, signature):
        """Delivers the signed bytes to body["url"], body["times"] times at once."""
        return deliver_signed(body["url"], raw, "X-Signature", signature,
                              int(body.get("times", 1)))


if __name__ == "__main__":
    serve(WataFake)
