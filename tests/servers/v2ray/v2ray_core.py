#!/usr/bin/python3
"""A real V2Ray 4.34 core for the fake panels and the tests that check our links carry traffic.

Debian's v2ray (apt: v2ray) runs with its gRPC API on loopback; users are added and removed through
HandlerService/AlterInbound with hand-encoded protobuf (reference/backends.md §7), as the panels do
with Xray. Run with /usr/bin/python3 (it has python3-grpcio).

  V2rayServer(workdir)      .start() .stop() .restart() .add_user() .remove_user() .stats()
  parse_link(link)          an independent parser of vless:// trojan:// ss:// links
  fetch_through_link(link, url)   a v2ray client built from a link, a fetch through its SOCKS port
  PageServer()              a loopback HTTP page with a known body

`python3 v2ray_core.py selftest` exercises all of it.
"""
import base64
import http.server
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

import grpc

V2RAY = shutil.which("v2ray") or "/usr/bin/v2ray"
SERVER_NAME = "vpn.test"


class V2rayError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise V2rayError("v2ray exited with %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise V2rayError("port %d did not open within %.1fs" % (port, timeout))


# --- protobuf, by hand (only what AlterInbound and QueryStats need) -------------------------------

def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field_bytes(num, data):
    if isinstance(data, str):
        data = data.encode()
    return _varint((num << 3) | 2) + _varint(len(data)) + data


def _field_varint(num, value):
    return _varint(num << 3) + _varint(value)


def _typed(type_name, value):
    return _field_bytes(1, type_name) + _field_bytes(2, value)


def _read_varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def _fields(buf):
    i = 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, i = _read_varint(buf, i)
        elif wire == 2:
            n, i = _read_varint(buf, i)
            v = buf[i:i + n]
            i += n
        elif wire == 1:
            v = buf[i:i + 8]
            i += 8
        elif wire == 5:
            v = buf[i:i + 4]
            i += 4
        else:
            raise V2rayError("unexpected wire type %d" % wire)
        yield num, v


def _account(protocol, secret):
    if protocol == "vless":
        return _typed("v2ray.core.proxy.vless.Account",
                      _field_bytes(1, secret) + _field_bytes(3, "none"))
    if protocol == "trojan":
        return _typed("v2ray.core.proxy.trojan.Account", _field_bytes(1, secret))
    raise V2rayError("no multi-user accounts for protocol %s in v2ray 4.34" % protocol)


# --- the server ---------------------------------------------------------------------------------

_INBOUNDS = [
    # tag, protocol, network, security, extra
    ("vless-tcp", "vless", "tcp", "none", {}),
    ("vless-ws-tls", "vless", "ws", "tls", {"path": "/vl"}),
    # v2ray 4.34 has no gRPC transport (it came in 4.36): VLESS over gRPC links are checked by their
    # golden files and parse_link only.
    ("trojan-tls", "trojan", "tcp", "tls", {}),
]


def make_cert(directory, name=SERVER_NAME):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name,
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class V2rayServer:
    """One v2ray process with the API and three inbounds (see _INBOUNDS), all on 127.0.0.1."""

    def __init__(self, workdir):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.cert_file, self.key_file = make_cert(workdir)
        self.api_port = free_port()
        self.inbounds = {}
        for tag, protocol, network, security, extra in _INBOUNDS:
            d = {"protocol": protocol, "port": free_port(), "network": network,
                 "security": security}
            d.update(extra)
            self.inbounds[tag] = d
        self.proc = None
        self._channel = None
        self._lock = threading.Lock()

    def _config(self):
        inbounds = [{
            "tag": "api", "listen": "127.0.0.1", "port": self.api_port,
            "protocol": "dokodemo-door", "settings": {"address": "127.0.0.1"}}]
        for tag, d in self.inbounds.items():
            stream = {"network": d["network"], "security": d["security"]}
            if d["network"] == "ws":
                stream["wsSettings"] = {"path": d["path"]}
            if d["security"] == "tls":
                stream["tlsSettings"] = {"serverName": SERVER_NAME, "certificates": [
                    {"certificateFile": self.cert_file, "keyFile": self.key_file}]}
            settings = {"clients": []}
            if d["protocol"] == "vless":
                settings["decryption"] = "none"
            inbounds.append({"tag": tag, "listen": "127.0.0.1", "port": d["port"],
                             "protocol": d["protocol"], "settings": settings,
                             "streamSettings": stream})
        return {
            "log": {"loglevel": "warning"},
            "api": {"tag": "api", "services": ["HandlerService", "StatsService"]},
            "stats": {},
            "policy": {"levels": {"0": {"statsUserUplink": True, "statsUserDownlink": True}}},
            "inbounds": inbounds,
            "outbounds": [{"protocol": "freedom", "tag": "direct"}],
            "routing": {"rules": [{"type": "field", "inboundTag": ["api"], "outboundTag": "api"}]},
        }

    def start(self):
        path = os.path.join(self.workdir, "server.json")
        with open(path, "w") as f:
            json.dump(self._config(), f)
        log = open(os.path.join(self.workdir, "v2ray.log"), "ab")
        self.proc = subprocess.Popen([V2RAY, "-config", path], stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL)
        log.close()
        wait_port(self.api_port, proc=self.proc)
        for d in self.inbounds.values():
            wait_port(d["port"], proc=self.proc)
        self._channel = grpc.insecure_channel("127.0.0.1:%d" % self.api_port)
        return self

    def stop(self):
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def restart(self):
        """Stops and starts v2ray on the same ports: every user added through the API is gone."""
        self.stop()
        self.start()

    def _call(self, method, request):
        with self._lock:
            channel = self._channel
        if channel is None:
            raise V2rayError("v2ray is not running")
        call = channel.unary_unary(method)
        try:
            return call(request, timeout=5)
        except grpc.RpcError as e:  # the messages v2ray answers: "... already exists", "... not found"
            raise V2rayError(e.details() or str(e))

    def add_user(self, tag, email, secret):
        protocol = self.inbounds[tag]["protocol"]
        user = _field_varint(1, 0) + _field_bytes(2, email) + _field_bytes(3, _account(protocol, secret))
        op = _typed("v2ray.core.app.proxyman.command.AddUserOperation", _field_bytes(1, user))
        self._call("/v2ray.core.app.proxyman.command.HandlerService/AlterInbound",
                   _field_bytes(1, tag) + _field_bytes(2, op))

    def remove_user(self, tag, email):
        op = _typed("v2ray.core.app.proxyman.command.RemoveUserOperation", _field_bytes(1, email))
        self._call("/v2ray.core.app.proxyman.command.HandlerService/AlterInbound",
                   _field_bytes(1, tag) + _field_bytes(2, op))

    def stats(self, reset=False):
        """{email: bytes up + down} for users that carried traffic."""
        req = _field_bytes(1, "user>>>") + _field_varint(2, 1 if reset else 0)
        reply = self._call("/v2ray.core.app.stats.command.StatsService/QueryStats", req)
        out = {}
        for num, stat in _fields(reply):
            if num != 1:
                continue
            name, value = "", 0
            for n, v in _fields(stat):
                if n == 1:
                    name = v.decode()
                elif n == 2:
                    value = v
            parts = name.split(">>>")
            if len(parts) == 4 and parts[0] == "user":
                out[parts[1]] = out.get(parts[1], 0) + value
        return out


# --- links --------------------------------------------------------------------------------------

def _b64decode_any(text):
    text = urllib.parse.unquote(text)
    pad = "=" * (-len(text) % 4)
    try:
        return base64.urlsafe_b64decode(text + pad).decode()
    except Exception:
        return base64.b64decode(text + pad).decode()


def parse_link(link):
    """vless://ID@HOST:PORT?QUERY#NAME, trojan://PASSWORD@HOST:PORT?QUERY#NAME, ss:// (SIP002,
    and SIP022's percent-encoded userinfo) -> {"scheme","id"|"password","method","host","port",
    "params","name"}. Written from the share-link documents, independent of the C++ builders."""
    scheme, sep, rest = link.partition("://")
    if not sep or scheme not in ("vless", "trojan", "ss"):
        raise ValueError("not a vless/trojan/ss link: %r" % link[:16])
    rest, _, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    if rest.endswith("/"):
        rest = rest[:-1]
    userinfo, at, hostport = rest.rpartition("@")
    if not at:
        raise ValueError("no '@' in the link")
    if hostport.startswith("["):
        host, _, port = hostport[1:].partition("]:")
    else:
        host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("bad host:port %r" % hostport)
    params = {}
    for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)):
        if k in params:
            raise ValueError("parameter %s twice" % k)
        params[k] = v
    out = {"scheme": scheme, "host": host, "port": int(port), "params": params,
           "name": urllib.parse.unquote(fragment)}
    if scheme == "vless":
        out["id"] = str(uuid.UUID(urllib.parse.unquote(userinfo)))
    elif scheme == "trojan":
        out["password"] = urllib.parse.unquote(userinfo)
    else:
        plain = urllib.parse.unquote(userinfo)
        if ":" in plain and plain.startswith("2022-"):
            method, _, password = plain.partition(":")
        else:
            method, _, password = _b64decode_any(userinfo).partition(":")
        out["method"], out["password"] = method, password
    return out


def client_config(link, socks_port):
    """A v2ray client configuration: SOCKS on 127.0.0.1:socks_port -> the link's server."""
    p = parse_link(link)
    q = p["params"]
    network = q.get("type", "tcp")
    security = q.get("security", "none")
    if security == "reality":
        raise V2rayError("v2ray 4.34 has no REALITY")
    stream = {"network": network, "security": security}
    if network == "ws":
        stream["wsSettings"] = {"path": q.get("path", "/")}
        if q.get("host"):
            stream["wsSettings"]["headers"] = {"Host": q["host"]}
    elif network != "tcp":
        raise V2rayError("transport %s is not built here" % network)
    if security == "tls":
        tls = {"serverName": q.get("sni") or p["host"], "allowInsecure": True}
        if q.get("alpn"):
            tls["alpn"] = q["alpn"].split(",")
        stream["tlsSettings"] = tls
    if p["scheme"] == "vless":
        outbound = {"protocol": "vless", "settings": {"vnext": [{
            "address": p["host"], "port": p["port"],
            "users": [{"id": p["id"], "encryption": q.get("encryption", "none")}]}]}}
    elif p["scheme"] == "trojan":
        outbound = {"protocol": "trojan", "settings": {"servers": [{
            "address": p["host"], "port": p["port"], "password": p["password"]}]}}
    else:
        raise V2rayError("ss links are checked with ss-local, not here")
    outbound["streamSettings"] = stream
    return {"log": {"loglevel": "warning"},
            "inbounds": [{"listen": "127.0.0.1", "port": socks_port, "protocol": "socks",
                          "settings": {"udp": False}}],
            "outbounds": [outbound]}


def fetch_through_link(link, url, timeout=15):
    """(True, body) when `url` is fetched through a v2ray client built from `link`; (False, why)
    otherwise. The client process is stopped before returning."""
    workdir = tempfile.mkdtemp(prefix="v2client-")
    socks = free_port()
    path = os.path.join(workdir, "client.json")
    with open(path, "w") as f:
        json.dump(client_config(link, socks), f)
    log = open(os.path.join(workdir, "client.log"), "wb")
    proc = subprocess.Popen([V2RAY, "-config", path], stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL)
    try:
        wait_port(socks, proc=proc)
        r = subprocess.run(["curl", "-sS", "--max-time", str(timeout), "--socks5-hostname",
                            "127.0.0.1:%d" % socks, url], capture_output=True, text=True)
        if r.returncode == 0:
            return True, r.stdout
        return False, "curl rc %d: %s" % (r.returncode, r.stderr.strip())
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


class PageServer:
    """A loopback HTTP server answering every GET with `.body`."""

    def __init__(self):
        self.body = "v2ray-page-" + secrets.token_hex(8)
        body = self.body.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/" % self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()


# --- self test ----------------------------------------------------------------------------------

def _link(tag, d, secret):
    q = {"type": d["network"], "security": d["security"]}
    if d["protocol"] == "vless":
        q["encryption"] = "none"
    if "path" in d:
        q["path"] = d["path"]
    if "serviceName" in d:
        q["serviceName"] = d["serviceName"]
    if d["security"] == "tls":
        q["sni"] = SERVER_NAME
    query = urllib.parse.urlencode(sorted(q.items()), quote_via=urllib.parse.quote)
    return "%s://%s@127.0.0.1:%d?%s#%s" % (d["protocol"], urllib.parse.quote(secret, safe=""),
                                          d["port"], query, urllib.parse.quote(tag))


def selftest():
    page = PageServer()
    workdir = tempfile.mkdtemp(prefix="v2selftest-")
    server = V2rayServer(workdir).start()
    failures = []
    try:
        links = {}
        for tag, d in server.inbounds.items():
            secret = str(uuid.uuid4()) if d["protocol"] == "vless" else secrets.token_hex(12)
            email = tag + "@selftest"
            link = _link(tag, d, secret)
            p = parse_link(link)
            if p["host"] != "127.0.0.1" or p["port"] != d["port"] or p["name"] != tag:
                failures.append("parse_link %s: %r" % (tag, p))
            ok, text = fetch_through_link(link, page.url, timeout=5)
            if ok:
                failures.append("%s carried traffic before add_user" % tag)
            server.add_user(tag, email, secret)
            try:
                server.add_user(tag, email, secret)
                failures.append("%s: a second add_user did not fail" % tag)
            except V2rayError as e:
                if "already exists" not in str(e):
                    failures.append("%s: second add_user: %s" % (tag, e))
            ok, text = fetch_through_link(link, page.url)
            if not ok or text != page.body:
                failures.append("%s: no traffic after add_user: %s" % (tag, text))
            links[tag] = (link, email)
        st = server.stats()
        for tag, (_, email) in links.items():
            if st.get(email, 0) <= 0:
                failures.append("%s: no traffic counted: %r" % (tag, st))
        tag, (link, email) = next(iter(links.items()))
        server.remove_user(tag, email)
        try:
            server.remove_user(tag, email)
            failures.append("a second remove_user did not fail")
        except V2rayError as e:
            if "not found" not in str(e):
                failures.append("second remove_user: %s" % e)
        if fetch_through_link(link, page.url, timeout=5)[0]:
            failures.append("%s carried traffic after remove_user" % tag)
        tag2, (link2, _) = list(links.items())[1]
        server.restart()
        if fetch_through_link(link2, page.url, timeout=5)[0]:
            failures.append("%s carried traffic after a restart (users should be gone)" % tag2)
        ss = "ss://%s@[::1]:8388#x%%20y" % urllib.parse.quote(
            "2022-blake3-aes-128-gcm:c2VydmVy:dXNlcg==", safe="")
        p = parse_link(ss)
        if (p["method"], p["password"], p["host"], p["name"]) != (
                "2022-blake3-aes-128-gcm", "c2VydmVy:dXNlcg==", "::1", "x y"):
            failures.append("parse_link ss2022: %r" % p)
    finally:
        server.stop()
        page.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    for f in failures:
        print("FAIL:", f)
    print("selftest: %s" % ("FAILED" if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["selftest"]:
        sys.exit(selftest())
    print(__doc__)
    sys.exit(2)
