"""Signed webhook bodies of CryptoBot (Crypto Pay) and Cryptomus for the issue 14 benches, built
the way the providers build them, with the signing functions of the e2e fakes
(tests/servers/payments/fake_cryptobot.py and fake_cryptomus.py, which follow the documents field
by field):

- CryptoBot (backends.md §10, Crypto Pay "Webhooks"): an Update {update_id, update_type
  "invoice_paid", request_date, payload: Invoice} sent as compact JSON, header
  crypto-pay-api-signature = hex HMAC-SHA256(key = SHA256(app token), raw body).
- Cryptomus (payments.md §2.4, §5.2, "Webhook"): the payment object with `sign` last =
  md5(base64(PHP json_encode of the object without sign) + payment API key); PHP escapes "/" and
  keeps UTF-8 as is (JSON_UNESCAPED_UNICODE), which the bodies exercise ("Подписка VPN/месяц").
"""
import hashlib
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "servers", "payments"))
from fake_cryptobot import now_iso  # noqa: E402
from fake_cryptobot import sign as cryptobot_signature  # noqa: E402,F401
from fake_cryptomus import php_json, sign_of  # noqa: E402

CRYPTOBOT_TOKEN = "12345:AAbenchCryptoPayAppToken0123456789"
CRYPTOMUS_KEY = "bench-cryptomus-payment-key-0123456789abcdefABCDEF0123456789abcdef"
CRYPTOMUS_UUID = "8b03432e-385b-4670-8d06-064591096795"


def cryptobot_body(update_id, invoice_id, order_id, amount, fiat="RUB"):
    """The raw bytes of an invoice_paid update for `order_id` (our payload), amount in whole
    units of `fiat`."""
    h = "IV" + hashlib.sha1(str(invoice_id).encode()).hexdigest()[:12]
    now = now_iso()
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
    data["sign"] = sign_of(php_json(data), key)
    return php_json(data).encode()
