"""Test support for the fake 3x-ui panel (fake_xui.py): start/stop it, call its API the way a
panel client does (a session cookie, the CSRF token on v3, or a bearer token), and build share
links from an inbound as the tests' own second builder. Standard library only; run with
/usr/bin/python3 (the fake needs python3-grpcio for v2ray_core)."""
import http.cookiejar
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_xui.py")
sys.path.insert(0, os.path.join(HERE, "..", "v2ray"))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


class PageMixin:
    """For a unittest.TestCase: a web page served on loopback for the class (self.page), fetched
    through a share link with a real v2ray client (needs python3-grpcio)."""

    @classmethod
    def setUpClass(cls):
        import v2ray_core
        cls.page = v2ray_core.PageServer()

    @classmethod
    def tearDownClass(cls):
        cls.page.stop()

    def fetch(self, link, timeout=8):
        import v2ray_core
        return v2ray_core.fetch_through_link(link, self.page.url, timeout=timeout)

    def assert_carries(self, link):
        ok, text = self.fetch(link)
        self.assertTrue(ok, "no traffic through %s: %s" % (link, text))
        self.assertEqual(text, self.page.body)

    def assert_refused(self, link):
        ok, text = self.fetch(link, timeout=4)
        self.assertFalse(ok, "traffic through %s after its client went away" % link)


class FakeXui:
    """One fake panel process on an ephemeral port with its own state folder."""

    def __init__(self, api="v2", username="admin", password="s3cret-pass", token="",
                 base_path="/Xq7sSecret", state=None, v2ray=True, default_client=True):
        self.api, self.username, self.password, self.token = api, username, password, token
        self.base_path = base_path
        self.own_state = state is None
        self.state = state or tempfile.mkdtemp(prefix="fake-xui-")
        self.v2ray, self.default_client = v2ray, default_client
        self.proc = None
        self.info = None

    def start(self, timeout=30):
        os.makedirs(self.state, exist_ok=True)
        ready = os.path.join(self.state, "ready.json")
        if os.path.exists(ready):
            os.unlink(ready)
        args = [PYTHON, FAKE, "--port", "0", "--base-path", self.base_path, "--state",
                self.state, "--api", self.api, "--username", self.username, "--password",
                self.password, "--ready-file", ready]
        if self.token:
            args += ["--token", self.token]
        if not self.v2ray:
            args.append("--no-v2ray")
        if not self.default_client:
            args.append("--no-default-client")
        self.log = open(os.path.join(self.state, "fake.log"), "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while not os.path.exists(ready):
            if self.proc.poll() is not None:
                raise RuntimeError("fake_xui.py exited with %s; see %s/fake.log"
                                   % (self.proc.returncode, self.state))
            if time.monotonic() > deadline:
                raise RuntimeError("fake_xui.py did not get ready")
            time.sleep(0.05)
        with open(ready) as f:
            self.info = json.load(f)
        self.port = self.info["port"]
        return self

    @property
    def root(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def url(self):
        """The panel's base URL, as an operator gives it (--api-url)."""
        return self.root + self.base_path

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def cleanup(self):
        self.stop()
        if self.own_state:
            shutil.rmtree(self.state, ignore_errors=True)

    def control(self, name, method="POST", **query):
        url = "%s/_control/%s" % (self.root, name)
        if query:
            url += "?" + urllib.parse.urlencode(query)
        req = urllib.request.Request(url, data=b"" if method == "POST" else None, method=method)
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read() or b"null")

    def requests(self):
        return self.control("requests", method="GET")

    def client(self, **kw):
        return Client(self.url, self.api, **kw)


class Client:
    """A 3x-ui API client: call() answers (HTTP status, parsed JSON or raw bytes)."""

    def __init__(self, base_url, api, username=None, password=None, token=None):
        self.base, self.api = base_url.rstrip("/"), api
        self.username, self.password, self.token = username, password, token
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = None

    def raw(self, method, path, body=None, form=None, headers=None, timeout=10):
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        elif method == "POST":
            data = b""
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if self.csrf and method not in ("GET", "HEAD"):
            h.setdefault("X-CSRF-Token", self.csrf)
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with self.opener.open(req, timeout=timeout) as r:
                status, payload = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload

    def login(self):
        if self.api == "v3":
            status, got = self.raw("GET", "/csrf-token")
            assert status == 200 and got["success"], (status, got)
            self.csrf = got["obj"]
        return self.raw("POST", "/login", form={"username": self.username,
                                                 "password": self.password})

    def call(self, method, path, **kw):
        """An API call whose answer must be HTTP 200; returns the envelope."""
        status, got = self.raw(method, "/panel/api" + path, **kw)
        if status != 200:
            raise AssertionError("%s %s -> HTTP %s %r" % (method, path, status, got))
        return got


def vless_or_trojan_link(inbound, client, host="127.0.0.1"):
    """A share link from an inbound as GET inbounds/get/{id} returns it (settings and
    streamSettings JSON strings): the tests' own builder, written from the share-link format."""
    stream = json.loads(inbound["streamSettings"])
    q = {"type": stream["network"], "security": stream.get("security", "none")}
    if inbound["protocol"] == "vless":
        q["encryption"] = "none"
    if stream["network"] == "ws":
        q["path"] = stream["wsSettings"]["path"]
    if stream["network"] == "grpc":
        q["serviceName"] = stream["grpcSettings"]["serviceName"]
    if q["security"] == "tls":
        q["sni"] = stream["tlsSettings"]["serverName"]
    query = urllib.parse.urlencode(sorted(q.items()), quote_via=urllib.parse.quote)
    secret = client["id"] if inbound["protocol"] == "vless" else client["password"]
    return "%s://%s@%s:%d?%s#%s" % (inbound["protocol"], urllib.parse.quote(secret, safe=""),
                                    host, inbound["port"], query,
                                    urllib.parse.quote(client["email"]))
