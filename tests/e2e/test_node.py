"""`vpnhub node`: init's files and its one line for the hub, run's HTTPS API (pin, token), and the
API against a real wireguard-go interface in a network namespace (root only; skipped with a clear
message elsewhere)."""
import base64
import concurrent.futures
import json
import os
import re
import secrets
import signal
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
import node_harness as nh  # noqa: E402

LINE_RE = re.compile(r"^vpnhub server add --kind wireguard --node (https://\S+) "
                     r"--cert-sha256 ([0-9a-f]{64}) --token ([0-9a-f]{64})$")


def node_cli(workdir, *args, timeout=30):
    # No configuration at all: an empty environment (PATH only) in an empty folder.
    return subprocess.run([harness.BINARY, *args], cwd=workdir,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                          capture_output=True, text=True, timeout=timeout)


class NodeCliTest(harness.HubTestCase):
    def init(self, *extra, dir_name="node"):
        d = os.path.join(self.dir, dir_name)
        res = node_cli(self.dir, "node", "init", "--interface", "wg0", "--endpoint",
                       "vpn.example.com:51820", "--tunnel", "10.8.0.1/24", "--dir", d, *extra)
        return d, res

    def test_help_needs_no_configuration(self):
        for cmd in (["node"], ["node", "init"], ["node", "run"]):
            res = node_cli(self.dir, *cmd, "--help")
            self.assertEqual(res.returncode, 0, (cmd, res.stderr))
            self.assertIn("Usage: vpnhub " + " ".join(cmd), res.stdout)
            self.assertNotIn("Configuration (environment", res.stdout, cmd)
        self.assertIn("--tunnel", node_cli(self.dir, "node", "init", "--help").stdout)
        self.assertEqual(os.listdir(self.dir), [])

    def test_init_writes_the_files_and_prints_one_line_for_the_hub(self):
        d, res = self.init()
        self.assertEqual(res.returncode, 0, res.stderr)
        lines = res.stdout.splitlines()
        self.assertEqual(len(lines), 1, res.stdout)
        m = LINE_RE.match(lines[0])
        self.assertTrue(m, lines[0])
        url, sha, token = m.groups()
        # Listening on every address: the hub reaches the node at the endpoint's host.
        self.assertEqual(url, "https://vpn.example.com:8443")
        self.assertEqual(sha, nh.cert_sha256(os.path.join(d, "cert.pem")))
        with open(os.path.join(d, "token")) as f:
            self.assertEqual(f.read().strip(), token)
        for name, mode in (("key.pem", 0o600), ("token", 0o600), ("cert.pem", 0o644),
                           ("node.json", 0o644)):
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(d, name)).st_mode), mode, name)
        self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700)
        with open(os.path.join(d, "node.json")) as f:
            cfg = json.load(f)
        self.assertEqual(cfg, {"interface": "wg0", "endpoint": "vpn.example.com:51820",
                               "tunnel": "10.8.0.1/24", "listen": "0.0.0.0:8443"})
        self.assertIn("--location", res.stderr)
        self.assertIn("--capacity", res.stderr)
        cert = subprocess.run(["openssl", "x509", "-in", os.path.join(d, "cert.pem"), "-noout",
                               "-text"], capture_output=True, text=True, check=True).stdout
        self.assertIn("prime256v1", cert)
        dates = subprocess.run(["openssl", "x509", "-in", os.path.join(d, "cert.pem"), "-noout",
                                "-checkend", str(9 * 365 * 86400)], capture_output=True)
        self.assertEqual(dates.returncode, 0, "the certificate ends within 9 years")

    def test_init_refuses_to_replace_a_node_unless_forced(self):
        d, first = self.init()
        self.assertEqual(first.returncode, 0, first.stderr)
        d, again = self.init()
        self.assertEqual(again.returncode, 2)
        self.assertIn("--force", again.stderr)
        self.assertEqual(again.stdout, "")
        with open(os.path.join(d, "token")) as f:
            self.assertEqual(f.read().strip(), LINE_RE.match(first.stdout.strip()).group(3))
        d, forced = self.init("--force", "--listen", "127.0.0.1:9443")
        self.assertEqual(forced.returncode, 0, forced.stderr)
        m = LINE_RE.match(forced.stdout.strip())
        self.assertEqual(m.group(1), "https://127.0.0.1:9443")
        self.assertNotEqual(m.group(3), LINE_RE.match(first.stdout.strip()).group(3))

    def test_init_refuses_bad_values_and_writes_nothing(self):
        cases = [["--interface", "bad/name"], ["--endpoint", "no-port"],
                 ["--tunnel", "10.8.0.1"], ["--tunnel", "10.8.0.1/31"], ["--listen", "1.2.3.4"]]
        for i, bad in enumerate(cases):
            d = os.path.join(self.dir, f"bad{i}")
            args = {"--interface": "wg0", "--endpoint": "h:1", "--tunnel": "10.8.0.1/24"}
            args[bad[0]] = bad[1]
            flat = [x for kv in args.items() for x in kv]
            if bad[0] == "--listen":
                flat += bad
            res = node_cli(self.dir, "node", "init", *flat, "--dir", d)
            self.assertEqual(res.returncode, 2, (bad, res.stdout, res.stderr))
            self.assertEqual(res.stdout, "")
            self.assertFalse(os.path.exists(os.path.join(d, "node.json")), bad)

    def test_run_without_init_exits_2(self):
        res = node_cli(self.dir, "node", "run", "--dir", os.path.join(self.dir, "none"))
        self.assertEqual(res.returncode, 2)
        self.assertIn("node init", res.stderr)

    def test_run_serves_https_with_the_pinned_certificate_and_the_token(self):
        port = harness.free_port()
        d, res = self.init("--listen", f"127.0.0.1:{port}", "--uapi-socket",
                           os.path.join(self.dir, "absent.sock"))
        self.assertEqual(res.returncode, 0, res.stderr)
        _, sha, token = LINE_RE.match(res.stdout.strip()).groups()
        log = open(os.path.join(self.dir, "node.log"), "w")
        proc = self.own_process(subprocess.Popen([harness.BINARY, "node", "run", "--dir", d],
                                                 cwd=self.dir, stdout=log, stderr=log,
                                                 env={"PATH": os.environ["PATH"]}))
        harness.wait_until(lambda: harness.listening(port), 10, what="node run")
        client = nh.NodeClient("127.0.0.1", port, sha, token)
        # No interface behind the socket: 503, behind the token.
        status, body = client.call("GET", "/v1/server")
        self.assertEqual(status, 503, body)
        self.assertIn("error", body)
        self.assertEqual(client.call("GET", "/v1/server", token="0" * 64),
                         (401, {"error": "unauthorized"}))
        self.assertEqual(client.call("GET", "/v1/nothing"), (404, {"error": "not found"}))
        with self.assertRaises(nh.PinMismatch):
            nh.NodeClient("127.0.0.1", port, "0" * 64, token).call("GET", "/v1/server")
        client.close()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(10), 0)
        log.close()
        with open(os.path.join(self.dir, "node.log")) as f:
            text = f.read()
        self.assertIn("cannot be read yet", text)
        self.assertIn(sha, text)


@unittest.skipUnless(nh.wg_root_ready(), nh.SKIP_REASON)
class NodeWireguardTest(harness.HubTestCase):
    """The node API over a real wireguard-go interface, checked against `wg show`."""

    def setUp(self):
        super().setUp()
        try:
            self.wg = nh.WgNamespace(self.dir, address="10.77.0.1/24", listen_port=51820)
        except (subprocess.CalledProcessError, OSError) as e:
            self.skipTest(f"{nh.SKIP_REASON}: {e}")
        self.addCleanup(self.wg.stop)
        # The client's thread lives in the namespace, where the node listens on loopback.
        self.pool = concurrent.futures.ThreadPoolExecutor(
            1, initializer=nh.enter_netns, initargs=(self.wg.ns,))
        self.addCleanup(self.pool.shutdown)
        self.port = nh.free_port_in(self.wg.ns)
        self.node_dir = os.path.join(self.dir, "node")
        res = node_cli(self.dir, "node", "init", "--interface", self.wg.ifname, "--endpoint",
                       "vpn.test:51820", "--tunnel", "10.77.0.1/24", "--listen",
                       f"127.0.0.1:{self.port}", "--dir", self.node_dir)
        self.assertEqual(res.returncode, 0, res.stderr)
        _, self.sha, self.token = LINE_RE.match(res.stdout.strip()).groups()
        self.start_node()

    def start_node(self):
        self.log = open(os.path.join(self.dir, "node.log"), "a")
        self.node = self.wg.ns_popen([harness.BINARY, "node", "run", "--dir", self.node_dir],
                                     stdout=self.log, stderr=self.log)
        self.addCleanup(nh.end_process, self.node)
        self.addCleanup(self.log.close)
        nh.wait_listening_in(self.pool, self.port)
        self.client = nh.NodeClient("127.0.0.1", self.port, self.sha, self.token)
        self.addCleanup(lambda c=self.client: self.pool.submit(c.close).result())

    def call(self, *args, **kw):
        return self.pool.submit(self.client.call, *args, **kw).result()

    def test_peers_added_listed_and_deleted_match_wg_show(self):
        status, server = self.call("GET", "/v1/server")
        self.assertEqual(status, 200, server)
        self.assertEqual(server, {"interface": self.wg.ifname, "public_key": self.wg.public_key,
                                  "listen_port": 51820, "endpoint": "vpn.test:51820",
                                  "tunnel": "10.77.0.1/24", "peers": 0})
        peers = []
        for i in range(3):
            _, pub = nh.wg_keypair()
            psk = base64.b64encode(secrets.token_bytes(32)).decode()
            peers.append((pub, psk, f"10.77.0.{10 + i}/32"))
        for pub, psk, addr in peers:
            status, body = self.call("PUT", f"/v1/peers/{nh.b64_to_hex(pub)}",
                                     {"preshared_key": psk, "address": addr})
            self.assertEqual((status, body), (201, {"created": True}))
        pub0, psk0, addr0 = peers[0]
        self.assertEqual(self.call("PUT", f"/v1/peers/{nh.b64_to_hex(pub0)}",
                                   {"preshared_key": psk0, "address": addr0}),
                         (200, {"created": False}))
        _, stranger = nh.wg_keypair()
        self.assertEqual(self.call("PUT", f"/v1/peers/{nh.b64_to_hex(stranger)}",
                                   {"preshared_key": psk0, "address": addr0}),
                         (409, {"error": "address held by another peer"}))

        _, shown = self.wg.dump()
        self.assertEqual(set(shown), {p[0] for p in peers})
        for pub, psk, addr in peers:
            self.assertEqual(shown[pub]["preshared_key"], psk)
            self.assertEqual(shown[pub]["allowed_ips"], addr)
        status, listed = self.call("GET", "/v1/peers")
        self.assertEqual(status, 200)
        self.assertEqual({(p["public_key"], p["address"]) for p in listed["peers"]},
                         {(p[0], p[2]) for p in peers})

        # A wrong token changes nothing.
        self.assertEqual(self.call("DELETE", f"/v1/peers/{nh.b64_to_hex(pub0)}",
                                   token="f" * 64)[0], 401)
        self.assertEqual(set(self.wg.dump()[1]), {p[0] for p in peers})

        self.assertEqual(self.call("DELETE", f"/v1/peers/{nh.b64_to_hex(pub0)}")[0], 204)
        self.assertEqual(self.call("DELETE", f"/v1/peers/{nh.b64_to_hex(pub0)}")[0], 204)
        _, shown = self.wg.dump()
        self.assertEqual(set(shown), {p[0] for p in peers[1:]})
        self.assertEqual(self.call("GET", "/v1/server")[1]["peers"], 2)

        # The node keeps nothing: after a restart it lists what the interface holds.
        self.pool.submit(self.client.close).result()
        nh.end_process(self.node)
        self.assertEqual(self.node.returncode, 0)
        self.start_node()
        status, listed = self.call("GET", "/v1/peers")
        self.assertEqual({p["public_key"] for p in listed["peers"]}, {p[0] for p in peers[1:]})


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    unittest.main()
