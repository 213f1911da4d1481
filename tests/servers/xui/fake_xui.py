#!/usr/bin/python3
"""A fake 3x-ui panel (MHSanaei/3x-ui) for tests: its API field by field, in either generation,
backed by a real v2ray 4.34 (tests/servers/v2ray/v2ray_core.py) so that the links of its clients
carry traffic.

What it follows (read at tag v2.9.4 for --api v2 and at HEAD 02002dc, v3.6.x, for --api v3):
  web/controller/{api,index,inbound,util}.go, web/service/inbound.go, database/model/model.go,
  xray/client_traffic.go (v2); internal/web/controller/{api,index,client}.go,
  internal/web/service/{client_crud,client_paging,client_lookup}.go, internal/web/middleware/
  security.go, internal/web/session/csrf.go, internal/sub/service.go (v3).

  * Everything lives under --base-path (the panel's webBasePath): POST {base}/login (form or JSON
    {"username","password","twoFactorCode"}) answers HTTP 200 {"success","msg","obj"} and, when
    right, sets the session cookie `3x-ui`.
  * v2: /panel/api/* without a valid session answers 404 with an empty body (checkAPIAuth).
    Routes: GET inbounds/list, inbounds/get/{id}, inbounds/getClientTraffics/{email};
    POST inbounds/addClient, inbounds/updateClient/{clientKey}, inbounds/{id}/delClient/{clientKey},
    inbounds/{id}/delClientByEmail/{email} (bodies JSON or form; `settings` a JSON string holding
    {"clients":[...]}). /panel/api/clients/* is 404 (no such routes in v2).
  * v3: `Authorization: Bearer <--token>` or the session cookie; a cookie session needs
    X-CSRF-Token (from GET {base}/csrf-token, which also starts the session) on every unsafe
    request, POST /login included, else 403 with an empty body. Without auth: 404 (401 when the
    request carries X-Requested-With: XMLHttpRequest). Routes: GET clients/list, clients/list/paged
    (page, pageSize <= 200, search, inbound, protocol, filter, sort, order -> {items, total,
    filtered, page, pageSize, summary, groups}), clients/get/{email}, clients/traffic/{email},
    clients/links/{email}; POST clients/add {"client":{...},"inboundIds":[...]} (secrets made on
    the panel when left out), clients/update/{email} (a whole model.Client: a field left out is
    zero, so `enable` left out disables the client, as on the real panel), clients/del/{email};
    and inbounds/list, inbounds/get/{id}. The v2 client routes answer 404.
  * Errors are HTTP 200 success:false with the panel's words, e.g. "Something went wrong
    (Duplicate email: x\\n)" (common.NewError uses fmt.Sprintln, hence the newline).
  * v2 refuses to delete the last client of an inbound ("no client remained in Inbound"); every
    inbound therefore starts with one client of its own (email "admin-<id>", as the panel's UI
    makes one), unless --no-default-client.

Inbounds (made on first start; ports are the v2ray inbounds' ports, kept across restarts):
  1 vless tcp (no TLS)  -> v2ray tag vless-tcp        2 vless ws+TLS (path /vl) -> vless-ws-tls
  3 vless grpc (vlgrpc) -> vless-grpc                 4 trojan tcp+TLS          -> trojan-tls
  5 shadowsocks 2022 (2022-blake3-aes-128-gcm), 6 vless tcp REALITY: stored and listed, links
    only (no data plane: v2ray 4.34 has neither).
  TLS settings carry serverName vpn.test (v2ray_core's throwaway certificate).

Data plane: a client enabled, not expired (expiryTime > 0 and past) and not over its totalGB is
added to v2ray (vless: its id, trojan: its password) on the inbound's tag; otherwise it is removed.
A sweeper checks expiry and quota every second (3x-ui does it every 10 s) and reads v2ray's
traffic counters into the clients' `down` (v2ray_core reports up+down as one number).
State is kept in DIR/db.json (written within 0.2 s of a change, and on SIGTERM); on start every
stored client is added to v2ray again.

Control (tests only, no auth, outside the base path):
  GET  /_control/requests           {"METHOD /route": count} of the requests answered (logins too)
  POST /_control/forget             drops every client but the inbounds' first ones, admin-<id>
                                    (a panel restored from an old backup)
  POST /_control/hang, /_control/unhang   calls under the base path (login too) are accepted
                                    and held unanswered; on unhang the held calls are answered
  POST /_control/expire_sessions    every session cookie stops being valid (as after a restart
                                    with a new secret)
  POST /_control/seed?n=10000&inbound=1[&prefix=seed-][&comment=]   bulk-create clients
                                    "<prefix><i>" with that comment (no v2ray calls)
  POST /_control/v2ray_restart      restarts v2ray: users added through its API are gone (the
                                    panel is not told, as with a real xray crash)

  fake_xui.py --port 0 --base-path /SECRET --state DIR --api v2|v3 --username U --password P
              [--token T] [--ready-file F] [--no-v2ray] [--no-default-client]
When listening it writes {"port":N,"inbounds":{"1":{"tag","protocol","port",...}}} to F
(and prints it on stdout). --no-v2ray: no data plane at all (listing benches).
"""
import argparse
import base64
import copy
import hashlib
import http.server
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "v2ray"))
sys.path.insert(0, os.path.join(HERE, ".."))
from panel_fake_support import NullV2ray, PanelControl, PanelServer, write_ready  # noqa: E402

SS_METHOD = "2022-blake3-aes-128-gcm"
REALITY_PUBLIC_KEY = "Z84J2IelR9ch3k8VtlVhhs5ycBUlXA7wHBWcBrjqnAw"
REALITY_PRIVATE_KEY = "SGB1g6C7jOzWqQ4a2bA3xnYtR5u0fXz4cJkP8mLhQ1o"
REALITY_SHORT_ID = "6ba85179e30d4fc2"
REALITY_SERVER_NAME = "www.microsoft.com"
TLS_SERVER_NAME = "vpn.test"

# --- the data plane -------------------------------------------------------------------------------


class NullPlane(NullV2ray):
    """No data plane (--no-v2ray): every call succeeds, no traffic."""


class V2rayPlane:
    """v2ray_core.V2rayServer behind the calls the panel makes: add_user, remove_user, stats."""

    def __init__(self, workdir):
        import v2ray_core
        self.core = v2ray_core
        self.server = v2ray_core.V2rayServer(workdir)
        self.inbounds = self.server.inbounds

    def start(self, ports=None):
        # Keep the ports of an earlier run, so that links handed out before a restart still work.
        for tag, port in (ports or {}).items():
            if tag in self.server.inbounds and port:
                self.server.inbounds[tag]["port"] = port
        self.server.start()
        return self

    def stop(self):
        self.server.stop()

    def restart(self):
        self.server.restart()

    def add_user(self, tag, email, secret):
        self.server.add_user(tag, email, secret)

    def remove_user(self, tag, email):
        self.server.remove_user(tag, email)

    def stats(self):
        return self.server.stats(reset=True)

    def port_of(self, tag):
        d = self.server.inbounds.get(tag)
        return d and d["port"]

    @property
    def cert_file(self):
        return self.server.cert_file

    @property
    def key_file(self):
        return self.server.key_file


# --- helpers --------------------------------------------------------------------------------------


def go_err(*parts):
    """common.NewError: fmt.Sprintln of the parts (spaces between, a newline at the end)."""
    return " ".join(str(p) for p in parts) + "\n"


def now_ms():
    return int(time.time() * 1000)


def go_quote(s):
    """Go's %q for plain strings."""
    return json.dumps(s)


def random_ss_key(nbytes=16):
    return base64.b64encode(secrets.token_bytes(nbytes)).decode()


class ApiError(Exception):
    """An answer in the envelope with success:false (HTTP 200)."""

    def __init__(self, msg):
        super().__init__(msg)
        self.msg = msg


class HttpStatus(Exception):
    """A bare status with an empty body (404 of checkAPIAuth, 403 of the CSRF check)."""

    def __init__(self, status, body=b""):
        super().__init__(status)
        self.status = status
        self.body = body


def msg_with(msg, err):
    """jsonMsgObj with an error: msg + " (" + err + ")"."""
    return msg + " (" + err + ")" if err else msg


SOMETHING = "Something went wrong"
OBTAIN = "Obtain"
ADDED = "Inbound client(s) have been added."
UPDATED = "Inbound client has been updated."
DELETED = "Inbound client has been deleted."
INBOUND_UPDATED = "Inbound has been successfully updated."
TRAFFIC_ERR = "Error getting traffics."
NOT_FOUND = "record not found"

# --- the panel ------------------------------------------------------------------------------------


class Panel:
    """The panel's database (inbounds with their clients inside `settings`, client_traffics) and
    the data plane it drives. Every method runs under self.lock."""

    def __init__(self, state_dir, api, plane, default_client):
        self.state_dir = state_dir
        self.api = api
        self.plane = plane
        self.default_client = default_client
        self.lock = threading.RLock()
        self.inbounds = {}          # id -> inbound (settings parsed into a dict)
        self.stats = {}             # email -> ClientTraffic
        self.record_ids = {}        # email -> v3 client record id
        self.next_stat_id = 1
        self.next_record_id = 1
        self.ports = {}             # v2ray tag -> port (kept across restarts)
        self.live = {}              # (tag, email) -> secret added to v2ray
        self.emails = {}            # lower(email) -> set of inbound ids
        self.version = 0            # bumped by every save(): the client maps below follow it
        self.dirty = False
        self._maps = {}             # inbound id -> (version, {email: client})

    # -- persistence

    def db_path(self):
        return os.path.join(self.state_dir, "db.json")

    def load_or_create(self):
        path = self.db_path()
        if os.path.exists(path):
            with open(path) as f:
                db = json.load(f)
            self.inbounds = {int(k): v for k, v in db["inbounds"].items()}
            self.stats = db["stats"]
            self.record_ids = db.get("record_ids", {})
            self.next_stat_id = db["next_stat_id"]
            self.next_record_id = db.get("next_record_id", 1)
            self.ports = db.get("ports", {})
            return False
        return True

    def save(self):
        """Marks the database changed: the flusher writes it within 0.2 s (and on exit), so that a
        panel holding thousands of clients does not rewrite its file inside every call."""
        self.version += 1
        self.dirty = True

    def flush(self):
        with self.lock:
            if not self.dirty:
                return
            self.dirty = False
            self.write()

    def write(self):
        db = {"inbounds": {str(k): v for k, v in self.inbounds.items()}, "stats": self.stats,
              "record_ids": self.record_ids, "next_stat_id": self.next_stat_id,
              "next_record_id": self.next_record_id, "ports": self.ports}
        tmp = self.db_path() + ".tmp"
        with open(tmp, "w") as f:
            json.dump(db, f)
        os.replace(tmp, self.db_path())

    def reindex(self):
        self.emails = {}
        for ib in self.inbounds.values():
            for c in ib["settings"].get("clients", []):
                self.emails.setdefault(c.get("email", "").lower(), set()).add(ib["id"])

    # -- the initial inbounds

    def create_inbounds(self, cert_file, key_file):
        plane_ports = {tag: self.plane.port_of(tag) for tag in
                       ("vless-tcp", "vless-ws-tls", "vless-grpc", "trojan-tls")}
        spare = iter(range(20000, 20100))

        def port_for(tag):
            return plane_ports.get(tag) or next(spare)

        tls = {
            "serverName": TLS_SERVER_NAME, "minVersion": "1.2", "maxVersion": "1.3",
            "cipherSuites": "", "rejectUnknownSni": False, "disableSystemRoot": False,
            "enableSessionResumption": False,
            "certificates": [{"certificateFile": cert_file or "", "keyFile": key_file or "",
                              "ocspStapling": 3600, "oneTimeLoading": False,
                              "usage": "encipherment", "buildChain": False}],
            "alpn": ["http/1.1"], "echServerKeys": "", "echForceQuery": "none",
            "settings": {"allowInsecure": False, "fingerprint": "chrome", "echConfigList": ""}}
        tcp_none = {"acceptProxyProtocol": False, "header": {"type": "none"}}
        specs = [
            (1, "vless-tcp", "vless", {"network": "tcp", "security": "none",
                                       "externalProxy": [], "tcpSettings": tcp_none}),
            (2, "vless-ws-tls", "vless", {"network": "ws", "security": "tls", "externalProxy": [],
                                          "tlsSettings": tls,
                                          "wsSettings": {"acceptProxyProtocol": False,
                                                         "path": "/vl", "host": "",
                                                         "headers": {}}}),
            (3, "vless-grpc", "vless", {"network": "grpc", "security": "none",
                                        "externalProxy": [],
                                        "grpcSettings": {"serviceName": "vlgrpc",
                                                         "authority": "", "multiMode": False}}),
            (4, "trojan-tls", "trojan", {"network": "tcp", "security": "tls", "externalProxy": [],
                                         "tlsSettings": tls, "tcpSettings": tcp_none}),
            (5, None, "shadowsocks", {"network": "tcp", "security": "none", "externalProxy": [],
                                      "tcpSettings": tcp_none}),
            (6, None, "vless", {"network": "tcp", "security": "reality", "externalProxy": [],
                                "realitySettings": {
                                    "show": False, "xver": 0,
                                    "target": REALITY_SERVER_NAME + ":443",
                                    "serverNames": [REALITY_SERVER_NAME],
                                    "privateKey": REALITY_PRIVATE_KEY,
                                    "minClientVer": "", "maxClientVer": "", "maxTimediff": 0,
                                    "shortIds": [REALITY_SHORT_ID], "mldsa65Seed": "",
                                    "settings": {"publicKey": REALITY_PUBLIC_KEY,
                                                 "fingerprint": "chrome", "serverName": "",
                                                 "spiderX": "/", "mldsa65Verify": ""}},
                                "tcpSettings": tcp_none}),
        ]
        for ib_id, v2tag, protocol, stream in specs:
            port = port_for(v2tag) if v2tag else next(spare)
            if protocol == "vless":
                settings = {"clients": [], "decryption": "none", "encryption": "none",
                            "fallbacks": []}
            elif protocol == "trojan":
                settings = {"clients": [], "fallbacks": []}
            else:
                settings = {"method": SS_METHOD, "password": random_ss_key(16),
                            "network": "tcp,udp", "clients": [], "ivCheck": False}
            remark = v2tag or ("ss2022" if protocol == "shadowsocks" else "vless-reality")
            self.inbounds[ib_id] = {
                "id": ib_id, "up": 0, "down": 0, "total": 0, "allTime": 0, "remark": remark,
                "enable": True, "expiryTime": 0, "trafficReset": "never",
                "lastTrafficResetTime": 0, "listen": "127.0.0.1", "port": port,
                "protocol": protocol, "settings": settings,
                "streamSettings": json.dumps(stream, indent=2),
                "tag": "inbound-127.0.0.1:%d" % port,
                "sniffing": json.dumps({"enabled": False,
                                        "destOverride": ["http", "tls", "quic", "fakedns"],
                                        "metadataOnly": False, "routeOnly": False}, indent=2),
                "_v2tag": v2tag}
            if v2tag in self.plane.inbounds:
                self.ports[v2tag] = port
            if self.default_client:
                client = self.new_client_fields({"email": "admin-%d" % ib_id, "enable": True},
                                                protocol, settings)
                settings["clients"].append(client)
                self.add_stat(ib_id, client)

    def new_client_fields(self, c, protocol, settings):
        """Fills the secrets the panel generates (v3's fillProtocolDefaults) and the fields the UI
        sends."""
        c = dict(c)
        if protocol == "vless" and not c.get("id"):
            c["id"] = str(uuid.uuid4())
        if protocol == "trojan" and not c.get("password"):
            c["password"] = uuid.uuid4().hex
        if protocol == "shadowsocks" and not c.get("password"):
            c["password"] = random_ss_key(16)
        c.setdefault("flow", "")
        c.setdefault("limitIp", 0)
        c.setdefault("totalGB", 0)
        c.setdefault("expiryTime", 0)
        c.setdefault("tgId", 0)
        c.setdefault("subId", secrets.token_hex(8))
        c.setdefault("comment", "")
        c.setdefault("reset", 0)
        c.setdefault("security", "")
        return c

    # -- client traffic rows

    def add_stat(self, inbound_id, client):
        email = client.get("email", "")
        self.stats[email] = {
            "id": self.next_stat_id, "inboundId": inbound_id,
            "enable": bool(client.get("enable")), "email": email, "up": 0, "down": 0,
            "allTime": 0, "expiryTime": int(client.get("expiryTime") or 0),
            "total": int(client.get("totalGB") or 0), "reset": int(client.get("reset") or 0),
            "lastOnline": 0}
        self.next_stat_id += 1
        if email not in self.record_ids:
            self.record_ids[email] = self.next_record_id
            self.next_record_id += 1

    def traffic_row(self, email, client):
        t = dict(self.stats[email])
        t["uuid"] = client.get("id", "")
        t["subId"] = client.get("subId", "")
        if self.api == "v3":
            t.update({"resetDay": 0, "resetMax": 0, "resetCount": 0, "lastSubFetch": 0})
            order = ["id", "inboundId", "enable", "email", "uuid", "subId", "up", "down",
                     "allTime", "expiryTime", "total", "reset", "resetDay", "resetMax",
                     "resetCount", "lastOnline", "lastSubFetch"]
        else:
            order = ["id", "inboundId", "enable", "email", "uuid", "subId", "up", "down",
                     "allTime", "expiryTime", "total", "reset", "lastOnline"]
        return {k: t.get(k, 0) for k in order}

    # -- the data plane

    def secret_of(self, protocol, client):
        return client.get("id") if protocol == "vless" else client.get("password")

    def wanted(self, ib, client):
        if ib.get("_v2tag") not in self.plane.inbounds or not ib.get("enable"):
            return False
        if not client.get("enable"):
            return False
        exp = int(client.get("expiryTime") or 0)
        if exp > 0 and exp <= now_ms():
            return False
        total = int(client.get("totalGB") or 0)
        st = self.stats.get(client.get("email", ""))
        if total > 0 and st and st["up"] + st["down"] >= total:
            return False
        return True

    def sync(self, ib, client):
        """Makes v2ray hold the client iff it should (enabled, not expired, within quota)."""
        tag = ib.get("_v2tag")
        if not tag or tag not in self.plane.inbounds:
            return
        email = client.get("email", "")
        key = (tag, email)
        secret = self.secret_of(ib["protocol"], client)
        want = self.wanted(ib, client)
        have = self.live.get(key)
        if have is not None and (not want or have != secret):
            self.plane_remove(tag, email)
        if want and self.live.get(key) is None and secret:
            try:
                self.plane.add_user(tag, email, secret)
            except Exception as e:  # noqa: BLE001 -- v2ray's "already exists" after a lost state
                if "already exists" not in str(e):
                    raise
            self.live[key] = secret

    def plane_remove(self, tag, email):
        try:
            self.plane.remove_user(tag, email)
        except Exception as e:  # noqa: BLE001
            if "not found" not in str(e):
                raise
        self.live.pop((tag, email), None)

    def unsync(self, ib, email):
        tag = ib.get("_v2tag")
        if tag and (tag, email) in self.live:
            self.plane_remove(tag, email)

    def sync_all(self):
        for ib in self.inbounds.values():
            for c in ib["settings"].get("clients", []):
                self.sync(ib, c)

    def sweep(self):
        """Traffic from v2ray into client_traffics; expired or depleted clients disabled (as the
        panel's disableInvalidClients does) and taken out of v2ray."""
        with self.lock:
            changed = False
            try:
                counters = self.plane.stats()
            except Exception:  # noqa: BLE001 -- v2ray restarting
                counters = {}
            for email, n in counters.items():
                st = self.stats.get(email)
                if st and n:
                    st["down"] += n
                    st["allTime"] += n
                    st["lastOnline"] = now_ms()
                    ib = self.inbounds.get(st["inboundId"])
                    if ib:
                        ib["down"] += n
                        ib["allTime"] += n
                    changed = True
            now = now_ms()
            for ib in self.inbounds.values():
                for c in ib["settings"].get("clients", []):
                    st = self.stats.get(c.get("email", ""))
                    if not c.get("enable"):
                        continue
                    exp = int(c.get("expiryTime") or 0)
                    total = int(c.get("totalGB") or 0)
                    if (exp > 0 and exp <= now) or (
                            total > 0 and st and st["up"] + st["down"] >= total):
                        if st:
                            st["enable"] = False
                        c["enable"] = False
                        self.sync(ib, c)
                        changed = True
            if changed:
                self.save()

    # -- lookups

    def inbound(self, ib_id):
        try:
            return self.inbounds[int(ib_id)]
        except (KeyError, ValueError):
            raise ApiError(NOT_FOUND)

    def client_map(self, ib):
        """{email: client} of an inbound, rebuilt after a change."""
        version, m = self._maps.get(ib["id"], (-1, None))
        if version != self.version:
            m = {}
            for c in ib["settings"].get("clients", []):
                m.setdefault(c.get("email", ""), c)
            self._maps[ib["id"]] = (self.version, m)
        return m

    def client_in(self, email):
        """(inbound, client) of the first inbound holding `email`, or (None, None)."""
        for ib_id in sorted(self.emails.get(email.lower(), ())):
            ib = self.inbounds[ib_id]
            c = self.client_map(ib).get(email)
            if c is not None:
                return ib, c
        return None, None

    def inbound_json(self, ib, with_stats=True):
        out = {
            "id": ib["id"], "up": ib["up"], "down": ib["down"], "total": ib["total"],
            "allTime": ib["allTime"], "remark": ib["remark"], "enable": ib["enable"],
            "expiryTime": ib["expiryTime"], "trafficReset": ib["trafficReset"],
            "lastTrafficResetTime": ib["lastTrafficResetTime"], "clientStats": None,
            "listen": ib["listen"], "port": ib["port"], "protocol": ib["protocol"],
            "settings": json.dumps(ib["settings"], indent=2, sort_keys=True),
            "streamSettings": ib["streamSettings"], "tag": ib["tag"],
            "sniffing": ib["sniffing"]}
        if with_stats:
            rows = []
            for c in ib["settings"].get("clients", []):
                email = c.get("email", "")
                st = self.stats.get(email)
                if st and st["inboundId"] == ib["id"]:
                    rows.append(self.traffic_row(email, c))
            out["clientStats"] = rows
        return out

    # -- v2: the inbounds' client routes

    def v2_add_client(self, data):
        clients, raw = self.parse_settings(data)
        for c in clients:
            e = c.get("email", "")
            if e and e.lower() in self.emails:
                raise ApiError(msg_with(SOMETHING, go_err("Duplicate email:", e)))
        seen = set()
        for c in clients:
            e = c.get("email", "").lower()
            if e and e in seen:
                raise ApiError(msg_with(SOMETHING, go_err("Duplicate email:", c["email"])))
            seen.add(e)
        try:
            ib = self.inbound(data.get("id"))
        except ApiError:
            raise ApiError(msg_with(SOMETHING, NOT_FOUND))
        self.check_secrets(ib, clients)
        stamp = now_ms()
        for c in raw:
            c.setdefault("created_at", stamp)
            c["updated_at"] = stamp
        for c in raw:
            ib["settings"]["clients"].append(c)
            if c.get("email"):
                self.emails.setdefault(c["email"].lower(), set()).add(ib["id"])
                self.add_stat(ib["id"], c)
                self.sync(ib, c)
        self.save()

    def check_secrets(self, ib, clients):
        for c in clients:
            p = ib["protocol"]
            if ((p == "trojan" and not c.get("password"))
                    or (p == "shadowsocks" and not c.get("email"))
                    or (p not in ("trojan", "shadowsocks") and not c.get("id"))):
                raise ApiError(msg_with(SOMETHING, go_err("empty client ID")))

    def parse_settings(self, data):
        s = data.get("settings")
        if not isinstance(s, str):
            s = "" if s is None else json.dumps(s)
        try:
            settings = json.loads(s)
        except ValueError as e:
            raise ApiError(msg_with(SOMETHING, "invalid character in settings: %s" % e))
        if not isinstance(settings, dict) or not isinstance(settings.get("clients"), list):
            raise HttpStatus(500)  # settings["clients"].([]any) panics; gin's recovery answers 500
        clients = [c for c in settings["clients"] if isinstance(c, dict)]
        return clients, clients

    def client_key_field(self, protocol):
        return {"trojan": "password", "shadowsocks": "email"}.get(protocol, "id")

    def v2_del_client(self, ib_id, client_key):
        try:
            ib = self.inbound(ib_id)
        except ApiError:
            raise ApiError(msg_with(SOMETHING, NOT_FOUND))
        field = self.client_key_field(ib["protocol"])
        clients = ib["settings"]["clients"]
        idx = next((i for i, c in enumerate(clients) if c.get(field) == client_key), None)
        if idx is None:
            raise ApiError(msg_with(SOMETHING, go_err("Client Not Found In Inbound For ID:",
                                                      client_key)))
        self.remove_at(ib, idx)

    def v2_del_client_by_email(self, ib_id, email):
        try:
            ib = self.inbound(ib_id)
        except ApiError:
            raise ApiError(msg_with("Failed to delete client by email", NOT_FOUND))
        clients = ib["settings"]["clients"]
        idx = next((i for i, c in enumerate(clients) if c.get("email") == email), None)
        if idx is None:
            raise ApiError(msg_with("Failed to delete client by email",
                                    go_err("client with email %s not found" % email)))
        try:
            self.remove_at(ib, idx)
        except ApiError as e:
            raise ApiError(e.msg.replace(SOMETHING, "Failed to delete client by email", 1))

    def remove_at(self, ib, idx, allow_empty=False):
        clients = ib["settings"]["clients"]
        if len(clients) == 1 and not allow_empty:
            raise ApiError(msg_with(SOMETHING, go_err("no client remained in Inbound")))
        c = clients.pop(idx)
        email = c.get("email", "")
        self.unsync(ib, email)
        ids = self.emails.get(email.lower())
        if ids is not None:
            ids.discard(ib["id"])
            if not ids:
                del self.emails[email.lower()]
                self.stats.pop(email, None)
                self.record_ids.pop(email, None)
        self.save()

    def v2_update_client(self, client_key, data):
        clients, raw = self.parse_settings(data)
        if not clients:
            raise HttpStatus(500)  # clients[0] out of range
        try:
            ib = self.inbound(data.get("id"))
        except ApiError:
            raise ApiError(msg_with(SOMETHING, NOT_FOUND))
        field = self.client_key_field(ib["protocol"])
        old_clients = ib["settings"]["clients"]
        idx = next((i for i, c in enumerate(old_clients) if c.get(field) == client_key), None)
        new = raw[0]
        if not new.get(field) or idx is None:
            raise ApiError(msg_with(SOMETHING, go_err("empty client ID")))
        old = old_clients[idx]
        new_email, old_email = new.get("email", ""), old.get("email", "")
        if new_email and new_email != old_email and new_email.lower() in self.emails:
            raise ApiError(msg_with(SOMETHING, go_err("Duplicate email:", new_email)))
        self.replace_client(ib, idx, new)
        self.save()

    def replace_client(self, ib, idx, new):
        old = ib["settings"]["clients"][idx]
        old_email, new_email = old.get("email", ""), new.get("email", "")
        new = dict(new)
        new["created_at"] = old.get("created_at", now_ms())
        new["updated_at"] = now_ms()
        self.unsync(ib, old_email)
        ib["settings"]["clients"][idx] = new
        if old_email != new_email:
            ids = self.emails.get(old_email.lower(), set())
            ids.discard(ib["id"])
            if not ids:
                self.emails.pop(old_email.lower(), None)
            self.emails.setdefault(new_email.lower(), set()).add(ib["id"])
            st = self.stats.pop(old_email, None)
            rid = self.record_ids.pop(old_email, None)
            if st is not None:
                st["email"] = new_email
                self.stats[new_email] = st
            if rid is not None:
                self.record_ids[new_email] = rid
        st = self.stats.get(new_email)
        if st is not None:  # UpdateClientStat: enable, total, expiry, reset follow the client
            st["enable"] = bool(new.get("enable"))
            st["total"] = int(new.get("totalGB") or 0)
            st["expiryTime"] = int(new.get("expiryTime") or 0)
            st["reset"] = int(new.get("reset") or 0)
        elif new_email:
            self.add_stat(ib["id"], new)
        self.sync(ib, new)

    def v2_traffic(self, email):
        ib, c = self.client_in(email)
        if email not in self.stats:
            raise ApiError(msg_with(TRAFFIC_ERR, go_err("Inbound Not Found For Email:", email)))
        if c is None:
            raise ApiError(msg_with(TRAFFIC_ERR, go_err("Client Not Found In Inbound For Email:",
                                                        email)))
        return self.traffic_row(email, c)

    # -- v3: the clients resource

    def record(self, email):
        """The v3 client record (model.ClientRecord JSON) of `email`, its inbound ids, traffic."""
        ids = sorted(self.emails.get(email.lower(), ()))
        c = None
        for ib_id in ids:
            c = c or self.client_map(self.inbounds[ib_id]).get(email)
        if c is None:
            return None, [], None
        rec = {
            "id": self.record_ids.get(email, 0), "email": email, "subId": c.get("subId", ""),
            "uuid": c.get("id", ""), "password": c.get("password", ""), "auth": "",
            "flow": c.get("flow", ""), "security": c.get("security", ""), "reverse": None,
            "privateKey": "", "publicKey": "", "allowedIPs": "", "preSharedKey": "",
            "keepAlive": 0, "secret": "", "adTag": "", "limitIp": c.get("limitIp", 0),
            "limitHwid": 0, "totalGB": c.get("totalGB", 0), "expiryTime": c.get("expiryTime", 0),
            "enable": bool(c.get("enable")), "tgId": c.get("tgId", 0), "group": "",
            "comment": c.get("comment", ""), "reset": c.get("reset", 0), "resetDay": 0,
            "resetMax": 0, "trafficReset": "never", "trafficResetDay": 1,
            "createdAt": c.get("created_at", 0), "updatedAt": c.get("updated_at", 0)}
        traffic = self.traffic_row(email, c) if email in self.stats else None
        return rec, ids, traffic

    def v3_list(self):
        out = []
        for email in sorted(self.record_ids, key=lambda e: self.record_ids[e]):
            rec, ids, traffic = self.record(email)
            if rec is None:
                continue
            row = dict(rec)
            row["inboundIds"] = ids
            if traffic is not None:
                row["traffic"] = traffic
            out.append(row)
        return out

    def v3_list_paged(self, q):
        def intq(name, default=0):
            try:
                return int(q.get(name, default) or default)
            except ValueError:
                raise ApiError(msg_with(OBTAIN, "strconv.ParseInt: parsing %s: invalid syntax"
                                        % go_quote(q.get(name))))
        page_size = intq("pageSize")
        if page_size <= 0:
            page_size = 25
        page_size = min(page_size, 200)
        page = max(intq("page"), 1)
        emails = sorted(self.record_ids, key=lambda e: self.record_ids[e])
        total = len(emails)
        search = q.get("search", "").strip().lower()
        inbound_f = {int(x) for x in q.get("inbound", "").split(",") if x.strip().isdigit()}
        proto_f = {x.strip().lower() for x in q.get("protocol", "").split(",") if x.strip()}
        rows = []
        for email in emails:
            if search and search not in email.lower():
                rec, _, _ = self.record(email)
                if rec is None or not any(search in str(rec.get(k, "")).lower()
                                          for k in ("subId", "comment", "uuid", "password")):
                    continue
            ids = self.emails.get(email.lower(), set())
            if inbound_f and not (ids & inbound_f):
                continue
            if proto_f and not any(self.inbounds[i]["protocol"] in proto_f for i in ids):
                continue
            rows.append(email)
        filtered = len(rows)
        items = []
        for email in rows[(page - 1) * page_size:page * page_size]:
            rec, ids, traffic = self.record(email)
            item = {"email": email, "subId": rec["subId"], "enable": rec["enable"],
                    "totalGB": rec["totalGB"], "expiryTime": rec["expiryTime"],
                    "limitIp": rec["limitIp"], "limitHwid": 0, "reset": rec["reset"],
                    "resetDay": 0, "resetMax": 0}
            if rec["comment"]:
                item["comment"] = rec["comment"]
            item["inboundIds"] = ids
            if traffic is not None:
                item["traffic"] = traffic
            item["createdAt"] = rec["createdAt"]
            item["updatedAt"] = rec["updatedAt"]
            items.append(item)
        return {"items": items, "total": total, "filtered": filtered, "page": page,
                "pageSize": page_size,
                "summary": {"total": total, "active": total, "onlineCount": 0,
                            "depletedCount": 0, "expiringCount": 0, "deactiveCount": 0,
                            "online": [], "depleted": [], "expiring": [], "deactive": []},
                "groups": []}

    def v3_add(self, body):
        if not isinstance(body, dict):
            raise ApiError(msg_with(SOMETHING, "json: cannot unmarshal into Go value of type "
                                    "service.ClientCreatePayload"))
        client = body.get("client") or {}
        ids = body.get("inboundIds") or []
        if not isinstance(client, dict) or not isinstance(ids, list):
            raise ApiError(msg_with(SOMETHING, "json: cannot unmarshal into Go struct field"))
        email = client.get("email", "")
        if not isinstance(email, str) or not email.strip():
            raise ApiError(msg_with(SOMETHING, go_err("client email is required")))
        if re.search(r"[/\\\s\x00-\x1f\x7f]", email):
            raise ApiError(msg_with(SOMETHING, go_err(
                "client email contains an invalid character:", email)))
        if not ids:
            raise ApiError(msg_with(SOMETHING, go_err("at least one inbound is required")))
        client = dict(client)
        if not client.get("subId"):
            client["subId"] = str(uuid.uuid4())
        client["enable"] = True  # Create: `if !client.Enable { client.Enable = true }`
        stamp = now_ms()
        client.setdefault("created_at", stamp)
        client["updated_at"] = stamp
        if email.lower() in self.emails:
            rec, _, _ = self.record(email)
            if not rec or rec["subId"] != client["subId"]:
                raise ApiError(msg_with(SOMETHING, go_err("email already in use:", email)))
            client.setdefault("id", rec["uuid"])
            client.setdefault("password", rec["password"])
        for ib_id in ids:
            try:
                ib = self.inbound(ib_id)
            except ApiError:
                raise ApiError(msg_with(SOMETHING, NOT_FOUND))
            c = self.new_client_fields(client, ib["protocol"], ib["settings"])
            if not flow_allowed(ib):  # clientWithInboundFlow
                c["flow"] = ""
            if ib["protocol"] == "vless":
                client["id"] = c["id"]
            elif ib["protocol"] == "trojan":
                client["password"] = c["password"]
            if ib["id"] in self.emails.get(email.lower(), set()):
                raise ApiError(msg_with(SOMETHING, go_err("Duplicate email:", email)))
            ib["settings"]["clients"].append(c)
            self.emails.setdefault(email.lower(), set()).add(ib["id"])
            if email not in self.stats:
                self.add_stat(ib["id"], c)
            self.sync(ib, c)
        self.save()

    def v3_update(self, email, body):
        if email.lower() not in self.emails:
            raise ApiError(msg_with(SOMETHING, NOT_FOUND))
        if not isinstance(body, dict):
            raise ApiError(msg_with(SOMETHING, "json: cannot unmarshal into Go value of type "
                                    "model.Client"))
        new_email = body.get("email", "")
        if not isinstance(new_email, str) or not new_email.strip():
            raise ApiError(msg_with(SOMETHING, go_err("client email is required")))
        rec, ids, _ = self.record(email)
        if new_email != email and new_email.lower() in self.emails:
            raise ApiError(msg_with(SOMETHING, go_err("Duplicate email:", new_email)))
        # model.Client from the body: every field the body leaves out is zero.
        upd = {"email": new_email, "limitIp": body.get("limitIp", 0),
               "totalGB": body.get("totalGB", 0), "expiryTime": body.get("expiryTime", 0),
               "enable": bool(body.get("enable", False)), "tgId": body.get("tgId", 0),
               "subId": body.get("subId") or rec["subId"], "comment": body.get("comment", ""),
               "reset": body.get("reset", 0), "security": body.get("security", ""),
               "flow": body.get("flow", "")}
        for ib_id in ids:
            ib = self.inbounds[ib_id]
            clients = ib["settings"]["clients"]
            idx = next(i for i, c in enumerate(clients) if c.get("email") == email)
            old = clients[idx]
            new = dict(upd)
            if ib["protocol"] == "vless":
                new["id"] = body.get("id") or old.get("id")
            else:
                new["password"] = body.get("password") or old.get("password")
            self.replace_client(ib, idx, new)
        self.save()

    def v3_delete(self, email):
        ids = sorted(self.emails.get(email.lower(), ()))
        if not ids:
            raise ApiError(msg_with(SOMETHING, go_err(
                "client %s not found in any inbound or client record" % go_quote(email))))
        for ib_id in ids:
            ib = self.inbounds[ib_id]
            idx = next(i for i, c in enumerate(ib["settings"]["clients"])
                       if c.get("email") == email)
            self.remove_at(ib, idx, allow_empty=True)

    def v3_links(self, email, host):
        rec, ids, _ = self.record(email)
        if rec is None:
            raise ApiError(msg_with(OBTAIN, NOT_FOUND))
        links = []
        for ib_id in ids:
            ib = self.inbounds[ib_id]
            c = next(c for c in ib["settings"]["clients"] if c.get("email") == email)
            link = share_link(ib, c, host)
            if link:
                links.append(link)
        return links

    # -- control

    def forget(self):
        """The panel restored from a backup older than every client but its own first ones: only
        the clients the inbounds were made with (admin-<id>) remain."""
        for ib in self.inbounds.values():
            keep = []
            for c in ib["settings"]["clients"]:
                if c.get("email") == "admin-%d" % ib["id"]:
                    keep.append(c)
                else:
                    self.unsync(ib, c.get("email", ""))
            ib["settings"]["clients"] = keep
        kept = {c["email"] for ib in self.inbounds.values() for c in ib["settings"]["clients"]}
        self.stats = {e: st for e, st in self.stats.items() if e in kept}
        self.record_ids = {e: i for e, i in self.record_ids.items() if e in kept}
        self.reindex()
        self.save()

    def seed(self, n, ib_id, prefix="seed-", comment=""):
        ib = self.inbound(ib_id)
        stamp = now_ms()
        start = len(self.stats)
        for i in range(n):
            email = "%s%d-%d" % (prefix, start, i)
            c = self.new_client_fields({"email": email, "enable": True, "comment": comment,
                                        "created_at": stamp, "updated_at": stamp},
                                       ib["protocol"], ib["settings"])
            ib["settings"]["clients"].append(c)
            self.emails.setdefault(email.lower(), set()).add(ib["id"])
            self.add_stat(ib["id"], c)
        self.save()


# --- share links (v3's /clients/links; sub/service.go) -------------------------------------------


def flow_allowed(ib):
    """XTLS Vision belongs only to VLESS over TCP with TLS or REALITY."""
    stream = json.loads(ib["streamSettings"])
    return (ib["protocol"] == "vless" and stream.get("network") == "tcp"
            and stream.get("security") in ("tls", "reality"))


def _q(params):
    """Go's url.Values.Encode(): keys sorted, QueryEscape (space as +)."""
    return "&".join("%s=%s" % (urllib.parse.quote_plus(k), urllib.parse.quote_plus(v))
                    for k, v in sorted(params.items()))


def share_link(ib, c, host):
    stream = json.loads(ib["streamSettings"])
    network = stream.get("network", "tcp")
    security = stream.get("security", "none")
    params = {"type": network}
    settings = ib["settings"]
    if ib["protocol"] == "vless" and "encryption" in settings:
        params["encryption"] = settings["encryption"]
    if network == "ws":
        ws = stream.get("wsSettings", {})
        params["path"] = ws.get("path", "")
        params["host"] = ws.get("host", "")
    elif network == "grpc":
        g = stream.get("grpcSettings", {})
        params["serviceName"] = g.get("serviceName", "")
        params["authority"] = g.get("authority", "")
    if security == "tls":
        params["security"] = "tls"
        t = stream.get("tlsSettings", {})
        if t.get("alpn"):
            params["alpn"] = ",".join(t["alpn"])
        if "serverName" in t:
            params["sni"] = t["serverName"]
        fp = t.get("settings", {}).get("fingerprint")
        if fp is not None:
            params["fp"] = fp
    elif security == "reality":
        params["security"] = "reality"
        r = stream.get("realitySettings", {})
        rs = r.get("settings", {})
        if r.get("serverNames"):
            params["sni"] = r["serverNames"][0]
        params["pbk"] = rs.get("publicKey", "")
        if r.get("shortIds"):
            params["sid"] = r["shortIds"][0]
        if rs.get("fingerprint"):
            params["fp"] = rs["fingerprint"]
        seed = rs.get("spiderX", "")
        key = c.get("subId") or c.get("email", "")
        params["spx"] = "/" + hashlib.sha256((seed + "|" + key).encode()).hexdigest()[:15]
    elif ib["protocol"] != "shadowsocks":
        params["security"] = "none"
    remark = "-".join(p for p in (ib["remark"], c.get("email", "")) if p)
    hostport = "%s:%d" % (host, ib["port"])
    frag = "#" + urllib.parse.quote(remark, safe="")
    if ib["protocol"] == "vless":
        if c.get("flow") and network == "tcp" and security in ("tls", "reality"):
            params["flow"] = c["flow"]
        return "vless://%s@%s?%s%s" % (c["id"], hostport, _q(params), frag)
    if ib["protocol"] == "trojan":
        pw = urllib.parse.quote_plus(c["password"]).replace("+", "%20")
        return "trojan://%s@%s?%s%s" % (pw, hostport, _q(params), frag)
    if ib["protocol"] == "shadowsocks":
        method = settings.get("method", "")
        if method.startswith("2022"):
            userinfo = "%s:%s:%s" % (urllib.parse.quote_plus(method),
                                     urllib.parse.quote_plus(settings.get("password", "")),
                                     urllib.parse.quote_plus(c["password"]))
        else:
            userinfo = base64.urlsafe_b64encode(
                ("%s:%s" % (method, c["password"])).encode()).decode().rstrip("=")
        return "ss://%s@%s?%s%s" % (userinfo, hostport, _q(params), frag)
    return ""


# --- HTTP -----------------------------------------------------------------------------------------


class Sessions:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_id = {}   # sid -> {"login": bool, "csrf": str|None}

    def get(self, sid):
        with self.lock:
            return self.by_id.get(sid)

    def new(self):
        sid = secrets.token_urlsafe(24)
        with self.lock:
            self.by_id[sid] = {"login": False, "csrf": None}
        return sid

    def clear(self):
        with self.lock:
            self.by_id.clear()


ROUTES_V2 = [
    ("GET", r"/panel/api/inbounds/list", "inbounds_list"),
    ("GET", r"/panel/api/inbounds/get/(?P<id>[^/]+)", "inbounds_get"),
    ("GET", r"/panel/api/inbounds/getClientTraffics/(?P<email>[^/]+)", "v2_traffic"),
    ("POST", r"/panel/api/inbounds/addClient", "v2_add"),
    ("POST", r"/panel/api/inbounds/updateClient/(?P<key>[^/]+)", "v2_update"),
    ("POST", r"/panel/api/inbounds/(?P<id>[^/]+)/delClient/(?P<key>[^/]+)", "v2_del"),
    ("POST", r"/panel/api/inbounds/(?P<id>[^/]+)/delClientByEmail/(?P<email>[^/]+)",
     "v2_del_email"),
]
ROUTES_V3 = [
    ("GET", r"/panel/api/inbounds/list", "inbounds_list"),
    ("GET", r"/panel/api/inbounds/get/(?P<id>[^/]+)", "inbounds_get"),
    ("GET", r"/panel/api/clients/list", "v3_list"),
    ("GET", r"/panel/api/clients/list/paged", "v3_paged"),
    ("GET", r"/panel/api/clients/get/(?P<email>[^/]+)", "v3_get"),
    ("GET", r"/panel/api/clients/traffic/(?P<email>[^/]+)", "v3_traffic"),
    ("GET", r"/panel/api/clients/links/(?P<email>[^/]+)", "v3_links"),
    ("POST", r"/panel/api/clients/add", "v3_add"),
    ("POST", r"/panel/api/clients/update/(?P<email>[^/]+)", "v3_update"),
    ("POST", r"/panel/api/clients/del/(?P<email>[^/]+)", "v3_del"),
]


def route_name(pattern):
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = ""
    sys_version = ""

    def log_message(self, *args):
        pass

    @property
    def app(self):
        return self.server.app

    def version_string(self):
        return "fake-3x-ui"

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, body=b"", ctype="application/json; charset=utf-8", cookies=()):
        self.send_response(status)
        if body or ctype.startswith("application/json"):
            self.send_header("Content-Type", ctype)
        for c in cookies:
            self.send_header("Set-Cookie", c)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def envelope(self, success, msg="", obj=None, cookies=()):
        body = json.dumps({"success": success, "msg": msg, "obj": obj}).encode()
        self.send(200, body, cookies=cookies)

    def session(self):
        raw = self.headers.get("Cookie", "")
        for part in raw.split(";"):
            k, _, v = part.strip().partition("=")
            if k == "3x-ui":
                s = self.app.sessions.get(v)
                if s is not None:
                    return v, s
        return None, None

    def cookie_for(self, sid):
        return "3x-ui=%s; Path=%s; Max-Age=3600; HttpOnly; SameSite=Lax" % (
            sid, self.app.base + "/" if self.app.base else "/")

    def handle_any(self, method):
        app = self.app
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        body = self.read_body()
        if path.startswith("/_control/"):
            return self.control(method, path, query)
        if app.base and not (path == app.base or path.startswith(app.base + "/")):
            app.control.count("%s <outside base path>" % method)
            return self.send(404, b"404 page not found", "text/plain")
        rel = path[len(app.base):] or "/"
        app.control.wait_unhung()  # hung: login included, as a stuck panel is
        try:
            if rel == "/login" and method == "POST":
                app.control.count("POST /login")
                return self.login(body)
            if rel == "/csrf-token" and method == "GET" and app.api == "v3":
                app.control.count("GET /csrf-token")
                return self.csrf_token()
            if rel == "/logout":
                app.control.count("%s /logout" % method)
                return self.logout()
            routes = ROUTES_V2 if app.api == "v2" else ROUTES_V3
            for m, pattern, name in routes:
                mt = re.fullmatch(pattern, rel)
                if mt and m == method:
                    app.control.count("%s %s" % (method, route_name(pattern)))
                    self.check_auth(method)
                    args = {k: urllib.parse.unquote(v) for k, v in mt.groupdict().items()}
                    return getattr(self, "r_" + name)(args, query, body)
            app.control.count("%s <no route>" % method)
            return self.send(404, b"404 page not found", "text/plain")
        except HttpStatus as e:
            return self.send(e.status, e.body, "text/plain")
        except ApiError as e:
            return self.envelope(False, e.msg)

    # -- auth

    def check_auth(self, method):
        app = self.app
        if app.api == "v3":
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Bearer ") and app.token and secrets.compare_digest(
                    auth[len("Bearer "):].encode(), app.token.encode()):
                return
        sid, s = self.session()
        if s is None or not s["login"]:
            if app.api == "v3" and self.headers.get("X-Requested-With") == "XMLHttpRequest":
                raise HttpStatus(401)
            raise HttpStatus(404)
        if app.api == "v3" and method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            if not self.csrf_ok(s):
                raise HttpStatus(403)

    def csrf_ok(self, s):
        want = s.get("csrf")
        got = self.headers.get("X-CSRF-Token", "")
        return bool(want) and len(got) == len(want) and secrets.compare_digest(
            got.encode(), want.encode())

    def login(self, body):
        app = self.app
        if app.api == "v3":
            _, s = self.session()
            if s is None or not self.csrf_ok(s):
                raise HttpStatus(403)
        ctype = self.headers.get("Content-Type", "")
        form = {}
        try:
            if "json" in ctype:
                form = json.loads(body or b"{}")
                if not isinstance(form, dict):
                    raise ValueError
            else:
                form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        except ValueError:
            return self.envelope(False, "Invalid form data")
        user, pw = form.get("username", ""), form.get("password", "")
        if not user:
            return self.envelope(False, "Username is required")
        if not pw:
            return self.envelope(False, "Password is required")
        ok = (secrets.compare_digest(str(user).encode(), app.username.encode())
              and secrets.compare_digest(str(pw).encode(), app.password.encode()))
        if not ok:
            return self.envelope(False, "Invalid username or password or two-factor code.")
        sid, s = self.session()
        if s is None:
            sid = app.sessions.new()
            s = app.sessions.get(sid)
        s["login"] = True
        return self.envelope(True, " You have successfully logged into your account.",
                             cookies=[self.cookie_for(sid)])

    def csrf_token(self):
        sid, s = self.session()
        cookies = []
        if s is None:
            sid = self.app.sessions.new()
            s = self.app.sessions.get(sid)
            cookies.append(self.cookie_for(sid))
        if not s["csrf"]:
            s["csrf"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        body = json.dumps({"obj": s["csrf"], "success": True}).encode()
        self.send(200, body, cookies=cookies)

    def logout(self):
        sid, s = self.session()
        if s is not None:
            s["login"] = False
        if self.app.api == "v3":
            return self.send(200, b'{"success":true}')
        self.send_response(307)
        self.send_header("Location", self.app.base + "/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    # -- routes

    def form_or_json(self, body):
        ctype = self.headers.get("Content-Type", "")
        if "json" in ctype:
            try:
                data = json.loads(body or b"null")
            except ValueError as e:
                raise ApiError(msg_with(INBOUND_UPDATED, "invalid character: %s" % e))
            if not isinstance(data, dict):
                raise ApiError(msg_with(INBOUND_UPDATED, "json: cannot unmarshal into Go value"
                                        " of type model.Inbound"))
        else:
            data = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        if "id" in data and not isinstance(data["id"], int):
            try:
                data["id"] = int(data["id"])
            except (TypeError, ValueError):
                raise ApiError(msg_with(INBOUND_UPDATED, 'strconv.ParseInt: parsing %s: invalid '
                                        'syntax' % go_quote(str(data["id"]))))
        return data

    def r_inbounds_list(self, args, query, body):
        with self.app.panel.lock:
            obj = [self.app.panel.inbound_json(ib) for _, ib in
                   sorted(self.app.panel.inbounds.items())]
        self.envelope(True, "", obj)

    def r_inbounds_get(self, args, query, body):
        try:
            int(args["id"])
        except ValueError:
            raise ApiError(msg_with("Get", 'strconv.Atoi: parsing %s: invalid syntax'
                                    % go_quote(args["id"])))
        with self.app.panel.lock:
            try:
                ib = self.app.panel.inbound(args["id"])
            except ApiError:
                raise ApiError(msg_with(OBTAIN, NOT_FOUND))
            obj = self.app.panel.inbound_json(ib, with_stats=False)
            obj["clientStats"] = None
        self.envelope(True, "", obj)

    def r_v2_traffic(self, args, query, body):
        self.app.panel.sweep()
        with self.app.panel.lock:
            obj = self.app.panel.v2_traffic(args["email"])
        self.envelope(True, "", obj)

    def r_v2_add(self, args, query, body):
        data = self.form_or_json(body)
        with self.app.panel.lock:
            self.app.panel.v2_add_client(data)
        self.envelope(True, ADDED)

    def r_v2_update(self, args, query, body):
        data = self.form_or_json(body)
        with self.app.panel.lock:
            self.app.panel.v2_update_client(args["key"], data)
        self.envelope(True, UPDATED)

    def r_v2_del(self, args, query, body):
        try:
            int(args["id"])
        except ValueError:
            raise ApiError(msg_with(INBOUND_UPDATED, 'strconv.Atoi: parsing %s: invalid syntax'
                                    % go_quote(args["id"])))
        with self.app.panel.lock:
            self.app.panel.v2_del_client(args["id"], args["key"])
        self.envelope(True, DELETED)

    def r_v2_del_email(self, args, query, body):
        try:
            int(args["id"])
        except ValueError:
            raise ApiError(msg_with("Invalid inbound ID", 'strconv.Atoi: parsing %s: invalid '
                                    'syntax' % go_quote(args["id"])))
        with self.app.panel.lock:
            self.app.panel.v2_del_client_by_email(args["id"], args["email"])
        self.envelope(True, "Client deleted successfully")

    def json_body(self, body):
        try:
            return json.loads(body or b"null")
        except ValueError as e:
            raise ApiError(msg_with(SOMETHING, "invalid character: %s" % e))

    def r_v3_list(self, args, query, body):
        with self.app.panel.lock:
            obj = self.app.panel.v3_list()
        self.envelope(True, "", obj)

    def r_v3_paged(self, args, query, body):
        with self.app.panel.lock:
            obj = self.app.panel.v3_list_paged(query)
        self.envelope(True, "", obj)

    def r_v3_get(self, args, query, body):
        with self.app.panel.lock:
            rec, ids, traffic = self.app.panel.record(args["email"])
        if rec is None:
            raise ApiError(msg_with(OBTAIN, NOT_FOUND))
        used = traffic["up"] + traffic["down"] if traffic else 0
        self.envelope(True, "", {"client": rec, "inboundIds": ids, "externalLinks": [],
                                 "usedTraffic": used})

    def r_v3_traffic(self, args, query, body):
        self.app.panel.sweep()
        with self.app.panel.lock:
            email = args["email"]
            obj = None
            if email in self.app.panel.stats:
                _, c = self.app.panel.client_in(email)
                obj = self.app.panel.traffic_row(email, c or {})
        self.envelope(True, "", obj)

    def r_v3_links(self, args, query, body):
        host = (self.headers.get("Host") or "127.0.0.1").rsplit(":", 1)[0].strip("[]")
        with self.app.panel.lock:
            obj = self.app.panel.v3_links(args["email"], host)
        self.envelope(True, "", obj)

    def r_v3_add(self, args, query, body):
        data = self.json_body(body)
        with self.app.panel.lock:
            self.app.panel.v3_add(data)
        self.envelope(True, ADDED)

    def r_v3_update(self, args, query, body):
        data = self.json_body(body)
        with self.app.panel.lock:
            self.app.panel.v3_update(args["email"], data)
        self.envelope(True, UPDATED)

    def r_v3_del(self, args, query, body):
        with self.app.panel.lock:
            self.app.panel.v3_delete(args["email"])
        self.envelope(True, DELETED)

    # -- control

    def control(self, method, path, query):
        app = self.app
        name = path[len("/_control/"):]
        common = app.control.common(method, path)
        if common is not None:
            return self.send(200, json.dumps(common).encode())
        if method != "POST":
            return self.send(404, b"no such control", "text/plain")
        if name == "forget":
            with app.panel.lock:
                app.panel.forget()
        elif name == "expire_sessions":
            app.sessions.clear()
        elif name == "seed":
            n = int(query.get("n", "10000"))
            with app.panel.lock:
                app.panel.seed(n, int(query.get("inbound", "1")), query.get("prefix", "seed-"),
                               query.get("comment", ""))
        elif name == "v2ray_restart":
            with app.panel.lock:
                app.plane.restart()
                app.panel.live = {}
        else:
            return self.send(404, b"no such control", "text/plain")
        return self.send(200, b'{"ok":true}')


class App:
    pass


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--base-path", default="")
    p.add_argument("--state", required=True)
    p.add_argument("--api", choices=("v2", "v3"), default="v2")
    p.add_argument("--username", default="admin")
    p.add_argument("--password", default="admin")
    p.add_argument("--token", default="")
    p.add_argument("--ready-file")
    p.add_argument("--no-v2ray", action="store_true")
    p.add_argument("--no-default-client", action="store_true")
    a = p.parse_args(argv)

    os.makedirs(a.state, exist_ok=True)
    httpd = None

    def on_term(*_):
        if httpd is None:  # still starting: unwind, so that v2ray is stopped below
            raise SystemExit(1)
        threading.Thread(target=httpd.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    plane = NullPlane() if a.no_v2ray else V2rayPlane(os.path.join(a.state, "v2ray"))
    panel = Panel(a.state, a.api, plane, not a.no_default_client)
    fresh = panel.load_or_create()
    stop = threading.Event()
    app = App()
    app.control = PanelControl()
    try:
        plane.start(panel.ports)
        if fresh:
            panel.create_inbounds(getattr(plane, "cert_file", ""),
                                  getattr(plane, "key_file", ""))
            panel.write()
        panel.reindex()
        panel.sync_all()

        app.api, app.token = a.api, a.token
        app.username, app.password = a.username, a.password
        app.base = "/" + a.base_path.strip("/") if a.base_path.strip("/") else ""
        app.panel, app.plane = panel, plane
        app.sessions = Sessions()

        server = PanelServer(("127.0.0.1", a.port), Handler)
        server.app = app

        def sweeper():
            while not stop.wait(1.0):
                try:
                    panel.sweep()
                except Exception as e:  # noqa: BLE001
                    print("sweep: %s" % e, file=sys.stderr)

        def flusher():
            while not stop.wait(0.2):
                panel.flush()

        threading.Thread(target=sweeper, daemon=True).start()
        threading.Thread(target=flusher, daemon=True).start()

        info = {"port": server.server_address[1], "base_path": app.base, "api": a.api,
                "inbounds": {str(i): {"protocol": ib["protocol"], "port": ib["port"],
                                      "remark": ib["remark"],
                                      "v2ray_tag": ib.get("_v2tag") if ib.get("_v2tag") in
                                      plane.inbounds else None}
                             for i, ib in sorted(panel.inbounds.items())}}
        write_ready(a.ready_file, info)
        httpd = server
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
    finally:
        stop.set()
        app.control.unhang()
        panel.flush()
        plane.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
