"""The amneziawg kind end to end: `vpnhub server add --kind amneziawg` against the fake
amnezia-wg-easy (tests/servers/amneziawg/fake_awg_easy.py) backed by a real wireguard-go
interface in a server network namespace; `key create`, then the delivered .conf minus its
AmneziaWG lines (plain WireGuard does not take them) brought up with wireguard-go in a client
namespace carries an HTTP fetch through the tunnel; after `key revoke` the fetch stops.

Needs root, `ip netns`, wireguard-go, wg and curl (scripts/setup.sh installs them); elsewhere the
tunnel test is skipped with "skipped: needs root and ip netns". The fake's API runs on loopback in
the test's own namespace (wireguard-go's UAPI sockets in /var/run/wireguard/ are reachable from
every namespace), the tunnel only between the two namespaces the test makes and deletes.
"""
import os
import random
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "servers", "amneziawg",
                    "fake_awg_easy.py")
PASSWORD = "awg-admin-pw"
# The AmneziaWG-only [Interface] keys (formats/awg_conf.hpp).
AWG_KEYS = {"Jc", "Jmin", "Jmax", "S1", "S2", "S3", "S4", "H1", "H2", "H3", "H4",
            "I1", "I2", "I3", "I4", "I5"}
# The obfuscation parameters the fake is started with, and the lines the .conf must carry.
PARAMS = [("Jc", "4"), ("Jmin", "40"), ("Jmax", "70"), ("S1", "25"), ("S2", "72"),
          ("H1", "1234567891"), ("H2", "1234567892"), ("H3", "1234567893"), ("H4", "1234567894")]


def key_of(line):
    return line.split("=", 1)[0].strip() if "=" in line else ""


def run(*args, check=True, timeout=20):
    res = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check and res.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {res.returncode}: {res.stderr}")
    return res


def netns_missing():
    """Why the tunnel test cannot run here, or None."""
    if os.geteuid() != 0:
        return "not root"
    for tool in ("ip", "wireguard-go", "wg", "curl"):
        if shutil.which(tool) is None:
            return f"no {tool}"
    name = f"vhprobe{random.randrange(1 << 20):x}"
    if subprocess.run(["ip", "netns", "add", name], capture_output=True).returncode != 0:
        return "ip netns add fails"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


class FakeAwgEasy:
    """The fake amnezia-wg-easy as a child process; stop() ends it."""

    def __init__(self, workdir, *args):
        self.log_path = os.path.join(workdir, "fake_awg_easy.log")
        self.log = open(self.log_path, "w")
        params = [a for name, value in PARAMS for a in (f"--{name.lower()}", value)]
        self.proc = subprocess.Popen(["/usr/bin/python3", FAKE, "--password", PASSWORD, *params,
                                      *args], stdout=self.log, stderr=self.log)
        text = harness.wait_until(lambda: "\n" in self.read_log().partition("listening ")[2]
                                  and self.read_log(), 10, what="fake listening")
        self.port = int(text.split("listening ", 1)[1].split()[0])
        self.url = f"http://127.0.0.1:{self.port}"

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        harness.end_process(self.proc, 5)
        self.log.close()


class AmneziaWgCliTest(harness.HubTestCase):
    """server add without root: the probe before saving, the password kept secret."""

    def test_server_add_probes_the_api_and_hides_the_password(self):
        fake = self.stop_after(FakeAwgEasy(self.dir))
        hub = harness.Vpnhub(self.dir)
        hub.cli("location", "add", "Oslo")
        self.cli_exits(hub, 1, "server", "add", "--kind", "amneziawg", "--location", "Oslo",
                       "--api-url", fake.url, "--password", "wrong", "--capacity", "5",
                       says=("cannot add server", "refused the password"))
        self.assertEqual(hub.cli_json("server", "list"), [])
        hub.cli("server", "add", "--kind", "amneziawg", "--location", "Oslo", "--api-url",
                fake.url + "/", "--password", PASSWORD, "--capacity", "5")
        listed = hub.cli("server", "list").stdout
        self.assertIn(f"api_url={fake.url}", listed)
        self.assertNotIn(PASSWORD, listed)
        servers = hub.cli_json("server", "list")
        self.assertNotIn(PASSWORD, str(servers))
        self.assertEqual(servers[0]["public_host"], "127.0.0.1")  # from the API URL
        help_text = hub.cli("server", "add", "--kind", "amneziawg", "--help").stdout
        self.assertIn("--api-url", help_text)
        self.assertIn("--password", help_text)


class AmneziaWgTunnelTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        why = netns_missing()
        if why:
            print(f"skipped: needs root and ip netns ({why})", file=sys.stderr)
            self.skipTest(f"skipped: needs root and ip netns ({why})")
        tag = f"{random.randrange(1 << 24):06x}"
        self.ns_srv, self.ns_cli = f"vhawgs{tag}", f"vhawgc{tag}"
        self.if_srv, self.if_cli = f"awgs{tag}", f"awgc{tag}"  # unique: UAPI sockets are global
        octet = random.randrange(1, 250)
        self.underlay_srv, self.underlay_cli = f"10.213.{octet}.1", f"10.213.{octet}.2"
        for ns in (self.ns_srv, self.ns_cli):
            run("ip", "netns", "add", ns)
            self.addCleanup(run, "ip", "netns", "del", ns, check=False)
        veth_srv, veth_cli = f"vs{tag}", f"vc{tag}"
        run("ip", "link", "add", veth_srv, "netns", self.ns_srv, "type", "veth", "peer", "name",
            veth_cli, "netns", self.ns_cli)
        for ns, dev, addr in ((self.ns_srv, veth_srv, self.underlay_srv),
                              (self.ns_cli, veth_cli, self.underlay_cli)):
            self.in_ns(ns, "ip", "addr", "add", f"{addr}/24", "dev", dev)
            self.in_ns(ns, "ip", "link", "set", dev, "up")
            self.in_ns(ns, "ip", "link", "set", "lo", "up")

    def in_ns(self, ns, *args, check=True, timeout=20):
        return run("ip", "netns", "exec", ns, *args, check=check, timeout=timeout)

    def wireguard_go(self, ns, ifname):
        """wireguard-go in the foreground (the test owns its pid) until the test ends."""
        log = open(os.path.join(self.dir, f"{ifname}.log"), "w")
        self.addCleanup(log.close)
        self.own_process(subprocess.Popen(["ip", "netns", "exec", ns, "wireguard-go", "-f",
                                           ifname], stdout=log, stderr=log))
        harness.wait_until(lambda: os.path.exists(f"/var/run/wireguard/{ifname}.sock"), 10,
                           what=f"{ifname} UAPI socket")

    def fetch(self, url):
        """(curl's exit code, body) of `url` from the client namespace."""
        res = self.in_ns(self.ns_cli, "curl", "-s", "--max-time", "2", url, check=False,
                         timeout=10)
        return res.returncode, res.stdout

    def test_delivered_conf_carries_traffic_until_revoked(self):
        # The server side: wireguard-go with its own key and port, as amnezia-wg-easy's host runs
        # it, its tunnel address 10.8.0.1 (the fake hands out 10.8.0.2..254), a web page behind it.
        self.wireguard_go(self.ns_srv, self.if_srv)
        key_file = os.path.join(self.dir, "server.key")
        with open(key_file, "w") as f:
            f.write(run("wg", "genkey").stdout)
        wg_port = random.randrange(40000, 50000)
        self.in_ns(self.ns_srv, "wg", "set", self.if_srv, "listen-port", str(wg_port),
                   "private-key", key_file)
        self.in_ns(self.ns_srv, "ip", "addr", "add", "10.8.0.1/24", "dev", self.if_srv)
        self.in_ns(self.ns_srv, "ip", "link", "set", self.if_srv, "up")
        www = os.path.join(self.dir, "www")
        os.makedirs(www)
        with open(os.path.join(www, "hello.txt"), "w") as f:
            f.write("hello-through-amneziawg\n")
        self.own_process(subprocess.Popen(
            ["ip", "netns", "exec", self.ns_srv, "/usr/bin/python3", "-m", "http.server", "8080",
             "--bind", "10.8.0.1", "--directory", www],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        harness.wait_until(lambda: self.in_ns(self.ns_srv, "curl", "-s", "--max-time", "1",
                                              "http://10.8.0.1:8080/hello.txt",
                                              check=False).returncode == 0,
                           10, what="the web page in the server namespace")

        fake = self.stop_after(FakeAwgEasy(
            self.dir, "--mode", "wg", "--wg-interface", self.if_srv, "--wg-host",
            self.underlay_srv, "--wg-port", str(wg_port)))

        # The hub: server add (the probe logs in and lists), key create.
        hub = harness.Vpnhub(self.dir, VPN_CALL_TIMEOUT_MS=5000, NAME="VPNHub")
        hub.cli("location", "add", "Oslo")
        hub.cli("server", "add", "--kind", "amneziawg", "--location", "Oslo", "--api-url",
                fake.url, "--password", PASSWORD, "--capacity", "5", "--public-host",
                self.underlay_srv)
        created = hub.cli("key", "create", "--user", "5", "--location", "Oslo", "--days", "1")
        key_id = int(created.stdout.split("\t", 1)[0])
        self.assertEqual(hub.key(key_id)["state"], "active")
        conf = hub.cli("key", "show", str(key_id), "--conf").stdout
        self.assertIn(conf, created.stdout)  # key create printed the same file

        # The AmneziaWG lines exactly as the server gives them, in its order.
        awg_lines = [line for line in conf.splitlines() if key_of(line) in AWG_KEYS]
        self.assertEqual(awg_lines, [f"{k} = {v}" for k, v in PARAMS])
        peers = run("wg", "show", self.if_srv, "peers").stdout.split()
        self.assertEqual(len(peers), 1)

        # The client: the .conf minus its AmneziaWG lines; wg setconf takes neither Address nor
        # DNS (wg-quick's), so the address is set with ip.
        plain = [line for line in conf.splitlines() if key_of(line) not in AWG_KEYS]
        address = next(line.split("=", 1)[1].strip() for line in plain
                       if key_of(line) == "Address")
        setconf = "\n".join(line for line in plain
                            if key_of(line) not in ("Address", "DNS", "MTU")) + "\n"
        conf_path = os.path.join(self.dir, "client.conf")
        with open(conf_path, "w") as f:
            f.write(setconf)
        self.wireguard_go(self.ns_cli, self.if_cli)
        self.in_ns(self.ns_cli, "wg", "setconf", self.if_cli, conf_path)
        self.in_ns(self.ns_cli, "ip", "addr", "add", address, "dev", self.if_cli)
        self.in_ns(self.ns_cli, "ip", "link", "set", self.if_cli, "up")

        url = "http://10.8.0.1:8080/hello.txt"
        harness.wait_until(lambda: self.fetch(url) == (0, "hello-through-amneziawg\n"), 15,
                           what="an HTTP fetch through the tunnel")

        # Revoked: the fake removes the peer from the interface; the fetch stops.
        self.assertIn("revoked", hub.cli("key", "revoke", str(key_id)).stdout)
        self.assertEqual(run("wg", "show", self.if_srv, "peers").stdout.split(), [])
        harness.wait_until(lambda: self.fetch(url)[0] != 0, 15,
                           what="the fetch to fail after key revoke")
        self.assertEqual(fake_clients(fake), [])


class AmneziaWgBotTest(harness.HubTestCase):
    """A person's trial on an amneziawg location arrives in the bot as the QR photo, then the
    .conf as a document carrying the server's AmneziaWG lines exactly."""

    def test_trial_arrives_as_the_servers_conf(self):
        if not harness.FAKE_TELEGRAM:
            self.skipTest("no fake_telegram binary given")
        fake = self.stop_after(FakeAwgEasy(self.dir))
        self.tg = self.stop_after(harness.FakeTelegram())
        hub = self.own_hub(harness.Vpnhub(
            self.dir, TG_TOKEN=harness.BOT_TOKEN, TELEGRAM_API_URL=self.tg.url,
            TELEGRAM_POLL_TIMEOUT_SEC=1, TRIAL_PERIOD=3600, NAME="VPNHub",
            VPN_CALL_TIMEOUT_MS=5000))
        hub.cli("location", "add", "Oslo")
        hub.cli("server", "add", "--kind", "amneziawg", "--location", "Oslo", "--api-url",
                fake.url, "--password", PASSWORD, "--capacity", "5")
        hub.start()
        person = 5551001
        self.tg.message(person, "/trial")
        choice = self.tg.wait_for(person, lambda c: any(
            b.get("callback_data", "").startswith("t:") for b in harness.buttons(c)),
            "location buttons")
        data = next(b["callback_data"] for b in harness.buttons(choice)
                    if b.get("callback_data", "").startswith("t:"))
        self.tg.callback(person, data)
        doc = harness.wait_until(lambda: next(
            (c for c in self.tg.calls("sendDocument")
             if c.get("chat_id") == person and c.get("status") == 200), None),
            20, what="the .conf as a document")
        self.assertEqual(doc["document_name"], "VPNHub_Oslo.conf")
        conf = doc["document"]
        self.assertEqual([line for line in conf.splitlines() if key_of(line) in AWG_KEYS],
                         [f"{k} = {v}" for k, v in PARAMS])
        self.assertTrue(conf.startswith("[Interface]\nPrivateKey = "), conf[:40])
        photos = [c for c in self.tg.to_chat(person) if c["method"] == "sendPhoto"]
        self.assertEqual(len(photos), 1)
        self.assertLess(photos[0]["time_ms"], doc["time_ms"] + 1)
        self.assertEqual(len(fake_clients(fake)), 1)


def fake_clients(fake):
    """The fake's clients, through its API (a login of its own)."""
    import http.cookiejar
    import json
    import urllib.request
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    req = urllib.request.Request(fake.url + "/api/session", method="POST",
                                 data=json.dumps({"password": PASSWORD}).encode(),
                                 headers={"Content-Type": "application/json"})
    opener.open(req, timeout=5).read()
    return json.loads(opener.open(fake.url + "/api/wireguard/client", timeout=5).read())


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    harness.FAKE_TELEGRAM = sys.argv.pop(1)
    unittest.main()
