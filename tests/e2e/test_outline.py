"""The outline kind end to end: the real binary against the fake Outline server
(tests/servers/outline/fake_outline.py: Outline's management API over HTTPS with a self-signed
certificate, backed by a real ss-manager). `server add --kind outline` with the installer's JSON
line or with --api-url and --cert-sha256, probed before saving; `key create` prints Outline's
access URL, which carries an HTTP fetch through ss-local; `key revoke` removes the access key; a
trial from the bot (fake Bot API) is delivered as that access URL and its QR code."""
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "servers", "outline",
                    "fake_outline.py")
SECRET = "T3stS3cr3tPath"


class FakeOutline:
    """fake_outline.py as a child of the test."""

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "outline")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", FAKE, "--dir", self.dir, "--secret", SECRET],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError("the fake Outline server did not start")
        self.line = line.strip()
        info = json.loads(self.line)
        self.api_url, self.cert_sha256 = info["apiUrl"], info["certSha256"]
        self.port = int(self.api_url.rsplit(":", 1)[1].split("/", 1)[0])
        # The test's own client checks nothing: it talks to its own fake.
        self.tls = ssl.create_default_context()
        self.tls.check_hostname = False
        self.tls.verify_mode = ssl.CERT_NONE

    def api(self, method, route, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api_url + route, data=data, method=method)
        try:
            with urllib.request.urlopen(req, context=self.tls, timeout=5) as r:
                text = r.read().decode()
                return r.status, json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read().decode() or "null")

    def keys(self):
        status, body = self.api("GET", "/access-keys")
        assert status == 200, (status, body)
        return body["accessKeys"]

    def stop(self):
        harness.end_process(self.proc, 10)
        self.proc.stdout.close()


@unittest.skipUnless(shutil.which("ss-manager") and shutil.which("ss-local")
                     and shutil.which("openssl") and shutil.which("curl"),
                     "needs ss-manager, ss-local (shadowsocks-libev), openssl and curl")
class OutlineTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.outline = self.stop_after(FakeOutline(self.dir))
        # The fake is a Python process: a generous call deadline for a busy machine.
        self.hub = harness.Vpnhub(self.dir, LIMIT_GB=2, VPN_CALL_TIMEOUT_MS=3000)
        self.hub.cli("location", "add", "Amsterdam")

    def add(self, *flags, check=True):
        return self.hub.cli("server", "add", "--location", "Amsterdam", "--kind", "outline",
                            "--capacity", "5", *flags, check=check)

    def test_a_key_from_the_installers_line_carries_traffic_until_revoked(self):
        row = self.add("--outline-json", self.outline.line).stdout.rstrip("\n").split("\t")
        # The public host came from the server (hostnameForAccessKeys).
        self.assertEqual(row[2:5], ["Amsterdam", "outline", "127.0.0.1"])
        listed = self.hub.cli("server", "list").stdout
        self.assertTrue(listed.rstrip("\n").endswith(f"api_host=127.0.0.1:{self.outline.port}"),
                        listed)
        as_json = self.hub.cli("server", "list", "--json").stdout
        for shown in (listed, as_json):
            self.assertNotIn(SECRET, shown)  # the API's secret path is never printed

        out = self.hub.cli("key", "create", "--user", "5", "--location", "Amsterdam", "--days",
                           "30").stdout.splitlines()
        key_id = int(out[0].split("\t")[0])
        link = out[1]
        key = self.hub.key(key_id)
        self.assertEqual(key["state"], "active")
        self.assertEqual(key["link"], link)
        # One access key, named by the hub, with LIMIT_GB as its data limit; the link is its
        # accessUrl with the share name as fragment.
        keys = self.outline.keys()
        self.assertEqual(len(keys), 1, keys)
        self.assertEqual(keys[0]["name"], key["remote_name"])
        self.assertEqual(keys[0]["dataLimit"], {"bytes": 2 << 30})
        access_url, _, fragment = link.partition("#")
        self.assertEqual(access_url, keys[0]["accessUrl"])
        self.assertTrue(access_url.endswith("/?outline=1"), link)
        self.assertIn("Amsterdam", urllib.parse.unquote(fragment))

        http_port = self.serve_text("hello.txt", "hello-through-outline")
        self.assertEqual(self.fetch_through(link, http_port), (0, "hello-through-outline"))

        res = self.hub.cli("key", "revoke", str(key_id))
        self.assertEqual(res.stdout, f"{key_id}\trevoked\n")
        self.assertEqual(self.outline.keys(), [])
        port = keys[0]["port"]
        harness.wait_until(lambda: not harness.listening(port), 5, what="the key's port closed")
        code, body = self.fetch_through(link, http_port)
        self.assertNotEqual((code, body), (0, "hello-through-outline"))

    def test_the_separate_flags_work_too_and_the_forms_do_not_mix(self):
        res = self.add("--api-url", self.outline.api_url, "--cert-sha256",
                       self.outline.cert_sha256.lower(), "--public-host", "vpn.example.com")
        self.assertEqual(res.stdout.split("\t")[4], "vpn.example.com")  # given: kept

        self.cli_exits(self.hub, 2, "server", "add", "--location", "Amsterdam", "--kind",
                       "outline", "--capacity", "5", "--outline-json", self.outline.line,
                       "--api-url", self.outline.api_url,
                       says=["give either --outline-json or --api-url with --cert-sha256, "
                             "not both"])
        self.cli_exits(self.hub, 2, "server", "add", "--location", "Amsterdam", "--kind",
                       "outline", "--capacity", "5",
                       says=['outline setting "api_url" is required'])
        self.cli_exits(self.hub, 2, "server", "add", "--location", "Amsterdam", "--kind",
                       "outline", "--capacity", "5", "--api-url", self.outline.api_url,
                       says=['outline setting "cert_sha256" is required'])
        res = self.cli_exits(self.hub, 2, "server", "add", "--location", "Amsterdam", "--kind",
                             "outline", "--capacity", "5", "--outline-json", "{nope",
                             says=["--outline-json"])
        self.assertNotIn(SECRET, res.stderr)
        self.assertEqual(len(self.hub.cli_json("server", "list")), 1)

    def test_a_server_that_cannot_be_trusted_or_reached_is_not_saved(self):
        res = self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                             "outline", "--capacity", "5", "--api-url", self.outline.api_url,
                             "--cert-sha256", "AB" * 32,
                             says=["cannot add server", "does not match --cert-sha256"])
        self.assertNotIn(SECRET, res.stderr)
        res = self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                             "outline", "--capacity", "5", "--api-url",
                             self.outline.api_url.replace(SECRET, "WrongPath"), "--cert-sha256",
                             self.outline.cert_sha256, says=["HTTP 404"])
        self.assertNotIn("WrongPath", res.stderr)
        closed = harness.free_port()
        self.cli_exits(self.hub, 1, "server", "add", "--location", "Amsterdam", "--kind",
                       "outline", "--capacity", "5", "--api-url",
                       f"https://127.0.0.1:{closed}/{SECRET}", "--cert-sha256",
                       self.outline.cert_sha256, says=["does not answer"])
        self.assertEqual(self.hub.cli_json("server", "list"), [])

    def test_a_trial_from_the_bot_is_outlines_access_url(self):
        self.add("--outline-json", self.outline.line)
        self.start_bot(VPN_CALL_TIMEOUT_MS=3000)
        tg, person = self.tg, 5551001
        self.ask_trial(person)
        photo = tg.wait_for(person, lambda c: c["method"] == "sendPhoto", "QR photo", 15)
        self.assertGreater(photo["photo_size"], 100)
        link_msg = tg.wait_for(person, lambda c: "ss://" in c.get("text", ""), "the link")
        link = re.search(r"ss://[^\s<\"]+", link_msg["text"]).group(0).replace("&amp;", "&")
        keys = self.outline.keys()
        self.assertEqual(len(keys), 1, keys)
        self.assertEqual(link.partition("#")[0], keys[0]["accessUrl"])
        http_port = self.serve_text("hello.txt", "hello-from-the-bot")
        self.assertEqual(self.fetch_through(link, http_port), (0, "hello-from-the-bot"))

    def test_help_shows_the_outline_flags(self):
        out = self.hub.cli("server", "add", "--kind", "outline", "--help").stdout
        self.assertIn("Add a VPN server (outline: an Outline server's management API)", out)
        for flag in ("--api-url", "--cert-sha256", "--outline-json"):
            self.assertIn(flag, out)
        self.assertRegex(out, r"--public-host TEXT +Host name")  # not REQUIRED for outline
        self.assertRegex(self.hub.cli("server", "add", "--help").stdout,
                         r"--public-host TEXT REQUIRED")  # still required for shadowsocks


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
