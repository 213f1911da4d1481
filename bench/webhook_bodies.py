"""Signed webhook bodies of CryptoBot (Crypto Pay) and Cryptomus for the issue 14 benches, built
the way the providers build them (tests/servers/payments/fake_cryptobot.py and fake_cryptomus.py
follow the documents field by field; these mirror their shapes):

- CryptoBot (backends.md §10, Crypto Pay "Webhooks"): an Update {update_id, update_type
  "invoice_paid", request_date, payload: Invoice} sent as compact JSON, header
  crypto-pay-api-signature = hex HMAC-SHA256(key = SHA256(app token), raw body).
- Cryptomus (payments.md §2.4, §5.2, "Webhook"): the payment object with `sign` last =
  md5(base64(PHP json_encode of the object without sign) + payment API key); PHP escapes "/" and
  keeps UTF-8 as is (JSON_UNESCAPED_UNICODE), which the bodies exercise ("Подписка VPN/месяц").
"""
import base64
import datetime
import hashlib
import hmac
import json
import uuid

CRYPTOBOT_TOKEN = "12345:AAbenchCryptoPayAppToken0123456789"
CRYPTOMUS_KEY = "bench-cryptomus-payment-key-0123456789abcdefABCDEF0123456789abcdef"
CRYPTOMUS_UUID = "8b03432e-385b-4670-8d06-064591096795"


def iso_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def cryptobot_signature(token, raw):
    return hmac.new(hashlib.sha256(token.encode()).digest(), raw, hashlib.sha256).hexdigest()


def cryptobot_body(update_id, invoice_id, order_id, amount, fiat="RUB"):
    """The raw bytes of an invoice_paid update for `order_id` (our payload), amount in whole
    units of `fiat`."""
    h = "IV" + hashlib.sha1(str(invoice_id).encode()).hexdigest()[:12]
    now = iso_now()
    invoice = {
        "invoice_id": invoice_id, "hash": h, "currency_type": "fiat", "fiat": fiat,
        "amount": f"{amount}.00", "paid_asset": "USDT", "paid_amount": "1.09",
        "paid_fiat_rate": "91.74", "accepted_assets": ["USDT", "TON", "BTC"],
        "fee_asset": "USDT", "fee_amount": "0.03", "fee_in_usd": "0.03",
        "pay_url": "https://t.me/CryptoBot?start=" + h,
        "bot_invoice_url": "https://t.me/CryptoBot?start=" + h,
        "mini_app_invoice_url": "https://t.me/CryptoBot/app?startapp=invoice-" + h,
        "web_app_invoice_url": "https://app.send.tg/invoices/" + h,
        "description": "VPN, 1 month", "status": "paid", "created_at": now,
        "allow_comments": True, "allow_anonymous": True, "paid_usd_rate": "1.00",
        "usd_rate": "0.0109", "paid_at": now, "paid_anonymously": False,
        "payload": str(order_id),
    }
    update = {"update_id": update_id, "update_type": "invoice_paid", "request_date": now,
              "payload": invoice}
    return json.dumps(update, separators=(",", ":")).encode()


def php_json(value):
    """PHP json_encode(value, JSON_UNESCAPED_UNICODE) of strings, numbers, bools, nulls, dicts."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def cryptomus_sign(data, key):
    return hashlib.md5(base64.b64encode(php_json(data).encode()) + key.encode()).hexdigest()


def cryptomus_payment_uuid(order_id):
    """A stable invoice uuid per order (the seeded payment row and the body name the same)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://bench.invalid/cryptomus/{order_id}"))


def cryptomus_body(order_id, amount, key, currency="RUB"):
    """The raw bytes of a `paid` payment webhook for our order `order_id`."""
    pay_uuid = cryptomus_payment_uuid(order_id)
    data = {
        "type": "payment", "uuid": pay_uuid, "order_id": f"vpnhub-{order_id}",
        "amount": f"{amount}.00", "payment_amount": "1.09000000", "payment_amount_usd": "1.09",
        "merchant_amount": "1.06820000", "commission": "0.02180000", "is_final": True,
        "status": "paid", "from": None, "wallet_address_uuid": None, "network": "tron",
        "currency": currency, "payer_currency": "USDT", "additional_data": "Подписка VPN/месяц",
        "convert": {"to_currency": "USDT", "commission": None, "rate": "1.00000000",
                    "amount": "1.06820000"},
        "txid": hashlib.sha256(pay_uuid.encode()).hexdigest(),
    }
    data["sign"] = cryptomus_sign(data, key)
    return php_json(data).encode()
