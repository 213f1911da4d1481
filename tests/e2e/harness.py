"""Helpers for end-to-end tests: start the real vpnhub binary and a real ss-manager on loopback,
run CLI commands, and always clean up. Standard library only (runs on Debian's /usr/bin/python3).
"""
import base64
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.error
import urllib.request

BINARY = os.environ.get("VPNHUB_BIN", "")


def iso_seconds(text):
    """Seconds since the epoch of a "YYYY-MM-DDTHH:MM:SSZ" time as the CLI prints it."""
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_block(count):
    """The first of `count` consecutive ports free for TCP and UDP, below the kernel's ephemeral
    range (32768+), so that connections of tests running in parallel do not land in it."""
    import random

    def free(port):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            with socket.socket(socket.AF_INET, kind) as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    return False
        return True

    for _ in range(200):
        first = random.randrange(10000, 32000 - count)
        if all(free(p) for p in range(first, first + count)):
            return first
    raise AssertionError(f"no block of {count} free ports")


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def end_process(proc, timeout, sig=signal.SIGTERM):
    """Sends `sig` to a running `proc` and waits `timeout` seconds for it, then kills it."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def listening(port):
    """Whether something accepts TCP connections on 127.0.0.1:`port`."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def parse_ss(link):
    """(method, password, host, port) of an ss:// link: SIP002 (base64 or percent-encoded user
    info, an optional /?plugin part, Outline's /?outline=1) or the plain form."""
    body = link[len("ss://"):].split("#", 1)[0]
    userinfo, hostport = body.rsplit("@", 1)
    userinfo = urllib.parse.unquote(userinfo)
    if ":" not in userinfo:
        userinfo = base64.urlsafe_b64decode(userinfo + "=" * (-len(userinfo) % 4)).decode()
    method, password = userinfo.split(":", 1)
    host, port = hostport.split("?", 1)[0].rstrip("/").rsplit(":", 1)
    return method, password, host, int(port)


class SsManager:
    """A real shadowsocks-libev ss-manager on 127.0.0.1, a child of the test."""

    def __init__(self, workdir, port=None):
        """`port`: the manager port to listen on (one a server row already names); free one
        when None."""
        self.port = port or free_port(socket.SOCK_DGRAM)
        self.dir = os.path.join(workdir, "ss")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = subprocess.Popen(
            ["ss-manager", "--manager-address", f"127.0.0.1:{self.port}", "-s", "127.0.0.1",
             "-m", "chacha20-ietf-poly1305", "-D", self.dir, "-u"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.call("ping", 0.2) is not None, 10, what="ss-manager ping")

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def call(self, request, timeout=1.0):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(request.encode(), ("127.0.0.1", self.port))
            try:
                return s.recv(65536).decode()
            except socket.timeout:
                return None

    def ports(self):
        reply = self.call("list")
        if reply is None:
            raise AssertionError("ss-manager did not answer list")
        return {int(item["server_port"]) for item in json.loads(reply)}

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def stop(self):
        if self.proc.poll() is None:
            self.resume()
            end_process(self.proc, 5)


class Vpnhub:
    """The real vpnhub binary with its own database in a temporary folder."""

    def __init__(self, workdir, **env):
        self.dir = workdir
        self.http_port = free_port()
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATABASE_URL": f"sqlite://{workdir}/vpnhub.db",
            "HTTP_LISTEN": f"127.0.0.1:{self.http_port}",
            "EXPIRY_SWEEP_INTERVAL_SEC": "1",
            "LOG_FORMAT": "json",
            "TASK_LEASE_SEC": "3",
            "TASK_RETRY_BASE_MS": "200",
            "VPN_CALL_TIMEOUT_MS": "500",
        }
        self.env.update({k: str(v) for k, v in env.items()})
        self.proc = None
        self.log_path = os.path.join(workdir, "serve.log")

    @property
    def db_path(self):
        return os.path.join(self.dir, "vpnhub.db")

    def cli(self, *args, check=True, timeout=30):
        res = subprocess.run([BINARY, *args], cwd=self.dir, env=self.env, capture_output=True,
                             text=True, timeout=timeout)
        if check and res.returncode != 0:
            raise AssertionError(f"vpnhub {' '.join(args)} exited {res.returncode}:\n"
                                 f"{res.stdout}\n{res.stderr}")
        return res

    def cli_json(self, *args):
        return json.loads(self.cli(*args, "--json").stdout)

    def start(self, *args):
        """`vpnhub serve`, or the subcommand and flags given (e.g. "worker", "--http"); the
        process must serve /healthz on HTTP_LISTEN."""
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([BINARY, *(args or ("serve",))], cwd=self.dir, env=self.env,
                                     stdout=self.log, stderr=self.log)
        wait_until(lambda: self.get("/healthz")[0] == 200, 10, what="vpnhub /healthz")

    def get(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}",
                                        timeout=2) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"vpnhub exited with {self.proc.returncode}; log:\n"
                                     + open(self.log_path).read())
            return None, ""

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def stop(self):
        end_process(self.proc, 10)
        if getattr(self, "log", None):
            self.log.close()

    def key(self, key_id):
        for k in self.cli_json("key", "list"):
            if k["id"] == key_id:
                return k
        raise AssertionError(f"key {key_id} not listed")


class Workdir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="vpnhub-e2e-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


class HubTestCase(unittest.TestCase):
    """Base of the end-to-end tests: each test in a fresh work folder (self.dir). What a test
    starts it hands to stop_after / own_hub / own_process, and it is stopped after the test (after
    tearDown), what was started last first, even when the test or another clean-up failed."""

    def setUp(self):
        self._problems_before = self._problems()
        self.dir = self.enterContext(Workdir())

    def _problems(self):
        result = self._outcome.result
        return len(result.failures) + len(result.errors)

    def failed(self):
        """Whether this test (not an earlier one of the run) has failed so far."""
        return self._problems() > self._problems_before

    def stop_after(self, thing):
        """Calls thing.stop() after the test; returns `thing`."""
        self.addCleanup(thing.stop)
        return thing

    def own_hub(self, hub, title="serve log"):
        """stop_hub(hub, title) after the test; returns `hub`."""
        self.addCleanup(self.stop_hub, hub, title)
        return hub

    def stop_hub(self, hub, title="serve log"):
        """Stops the Vpnhub, then prints its log when this test failed."""
        hub.stop()
        if self.failed() and os.path.exists(hub.log_path):
            with open(hub.log_path) as f:
                sys.stderr.write(f"---- {title} ----\n" + f.read())

    def add_ss_location(self, hub, name, ss_dir=None, server_name=None):
        """Starts a real ss-manager (in `ss_dir`, default the work folder), adds location `name`
        to `hub` and a server on it with 10 free ports; returns (ss, first port)."""
        ss = self.stop_after(SsManager(ss_dir or self.dir))
        hub.cli("location", "add", name)
        port_from = free_port_block(10)
        hub.cli("server", "add", "--location", name,
                *(("--name", server_name) if server_name else ()), "--manager", ss.address,
                "--public-host", "127.0.0.1", "--ports", f"{port_from}-{port_from + 9}",
                "--capacity", "10")
        return ss, port_from

    def start_bot_hub(self, **env):
        """The bot's usual stage: the fake Bot API (self.tg), a `vpnhub serve` polling it with
        `env` (self.hub) and one real ss-manager (self.ss) serving Amsterdam from port
        self.port_from; started."""
        self.tg = self.stop_after(FakeTelegram())
        self.hub = self.own_hub(Vpnhub(self.dir, TG_TOKEN=BOT_TOKEN, TELEGRAM_API_URL=self.tg.url,
                                       TELEGRAM_POLL_TIMEOUT_SEC=1, **env))
        self.ss, self.port_from = self.add_ss_location(self.hub, "Amsterdam")
        self.hub.start()

    def start_bot(self, **env):
        """A `vpnhub serve` on the work folder (with whatever servers were added to it) polling a
        fresh fake Bot API (self.tg) with `env`; started; returns the hub."""
        self.tg = self.stop_after(FakeTelegram())
        bot = self.own_hub(Vpnhub(self.dir, TG_TOKEN=BOT_TOKEN, TELEGRAM_API_URL=self.tg.url,
                                  TELEGRAM_POLL_TIMEOUT_SEC=1, **env))
        bot.start()
        return bot

    def ask_trial(self, person):
        """`person` sends /trial to the bot of start_bot and presses the first location button
        it offers."""
        tg = self.tg
        tg.message(person, "/trial")
        choice = tg.wait_for(person, lambda c: any(b.get("callback_data", "").startswith("t:")
                                                   for b in buttons(c)),
                             "location buttons")
        tg.callback(person, next(b["callback_data"] for b in buttons(choice)
                                 if b.get("callback_data", "").startswith("t:")))

    def cli_exits(self, hub, code, *args, says=()):
        """Runs `vpnhub ARGS` on `hub`, asserts it exits with `code` and that stderr contains
        each of `says`; returns the completed process."""
        res = hub.cli(*args, check=False)
        self.assertEqual(res.returncode, code, (args, res.stdout, res.stderr))
        for text in says:
            self.assertIn(text, res.stderr, args)
        return res

    def own_process(self, proc):
        """Ends the subprocess.Popen after the test (SIGTERM, then SIGKILL after 5 s)."""
        self.addCleanup(end_process, proc, 5)
        return proc

    def serve_text(self, name, text):
        """Serves `text` as /`name` over HTTP on loopback until the test ends; returns the port."""
        www = os.path.join(self.dir, "www")
        os.makedirs(www, exist_ok=True)
        with open(os.path.join(www, name), "w") as f:
            f.write(text)
        port = free_port()
        self.own_process(subprocess.Popen(
            ["/usr/bin/python3", "-m", "http.server", str(port), "--bind", "127.0.0.1",
             "--directory", www], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_until(lambda: listening(port), 5, what="web server listening")
        return port

    def own_subscription(self, hub, tg, base, panel_calls):
        """The links of Telegram user `tg`'s own subscription as `hub` serves it at /sub/<token>
        (plain), after checking that `user show` gives a URL under `base`, that the default
        (base64) answer holds the same links, and that neither fetch (a cache miss, then a hit)
        changed `panel_calls()` (a panel's on-demand call counts)."""
        shown = hub.cli_json("user", "show", str(tg))
        self.assertTrue(shown["subscription_url"].startswith(base + "/sub/"), shown)
        token = shown["subscription_url"].rsplit("/sub/", 1)[1]
        before = panel_calls()
        status, body = hub.get(f"/sub/{token}?format=plain")
        self.assertEqual(status, 200, body)
        links = body.splitlines()
        status, encoded = hub.get(f"/sub/{token}")
        self.assertEqual(status, 200, encoded)
        self.assertEqual(base64.b64decode(encoded).decode().splitlines(), links)
        self.assertEqual(panel_calls(), before)
        return links

    def fetch_through(self, link, http_port, path="/hello.txt"):
        """(curl's exit code, the body) of http://127.0.0.1:`http_port``path` fetched through a
        real ss-local using the ss:// `link`."""
        method, password, _, port = parse_ss(link)
        local = free_port()
        p = self.own_process(subprocess.Popen(
            ["ss-local", "-s", "127.0.0.1", "-p", str(port), "-l", str(local), "-b", "127.0.0.1",
             "-k", password, "-m", method],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_until(lambda: listening(local), 5, what="ss-local listening")
        res = subprocess.run(["curl", "-s", "--max-time", "3", "--socks5-hostname",
                              f"127.0.0.1:{local}", f"http://127.0.0.1:{http_port}{path}"],
                             capture_output=True, text=True)
        end_process(p, 5)
        return res.returncode, res.stdout



SERVERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "servers")


def import_v2ray_core():
    """(tests/servers/v2ray/v2ray_core.py as a module, "") when it and v2ray can run here; else
    (None, what is missing) for a skip. It needs python3-grpcio (/usr/bin/python3)."""
    sys.path.insert(0, os.path.join(SERVERS_DIR, "v2ray"))
    try:
        import v2ray_core
    except ImportError as e:
        return None, f"v2ray_core.py cannot be imported: {e}"
    if not shutil.which("v2ray"):
        return None, "v2ray is not installed"
    return v2ray_core, ""


class PanelProcess:
    """A fake VPN panel (tests/servers/<kind>/fake_<kind>.py) as a child of the test, on an
    ephemeral port: `info` is what it wrote to its ready file (url, port, ...)."""

    def __init__(self, script, ready, *args, what="the fake panel"):
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", script, "--port", "0", "--ready-file", ready, *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: os.path.exists(ready) or self.proc.poll() is not None, 30, what=what)
        if not os.path.exists(ready):
            raise AssertionError(f"{what} did not start")
        with open(ready) as f:
            self.info = json.load(f)
        self.url, self.port = self.info["url"], self.info["port"]

    def requests(self):
        """{"METHOD /route": count} of the API requests the panel answered (/_control/requests)."""
        with urllib.request.urlopen(self.url + "/_control/requests", timeout=5) as r:
            return json.loads(r.read().decode())

    def stop(self):
        end_process(self.proc, 10)


FAKE_TELEGRAM = os.environ.get("VPNHUB_FAKE_TELEGRAM", "")
BOT_TOKEN = "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


class FakeTelegram:
    """The fake Bot API executable (tests/servers), driven over its /control/ routes."""

    def __init__(self, token=BOT_TOKEN):
        self.proc = subprocess.Popen([FAKE_TELEGRAM, "--port", "0", "--token", token],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) < 2 or line[0] != "listening":
            raise AssertionError(f"fake_telegram did not start: {line}")
        self.port = int(line[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def control(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/control/" + path, data=data,
                                     method="POST" if data is not None else "GET",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read().decode() or "null")

    def message(self, user_id, text, lang="en"):
        return self.control("message", {"user_id": user_id, "text": text, "lang": lang})

    def callback(self, user_id, data, message_id=1):
        return self.control("callback", {"user_id": user_id, "data": data,
                                         "message_id": message_id})

    def calls(self, method=None):
        return self.control("calls" + (f"?method={method}" if method else ""))

    def to_chat(self, chat_id):
        return [c for c in self.calls() if c.get("chat_id") == chat_id
                and c["method"] in ("sendMessage", "sendPhoto", "editMessageText")
                and c.get("status") == 200]

    def wait_for(self, chat_id, predicate, what, timeout=10):
        """The first message to `chat_id` that satisfies `predicate`, waited for."""
        return wait_until(lambda: next((c for c in self.to_chat(chat_id) if predicate(c)), None),
                          timeout, what=what)

    # Telegram Stars (fake_telegram_payments.cpp). An order id travels as the invoice payload.

    def pre_checkout(self, user_id, payload, total_amount, currency="XTR", lang="en",
                     queue=True):
        """A pre_checkout_query as Telegram sends it, queued for getUpdates (or, queue=False, only
        registered so that its answer is accepted: post the update to a webhook yourself). Returns
        the update; its query id is update["pre_checkout_query"]["id"]."""
        return self.control("pre_checkout", {
            "user_id": user_id, "payload": str(payload), "total_amount": total_amount,
            "currency": currency, "lang": lang, "queue": queue})["update"]

    def successful_payment(self, user_id, payload, total_amount, charge_id="", currency="XTR",
                           queue=True):
        """A message with successful_payment as Telegram sends it after a payment (the same
        charge_id again = a redelivery of that payment). Returns the update; the charge id is
        update["message"]["successful_payment"]["telegram_payment_charge_id"]."""
        return self.control("successful_payment", {
            "user_id": user_id, "payload": str(payload), "total_amount": total_amount,
            "charge_id": charge_id, "currency": currency, "queue": queue})["update"]

    def push(self, update):
        """Queues an update object again as it is (Telegram redelivering it)."""
        return self.control("updates", update)["update_ids"][0]

    def pre_checkout_deadline(self, ms):
        self.control("pre_checkout_deadline", {"ms": ms})

    def pre_checkout_answers(self):
        """[{"query_id","user_id","ok","error_message","latency_ms","in_time","status"}]"""
        return self.control("pre_checkout_answers")

    def wait_for_pre_checkout_answer(self, query_id, timeout=10):
        return wait_until(lambda: next((a for a in self.pre_checkout_answers()
                                        if a["query_id"] == query_id), None),
                          timeout, what=f"the answer to pre_checkout_query {query_id}")

    def charges(self):
        """[{"charge_id","user_id","amount","payload","refunded"}]"""
        return self.control("charges")

    def invoices(self, chat_id=None):
        """The sendInvoice calls the fake accepted, oldest first."""
        return [c for c in self.calls("sendInvoice") if c.get("status") == 200
                and (chat_id is None or c.get("chat_id") == chat_id)]

    def stop(self):
        end_process(self.proc, 5)


class PayFake:
    """A fake payment provider (tests/servers/payments/fake_<name>.py) on an ephemeral port,
    driven over its /_control/ routes (fake_pay_base.py)."""

    def __init__(self, name, *args):
        script = os.path.join(os.path.dirname(__file__), "..", "servers", "payments",
                              f"fake_{name}.py")
        self.proc = subprocess.Popen([sys.executable, script, "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) < 2 or line[0] != "listening":
            raise AssertionError(f"fake_{name} did not start: {line} {self.proc.stderr.read()}")
        self.port = int(line[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def control(self, name, body=None):
        data = json.dumps(body if body is not None else {}).encode()
        req = urllib.request.Request(self.url + "/_control/" + name, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read().decode() or "null")

    def requests(self):
        with urllib.request.urlopen(self.url + "/_control/requests", timeout=5) as r:
            return json.loads(r.read().decode())

    def fail_next(self, status=500, times=1):
        """The next `times` API requests answer `status`."""
        return self.control("fail", {"status": status, "times": times})

    def stop(self):
        end_process(self.proc, 5)
        for pipe in (self.proc.stdout, self.proc.stderr):
            pipe.close()


def buttons(call):
    markup = call.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def choose_tariff(tg, person, months=1):
    """`person` walks /start, /buy, the first location and the `months` tariff on the fake Bot
    API `tg`; returns the tariff's callback data (p:<location>.<months>). The pay step follows."""
    tg.message(person, "/start")
    tg.wait_for(person, lambda c: True, "welcome")
    tg.message(person, "/buy")
    loc = tg.wait_for(person, lambda c: any(b.get("callback_data", "").startswith("b:")
                                            for b in buttons(c)), "buy locations")
    tg.callback(person, next(b["callback_data"] for b in buttons(loc)
                             if b["callback_data"].startswith("b:")))
    tariffs = tg.wait_for(person, lambda c: any(
        b.get("callback_data", "").startswith("p:") for b in buttons(c)), "tariffs")
    data = next(b["callback_data"] for b in buttons(tariffs)
                if b["callback_data"].endswith(f".{months}"))
    tg.callback(person, data)
    return data


PG_BIN = "/usr/lib/postgresql/15/bin"


class PgServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (initdb into a temporary folder). initdb and
    postgres refuse to run as root, so as root the cluster belongs to the `postgres` user."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vpnhub-e2e-pg-")
        self.data = os.path.join(self.dir, "data")
        self.as_user = []
        if os.geteuid() == 0:
            import pwd
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["/usr/sbin/runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", self.data, "-U", "vpnhub", "--auth=trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self.port = free_port()
        self.start()
        self.psql("CREATE DATABASE vpnhub", db="postgres")

    def _run(self, tool, *args, check=True):
        res = subprocess.run([*self.as_user, os.path.join(PG_BIN, tool), *args],
                             capture_output=True, text=True, timeout=60)
        if check and res.returncode != 0:
            raise AssertionError(f"{tool} failed: {res.stdout}\n{res.stderr}")
        return res

    @property
    def url(self):
        return f"postgresql://vpnhub@127.0.0.1:{self.port}/vpnhub"

    def start(self):
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", self.data, "-o", opts, "-l",
                  os.path.join(self.dir, "server.log"), "-w", "start")

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def psql(self, sql, db="vpnhub"):
        res = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "vpnhub",
                              "-d", db, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
                             capture_output=True, text=True, timeout=60)
        if res.returncode != 0:
            raise AssertionError(f"psql failed: {sql}\n{res.stderr}")
        return res.stdout.strip()

    def close(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def seed_active_keys(admin, pg, ss, count, port_from, expires_at_ms):
    """A location, a server on the fake ss-manager `ss` and `count` active keys (one person
    each, key n on port port_from + n) expiring at expires_at_ms: inserted in bulk into the
    PostgreSQL `pg`, as a years-old installation would hold them. `admin` runs the CLI.
    The keys exist in the database only: a hub that reconciles (RECONCILE_INTERVAL_SEC > 0)
    re-creates every one on `ss` first, so the tests using this run with RECONCILE_INTERVAL_SEC=0."""
    admin.cli("location", "add", "Amsterdam")
    admin.cli("server", "add", "--location", "Amsterdam", "--manager", ss.address,
              "--public-host", "127.0.0.1", "--ports",
              f"{port_from}-{port_from + count + 99}", "--capacity", str(count + 100))
    now_ms = int(time.time() * 1000)
    pg.psql(
        f"INSERT INTO users (tg_id, created_at) "
        f"SELECT 9000000 + g, {now_ms} FROM generate_series(0, {count - 1}) g")
    pg.psql(
        f"INSERT INTO keys (user_id, server_id, remote_name, slot, secret, state, expires_at,"
        f" created_at, updated_at) "
        f"SELECT u.id, 1, 'k' || (u.tg_id - 9000000), (u.tg_id - 9000000)::int, 'pw', "
        f"'active', {expires_at_ms}, {now_ms}, {now_ms} FROM users u")


class FakeSsManager:
    """Speaks ss-manager's UDP protocol (add, remove, list, ping) without starting an ss-server
    per port, and counts every call by port: for thousands of keys, where the real ss-manager
    would fork thousands of servers. Real ss-manager tests use SsManager."""

    def __init__(self):
        import threading
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.ports = {}  # port -> password
        self.adds = {}
        self.removes = {}
        # Switches for tests (off by default): answer "err" to every remove (counted in
        # `refused`, not in `removes`), and wait this long before answering a remove.
        self.refuse_removes = False
        self.refused = {}
        self.remove_delay = 0.0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def _serve(self):
        self.sock.settimeout(0.2)
        while self.running:
            try:
                data, peer = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            text = data.decode(errors="replace").strip()
            reply = "ok"
            with self.lock:
                if text.startswith("add:"):
                    body = json.loads(text[4:])
                    port = int(body["server_port"])
                    self.adds[port] = self.adds.get(port, 0) + 1
                    self.ports[port] = body.get("password", "")
                elif text.startswith("remove:"):
                    port = int(json.loads(text[7:])["server_port"])
                    if self.refuse_removes:
                        self.refused[port] = self.refused.get(port, 0) + 1
                        reply = "err"
                    else:
                        self.removes[port] = self.removes.get(port, 0) + 1
                        self.ports.pop(port, None)
                elif text == "ping":
                    reply = "pong"  # what the Python ss-manager answers: alive, no counters
                elif text == "list":
                    reply = json.dumps([{"server_port": str(p), "password": pw}
                                        for p, pw in self.ports.items()])
                else:
                    reply = "err"
            if self.remove_delay and text.startswith("remove:"):
                time.sleep(self.remove_delay)
            self.sock.sendto(reply.encode(), peer)

    def counts(self):
        with self.lock:
            return dict(self.adds), dict(self.removes), set(self.ports)

    def stop(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


NATS_SERVER = "/usr/sbin/nats-server"  # Debian 12's nats-server package


class NatsServer:
    """A real nats-server with JetStream on 127.0.0.1: a free client port, a monitoring port for
    the readiness poll, and a store folder of its own. stop() (SIGTERM) or kill() (SIGKILL) it,
    then start() it again on the same port and store, as after a restart."""

    _made = 0

    def __init__(self, name=None, port=None, cluster_args=(), start=True):
        NatsServer._made += 1
        self.dir = tempfile.mkdtemp(prefix="vpnhub-e2e-nats-")
        self.store = os.path.join(self.dir, "store")
        self.log_path = os.path.join(self.dir, "server.log")
        self.name = name or f"vpnhub_e2e_{os.getpid()}_{NatsServer._made}"
        self.port = port or free_port()
        self.monitor_port = free_port()
        self.cluster_args = list(cluster_args)
        self.proc = None
        if not start:
            return
        for attempt in range(3):  # a free port can be taken by someone else before we bind it
            try:
                self.start()
                return
            except AssertionError:
                if port or attempt == 2 or self.proc.poll() is None:
                    self.close()
                    raise
                self.kill()  # reaped; closes its log
                self.port, self.monitor_port = free_port(), free_port()

    @property
    def url(self):
        return f"nats://127.0.0.1:{self.port}"

    def spawn(self):
        """Starts the process without waiting for it to be ready."""
        if self.proc is not None and self.proc.poll() is None:
            raise AssertionError(f"nats-server {self.name} is already running")
        self._log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [NATS_SERVER, "-js", "-sd", self.store, "-a", "127.0.0.1", "-p", str(self.port),
             "-m", str(self.monitor_port), "--server_name", self.name, *self.cluster_args],
            stdout=self._log, stderr=self._log, stdin=subprocess.DEVNULL)

    def start(self, timeout=20):
        self.spawn()
        self.wait_ready(timeout)

    def monitor(self, path, timeout=1.0):
        """(status, parsed JSON or text) of a monitoring endpoint; (None, None) when down."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.monitor_port}{path}",
                                        timeout=timeout) as r:
                body = r.read().decode()
                status = r.status
        except urllib.error.HTTPError as e:
            body, status = e.read().decode(), e.code
        except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
            return None, None
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body

    def healthy(self):
        """/healthz 200: the client port is open and JetStream is up (in a cluster: the node
        is current with the meta leader and its streams)."""
        if self.proc is None or self.proc.poll() is not None:
            raise AssertionError(f"nats-server {self.name} exited with "
                                 f"{self.proc.returncode if self.proc else None}; log:\n"
                                 + self.log_tail())
        return self.monitor("/healthz")[0] == 200

    def wait_ready(self, timeout=20):
        wait_until(self.healthy, timeout, interval=0.05, what=f"nats-server {self.name} healthy")

    def log_tail(self, chars=3000):
        try:
            with open(self.log_path) as f:
                return f.read()[-chars:]
        except OSError:
            return ""

    def jsz(self):
        """The /jsz report with stream and consumer details (None when down)."""
        return self.monitor("/jsz?streams=true&consumers=true&config=true")[1]

    def stream(self, name="VPNHUB_TASKS"):
        """The /jsz detail of one stream ({} when unknown): state, cluster (leader), ..."""
        report = self.jsz() or {}
        for account in report.get("account_details") or []:
            for stream in account.get("stream_detail") or []:
                if stream.get("name") == name:
                    return stream
        return {}

    def _end(self, sig):
        end_process(self.proc, 10, sig)
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None

    def stop(self):
        """SIGTERM: a clean shutdown that keeps the store."""
        self._end(signal.SIGTERM)

    def kill(self):
        """SIGKILL: a crash; the store stays as the process left it."""
        self._end(signal.SIGKILL)

    def close(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class NatsCluster:
    """Three (or `size`) routed nats-server nodes with JetStream, each with its own client,
    cluster and monitoring ports and store; ready once every node reports healthy (a JetStream
    meta leader is elected and each node is current)."""

    def __init__(self, size=3, timeout=30):
        name = f"vpnhub_e2e_cluster_{os.getpid()}_{NatsServer._made}"
        cluster_ports = [free_port() for _ in range(size)]
        self.nodes = []
        for i in range(size):
            routes = ",".join(f"nats://127.0.0.1:{p}" for j, p in enumerate(cluster_ports)
                              if j != i)
            self.nodes.append(NatsServer(
                name=f"{name}_n{i}", start=False,
                cluster_args=["--cluster_name", name,
                              "--cluster", f"nats://127.0.0.1:{cluster_ports[i]}",
                              "--routes", routes]))
        try:
            for node in self.nodes:  # together: none is healthy before a quorum is up
                node.spawn()
            for node in self.nodes:
                node.wait_ready(timeout)
        except BaseException:
            self.close()
            raise

    @property
    def urls(self):
        return [n.url for n in self.nodes]

    def alive(self):
        return [n for n in self.nodes if n.proc is not None and n.proc.poll() is None]

    def stream(self, name="VPNHUB_TASKS"):
        """The stream's /jsz detail as seen by a live node that knows it ({} when none)."""
        for node in self.alive():
            detail = node.stream(name)
            if detail:
                return detail
        return {}

    def node_named(self, server_name):
        for node in self.nodes:
            if node.name == server_name:
                return node
        return None

    def close(self):
        for node in self.nodes:
            node.close()
