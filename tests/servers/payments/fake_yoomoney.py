#!/usr/bin/env python3
"""A fake YooMoney wallet, field by field as the public documentation reads
(/work/shared/reference/backends.md §10 and the pages it cites):

  Transfer form (yoomoney.ru/docs/payment-buttons/using-api/forms): GET or POST
      /quickpay/confirm with receiver, quickpay-form=button, paymentType (PC or AC), sum,
      optional label (<= 64 characters) and successURL; a page for the person (not needed by the
      tests beyond a 200, or a 400 naming a missing or wrong parameter).
  Commission (same page): AC takes 3% of the amount debited, PC 1% (amount_due = sum - sum *
      (a / (1 + a))); a `pay` may set fee_percent, 0 by default so an order's amount arrives whole.
  HTTP notifications (yoomoney.ru/docs/wallet/using-api/notification-p2p-incoming): a POST of
      application/x-www-form-urlencoded UTF-8 with notification_type, operation_id, amount (what
      the wallet got), withdraw_amount (what the sender paid), currency 643, datetime, sender,
      codepro, label, unaccepted and sha1_hash = sha1 of notification_type&operation_id&amount&
      currency&datetime&sender&codepro&notification_secret&label.
  operation-history (yoomoney.ru/docs/wallet/user-account/operation-history): POST
      /api/operation-history, Authorization: Bearer <token> (401 otherwise), form type, label,
      records (1..100, default 30); answer {"operations":[{operation_id, status, datetime, title,
      direction, amount, label, type}]}, amounts as JSON numbers, newest first;
      {"error":"illegal_param_records"} for records out of range.

Controls (POST /_control/<name>, JSON):
  pay     {label, sum, url, [payment_type AC|PC], [fee_percent], [send], [secret], [unaccepted],
           [codepro], [withdraw_amount], [times]}: makes an operation (in the history unless
           unaccepted) and POSTs its signed notification to `url` `times` times at once, unless
           send is false. [secret] signs with another secret (a forgery: no operation in the
           history); [withdraw_amount] changes that unsigned field after signing.
           -> {operation_id, body, statuses}
  replay  {operation_id, url, [times]}: the same bytes again -> {statuses}
  history {}: every operation
Command line: fake_yoomoney.py [--port N] [NOTIFICATION_SECRET [TOKEN]] (default
01234567890ABCDEF01234567890 and 410011.TOKEN)."""
import datetime
import decimal
import hashlib
import threading
import urllib.parse

from fake_pay_base import Fake, post, serve

SIGNED = ["notification_type", "operation_id", "amount", "currency", "datetime", "sender",
          "codepro"]
FEES = {"AC": decimal.Decimal("0.03"), "PC": decimal.Decimal("0.01")}


def two(value):
    return decimal.Decimal(value).quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_DOWN)


def sha1_hash(fields, secret):
    parts = [fields[k] for k in SIGNED] + [secret, fields["label"]]
    return hashlib.sha1("&".join(parts).encode("utf-8")).hexdigest()


def send_all(url, body, times):
    statuses = [None] * times

    def send(i):
        statuses[i] = post(url, body, {"Content-Type": "application/x-www-form-urlencoded"})
    threads = [threading.Thread(target=send, args=(i,)) for i in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


class FakeYooMoney(Fake):
    """A fake YooMoney wallet: quickpay form, HTTP notifications, operation-history."""

    def __init__(self, secret="01234567890ABCDEF01234567890", token="410011.TOKEN"):
        super().__init__()
        self.secret = secret
        self.token = token
        self.next_id = 1000
        self.operations = []  # newest last
        self.bodies = {}      # operation_id -> the notification bytes
        self.routes = {("GET", "/quickpay/confirm"): self.quickpay,
                       ("POST", "/quickpay/confirm"): self.quickpay,
                       ("POST", "/api/operation-history"): self.history}
        self.controls = {"pay": self.pay, "replay": self.replay,
                         "history": lambda body: list(self.operations)}

    def quickpay(self, req):
        form = dict(urllib.parse.parse_qsl(req.query or req.body.decode(), keep_blank_values=True))
        for name in ("receiver", "quickpay-form", "paymentType", "sum"):
            if not form.get(name):
                return 400, f"missing {name}", {"Content-Type": "text/plain"}
        if form["quickpay-form"] != "button" or form["paymentType"] not in FEES \
                or len(form.get("label", "")) > 64:
            return 400, "bad quickpay-form, paymentType or label", {"Content-Type": "text/plain"}
        try:
            two(form["sum"])
        except decimal.InvalidOperation:
            return 400, "bad sum", {"Content-Type": "text/plain"}
        return 200, "<html>YooMoney: pay %s to %s</html>" % (form["sum"], form["receiver"]), \
            {"Content-Type": "text/html"}

    def history(self, req):
        if req.headers.get("authorization") != "Bearer " + self.token:
            return 401, b"", {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        form = dict(urllib.parse.parse_qsl(req.body.decode(), keep_blank_values=True))
        records = int(form.get("records", "30")) if form.get("records", "30").isdigit() else 0
        if not 1 <= records <= 100:
            return 200, {"error": "illegal_param_records"}
        types = form.get("type", "").split()
        with self.lock:
            ops = [op for op in reversed(self.operations)
                   if (not types or op["type"] in types)
                   and ("label" not in form or op.get("label") == form["label"])]
        page = ops[:records]
        # Amounts are JSON numbers with two decimals, as the API writes them.
        text = ",".join(
            '{"operation_id":"%s","status":"%s","datetime":"%s","title":"%s","direction":"in",'
            '"amount":%s,"label":"%s","type":"%s"}' % (
                op["operation_id"], op["status"], op["datetime"], op["title"], op["amount"],
                op["label"], op["type"]) for op in page)
        more = ',"next_record":"%d"' % records if len(ops) > records else ""
        return 200, ('{"operations":[%s]%s}' % (text, more)).encode(), \
            {"Content-Type": "application/json"}

    def pay(self, body):
        kind = body.get("payment_type", "AC")
        gross = two(body["sum"])
        fee = decimal.Decimal(str(body.get("fee_percent", 0))) / 100
        net = two(gross * (1 - fee)) if kind == "AC" else two(gross - gross * (fee / (1 + fee)))
        with self.lock:
            self.next_id += 1
            op_id = str(self.next_id) + "1234567"
        fields = {
            "notification_type": "card-incoming" if kind == "AC" else "p2p-incoming",
            "operation_id": op_id, "amount": str(net), "withdraw_amount": str(gross),
            "currency": "643",
            "datetime": datetime.datetime.now(datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"),
            "sender": "" if kind == "AC" else "41001000040",
            "codepro": "true" if body.get("codepro") else "false",
            "label": str(body.get("label", "")),
            "unaccepted": "true" if body.get("unaccepted") else "false",
        }
        fields["sha1_hash"] = sha1_hash(fields, body.get("secret", self.secret))
        if body.get("withdraw_amount"):
            fields["withdraw_amount"] = body["withdraw_amount"]
        data = urllib.parse.urlencode(fields).encode()
        with self.lock:
            if not body.get("unaccepted") and not body.get("secret"):  # a forger paid nothing
                self.operations.append({
                    "operation_id": op_id, "status": "success", "datetime": fields["datetime"],
                    "title": "Пополнение с банковской карты", "amount": str(net),
                    "label": fields["label"], "type": "deposition"})
            self.bodies[op_id] = data
        statuses = []
        if body.get("send", True):
            statuses = send_all(body["url"], data, int(body.get("times", 1)))
        return {"operation_id": op_id, "body": data.decode(), "statuses": statuses}

    def replay(self, body):
        with self.lock:
            data = self.bodies[body["operation_id"]]
        return {"statuses": send_all(body["url"], data, int(body.get("times", 1)))}


if __name__ == "__main__":
    serve(FakeYooMoney)
