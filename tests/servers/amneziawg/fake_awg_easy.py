#!/usr/bin/env python3
"""A fake amnezia-wg-easy web API (github.com/w0rng/amnezia-wg-easy, src/lib/Server.js and
src/lib/WireGuard.js), field by field as far as the hub uses it:

  GET    /api/session                        {"requiresPassword": true, "authenticated": bool}
  POST   /api/session {"password","remember"} 200 {"success": true} + Set-Cookie connect.sid=...;
                                             401 {"statusCode":401,"message":"Incorrect Password"}
  every other /api/ route                    401 {"error": "Not Logged In"} without an
                                             authenticated session cookie (or an Authorization
                                             header equal to the password, as the real one)
  DELETE /api/session                        ends the session
  GET    /api/wireguard/client               [{id, name, enabled, address, publicKey, createdAt,
                                              updatedAt, expiredAt, allowedIPs, oneTimeLink,
                                              oneTimeLinkExpiresAt, downloadableConfig,
                                              persistentKeepalive, latestHandshakeAt, transferRx,
                                              transferTx, endpoint}]
  POST   /api/wireguard/client {"name","expiredDate"}   {"success": true} (no id; 500 "Missing:
                                             Name" without a name, 500 "Maximum number of clients
                                             reached." past .254)
  DELETE /api/wireguard/client/<id>          {"success": true}, also for an unknown id
  GET    /api/wireguard/client/<id>/configuration      the client's .conf (text/plain) with the
                                             server's Jc, Jmin, Jmax, S1, S2, H1-H4 as the real one
                                             writes it; 404 for an unknown id

Two modes:
  --mode memory   clients live in memory only (keys are random bytes): for unit tests.
  --mode wg       each client is also a peer of a real WireGuard interface (--wg-interface, made
                  and brought up by the caller with wireguard-go): `wg genkey/pubkey/genpsk` make
                  the keys, `wg set IF peer ... allowed-ips ADDR/32` adds it, `wg set IF peer ...
                  remove` deletes it, and transferRx/transferTx come from `wg show IF dump`.
                  Needs root. The configuration's Endpoint is --wg-host:--wg-port.

Sessions live in memory only; with --state FILE the clients survive a restart (as wg0.json does),
so a restarted fake answers 401 to old cookies and keeps its clients.

Test controls (JSON in, JSON out):
  GET  /_control/stats             {"logins", "failed_logins", "unauthorized", "requests": [{method,
                                    path, cookie (bool: a session cookie was sent)}]}
  POST /_control/expire-sessions   forgets every session (the next API call gets 401)
  POST /_control/fail {"status": 500, "times": 1, "path_prefix": "/api/"}
                                   the next API requests whose path starts with path_prefix
                                   (default: every one) answer this
  POST /_control/delay {"seconds": 5}                every API request waits this long first
  POST /_control/traffic {"id", "rx", "tx"}          (memory mode) a client's counters

Prints "listening <port>" on stdout once it serves. Python standard library only.
"""
import argparse
import base64
import datetime
import http.server
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid

COOKIE = "connect.sid"


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def run(args, stdin=None):
    return subprocess.run(args, input=stdin, capture_output=True, text=True, check=True).stdout.strip()


class State:
    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.Lock()
        self.sessions = {}  # sid -> authenticated
        self.clients = {}  # id -> client (as wg0.json keeps it)
        self.traffic = {}  # id -> (rx, tx), memory mode
        self.logins = 0
        self.failed_logins = 0
        self.unauthorized = 0
        self.requests = []
        self.fail = {"status": 0, "times": 0, "path_prefix": "/"}
        self.delay = 0.0
        if opts.mode == "wg":
            self.server_public_key = run(["wg", "show", opts.wg_interface, "public-key"])
        else:
            self.server_public_key = base64.b64encode(secrets.token_bytes(32)).decode()
        if opts.state and os.path.exists(opts.state):
            with open(opts.state) as f:
                saved = json.load(f)
            self.clients = saved["clients"]
            self.server_public_key = saved.get("serverPublicKey", self.server_public_key)
            if opts.mode == "wg":
                for c in self.clients.values():
                    self.wg_add(c)

    def save(self):
        if not self.opts.state:
            return
        tmp = self.opts.state + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"clients": self.clients, "serverPublicKey": self.server_public_key}, f)
        os.replace(tmp, self.opts.state)

    # --- WireGuard (wg mode) -----------------------------------------------------------------
    def wg_add(self, c):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            os.chmod(f.name, 0o600)
            f.write(c["preSharedKey"] + "\n")
        try:
            run(["wg", "set", self.opts.wg_interface, "peer", c["publicKey"], "preshared-key",
                 f.name, "allowed-ips", c["address"] + "/32"])
        finally:
            os.unlink(f.name)

    def wg_remove(self, c):
        run(["wg", "set", self.opts.wg_interface, "peer", c["publicKey"], "remove"])

    def wg_dump(self):
        peers = {}
        lines = run(["wg", "show", self.opts.wg_interface, "dump"]).split("\n")[1:]
        for line in lines:
            f = line.split("\t")
            if len(f) >= 8:
                peers[f[0]] = {"endpoint": None if f[2] == "(none)" else f[2],
                               "handshake": int(f[4]), "rx": int(f[5]), "tx": int(f[6]),
                               "keepalive": f[7]}
        return peers

    # --- the API -------------------------------------------------------------------------------
    def new_keys(self):
        if self.opts.mode == "wg":
            private = run(["wg", "genkey"])
            return private, run(["wg", "pubkey"], stdin=private + "\n"), run(["wg", "genpsk"])
        key = lambda: base64.b64encode(secrets.token_bytes(32)).decode()  # noqa: E731
        return key(), key(), key()

    def list_clients(self):
        dump = self.wg_dump() if self.opts.mode == "wg" else None
        out = []
        for cid, c in self.clients.items():
            item = {
                "id": cid, "name": c["name"], "enabled": c["enabled"], "address": c["address"],
                "publicKey": c["publicKey"], "createdAt": c["createdAt"],
                "updatedAt": c["updatedAt"], "expiredAt": c["expiredAt"],
                "allowedIPs": c.get("allowedIPs"), "oneTimeLink": None,
                "oneTimeLinkExpiresAt": None, "downloadableConfig": "privateKey" in c,
                "persistentKeepalive": None, "latestHandshakeAt": None, "transferRx": None,
                "transferTx": None, "endpoint": None,
            }
            if dump is not None:
                peer = dump.get(c["publicKey"])
                if peer:
                    item["transferRx"], item["transferTx"] = peer["rx"], peer["tx"]
                    item["endpoint"] = peer["endpoint"]
                    item["persistentKeepalive"] = peer["keepalive"]
            else:
                item["transferRx"], item["transferTx"] = self.traffic.get(cid, (0, 0))
            out.append(item)
        return out

    def create_client(self, name, expired_date):
        if not name:
            return 500, {"statusCode": 500, "message": "Missing: Name"}
        address = None
        taken = {c["address"] for c in self.clients.values()}
        for i in range(2, 255):
            candidate = self.opts.default_address.replace("x", str(i))
            if candidate not in taken:
                address = candidate
                break
        if address is None:
            return 500, {"statusCode": 500, "message": "Maximum number of clients reached."}
        private, public, psk = self.new_keys()
        cid = str(uuid.uuid4())
        c = {"id": cid, "name": name, "address": address, "privateKey": private,
             "publicKey": public, "preSharedKey": psk, "createdAt": now_iso(),
             "updatedAt": now_iso(), "expiredAt": expired_date or None, "enabled": True}
        if self.opts.mode == "wg":
            self.wg_add(c)
        self.clients[cid] = c
        self.save()
        return 200, {"success": True}

    def delete_client(self, cid):
        c = self.clients.pop(cid, None)
        if c is not None:
            if self.opts.mode == "wg":
                self.wg_remove(c)
            self.traffic.pop(cid, None)
            self.save()
        return 200, {"success": True}

    def configuration(self, cid):
        """WireGuard.getClientConfiguration, line by line."""
        c = self.clients[cid]
        o = self.opts
        return (
            "\n[Interface]\n"
            f"PrivateKey = {c.get('privateKey') or 'REPLACE_ME'}\n"
            f"Address = {c['address']}/24\n"
            + (f"DNS = {o.dns}\n" if o.dns else "")
            + (f"MTU = {o.mtu}\n" if o.mtu else "")
            + f"Jc = {o.jc}\nJmin = {o.jmin}\nJmax = {o.jmax}\nS1 = {o.s1}\nS2 = {o.s2}\n"
            f"H1 = {o.h1}\nH2 = {o.h2}\nH3 = {o.h3}\nH4 = {o.h4}\n"
            "\n[Peer]\n"
            f"PublicKey = {self.server_public_key}\n"
            f"PresharedKey = {c['preSharedKey']}\n"
            f"AllowedIPs = {o.allowed_ips}\n"
            f"PersistentKeepalive = {o.keepalive}\n"
            f"Endpoint = {o.wg_host}:{o.wg_port}")


CLIENT_PATH = re.compile(r"^/api/wireguard/client/([^/]+)(/configuration)?$")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State = None

    def log_message(self, fmt, *args):  # quiet: the tests read /_control/stats instead
        pass

    def reply(self, status, body, headers=None, content_type="application/json"):
        data = body if isinstance(body, bytes) else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw.decode() or "{}")
        except ValueError:
            return {}

    def session_id(self):
        for part in (self.headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and value.startswith("s%3A"):
                return value[4:].split(".")[0]
        return None

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    def do_PUT(self):
        self.route("PUT")

    def route(self, method):
        s = self.state
        path = self.path.split("?")[0]
        body = self.body_json() if method in ("POST", "PUT") else {}
        if path.startswith("/_control/"):
            return self.control(method, path[len("/_control/"):], body)
        with s.lock:
            delay = s.delay
            sid = self.session_id()
            s.requests.append({"method": method, "path": path, "cookie": sid is not None})
            fail = 0
            if s.fail["times"] > 0 and path.startswith(s.fail["path_prefix"]):
                s.fail["times"] -= 1
                fail = s.fail["status"]
        if delay:
            time.sleep(delay)
        if fail:
            return self.reply(fail, {"statusCode": fail, "message": "injected failure"})
        if not path.startswith("/api/"):
            return self.reply(404, {"statusCode": 404, "message": "Cannot find any path matching " + path})
        with s.lock:
            if path == "/api/session" and method == "GET":
                return self.reply(200, {"requiresPassword": True,
                                        "authenticated": bool(sid and s.sessions.get(sid))})
            if path == "/api/session" and method == "POST":
                if body.get("password") != s.opts.password:
                    s.failed_logins += 1
                    return self.reply(401, {"statusCode": 401, "message": "Incorrect Password"})
                if not sid or sid not in s.sessions:
                    sid = secrets.token_urlsafe(24)
                s.sessions[sid] = True
                s.logins += 1
                sig = secrets.token_urlsafe(16)
                cookie = f"{COOKIE}=s%3A{sid}.{sig}; Path=/; HttpOnly"
                return self.reply(200, {"success": True}, {"Set-Cookie": cookie})
            authed = bool(sid and s.sessions.get(sid)) or (
                self.headers.get("Authorization") == s.opts.password)
            if not authed:
                s.unauthorized += 1
                return self.reply(401, {"error": "Not Logged In"})
            if path == "/api/session" and method == "DELETE":
                s.sessions.pop(sid, None)
                return self.reply(200, {"success": True})
            if path == "/api/wireguard/client" and method == "GET":
                return self.reply(200, s.list_clients())
            if path == "/api/wireguard/client" and method == "POST":
                status, out = s.create_client(body.get("name"), body.get("expiredDate"))
                return self.reply(status, out)
            m = CLIENT_PATH.match(path)
            if m and method == "DELETE" and not m.group(2):
                return self.reply(*s.delete_client(m.group(1)))
            if m and method == "GET" and m.group(2):
                cid = m.group(1)
                if cid not in s.clients:
                    return self.reply(404, {"statusCode": 404, "message": f"Client Not Found: {cid}"})
                name = re.sub(r"[^a-zA-Z0-9_=+.-]", "-", s.clients[cid]["name"])[:32] or cid
                return self.reply(200, s.configuration(cid),
                                  {"Content-Disposition": f'attachment; filename="{name}.conf"'},
                                  content_type="text/plain")
        return self.reply(404, {"statusCode": 404, "message": "Cannot find any path matching " + path})

    def control(self, method, name, body):
        s = self.state
        with s.lock:
            if name == "stats":
                return self.reply(200, {"logins": s.logins, "failed_logins": s.failed_logins,
                                        "unauthorized": s.unauthorized, "requests": s.requests})
            if name == "expire-sessions":
                s.sessions.clear()
                return self.reply(200, {"ok": True})
            if name == "fail":
                s.fail = {"status": int(body.get("status", 500)), "times": int(body.get("times", 1)),
                          "path_prefix": body.get("path_prefix", "/")}
                return self.reply(200, {"ok": True})
            if name == "delay":
                s.delay = float(body.get("seconds", 0))
                return self.reply(200, {"ok": True})
            if name == "traffic":
                s.traffic[body["id"]] = (int(body["rx"]), int(body["tx"]))
                return self.reply(200, {"ok": True})
        return self.reply(404, {"error": "unknown control " + name})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--listen", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--password", required=True)
    p.add_argument("--mode", choices=["memory", "wg"], default="memory")
    p.add_argument("--wg-interface", default="wg0")
    p.add_argument("--wg-host", default="127.0.0.1")
    p.add_argument("--wg-port", type=int, default=51820)
    p.add_argument("--state", help="file keeping the clients across restarts")
    p.add_argument("--default-address", default="10.8.0.x")
    p.add_argument("--dns", default="1.1.1.1")
    p.add_argument("--mtu", default="")
    p.add_argument("--allowed-ips", default="0.0.0.0/0, ::/0")
    p.add_argument("--keepalive", default="0")
    # The obfuscation parameters (the real one draws Jc, S1, S2, H1-H4 at random once).
    for name, default in (("jc", 5), ("jmin", 50), ("jmax", 1000), ("s1", 86), ("s2", 123),
                          ("h1", 1733929184), ("h2", 328475114), ("h3", 1997040511),
                          ("h4", 1286117402)):
        p.add_argument("--" + name, type=int, default=default)
    opts = p.parse_args()
    Handler.state = State(opts)
    server = http.server.ThreadingHTTPServer((opts.listen, opts.port), Handler)
    server.daemon_threads = True
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
