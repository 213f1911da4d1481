"""The remnawave kind end to end: the real binary against the fake Remnawave panel
(tests/servers/remnawave/fake_remnawave.py: the panel's REST API with a bearer token and its
proxy-check, backed by a real v2ray through tests/servers/v2ray/v2ray_core.py). `server add --kind
remnawave` probes the token and the squads before saving and never prints the token; a trial from
the bot (fake Bot API) arrives as the user's subscription URL, whose vless:// link carries an HTTP
fetch through v2ray until `key revoke`; with SUBSCRIPTION_BASE_URL set, the person's own
/sub/<token> lists the panel's links the worker stored at provisioning, one carries traffic, and
the fetch makes no panel call."""
import base64
import json
import os
import re
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

FAKE = os.path.join(harness.SERVERS_DIR, "remnawave", "fake_remnawave.py")
TOKEN = "eyJhbGciOiJIUzI1NiJ9.remnawave-e2e-token"
PROXY = {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https"}


class FakeRemnawave(harness.PanelProcess):
    """fake_remnawave.py as a child of the test."""

    def __init__(self, workdir, v2ray):
        self.dir = os.path.join(workdir, "panel")
        super().__init__(FAKE, os.path.join(workdir, "panel-ready.json"), "--state", self.dir,
                         "--token", TOKEN, *(() if v2ray else ("--no-v2ray",)),
                         what="the fake Remnawave panel")
        self.squads = self.info["squads"]

    def api(self, method, route, token=TOKEN):
        req = urllib.request.Request(self.url + route, method=method,
                                     headers={**PROXY, "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read().decode())["response"]

    def users(self):
        return self.api("GET", "/api/users?start=0&size=1000")["users"]


def subscription_links(url):
    req = urllib.request.Request(url, headers=PROXY)
    with urllib.request.urlopen(req, timeout=5) as r:
        return base64.b64decode(r.read()).decode().splitlines()


V2RAY_CORE, V2RAY_MISSING = harness.import_v2ray_core()
SUB_ENV = {"SUBSCRIPTION_BASE_URL": "https://sub.vpn.test",
           "SUBSCRIPTION_SIGNING_KEY": "remnawave-e2e-signing-key-0123456789abcdef"}
# What the hub calls on its own schedule (health pings, traffic polls), not on a fetch.
PERIODIC = ("GET /api/internal-squads", "GET /api/users")


def on_demand(counts):
    return {k: v for k, v in counts.items() if k not in PERIODIC}


class RemnawaveTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        # The panel's API alone, except for the test that carries traffic through its v2ray.
        v2ray = self._testMethodName.startswith("test_a_trial")
        if v2ray and V2RAY_MISSING:
            self.skipTest(f"skipped: {V2RAY_MISSING}")
        self.panel = self.stop_after(FakeRemnawave(self.dir, v2ray))
        self.hub = harness.Vpnhub(self.dir, LIMIT_GB=2, VPN_CALL_TIMEOUT_MS=3000)
        self.hub.cli("location", "add", "Amsterdam")

    def add(self, *flags, check=True):
        return self.hub.cli("server", "add", "--location", "Amsterdam", "--kind", "remnawave",
                            "--capacity", "5", "--api-url", self.panel.url, *flags, check=check)

    def test_help_shows_the_remnawave_flags(self):
        out = self.hub.cli("server", "add", "--kind", "remnawave", "--help").stdout
        self.assertIn("remnawave: a Remnawave panel's REST API", out)
        for flag in ("--api-url", "--token", "--squad"):
            self.assertIn(flag, out)

    def test_the_probe_refuses_a_wrong_token_or_squad_and_saves_nothing(self):
        res = self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                             "remnawave", "--capacity", "5", "--api-url", self.panel.url,
                             "--token", "wrong-token-123", "--squad",
                             self.panel.squads["Default-Squad"],
                             says=["cannot add server", "HTTP 401"])
        self.assertNotIn("wrong-token-123", res.stderr + res.stdout)
        res = self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                             "remnawave", "--capacity", "5", "--api-url", self.panel.url,
                             "--token", TOKEN, "--squad", "00000000-0000-4000-8000-000000000000",
                             says=["no internal squad 00000000-0000-4000-8000-000000000000"])
        self.assertNotIn(TOKEN, res.stderr + res.stdout)
        # Two squads on the panel and none given: which one is the operator's choice.
        self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                       "remnawave", "--capacity", "5", "--api-url", self.panel.url, "--token",
                       TOKEN, says=["give --squad"])
        self.cli_exits(self.hub, 2, "server", "add", "--location", "Amsterdam", "--kind",
                       "remnawave", "--capacity", "5", "--api-url", self.panel.url, "--token",
                       TOKEN, "--squad", "nope", says=["--squad"])
        self.assertEqual(self.hub.cli_json("server", "list"), [])
        # --squad is repeatable: both squads are the server's.
        squads = [self.panel.squads["Default-Squad"], self.panel.squads["VLESS-TCP"]]
        self.add("--token", TOKEN, "--squad", squads[0], "--squad", squads[1])
        self.hub.cli("key", "create", "--user", "5", "--location", "Amsterdam", "--days", "3")
        self.assertEqual([s["uuid"] for s in self.panel.users()[0]["activeInternalSquads"]],
                         squads)

    def test_a_trial_from_the_bot_is_a_subscription_that_carries_traffic_until_revoked(self):
        core = V2RAY_CORE
        out = self.add("--token", TOKEN, "--squad", self.panel.squads["Default-Squad"]).stdout
        self.assertEqual(out.split("\t")[4], "127.0.0.1")  # the API URL's host
        listed = self.hub.cli("server", "list").stdout
        as_json = self.hub.cli("server", "list", "--json").stdout
        for shown in (out, listed, as_json):
            self.assertNotIn(TOKEN, shown)
        self.assertTrue(listed.rstrip("\n").endswith(f"api_host=127.0.0.1:{self.panel.port}"),
                        listed)

        bot = self.start_bot(VPN_CALL_TIMEOUT_MS=3000, LIMIT_GB=2, **SUB_ENV)
        tg, person = self.tg, 5551001
        self.ask_trial(person)
        sub_prefix = self.panel.url + "/api/sub/"
        msg = tg.wait_for(person, lambda c: sub_prefix in c.get("text", ""),
                          "the subscription URL", 20)
        sub_url = re.search(re.escape(sub_prefix) + r"[A-Za-z0-9_-]+", msg["text"]).group(0)

        # Two panel requests per key create (the user, then its links): no listing, no lookup.
        counts = self.panel.requests()
        self.assertEqual(counts.get("POST /api/users"), 1, counts)
        self.assertEqual(counts.get("GET /api/sub/{shortUuid}/info"), 1, counts)
        self.assertNotIn("GET /api/users", counts)
        self.assertNotIn("GET /api/users/by-username/{username}", counts)
        users = self.panel.users()
        self.assertEqual(len(users), 1, users)
        user = users[0]
        self.assertEqual(user["subscriptionUrl"], sub_url)
        self.assertTrue(user["username"].startswith(f"vpnhub-{person}-"), user["username"])
        self.assertEqual(user["telegramId"], person)
        self.assertEqual(user["trafficLimitBytes"], 2 << 30)  # LIMIT_GB
        self.assertEqual([s["uuid"] for s in user["activeInternalSquads"]],
                         [self.panel.squads["Default-Squad"]])

        links = subscription_links(sub_url)
        vless = [link for link in links if link.startswith("vless://")]
        self.assertTrue(vless, links)
        parsed = core.parse_link(vless[0])
        self.assertEqual(parsed["id"], user["vlessUuid"])
        page = core.PageServer()
        self.addCleanup(page.stop)
        ok, text = core.fetch_through_link(vless[0], page.url)
        self.assertTrue(ok, text)
        self.assertIn(page.body, text)

        # The person's own subscription lists the same links (their names are ours), from what
        # the worker stored: neither fetch (a cache miss, then a hit) calls the panel.
        ours = self.own_subscription(bot, person, SUB_ENV["SUBSCRIPTION_BASE_URL"],
                                     lambda: on_demand(self.panel.requests()))
        self.assertEqual(sorted(link.split("#")[0] for link in ours),
                         sorted(link.split("#")[0] for link in links), ours)
        our_vless = [link for link in ours if link.startswith("vless://")]
        ok, text = core.fetch_through_link(our_vless[0], page.url)
        self.assertTrue(ok, text)
        self.assertIn(page.body, text)

        key = next(k for k in self.hub.cli_json("key", "list") if k["state"] == "active")
        # A renewal reaches the panel (task sync_key -> PATCH /api/users).
        before = user["expireAt"]
        self.hub.cli("key", "extend", str(key["id"]), "--days", "30")
        harness.wait_until(lambda: self.panel.users()[0]["expireAt"] != before, 15,
                           what="the new expiry on the panel")
        def seconds(text):  # "2027-01-06T19:25:04.409Z", milliseconds dropped
            return harness.iso_seconds(text.split(".")[0] + "Z")
        self.assertEqual(seconds(self.panel.users()[0]["expireAt"]) - seconds(before), 30 * 86400)

        res = self.hub.cli("key", "revoke", str(key["id"]))
        self.assertEqual(res.stdout, f"{key['id']}\trevoked\n")
        harness.wait_until(lambda: self.panel.users() == [], 10, what="the user deleted")
        ok, text = core.fetch_through_link(vless[0], page.url, timeout=5)
        self.assertFalse(ok, text)
        with open(bot.log_path) as f:
            self.assertNotIn(TOKEN, f.read())  # nor in the service's log


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
