"""The frame every fake payment provider (tests/servers/payments/fake_<provider>.py) is built on:
a threaded HTTP server on loopback that prints "listening <port>" on stdout, the provider's API
routes (each fake registers its own, following the provider's public documentation), and the
test's control routes under /_control/ (JSON in, JSON out):

  GET  /_control/requests           every API request received: [{method, path, headers, body}]
  POST /_control/fail               {"status": 500, "times": 1}: the next API requests answer this
  POST /_control/<name>             the fake's own controls (mark paid, send a webhook, ...)

Python standard library only. A fake's main() calls serve(FakeClass) with its command line
(--port 0 = ephemeral)."""
import argparse
import http.server
import json
import sys
import threading
import urllib.error
import urllib.request


class Fake:
    """A provider's API. Subclasses fill `routes` with (method, path prefix) -> handler(req) and
    `controls` with name -> handler(body dict) -> dict. A handler returns (status, body bytes or
    dict, headers dict)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # every API request, for the tests' assertions
        self.fail = {"status": 0, "times": 0}
        self.routes = {}
        self.controls = {}

    def take_failure(self):
        """The status the next API request must fail with, or 0."""
        with self.lock:
            if self.fail["times"] > 0:
                self.fail["times"] -= 1
                return self.fail["status"]
        return 0


class Request:
    def __init__(self, handler, body):
        self.method = handler.command
        self.path, _, self.query = handler.path.partition("?")
        self.headers = {k.lower(): v for k, v in handler.headers.items()}
        self.body = body

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None


def post(url, body, headers=None, timeout=10):
    """POSTs `body` (bytes) to `url` as a provider delivers a webhook; returns (status, text).
    HTTP errors are answers too."""
    req = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def _handler_class(fake):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _answer(self, status, body, headers=None):
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                headers = {"Content-Type": "application/json", **(headers or {})}
            elif isinstance(body, str):
                body = body.encode()
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _dispatch(self):
            length = int(self.headers.get("Content-Length") or 0)
            req = Request(self, self.rfile.read(length) if length else b"")
            if req.path.startswith("/_control/"):
                name = req.path[len("/_control/"):]
                if name == "requests":
                    with fake.lock:
                        return self._answer(200, list(fake.requests))
                if name == "fail":
                    body = req.json() or {}
                    with fake.lock:
                        fake.fail = {"status": int(body.get("status", 500)),
                                     "times": int(body.get("times", 1))}
                    return self._answer(200, {"ok": True})
                control = fake.controls.get(name)
                if control is None:
                    return self._answer(404, {"error": "no control " + name})
                try:
                    return self._answer(200, control(req.json() or {}))
                except Exception as e:  # the test sees what went wrong
                    return self._answer(500, {"error": repr(e)})
            with fake.lock:
                fake.requests.append({"method": req.method, "path": req.path,
                                      "query": req.query, "headers": req.headers,
                                      "body": req.body.decode("utf-8", "replace")})
            failure = fake.take_failure()
            if failure:
                return self._answer(failure, {"error": "injected failure"})
            for (method, prefix), route in sorted(fake.routes.items(),
                                                  key=lambda kv: -len(kv[0][1])):
                if method == req.method and req.path.startswith(prefix):
                    status, body, *headers = route(req)
                    return self._answer(status, body, headers[0] if headers else None)
            return self._answer(404, {"error": "not found"})

        do_GET = do_POST = do_PUT = do_DELETE = _dispatch

    return Handler


def serve(fake_class):
    """Runs the fake from the command line (--port N, default 0) until killed."""
    parser = argparse.ArgumentParser(description=fake_class.__doc__)
    parser.add_argument("--port", type=int, default=0)
    args, rest = parser.parse_known_args()
    fake = fake_class(*rest) if rest else fake_class()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), _handler_class(fake))
    server.daemon_threads = True
    print("listening", server.server_address[1], flush=True)
    sys.stdout.flush()
    server.serve_forever()
