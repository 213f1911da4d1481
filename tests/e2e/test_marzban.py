"""The marzban kind end to end: the real binary against the fake Marzban panel
(tests/servers/marzban/fake_marzban.py: Marzban's REST API backed by a real v2ray,
tests/servers/v2ray/v2ray_core.py). `server add --kind marzban` logs in and checks the chosen
inbounds before saving, and never prints the password; a trial from the bot (fake Bot API) is
delivered as the panel's subscription URL made absolute; the subscription (base64 of the links,
as Marzban serves it to v2ray clients) holds a vless:// link that carries an HTTP fetch through a
real v2ray client until `key revoke`; with SUBSCRIPTION_BASE_URL set, the person's own
/sub/<token> lists the links the worker stored when it made the user, one carries traffic, and
the fetch makes no panel call."""
import base64
import json
import os
import re
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

FAKE = os.path.join(harness.SERVERS_DIR, "marzban", "fake_marzban.py")
PASSWORD = "S3cret-Marz-Pw"
v2ray_core, MISSING = harness.import_v2ray_core()
SUB_ENV = {"SUBSCRIPTION_BASE_URL": "https://sub.vpn.test",
           "SUBSCRIPTION_SIGNING_KEY": "marzban-e2e-signing-key-0123456789abcdef"}
# What the hub calls on its own schedule (health pings, traffic polls, their logins).
PERIODIC = ("GET /api/admin", "GET /api/users", "POST /api/admin/token")


def on_demand(counts):
    return {k: v for k, v in counts.items() if k not in PERIODIC}


class FakeMarzban(harness.PanelProcess):
    """fake_marzban.py as a child of the test."""

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "marzban")
        super().__init__(FAKE, os.path.join(workdir, "marzban-ready.json"), "--state", self.dir,
                         "--username", "admin", "--password", PASSWORD,
                         what="the fake Marzban panel")

    def api(self, method, path):
        form = b"username=admin&password=" + PASSWORD.encode()
        with urllib.request.urlopen(self.url + "/api/admin/token", data=form, timeout=5) as r:
            token = json.load(r)["access_token"]
        req = urllib.request.Request(self.url + path, method=method,
                                     headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def users(self):
        status, body = self.api("GET", "/api/users")
        assert status == 200, (status, body)
        return body["users"]


def subscription_links(url):
    """The links of a subscription URL as a v2ray client reads them: base64, one a line."""
    with urllib.request.urlopen(url, timeout=5) as r:
        return base64.b64decode(r.read()).decode().splitlines()


@unittest.skipIf(MISSING, f"skipped: {MISSING}")
class MarzbanTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.marzban = self.stop_after(FakeMarzban(self.dir))
        self.hub = harness.Vpnhub(self.dir, LIMIT_GB=2, VPN_CALL_TIMEOUT_MS=3000)
        self.hub.cli("location", "add", "Amsterdam")

    def add(self, *flags, check=True):
        return self.hub.cli("server", "add", "--location", "Amsterdam", "--kind", "marzban",
                            "--capacity", "5", "--api-url", self.marzban.url, "--username",
                            "admin", *flags, check=check)

    def test_help_shows_the_marzban_flags(self):
        out = self.hub.cli("server", "add", "--kind", "marzban", "--help").stdout
        self.assertIn("Add a VPN server (marzban: a Marzban panel's REST API)", out)
        for flag in ("--api-url", "--username", "--password", "--inbound", "--sub-url-base"):
            self.assertIn(flag, out)
        self.assertRegex(out, r"--public-host TEXT +Host name")  # not REQUIRED: from the URL

    def test_the_probe_refuses_a_wrong_password_or_inbound_and_saves_nothing(self):
        res = self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                             "marzban", "--capacity", "5", "--api-url", self.marzban.url,
                             "--username", "admin", "--password", "Wrong-Pw-123",
                             says=["cannot add server", "refused the username or password"])
        self.assertNotIn("Wrong-Pw-123", res.stdout + res.stderr)
        res = self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                             "marzban", "--capacity", "5", "--api-url", self.marzban.url,
                             "--username", "admin", "--password", PASSWORD, "--inbound",
                             "VLESS TCP", "--inbound", "VMess WS",
                             says=["cannot add server", 'no inbound "VMess WS"'])
        self.assertNotIn(PASSWORD, res.stdout + res.stderr)
        closed = harness.free_port()
        self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                       "marzban", "--capacity", "5", "--api-url", f"http://127.0.0.1:{closed}",
                       "--username", "admin", "--password", PASSWORD, says=["cannot add server"])
        self.assertEqual(self.hub.cli_json("server", "list"), [])

    def test_a_key_from_the_cli_is_the_subscription_and_the_password_is_never_printed(self):
        res = self.add("--password", PASSWORD, "--inbound", "VLESS TCP", "--inbound",
                       "Trojan TLS")
        row = res.stdout.rstrip("\n").split("\t")
        self.assertEqual(row[2:5], ["Amsterdam", "marzban", "127.0.0.1"])
        listed = self.hub.cli("server", "list").stdout
        as_json = self.hub.cli("server", "list", "--json").stdout
        for shown in (res.stdout, res.stderr, listed, as_json):
            self.assertNotIn(PASSWORD, shown)
        port = self.marzban.url.rsplit(":", 1)[1]
        self.assertTrue(listed.rstrip("\n").endswith(f"api_host=127.0.0.1:{port}"), listed)

        before = self.marzban.requests()
        out = self.hub.cli("key", "create", "--user", "5", "--location", "Amsterdam", "--days",
                           "30").stdout.splitlines()
        key_id, link = int(out[0].split("\t")[0]), out[1]
        key = self.hub.key(key_id)
        self.assertEqual(key["state"], "active")
        users = self.marzban.users()
        self.assertEqual(len(users), 1, users)
        user = users[0]
        self.assertEqual(user["username"], key["remote_name"].replace("-", "_").lower())
        self.assertEqual(link, self.marzban.url + user["subscription_url"])
        self.assertEqual(user["data_limit"], 2 << 30)
        self.assertAlmostEqual(user["expire"], time.time() + 30 * 86400, delta=120)
        self.assertEqual(user["inbounds"], {"vless": ["VLESS TCP"], "trojan": ["Trojan TLS"]})
        after = self.marzban.requests()
        creates = after.get("POST /api/user", 0) - before.get("POST /api/user", 0)
        self.assertEqual(creates, 1)
        self.assertEqual(after.get("GET /api/user/{username}", 0),
                         before.get("GET /api/user/{username}", 0),
                         "the delivery reuses what the create answered")
        links = subscription_links(link)
        self.assertEqual(sorted(l.split("://")[0] for l in links), ["trojan", "vless"])

        res = self.hub.cli("key", "revoke", str(key_id))
        self.assertEqual(res.stdout, f"{key_id}\trevoked\n")
        self.assertEqual(self.marzban.users(), [])

    def test_a_trial_from_the_bot_carries_traffic_through_v2ray_until_revoked(self):
        self.add("--password", PASSWORD, "--inbound", "VLESS TCP")
        bot = self.start_bot(VPN_CALL_TIMEOUT_MS=3000, **SUB_ENV)
        tg, person = self.tg, 5551001
        self.ask_trial(person)
        sub = re.escape(self.marzban.url) + r"/sub/[A-Za-z0-9_-]+"
        msg = tg.wait_for(person, lambda c: re.search(sub, c.get("text", "")), "the link", 20)
        url = re.search(sub, msg["text"]).group(0)
        users = self.marzban.users()
        self.assertEqual(len(users), 1, users)
        self.assertEqual(url, self.marzban.url + users[0]["subscription_url"])

        vless = [l for l in subscription_links(url) if l.startswith("vless://")]
        self.assertEqual(len(vless), 1, vless)
        parsed = v2ray_core.parse_link(vless[0])
        self.assertEqual(parsed["id"], users[0]["proxies"]["vless"]["id"])
        page = self.stop_after(v2ray_core.PageServer())
        ok, text = v2ray_core.fetch_through_link(vless[0], page.url)
        self.assertTrue(ok, text)
        self.assertEqual(text, page.body)

        # The person's own subscription lists the panel's links (their names are ours) from what
        # the worker stored: neither fetch (a cache miss, then a hit) calls the panel.
        ours = self.own_subscription(bot, person, SUB_ENV["SUBSCRIPTION_BASE_URL"],
                                     lambda: on_demand(self.marzban.requests()))
        self.assertEqual([link.split("#")[0] for link in ours], [vless[0].split("#")[0]], ours)
        ok, text = v2ray_core.fetch_through_link(ours[0], page.url)
        self.assertTrue(ok, text)
        self.assertEqual(text, page.body)

        key_id = self.hub.cli_json("key", "list")[0]["id"]
        bot.cli("key", "revoke", str(key_id))
        self.assertEqual(self.marzban.users(), [])
        ok, text = v2ray_core.fetch_through_link(vless[0], page.url, timeout=5)
        self.assertFalse(ok, text)
        with self.assertRaises(urllib.error.HTTPError) as gone:
            subscription_links(url)
        self.assertEqual(gone.exception.code, 404)
        with open(bot.log_path) as f:
            log = f.read()
        self.assertNotIn(PASSWORD, log)
        self.assertNotIn("Bearer", log)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
