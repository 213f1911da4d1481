#!/usr/bin/python3
"""Subscription documents (issue 18) read by parsers that share nothing with the C++ that wrote
them, and carrying traffic through real clients.

  subscription_check.py RENDER [unittest args]

RENDER is vpnhub_subscription_render (tests/formats/subscription_render_main.cpp): entries in,
one document out, so documents can point at servers started here on ephemeral ports.

GoldenDocuments reads tests/formats/golden/subscription_* (written by formats_subscription_test):
the Clash YAML with PyYAML (the fields Mihomo's adapter/outbound/*.go require per proxy type),
the sing-box JSON with json (required fields per type, nothing deprecated in 1.11/1.12), each
URI of the plain and base64 lists with v2ray_core.parse_link, and every proxy of Clash and
sing-box checked field for field against the link it came from.

RealTraffic starts a real ss-server (shadowsocks-libev), the real v2ray of tests/servers/v2ray
(VLESS tcp, VLESS ws+tls, trojan+tls) and a page server, renders one person's subscription in
every format and fetches the page through: the Outline JSON given as is to `ss-local -c`; each
ss:// of the base64 list; each Clash ss proxy and sing-box shadowsocks outbound turned field for
field into an ss-local configuration; each vless:// and trojan:// of the plain list through
v2ray_core.fetch_through_link; each Clash vless/trojan proxy and sing-box vless/trojan outbound
turned field for field into a v2ray client. A wrong password and an unknown UUID must fail to
fetch, so a fetch that bypassed the proxy would show. Mihomo and sing-box are not packaged in
Debian 12: their own loaders do not run here. REALITY, gRPC and Shadowsocks 2022 entries are
checked by their fields only (v2ray 4.34 and ss-server 3.3.5 do not speak them).
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
sys.path.insert(0, os.path.join(HERE, "..", "servers", "v2ray"))
import v2ray_core  # noqa: E402

RENDER = None  # set from argv

# The entries of subscription_test.cpp's Person(), in order; the two .conf-only keys last.
PERSON_NAMES = ["VPNHub | Амстердам", "VPNHub | Франкфурт", "VPNHub | Хельсинки",
                "VPNHub | Хельсинки", "VPNHub | Варшава", "VPNHub | Рига", "VPNHub | Рига"]
CONF_NAMES = ["VPNHub | Стокгольм", "VPNHub | Тбилиси"]

# Shadowsocks ciphers Mihomo and sing-box both take (AEAD and SIP022).
SS_CIPHERS = {"aes-128-gcm", "aes-192-gcm", "aes-256-gcm", "chacha20-ietf-poly1305",
              "xchacha20-ietf-poly1305", "2022-blake3-aes-128-gcm", "2022-blake3-aes-256-gcm",
              "2022-blake3-chacha20-poly1305"}


def golden(name):
    with open(os.path.join(GOLDEN, name), encoding="utf-8") as f:
        return f.read()


def unique_names(names):
    """The names a Clash / sing-box document gives these entries: a repeat gets " 2", " 3"."""
    out, seen = [], set()
    for n in names:
        cand, k = n, 2
        while cand in seen:
            cand, k = "%s %d" % (n, k), k + 1
        seen.add(cand)
        out.append(cand)
    return out


# --- independent checks of one document ---------------------------------------------------------

def check_clash(tc, doc, links):
    """`doc` parsed by PyYAML; `links` the parse_link of the URI entries, in order."""
    tc.assertEqual(set(doc), {"proxies", "proxy-groups", "rules"})
    proxies = doc["proxies"]
    names = [p["name"] for p in proxies]
    tc.assertEqual(len(names), len(set(names)), "proxy names must be unique")
    for p in proxies:
        for key in ("name", "type", "server"):
            tc.assertIsInstance(p.get(key), str, "%s of %r" % (key, p))
        tc.assertIsInstance(p.get("port"), int)
        tc.assertTrue(0 < p["port"] < 65536)
        t = p["type"]
        if t == "ss":
            tc.assertIn(p.get("cipher"), SS_CIPHERS)
            tc.assertIsInstance(p.get("password"), str)
        elif t == "vless":
            uuid.UUID(p["uuid"])
            tc.assertIn(p.get("network", "tcp"), ("tcp", "ws", "grpc"))
            if "reality-opts" in p:
                tc.assertIs(p.get("tls"), True)
                tc.assertIsInstance(p["reality-opts"]["public-key"], str)
                tc.assertTrue(p.get("client-fingerprint"), "Mihomo's REALITY needs a fingerprint")
        elif t == "trojan":
            tc.assertIsInstance(p.get("password"), str)
        elif t == "wireguard":
            for key in ("private-key", "public-key"):
                tc.assertIsInstance(p.get(key), str)
                tc.assertEqual(len(base64.b64decode(p[key], validate=True)), 32)
            tc.assertTrue(p.get("ip") or p.get("ipv6"))
            if "amnezia-wg-option" in p:
                tc.assertEqual(set(p["amnezia-wg-option"]),
                               {"jc", "jmin", "jmax", "s1", "s2", "h1", "h2", "h3", "h4"})
                for v in p["amnezia-wg-option"].values():
                    tc.assertIsInstance(v, int)
        else:
            tc.fail("unexpected proxy type %r" % t)
        if "ws-opts" in p:
            tc.assertEqual(p["network"], "ws")
            tc.assertIsInstance(p["ws-opts"]["path"], str)
        if "grpc-opts" in p:
            tc.assertEqual(p["network"], "grpc")
            tc.assertIsInstance(p["grpc-opts"]["grpc-service-name"], str)
    groups = doc["proxy-groups"]
    tc.assertEqual(len(groups), 1)
    tc.assertEqual(groups[0]["type"], "select")
    tc.assertEqual(groups[0]["proxies"], names)
    tc.assertNotIn(groups[0]["name"], names)
    tc.assertEqual(doc["rules"], ["MATCH," + groups[0]["name"]])
    # Field for field against the links they came from (the URI entries come first, in order).
    for p, link in zip(proxies, links):
        tc.assertEqual(p["server"], link["host"])
        tc.assertEqual(p["port"], link["port"])
        q = link["params"]
        if link["scheme"] == "ss":
            tc.assertEqual((p["type"], p["cipher"], p["password"]),
                           ("ss", link["method"], link["password"]))
            continue
        tc.assertEqual(p["type"], link["scheme"])
        if link["scheme"] == "vless":
            tc.assertEqual(p["uuid"], link["id"])
            tc.assertEqual(p.get("servername"), q.get("sni"))
            tc.assertEqual(p.get("flow"), q.get("flow"))
        else:
            tc.assertEqual(p["password"], link["password"])
            tc.assertEqual(p.get("sni"), q.get("sni"))
        tc.assertEqual(p.get("network", "tcp"), q.get("type", "tcp"))
        tc.assertEqual(p.get("client-fingerprint"), q.get("fp"))
        tc.assertEqual(",".join(p.get("alpn", [])), q.get("alpn", ""))
        if q.get("security") == "reality":
            tc.assertEqual(p["reality-opts"], {"public-key": q["pbk"], "short-id": q["sid"]})
        if q.get("type") == "ws":
            tc.assertEqual(p["ws-opts"]["path"], q["path"])
            tc.assertEqual(p["ws-opts"].get("headers", {}).get("Host"), q.get("host"))
        if q.get("type") == "grpc":
            tc.assertEqual(p["grpc-opts"]["grpc-service-name"], q["serviceName"])
    return proxies


DEPRECATED_KEYS = {"geoip", "geosite", "rule_set", "domain_strategy", "inet4_address",
                   "inet6_address", "sniff", "sniff_override_destination"}


def all_keys(v):
    if isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from all_keys(x)
    elif isinstance(v, list):
        for x in v:
            yield from all_keys(x)


def check_singbox(tc, doc, links):
    tc.assertLessEqual(set(doc), {"outbounds", "endpoints", "route"})
    tc.assertEqual(set(doc["route"]), {"final"})
    tc.assertFalse(DEPRECATED_KEYS & set(all_keys(doc)))
    outbounds, endpoints = doc.get("outbounds", []), doc.get("endpoints", [])
    tags = [o["tag"] for o in outbounds + endpoints]
    tc.assertEqual(len(tags), len(set(tags)), "tags must be unique")
    tc.assertIn(doc["route"]["final"], tags)
    for o in outbounds:
        tc.assertIn(o["type"], ("shadowsocks", "vless", "trojan"),
                    "no selector, no legacy wireguard/block/dns outbound")
        tc.assertIsInstance(o["server"], str)
        tc.assertIsInstance(o["server_port"], int)
        if o["type"] == "shadowsocks":
            tc.assertIn(o["method"], SS_CIPHERS)
            tc.assertIsInstance(o["password"], str)
        elif o["type"] == "vless":
            uuid.UUID(o["uuid"])
        else:
            tc.assertIsInstance(o["password"], str)
        tls = o.get("tls")
        if tls is not None:
            tc.assertIs(tls["enabled"], True)
            if "reality" in tls:
                tc.assertIs(tls["reality"]["enabled"], True)
                tc.assertIsInstance(tls["reality"]["public_key"], str)
                tc.assertIs(tls["utls"]["enabled"], True, "sing-box REALITY needs uTLS")
        if "transport" in o:
            tc.assertIn(o["transport"]["type"], ("ws", "grpc"))
    for e in endpoints:
        tc.assertEqual(e["type"], "wireguard")
        tc.assertTrue(e["address"])
        for a in e["address"]:
            tc.assertIn("/", a)
        tc.assertEqual(len(base64.b64decode(e["private_key"], validate=True)), 32)
        tc.assertTrue(e["peers"])
        for peer in e["peers"]:
            tc.assertEqual(len(base64.b64decode(peer["public_key"], validate=True)), 32)
            tc.assertTrue(peer["allowed_ips"])
            tc.assertIsInstance(peer["port"], int)
    for o, link in zip(outbounds, links):
        tc.assertEqual((o["server"], o["server_port"]), (link["host"], link["port"]))
        q = link["params"]
        if link["scheme"] == "ss":
            tc.assertEqual((o["type"], o["method"], o["password"]),
                           ("shadowsocks", link["method"], link["password"]))
            continue
        tc.assertEqual(o["type"], link["scheme"])
        tc.assertEqual(o.get("uuid", o.get("password")), link.get("id", link.get("password")))
        tls = o.get("tls", {})
        tc.assertEqual(tls.get("server_name"), q.get("sni"))
        tc.assertEqual(tls.get("utls", {}).get("fingerprint"), q.get("fp"))
        tc.assertEqual(",".join(tls.get("alpn", [])), q.get("alpn", ""))
        if q.get("security") == "reality":
            tc.assertEqual(tls["reality"]["public_key"], q["pbk"])
            tc.assertEqual(tls["reality"]["short_id"], q["sid"])
        if q.get("type") in ("ws", "grpc"):
            tc.assertEqual(o["transport"]["type"], q["type"])
        if q.get("type") == "ws":
            tc.assertEqual(o["transport"]["path"], q["path"])
            tc.assertEqual(o["transport"].get("headers", {}).get("Host"), q.get("host"))
        if q.get("type") == "grpc":
            tc.assertEqual(o["transport"]["service_name"], q["serviceName"])
    return outbounds, endpoints


class GoldenDocuments(unittest.TestCase):
    def setUp(self):
        self.plain = golden("subscription_plain.txt")
        self.links = [v2ray_core.parse_link(line) for line in self.plain.splitlines()]

    def test_each_uri_of_the_plain_list_parses_back_with_its_entrys_name(self):
        self.assertTrue(self.plain.endswith("\n"))
        self.assertEqual([l["name"] for l in self.links], PERSON_NAMES)
        self.assertEqual([l["scheme"] for l in self.links],
                         ["ss", "ss", "vless", "vless", "vless", "trojan", "ss"])
        self.assertEqual(self.links[0]["method"], "chacha20-ietf-poly1305")
        self.assertEqual(self.links[0]["password"], "pa55:w0rd/+")
        self.assertEqual(self.links[1]["password"], "outline-secret")
        self.assertEqual(self.links[1]["params"], {"outline": "1"})
        self.assertEqual(self.links[4]["host"], "2001:db8::7")
        self.assertEqual(self.links[6]["password"],
                         "Y3/d+tZEG3r7w5oUa8gTCA==:q1Qt9zK8rVv0+I5X/2mJ4w==")

    def test_base64_is_the_standard_encoding_of_the_plain_list(self):
        body = golden("subscription_base64.txt")
        decoded = base64.b64decode(body, validate=True).decode()
        self.assertEqual(decoded, self.plain.rstrip("\n"))

    def test_clash_yaml_has_what_mihomo_requires(self):
        doc = yaml.safe_load(golden("subscription_clash.yaml"))
        proxies = check_clash(self, doc, self.links)
        self.assertEqual([p["name"] for p in proxies], unique_names(PERSON_NAMES + CONF_NAMES))
        wg, awg = proxies[-2], proxies[-1]
        self.assertEqual((wg["type"], wg["server"], wg["port"], wg["ip"]),
                         ("wireguard", "wg.example", 51820, "10.8.0.2"))
        self.assertNotIn("amnezia-wg-option", wg)
        self.assertEqual(awg["amnezia-wg-option"]["jc"], 7)
        self.assertEqual(awg["amnezia-wg-option"]["h4"], 1379448069)

    def test_singbox_json_has_what_singbox_requires_and_nothing_deprecated(self):
        doc = json.loads(golden("subscription_singbox.json"))
        outbounds, endpoints = check_singbox(self, doc, self.links)
        self.assertEqual([o["tag"] for o in outbounds], unique_names(PERSON_NAMES))
        # WireGuard is an endpoint; the AmneziaWG key is not something sing-box speaks.
        self.assertEqual([e["tag"] for e in endpoints], ["VPNHub | Стокгольм"])
        self.assertEqual(doc["route"]["final"], outbounds[0]["tag"])

    def test_outline_json_is_the_first_shadowsocks_key(self):
        doc = json.loads(golden("subscription_outline.json"))
        first = self.links[0]
        self.assertEqual(doc, {"server": first["host"], "server_port": first["port"],
                               "password": first["password"], "method": first["method"]})

    def test_wireguard_is_the_first_conf(self):
        conf = golden("subscription_wireguard.conf")
        self.assertTrue(conf.startswith("[Interface]\nPrivateKey = "))
        self.assertIn("Endpoint = wg.example:51820\n", conf)


class Escaping(unittest.TestCase):
    """Names YAML or JSON could misread, through the real renderer, read back exactly."""

    NAMES = ['say "hi" \\ there', "yes", "123", "1e3", "12:30", "- dash", "#hash", "a: b",
             "[x]", "{x}", "*star", "&amp", "!bang", "%pct", "@at", "`tick", "null", "~",
             "🇫🇮 KYN | Finland - 1", "tab\there", "line\nbreak", "yes"]

    def test_names_read_back_exactly(self):
        entries = [{"name": n, "ss": {"method": "aes-128-gcm", "password": "123456",
                                      "host": "127.0.0.1", "port": 1000 + i}}
                   for i, n in enumerate(self.NAMES)]
        want = unique_names(self.NAMES)
        clash = yaml.safe_load(render("clash", entries)["body"])
        self.assertEqual([p["name"] for p in clash["proxies"]], want)
        self.assertEqual({p["password"] for p in clash["proxies"]}, {"123456"})
        self.assertEqual(clash["proxy-groups"][0]["proxies"], want)
        singbox = json.loads(render("singbox", entries)["body"])
        self.assertEqual([o["tag"] for o in singbox["outbounds"]], want)
        plain = render("plain", entries)["body"].splitlines()
        self.assertEqual([v2ray_core.parse_link(l)["name"] for l in plain], self.NAMES)


# --- real traffic -------------------------------------------------------------------------------

def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def curl_socks(port, url, timeout=5):
    r = subprocess.run(["curl", "-sS", "--max-time", str(timeout), "--socks5-hostname",
                        "127.0.0.1:%d" % port, url], capture_output=True, text=True)
    return (True, r.stdout) if r.returncode == 0 else (False, r.stderr.strip())


def fetch_through_ss_local(args, url):
    """ss-local with `args` (a -c file or -s/-p/-k/-m) on a free local port; one fetch."""
    local = v2ray_core.free_port()
    proc = subprocess.Popen(["ss-local", "-b", "127.0.0.1", "-l", str(local)] + args,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: listening(local), 5, "ss-local")
        return curl_socks(local, url)
    finally:
        stop(proc)


def fetch_through_ss_config(config, url, workdir):
    path = os.path.join(workdir, "ss-%s.json" % uuid.uuid4().hex)
    with open(path, "w") as f:
        json.dump(config, f)
    return fetch_through_ss_local(["-c", path], url)


def fetch_through_v2ray_outbound(outbound, url, workdir):
    """A v2ray client with `outbound` behind a SOCKS inbound; one fetch."""
    socks = v2ray_core.free_port()
    path = os.path.join(workdir, "v2-%s.json" % uuid.uuid4().hex)
    with open(path, "w") as f:
        json.dump({"log": {"loglevel": "warning"},
                   "inbounds": [{"listen": "127.0.0.1", "port": socks, "protocol": "socks",
                                 "settings": {"udp": False}}],
                   "outbounds": [outbound]}, f)
    proc = subprocess.Popen([v2ray_core.V2RAY, "-config", path], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        v2ray_core.wait_port(socks, proc=proc)
        return curl_socks(socks, url)
    finally:
        stop(proc)


# Field for field: a Clash proxy or a sing-box outbound as the v2ray client configuration that
# means the same. allowInsecure only because the test server's certificate is self-signed.
def v2ray_from_clash(p):
    network = p.get("network", "tcp")
    stream = {"network": network, "security": "none"}
    if p["type"] == "trojan" or p.get("tls"):
        stream["security"] = "tls"
        stream["tlsSettings"] = {"serverName": p.get("servername") or p.get("sni") or p["server"],
                                 "allowInsecure": True}
        if p.get("alpn"):
            stream["tlsSettings"]["alpn"] = p["alpn"]
    if network == "ws":
        stream["wsSettings"] = {"path": p["ws-opts"]["path"],
                                "headers": p["ws-opts"].get("headers", {})}
    if p["type"] == "vless":
        settings = {"vnext": [{"address": p["server"], "port": p["port"],
                               "users": [{"id": p["uuid"], "encryption": "none"}]}]}
    else:
        settings = {"servers": [{"address": p["server"], "port": p["port"],
                                 "password": p["password"]}]}
    return {"protocol": p["type"], "settings": settings, "streamSettings": stream}


def v2ray_from_singbox(o):
    transport = o.get("transport", {})
    network = transport.get("type", "tcp")
    stream = {"network": network, "security": "none"}
    tls = o.get("tls")
    if tls and tls.get("enabled"):
        stream["security"] = "tls"
        stream["tlsSettings"] = {"serverName": tls.get("server_name") or o["server"],
                                 "allowInsecure": True}
        if tls.get("alpn"):
            stream["tlsSettings"]["alpn"] = tls["alpn"]
    if network == "ws":
        stream["wsSettings"] = {"path": transport["path"], "headers": transport.get("headers", {})}
    if o["type"] == "vless":
        settings = {"vnext": [{"address": o["server"], "port": o["server_port"],
                               "users": [{"id": o["uuid"], "encryption": "none"}]}]}
    else:
        settings = {"servers": [{"address": o["server"], "port": o["server_port"],
                                 "password": o["password"]}]}
    return {"protocol": o["type"], "settings": settings, "streamSettings": stream}


def render(fmt, entries):
    r = subprocess.run([RENDER], input=json.dumps({"format": fmt, "entries": entries}),
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("render %s: rc %d %s" % (fmt, r.returncode, r.stderr))
    return json.loads(r.stdout)


class RealTraffic(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="subscription-check-")
        cls.page = v2ray_core.PageServer()
        cls.procs = []
        # Two Shadowsocks servers: one as the shadowsocks kind runs them, one standing in for an
        # Outline server (the same protocol behind its access URL).
        cls.ss_password = "p@ss:w/rd+?"
        cls.ss_port = cls._ss_server("chacha20-ietf-poly1305", cls.ss_password)
        cls.outline_password = "outline/secret+=="
        cls.outline_port = cls._ss_server("aes-256-gcm", cls.outline_password)
        cls.v2 = v2ray_core.V2rayServer(os.path.join(cls.workdir, "v2ray")).start()
        cls.vless_tcp_id, cls.vless_ws_id = str(uuid.uuid4()), str(uuid.uuid4())
        cls.trojan_password = "tr0jan:secret"
        cls.v2.add_user("vless-tcp", "a@check", cls.vless_tcp_id)
        cls.v2.add_user("vless-ws-tls", "b@check", cls.vless_ws_id)
        cls.v2.add_user("trojan-tls", "c@check", cls.trojan_password)
        inb = cls.v2.inbounds
        outline_userinfo = base64.b64encode(
            ("aes-256-gcm:" + cls.outline_password).encode()).decode()
        cls.entries = [
            {"name": "VPNHub | Амстердам",
             "ss": {"method": "chacha20-ietf-poly1305", "password": cls.ss_password,
                    "host": "127.0.0.1", "port": cls.ss_port}},
            {"name": "VPNHub | Франкфурт",
             "outline": "ss://%s@127.0.0.1:%d/?outline=1" % (outline_userinfo, cls.outline_port)},
            {"name": "VPNHub | Хельсинки",
             "vless": {"secret": cls.vless_tcp_id, "host": "127.0.0.1",
                       "port": inb["vless-tcp"]["port"]}},
            {"name": "VPNHub | Хельсинки",
             "vless": {"secret": cls.vless_ws_id, "host": "127.0.0.1",
                       "port": inb["vless-ws-tls"]["port"], "network": "ws", "security": "tls",
                       "sni": v2ray_core.SERVER_NAME, "path": inb["vless-ws-tls"]["path"],
                       "host_header": v2ray_core.SERVER_NAME, "alpn": "http/1.1"}},
            {"name": "VPNHub | Рига",
             "trojan": {"secret": cls.trojan_password, "host": "127.0.0.1",
                        "port": inb["trojan-tls"]["port"], "security": "tls",
                        "sni": v2ray_core.SERVER_NAME}},
            {"name": "VPNHub | Стокгольм", "conf": golden("subscription_wireguard.conf")},
        ]
        cls.docs = {f: render(f, cls.entries)
                    for f in ("base64", "plain", "clash", "singbox", "outline", "wireguard")}
        cls.links = [v2ray_core.parse_link(l) for l in cls.docs["plain"]["body"].splitlines()]

    @classmethod
    def _ss_server(cls, method, password):
        port = v2ray_core.free_port()
        proc = subprocess.Popen(["ss-server", "-s", "127.0.0.1", "-p", str(port), "-k", password,
                                 "-m", method], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        cls.procs.append(proc)
        wait_for(lambda: listening(port), 5, "ss-server")
        return port

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            stop(p)
        cls.v2.stop()
        cls.page.stop()
        shutil.rmtree(cls.workdir, ignore_errors=True)

    def assertFetches(self, result, what):
        ok, text = result
        self.assertTrue(ok, "%s: %s" % (what, text))
        self.assertEqual(text, self.page.body, what)

    def test_documents_pass_the_independent_checks(self):
        check_clash(self, yaml.safe_load(self.docs["clash"]["body"]), self.links)
        check_singbox(self, json.loads(self.docs["singbox"]["body"]), self.links)
        self.assertEqual(self.docs["outline"]["content_type"], "application/json")

    def test_outline_json_given_to_ss_local_carries_traffic(self):
        body = self.docs["outline"]["body"]
        key = json.loads(body)
        self.assertEqual(set(key), {"server", "server_port", "password", "method"})
        # The first ss entry is the shadowsocks kind's key; the Outline one is the second.
        self.assertEqual(key["server_port"], self.ss_port)
        path = os.path.join(self.workdir, "outline.json")
        with open(path, "w") as f:
            f.write(body)
        self.assertFetches(fetch_through_ss_local(["-c", path], self.page.url), "outline json")
        outline_only = render("outline", self.entries[1:])
        path2 = os.path.join(self.workdir, "outline2.json")
        with open(path2, "w") as f:
            f.write(outline_only["body"])
        self.assertEqual(json.loads(outline_only["body"])["password"], self.outline_password)
        self.assertFetches(fetch_through_ss_local(["-c", path2], self.page.url), "outline key")

    def test_each_ss_uri_of_the_base64_list_carries_traffic(self):
        lines = base64.b64decode(self.docs["base64"]["body"], validate=True).decode().split("\n")
        ss = [v2ray_core.parse_link(l) for l in lines if l.startswith("ss://")]
        self.assertEqual([s["port"] for s in ss], [self.ss_port, self.outline_port])
        for s in ss:
            self.assertFetches(fetch_through_ss_local(
                ["-s", s["host"], "-p", str(s["port"]), "-k", s["password"], "-m", s["method"]],
                self.page.url), "base64 " + s["name"])
        wrong = ss[0]
        ok, _ = fetch_through_ss_local(["-s", wrong["host"], "-p", str(wrong["port"]), "-k",
                                        "not-the-password", "-m", wrong["method"]], self.page.url)
        self.assertFalse(ok, "a wrong password must not fetch: the fetch went through the proxy")

    def test_clash_ss_proxies_as_ss_local_configs_carry_traffic(self):
        doc = yaml.safe_load(self.docs["clash"]["body"])
        ss = [p for p in doc["proxies"] if p["type"] == "ss"]
        self.assertEqual(len(ss), 2)
        for p in ss:
            self.assertFetches(fetch_through_ss_config(
                {"server": p["server"], "server_port": p["port"], "password": p["password"],
                 "method": p["cipher"]}, self.page.url, self.workdir), "clash " + p["name"])

    def test_singbox_shadowsocks_outbounds_as_ss_local_configs_carry_traffic(self):
        doc = json.loads(self.docs["singbox"]["body"])
        ss = [o for o in doc["outbounds"] if o["type"] == "shadowsocks"]
        self.assertEqual(len(ss), 2)
        for o in ss:
            self.assertFetches(fetch_through_ss_config(
                {"server": o["server"], "server_port": o["server_port"], "password": o["password"],
                 "method": o["method"]}, self.page.url, self.workdir), "sing-box " + o["tag"])

    def test_vless_and_trojan_uris_of_the_plain_list_carry_traffic(self):
        lines = [l for l in self.docs["plain"]["body"].splitlines()
                 if l.startswith(("vless://", "trojan://"))]
        self.assertEqual(len(lines), 3)
        for l in lines:
            self.assertFetches(v2ray_core.fetch_through_link(l, self.page.url, timeout=5), l[:40])
        stranger = lines[0].replace(self.vless_tcp_id, str(uuid.uuid4()))
        self.assertFalse(v2ray_core.fetch_through_link(stranger, self.page.url, timeout=3)[0],
                         "an unknown UUID must not fetch")

    def test_clash_vless_and_trojan_proxies_carry_traffic_through_v2ray(self):
        doc = yaml.safe_load(self.docs["clash"]["body"])
        ps = [p for p in doc["proxies"] if p["type"] in ("vless", "trojan")]
        self.assertEqual([p["type"] for p in ps], ["vless", "vless", "trojan"])
        for p in ps:
            self.assertFetches(fetch_through_v2ray_outbound(v2ray_from_clash(p), self.page.url,
                                                            self.workdir), "clash " + p["name"])

    def test_singbox_vless_and_trojan_outbounds_carry_traffic_through_v2ray(self):
        doc = json.loads(self.docs["singbox"]["body"])
        os_ = [o for o in doc["outbounds"] if o["type"] in ("vless", "trojan")]
        self.assertEqual([o["type"] for o in os_], ["vless", "vless", "trojan"])
        for o in os_:
            self.assertFetches(fetch_through_v2ray_outbound(v2ray_from_singbox(o), self.page.url,
                                                            self.workdir), "sing-box " + o["tag"])

    def test_wireguard_is_the_conf_as_given(self):
        self.assertEqual(self.docs["wireguard"]["body"], golden("subscription_wireguard.conf"))
        self.assertEqual(self.docs["wireguard"]["file_extension"], "conf")


if __name__ == "__main__":
    if len(sys.argv) < 2 or not os.path.exists(sys.argv[1]):
        print(__doc__)
        sys.exit(2)
    RENDER = sys.argv.pop(1)
    unittest.main()
