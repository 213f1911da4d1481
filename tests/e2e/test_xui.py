"""The xui kind end to end: the real binary against the fake 3x-ui panel
(tests/servers/xui/fake_xui.py: 3x-ui's v2 cookie API or v3 clients resource, over a real v2ray
4.34). `server add --kind xui` probes the panel (login or token, the inbound) before saving and
never prints the credentials; a trial from the bot (fake Bot API) arrives as a vless:// link that
carries an HTTP fetch through a v2ray client built from it; a Trojan inbound likewise through
`key create`; after `key revoke` the fetch fails and the panel no longer holds the client."""
import json
import os
import re
import shutil
import sys
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "servers", "xui"))
import harness  # noqa: E402
import xui_support  # noqa: E402
from xui_support import FakeXui  # noqa: E402

try:
    import v2ray_core  # noqa: E402  (tests/servers/v2ray, through xui_support's sys.path)
except ImportError:  # no python3-grpcio: the class below is skipped
    v2ray_core = None

PASSWORD = "Pa55-word-never-shown"
TOKEN = "tok-0123456789abcdef-never-shown"
BASE = "/Xq7sSecretBase"
LINK_RE = re.compile(r"(?:vless|trojan|ss)://[^\s<\"]+")


@unittest.skipUnless(v2ray_core is not None and shutil.which("v2ray") and shutil.which("curl")
                     and shutil.which("openssl"),
                     "needs v2ray, python3-grpcio, curl and openssl")
class XuiTest(xui_support.PageMixin, harness.HubTestCase):
    def setUp(self):
        super().setUp()
        # The fake is a Python process: a generous call deadline for a busy machine.
        self.hub = harness.Vpnhub(self.dir, LIMIT_GB=3, VPN_CALL_TIMEOUT_MS=5000)
        self.hub.cli("location", "add", "Amsterdam")

    def panel(self, api, **kw):
        fake = FakeXui(api=api, password=PASSWORD, token=TOKEN if api == "v3" else "",
                       base_path=BASE, state=os.path.join(self.dir, "xui-" + api), **kw)
        self.addCleanup(fake.stop)
        return fake.start()

    def add(self, fake, inbound, *extra, check=True, url=None):
        creds = (("--token", TOKEN) if fake.api == "v3" else
                 ("--username", fake.username, "--password", PASSWORD))
        return self.hub.cli("server", "add", "--location", "Amsterdam", "--kind", "xui",
                            "--api-url", url or fake.url, *creds, "--inbound-id", str(inbound),
                            "--capacity", "5", *extra, check=check)

    def assert_no_secrets(self, *texts):
        for text in texts:
            for secret in (PASSWORD, TOKEN, BASE.strip("/")):
                self.assertNotIn(secret, text)

    def panel_emails(self, fake, inbound):
        c = fake.client(username=fake.username, password=PASSWORD,
                        token=TOKEN if fake.api == "v3" else None)
        if fake.api == "v2":
            c.login()
        ib = c.call("GET", "/inbounds/get/%d" % inbound)["obj"]
        return [x["email"] for x in json.loads(ib["settings"])["clients"]]

    def revoke(self, key_id):
        res = self.hub.cli("key", "revoke", str(key_id))
        self.assertEqual(res.stdout, "%d\trevoked\n" % key_id)

    # ---------------------------------------------------------------------------------------------

    def test_help_shows_the_xui_flags(self):
        out = self.hub.cli("server", "add", "--kind", "xui", "--help").stdout
        for flag in ("--api-url", "--username", "--password", "--token", "--inbound-id",
                     "--api"):
            self.assertRegex(out, r"(?m)^\s+%s\b" % re.escape(flag))
        self.assertRegex(out, r"--api-url TEXT:URL REQUIRED")
        self.assertRegex(out, r"--inbound-id TEXT:N REQUIRED")
        self.assertRegex(out, r"--public-host TEXT +Host name")  # not REQUIRED for xui

    def test_v2_probe_refuses_before_saving_and_credentials_are_never_printed(self):
        fake = self.panel("v2")
        res = self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                             "xui", "--api-url", fake.url, "--username", fake.username,
                             "--password", "wrong-" + PASSWORD, "--inbound-id", "1",
                             "--capacity", "5")
        self.assert_no_secrets(res.stdout, res.stderr)
        res = self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                             "xui", "--api-url", fake.url, "--username", fake.username,
                             "--password", PASSWORD, "--inbound-id", "99", "--capacity", "5")
        self.assertIn("99", res.stderr)
        self.assert_no_secrets(res.stdout, res.stderr)
        # A wrong base path: the panel answers 404 to everything.
        res = self.add(fake, 1, url=fake.root + "/WrongBase", check=False)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assert_no_secrets(res.stdout, res.stderr)
        closed = harness.free_port()
        res = self.add(fake, 1, url="http://127.0.0.1:%d%s" % (closed, BASE), check=False)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertEqual(self.hub.cli_json("server", "list"), [])
        logins = fake.requests().get("POST /login", 0)
        self.assertGreaterEqual(logins, 1)

        res = self.add(fake, 1)
        row = res.stdout.rstrip("\n").split("\t")
        self.assertEqual(row[2:5], ["Amsterdam", "xui", "127.0.0.1"])  # public host: the API's
        listed = self.hub.cli("server", "list").stdout
        as_json = self.hub.cli("server", "list", "--json").stdout
        self.assertIn("127.0.0.1:%d" % fake.port, listed)
        self.assert_no_secrets(res.stdout, res.stderr, listed, as_json)

    def test_v3_probe_refuses_a_wrong_token_and_an_unknown_inbound(self):
        fake = self.panel("v3")
        res = self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                             "xui", "--api-url", fake.url, "--token", "not-" + TOKEN,
                             "--inbound-id", "2", "--capacity", "5")
        self.assert_no_secrets(res.stdout, res.stderr)
        res = self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                             "xui", "--api-url", fake.url, "--token", TOKEN, "--inbound-id",
                             "42", "--capacity", "5")
        self.assert_no_secrets(res.stdout, res.stderr)
        self.assertEqual(self.hub.cli_json("server", "list"), [])
        res = self.add(fake, 2)
        listed = self.hub.cli("server", "list").stdout
        as_json = self.hub.cli("server", "list", "--json").stdout
        self.assert_no_secrets(res.stdout, res.stderr, listed, as_json)

    def start_health_quiet_bot(self, fake=None):
        """The bot with the health job probing once, at start (SERVER_CHECK_INTERVAL_SEC=3600);
        with `fake`, returns once that probe reached the panel, so that the requests counted after
        it are a key create's alone."""
        self.start_bot(LIMIT_GB=3, VPN_CALL_TIMEOUT_MS=5000, SERVER_CHECK_INTERVAL_SEC=3600)
        if fake is not None:
            harness.wait_until(
                lambda: fake.requests().get("GET /panel/api/inbounds/get/{id}", 0) >= 1, 20,
                what="the health job's first probe of the panel")

    def trial_link(self, scheme, person=5551001):
        """A trial from the bot: /trial, the location button; returns the delivered link."""
        if not hasattr(self, "tg"):
            self.start_health_quiet_bot()
        tg = self.tg
        self.ask_trial(person)
        photo = tg.wait_for(person, lambda c: c["method"] == "sendPhoto", "QR photo", 20)
        self.assertGreater(photo["photo_size"], 100)
        msg = tg.wait_for(person, lambda c: scheme + "://" in c.get("text", ""), "the link")
        return LINK_RE.search(msg["text"]).group(0).replace("&amp;", "&")

    def test_a_trial_in_the_bot_is_a_vless_link_that_carries_traffic_until_revoked(self):
        fake = self.panel("v2")
        self.add(fake, 2)  # VLESS over WebSocket with TLS (serverName vpn.test)
        self.start_health_quiet_bot(fake)
        before = fake.requests()
        link = self.trial_link("vless")
        after = fake.requests()
        parsed = v2ray_core.parse_link(link)
        self.assertEqual((parsed["host"], parsed["port"]),
                         ("127.0.0.1", fake.info["inbounds"]["2"]["port"]))
        self.assertEqual(parsed["params"].get("security"), "tls")
        self.assertEqual(parsed["params"].get("sni"), "vpn.test")
        self.assertEqual(parsed["params"].get("path"), "/vl")
        self.assert_carries(link)
        keys = self.hub.cli_json("key", "list")
        self.assertEqual(len(keys), 1, keys)
        key = keys[0]
        self.assertEqual(key["state"], "active")
        self.assertIn(key["remote_name"], self.panel_emails(fake, 2))
        # The key create took one addClient and at most one login (a cold session), no listing.
        calls = {r: n - before.get(r, 0) for r, n in after.items() if n > before.get(r, 0)}
        self.assertEqual(calls.get("POST /panel/api/inbounds/addClient"), 1, calls)
        self.assertLessEqual(sum(calls.values()), 2, calls)

        self.revoke(key["id"])
        self.assertNotIn(key["remote_name"], self.panel_emails(fake, 2))
        self.assert_refused(link)

        # The panel forgets its sessions (a restart with a new secret): the next call gets v2's
        # 404, the bot logs in once more and repeats the call once.
        fake.control("expire_sessions")
        before = fake.requests()
        link2 = self.trial_link("vless", person=5551002)
        calls = {r: n - before.get(r, 0) for r, n in fake.requests().items()
                 if n > before.get(r, 0)}
        self.assertEqual(calls, {"POST /login": 1, "POST /panel/api/inbounds/addClient": 2},
                         calls)
        self.assert_carries(link2)

    def test_a_trial_on_a_v3_panel_carries_traffic_until_revoked(self):
        fake = self.panel("v3")
        self.add(fake, 1)  # VLESS over TCP, no TLS
        link = self.trial_link("vless")
        self.assertEqual(v2ray_core.parse_link(link)["port"],
                         fake.info["inbounds"]["1"]["port"])
        self.assert_carries(link)
        key = self.hub.cli_json("key", "list")[0]
        self.revoke(key["id"])
        self.assertNotIn(key["remote_name"], self.panel_emails(fake, 1))
        self.assert_refused(link)

    def test_a_trojan_inbound_key_carries_traffic_until_revoked(self):
        for api in ("v2", "v3"):
            with self.subTest(api=api):
                fake = self.panel(api)
                location = "Trojan-" + api
                self.hub.cli("location", "add", location)
                self.hub.cli("server", "add", "--location", location, "--kind", "xui",
                             "--api-url", fake.url,
                             *(("--token", TOKEN) if api == "v3" else
                               ("--username", fake.username, "--password", PASSWORD)),
                             "--inbound-id", "4", "--capacity", "5")
                out = self.hub.cli("key", "create", "--user", "77", "--location", location,
                                   "--days", "30").stdout
                key_id = int(out.split("\t", 1)[0])
                link = LINK_RE.search(out).group(0)
                self.assertTrue(link.startswith("trojan://"), out)
                key = self.hub.key(key_id)
                self.assertEqual(key["state"], "active")
                self.assertEqual(key["link"], link)
                parsed = v2ray_core.parse_link(link)
                self.assertEqual(parsed["port"], fake.info["inbounds"]["4"]["port"])
                self.assertEqual(parsed["params"].get("sni"), "vpn.test")
                self.assert_carries(link)
                self.revoke(key_id)
                self.assertNotIn(key["remote_name"], self.panel_emails(fake, 4))
                self.assert_refused(link)

    def test_links_are_the_panels_own_for_every_inbound_kind(self):
        """3x-ui 3.x builds each client's share links itself (GET clients/links/{email}): the
        hub's link for the same client is that link, parsed, apart from the name, the empty
        parameters the panel writes (host=, authority=) and REALITY's spx (the panel derives one
        per client; the hub gives the inbound's spiderX)."""
        fake = self.panel("v3")
        api = fake.client(token=TOKEN)
        for inbound in (1, 2, 3, 4, 5, 6):
            with self.subTest(inbound=inbound):
                location = "In%d" % inbound
                self.hub.cli("location", "add", location)
                self.add_to(fake, location, inbound)
                out = self.hub.cli("key", "create", "--user", str(100 + inbound), "--location",
                                   location, "--days", "30").stdout
                key = self.hub.key(int(out.split("\t", 1)[0]))
                panel = api.call("GET", "/clients/links/" + key["remote_name"])["obj"]
                self.assertEqual(len(panel), 1, panel)
                ours, theirs = (v2ray_core.parse_link(x) for x in (key["link"], panel[0]))
                for p in (ours, theirs):
                    p.pop("name")
                    p["params"] = {k: v for k, v in p["params"].items() if v and k != "spx"}
                self.assertEqual(ours, theirs)

    def add_to(self, fake, location, inbound):
        creds = (("--token", TOKEN) if fake.api == "v3" else
                 ("--username", fake.username, "--password", PASSWORD))
        self.hub.cli("server", "add", "--location", location, "--kind", "xui", "--api-url",
                     fake.url, *creds, "--inbound-id", str(inbound), "--capacity", "5")


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
