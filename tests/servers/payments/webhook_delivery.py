"""Delivering one webhook several times at once, as a provider's retries and a replaying attacker
do (used by fake_cryptobot.py and fake_wata.py)."""
import threading

from fake_pay_base import post


def deliver_signed(url, raw, signature_header, signature, times=1):
    """A JSON webhook whose signature travels in `signature_header`; see deliver."""
    return deliver(url, raw, {"Content-Type": "application/json", signature_header: signature},
                   times)


def deliver(url, raw, headers, times=1):
    """POSTs the same bytes `times` times concurrently; returns [[status, text], ...]."""
    results = [None] * times

    def one(i):
        results[i] = list(post(url, raw, headers))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
