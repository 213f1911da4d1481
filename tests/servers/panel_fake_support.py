"""What the fake VPN panels (marzban/fake_marzban.py, remnawave/fake_remnawave.py, xui/fake_xui.py)
share: the threaded HTTP server they listen on, the /_control/ state every one of them has (per-route
request counts, hang/unhang), and the ready file a test waits for.

  GET  /_control/requests   {"METHOD /route": count} of the API requests answered so far
  POST /_control/hang       API requests are accepted and held unanswered
  POST /_control/unhang     the held requests (and later ones) are answered again
"""

import http.server
import json
import os
import socketserver
import threading


class PanelServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """A threaded server whose handler threads do not keep the process alive; it may bind again a
    port just left by a stopped fake (a restart on the same port)."""
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


class PanelControl:
    """Request counts and the hang switch of one fake panel (thread-safe)."""

    def __init__(self, hung=False):
        self.lock = threading.Lock()
        self.counts = {}
        self.unhung = threading.Event()
        if not hung:
            self.unhung.set()

    def count(self, route):
        with self.lock:
            self.counts[route] = self.counts.get(route, 0) + 1

    def snapshot(self):
        with self.lock:
            return dict(self.counts)

    def hang(self):
        self.unhung.clear()

    def unhang(self):
        self.unhung.set()

    def hung(self):
        return not self.unhung.is_set()

    def wait_unhung(self):
        """Blocks a request while the panel is hung (returns at once when it is not)."""
        self.unhung.wait()

    def common(self, method, path):
        """The answer (a JSON-able object) to the controls every fake has: requests, hang and
        unhang; None when `path` is another control, which the fake handles itself."""
        if path == "/_control/requests" and method == "GET":
            return self.snapshot()
        if path == "/_control/hang" and method == "POST":
            self.hang()
            return {"ok": True}
        if path == "/_control/unhang" and method == "POST":
            self.unhang()
            return {"ok": True}
        return None


class NullV2ray:
    """No data plane (a fake's --no-v2ray): the calls of v2ray_core.V2rayServer the fakes make
    all succeed and nothing carries traffic."""

    inbounds = {}

    def start(self, *_):
        return self

    def stop(self):
        pass

    def restart(self):
        pass

    def add_user(self, tag, email, secret):
        pass

    def remove_user(self, tag, email):
        pass

    def stats(self):
        return {}

    def port_of(self, tag):
        return None


def write_ready(path, info):
    """Announces a started fake: `info` as one JSON line on stdout and, when `path` is set, in the
    ready file (written whole through a rename, so a test never reads half of it)."""
    line = json.dumps(info)
    if path:
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(line + "\n")
        os.replace(tmp, path)
    print(line, flush=True)
