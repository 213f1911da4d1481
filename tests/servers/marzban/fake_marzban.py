#!/usr/bin/env python3
"""A fake Marzban panel for tests: the REST API the hub uses, field by field as
Gozargah/Marzban 0.8 serves it (app/routers/admin.py, user.py, system.py, subscription.py;
app/models/user.py, admin.py, proxy.py; app/subscription/v2ray.py), backed by a real v2ray
(tests/servers/v2ray/v2ray_core.py's V2rayServer): every active user is added to the v2ray inbound
behind each of its Marzban inbounds, so the links and the subscription it hands out carry traffic.

API (FastAPI's shapes: JSON bodies, errors {"detail": ...}):
  POST   /api/admin/token      form username, password -> {"access_token": JWT, "token_type":
                               "bearer"}; 401 "Incorrect username or password"
  GET    /api/admin            the current admin
  GET    /api/inbounds         {protocol: [{"tag","protocol","network","tls","port"}]}
  POST   /api/user             UserCreate -> UserResponse; 409 "User already exists"; 422 on
                               validation (username, proxies, inbounds, expire, data_limit,
                               status); 400 "Protocol X is disabled on your server"
  GET    /api/user/{username}  UserResponse; 404 "User not found"
  PUT    /api/user/{username}  UserModify (fields not given are left) -> UserResponse
  DELETE /api/user/{username}  {"detail": "User successfully deleted"}
  GET    /api/users?offset=&limit=   {"users": [UserResponse...], "total": N}
  GET    /sub/{token}          base64 of the user's links, one a line (as for v2ray clients)
Every /api call but the token needs "Authorization: Bearer <token>": none -> 401 "Not
authenticated"; a token not signed with the panel's current key -> 401 "Could not validate
credentials". subscription_url is relative, "/sub/<token>" (XRAY_SUBSCRIPTION_URL_PREFIX empty).

Inbounds: "VLESS TCP", "VLESS WS TLS" (vless) and "Trojan TLS" (trojan), behind the v2ray inbounds
vless-tcp, vless-ws-tls and trojan-tls (v2ray 4.34 has no gRPC transport). Links as Marzban formats them
for a host whose address is --address, with sni "vpn.test" and allowInsecure (v2ray's throwaway
certificate). Users are emailed "<id>.<username>" in v2ray, as Marzban does; used_traffic is
v2ray's counter of that email.

State (users, the token signing key) is kept in --state DIR/state.json, each user change appended
to DIR/journal.jsonl (replayed and folded into state.json on start): a restart keeps the users
and adds the active ones to its new v2ray again.

Control endpoints for tests (never hung):
  GET  /_control/requests        {"METHOD /route": count} of the API requests answered
  POST /_control/forget          drop every user (a panel restored from an old backup)
  POST /_control/hang, /unhang   API requests are held unanswered / answered again
  POST /_control/expire_tokens   a new signing key: every token given so far gets 401
  POST /_control/refuse_tokens?on=1|0   every token gets 401 (a login still answers one)
  POST /_control/seed?n=N        N more users "vpnhub_seed_<i>" (VLESS TCP) in the panel's
                                 database only: not added to v2ray (for listing benchmarks)
Options: --port N (0: ephemeral), --state DIR, --username U, --password P, --ready-file F (written
with {"url": "http://127.0.0.1:PORT", "port": PORT} once serving), --address A (links' host),
--no-v2ray (no v2ray behind the panel: inbound ports are made up; for tests that need none).
Python 3 standard library, plus v2ray_core.py (grpcio) unless --no-v2ray.
"""
import argparse
import base64
import hashlib
import hmac
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
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "v2ray"))
sys.path.insert(0, os.path.join(HERE, ".."))
from panel_fake_support import NullV2ray, PanelControl, PanelServer, write_ready  # noqa: E402

# Marzban tag, protocol, v2ray tag (tests/servers/v2ray/v2ray_core.py).
INBOUNDS = [
    ("VLESS TCP", "vless", "vless-tcp"),
    ("VLESS WS TLS", "vless", "vless-ws-tls"),
    ("Trojan TLS", "trojan", "trojan-tls"),
]
PROTOCOLS = ("vmess", "vless", "trojan", "shadowsocks")
USERNAME_RE = re.compile(r"^(?=\w{3,32}\b)[a-zA-Z0-9-_@.]+(?:_[a-zA-Z0-9-_@.]+)*$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                     r"[0-9a-fA-F]{12}$")
SNI = "vpn.test"


class ApiError(Exception):
    def __init__(self, status, detail):
        super().__init__(str(detail))
        self.status, self.detail = status, detail


def invalid(field, msg):
    """FastAPI's 422 for a body field."""
    return ApiError(422, [{"type": "value_error", "loc": ["body", field], "msg": msg,
                           "input": None}])


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def now_iso():
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat()


class FakeV2ray(NullV2ray):
    """No v2ray (--no-v2ray): made-up ports, nothing carried."""

    def __init__(self):
        self.inbounds = {
            "vless-tcp": {"protocol": "vless", "port": 20001, "network": "tcp", "security": "none"},
            "vless-ws-tls": {"protocol": "vless", "port": 20002, "network": "ws",
                             "security": "tls", "path": "/vl"},
            "trojan-tls": {"protocol": "trojan", "port": 20004, "network": "tcp",
                           "security": "tls"},
        }


class Panel:
    def __init__(self, state_dir, admin, password, address, v2):
        self.path = os.path.join(state_dir, "state.json")
        self.admin, self.password, self.address, self.v2 = admin, password, address, v2
        self.lock = threading.RLock()
        self.state = {"key": secrets.token_hex(32), "next_id": 1, "users": {}}
        self.journal = os.path.join(state_dir, "journal.jsonl")
        if os.path.exists(self.path):
            with open(self.path) as f:
                self.state = json.load(f)
        if os.path.exists(self.journal):
            with open(self.journal) as f:
                for line in f:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        break  # a line cut by a kill
                    if "put" in entry:
                        self.state["users"][entry["put"]["username"]] = entry["put"]
                        self.state["next_id"] = max(self.state["next_id"],
                                                    entry["put"]["id"] + 1)
                    else:
                        self.state["users"].pop(entry["del"], None)
        self.tokens = {}  # subscription token -> username
        self.refuse_tokens = False
        for name, u in self.state["users"].items():
            self.tokens[u["sub_token"]] = name
            if u["status"] == "active" and not u.get("seeded"):
                self._v2_add(u)
        self.save()

    # --- persistence and v2ray -------------------------------------------------------------
    def save(self):
        """The whole state to state.json; the journal is then empty."""
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.state, f)
        os.replace(tmp, self.path)
        open(self.journal, "w").close()

    def record(self, entry):
        """One user change appended to the journal (a create costs O(1), not a rewrite)."""
        with open(self.journal, "a") as f:
            f.write(json.dumps(entry) + "\n")

    @staticmethod
    def email(u):
        return f"{u['id']}.{u['username']}"

    def _targets(self, u):
        for protocol, tags in u["inbounds"].items():
            secret = u["proxies"][protocol].get("id") or u["proxies"][protocol].get("password")
            for tag in tags:
                v2tag = next(v for t, _, v in INBOUNDS if t == tag)
                yield v2tag, secret

    def _v2_add(self, u):
        for v2tag, secret in self._targets(u):
            try:
                self.v2.add_user(v2tag, self.email(u), secret)
            except Exception as e:  # noqa: BLE001 - V2rayError
                if "already exists" not in str(e):
                    raise

    def _v2_remove(self, u):
        for v2tag, _ in self._targets(u):
            try:
                self.v2.remove_user(v2tag, self.email(u))
            except Exception as e:  # noqa: BLE001 - V2rayError
                if "not found" not in str(e):
                    raise

    # --- auth ------------------------------------------------------------------------------
    def _sign(self, payload):
        head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = b64url(json.dumps(payload).encode())
        sig = hmac.new(self.state["key"].encode(), f"{head}.{body}".encode(),
                       hashlib.sha256).digest()
        return f"{head}.{body}.{b64url(sig)}"

    def login(self, form):
        if "username" not in form or "password" not in form:
            missing = "username" if "username" not in form else "password"
            raise ApiError(422, [{"type": "missing", "loc": ["body", missing],
                                  "msg": "Field required", "input": None}])
        if not (hmac.compare_digest(form["username"], self.admin)
                and hmac.compare_digest(form["password"], self.password)):
            raise ApiError(401, "Incorrect username or password")
        token = self._sign({"sub": self.admin, "access": "sudo", "iat": int(time.time())})
        return {"access_token": token, "token_type": "bearer"}

    def check(self, authorization):
        if not authorization or not authorization.lower().startswith("bearer "):
            raise ApiError(401, "Not authenticated")
        token = authorization[7:].strip()
        parts = token.split(".")
        if len(parts) == 3:
            with self.lock:
                key = self.state["key"]
            want = b64url(hmac.new(key.encode(), f"{parts[0]}.{parts[1]}".encode(),
                                   hashlib.sha256).digest())
            if hmac.compare_digest(want, parts[2]) and not self.refuse_tokens:
                return
        raise ApiError(401, "Could not validate credentials")

    def expire_tokens(self):
        with self.lock:
            self.state["key"] = secrets.token_hex(32)
            self.save()

    # --- views -----------------------------------------------------------------------------
    def inbounds(self):
        out = {}
        for tag, protocol, v2tag in INBOUNDS:
            ib = self.v2.inbounds[v2tag]
            out.setdefault(protocol, []).append({
                "tag": tag, "protocol": protocol, "network": ib["network"],
                "tls": ib["security"], "port": ib["port"]})
        return out

    def links(self, u):
        out = []
        for protocol, tags in u["inbounds"].items():
            for tag in tags:
                v2tag = next(v for t, _, v in INBOUNDS if t == tag)
                ib = self.v2.inbounds[v2tag]
                net, tls = ib["network"], ib["security"]
                remark = f"🚀 Marz ({u['username']}) [{protocol.upper()} - {net}]"
                payload = {"security": tls, "type": net,
                           "headerType": "none" if net == "tcp" else ""}
                if net == "grpc":
                    payload["serviceName"] = ib.get("serviceName", "")
                    payload["authority"] = ""
                    payload["mode"] = "gun"
                else:
                    payload["path"] = ib.get("path", "")
                    payload["host"] = ""
                if tls == "tls":
                    payload["sni"] = SNI
                    payload["fp"] = ""
                    payload["allowInsecure"] = 1
                settings = u["proxies"][protocol]
                cred = settings.get("id") if protocol in ("vless", "vmess") else \
                    urllib.parse.quote(settings["password"], safe="-")
                out.append(f"{protocol}://{cred}@{self.address}:{ib['port']}?"
                           + urllib.parse.urlencode(payload)
                           + f"#{urllib.parse.quote(remark)}")
        return out

    def response(self, u, used=None):
        excluded = {}
        for protocol in u["proxies"]:
            excluded[protocol] = [t for t, p, _ in INBOUNDS
                                  if p == protocol and t not in u["inbounds"].get(protocol, [])]
        if used is None:
            used = self.v2.stats().get(self.email(u), 0)
        return {
            "proxies": u["proxies"], "expire": u["expire"], "data_limit": u["data_limit"],
            "data_limit_reset_strategy": u["data_limit_reset_strategy"],
            "inbounds": u["inbounds"], "note": u["note"], "sub_updated_at": None,
            "sub_last_user_agent": None, "online_at": None, "on_hold_expire_duration": None,
            "on_hold_timeout": None, "auto_delete_in_days": None, "next_plan": None,
            "username": u["username"], "status": u["status"], "used_traffic": used,
            "lifetime_used_traffic": used, "created_at": u["created_at"],
            "links": self.links(u), "subscription_url": f"/sub/{u['sub_token']}",
            "excluded_inbounds": excluded,
            "admin": {"username": self.admin, "is_sudo": True, "telegram_id": None,
                      "discord_webhook": None, "users_usage": None},
        }

    # --- validation ------------------------------------------------------------------------
    def _proxies(self, raw, creating):
        if not isinstance(raw, dict):
            raise invalid("proxies", "Input should be a valid dictionary")
        if creating and not raw:
            raise invalid("proxies", "Value error, Each user needs at least one proxy")
        out = {}
        for protocol, settings in raw.items():
            if protocol not in PROTOCOLS:
                raise invalid("proxies", f"Input should be {', '.join(PROTOCOLS)}")
            settings = settings or {}
            if not isinstance(settings, dict):
                raise invalid("proxies", "Input should be a valid dictionary")
            if protocol in ("vless", "vmess"):
                pid = settings.get("id") or str(uuid.uuid4())
                if not isinstance(pid, str) or not UUID_RE.match(pid):
                    raise invalid("proxies", "Input should be a valid UUID")
                entry = {"id": str(uuid.UUID(pid))}
                if protocol == "vless":
                    entry["flow"] = settings.get("flow", "")
            else:
                pw = settings.get("password") or secrets.token_urlsafe(16)
                if not isinstance(pw, str):
                    raise invalid("proxies", "Input should be a valid string")
                entry = {"password": pw}
                if protocol == "trojan":
                    entry["flow"] = settings.get("flow", "")
                else:
                    entry["method"] = settings.get("method", "chacha20-ietf-poly1305")
            out[protocol] = entry
        for protocol in out:
            if not any(p == protocol for _, p, _ in INBOUNDS):
                raise ApiError(400, f"Protocol {protocol} is disabled on your server")
        return out

    @staticmethod
    def _inbounds(raw, proxies):
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise invalid("inbounds", "Input should be a valid dictionary")
        out = {}
        for protocol in proxies:
            tags = raw.get(protocol)
            if tags:
                if not isinstance(tags, list):
                    raise invalid("inbounds", "Input should be a valid list")
                for tag in tags:
                    if not any(t == tag for t, _, _ in INBOUNDS):
                        raise invalid("inbounds", f"Value error, Inbound {tag} doesn't exist")
                out[protocol] = list(tags)
            else:
                out[protocol] = [t for t, p, _ in INBOUNDS if p == protocol]
        return out

    @staticmethod
    def _scalars(body, u, creating):
        if "expire" in body or creating:
            e = body.get("expire")
            if e is not None and (not isinstance(e, int) or isinstance(e, bool)):
                raise invalid("expire", "Input should be a valid integer")
            if e is not None or creating:
                u["expire"] = e
        if "data_limit" in body or creating:
            d = body.get("data_limit")
            if isinstance(d, float):
                d = int(d)
            if d is not None and (not isinstance(d, int) or isinstance(d, bool)):
                raise invalid("data_limit",
                              "Value error, data_limit must be an integer or a float, not a "
                              "string")
            if d is not None and d < 0:
                raise invalid("data_limit", "Input should be greater than or equal to 0")
            if d is not None or creating:
                u["data_limit"] = d
        strategy = body.get("data_limit_reset_strategy")
        if strategy is not None:
            if strategy not in ("no_reset", "day", "week", "month", "year"):
                raise invalid("data_limit_reset_strategy",
                              "Input should be 'no_reset', 'day', 'week', 'month' or 'year'")
            u["data_limit_reset_strategy"] = strategy
        elif creating:
            u["data_limit_reset_strategy"] = "no_reset"
        status = body.get("status")
        allowed = ("active", "on_hold") if creating else ("active", "disabled", "on_hold")
        if status is not None:
            if status not in allowed:
                raise invalid("status", "Input should be " + " or ".join(
                    f"'{s}'" for s in allowed))
            if status == "on_hold":
                raise invalid("status", "Value error, User cannot be on hold without a valid "
                                        "on_hold_expire_duration.")
            u["status"] = status
        elif creating:
            u["status"] = "active"
        if "note" in body and body["note"] is not None:
            if not isinstance(body["note"], str) or len(body["note"]) > 500:
                raise invalid("note", "Value error, User's note can be a maximum of 500 "
                                      "character")
            u["note"] = body["note"]
        elif creating:
            u["note"] = None

    # --- users -----------------------------------------------------------------------------
    def create(self, body):
        if not isinstance(body, dict):
            raise ApiError(422, [{"type": "model_attributes_type", "loc": ["body"],
                                  "msg": "Input should be a valid dictionary", "input": None}])
        name = body.get("username")
        if not isinstance(name, str):
            raise ApiError(422, [{"type": "missing", "loc": ["body", "username"],
                                  "msg": "Field required", "input": None}])
        if not USERNAME_RE.match(name):
            raise invalid("username", "Value error, Username only can be 3 to 32 characters "
                                      "and contain a-z, 0-9, and underscores in between.")
        proxies = self._proxies(body.get("proxies", {}), True)
        u = {"username": name, "proxies": proxies,
             "inbounds": self._inbounds(body.get("inbounds"), proxies),
             "created_at": now_iso(), "sub_token": secrets.token_urlsafe(24)}
        self._scalars(body, u, True)
        with self.lock:
            if name.lower() in (n.lower() for n in self.state["users"]):
                raise ApiError(409, "User already exists")
            u["id"] = self.state["next_id"]
            self.state["next_id"] += 1
            if u["status"] == "active":
                self._v2_add(u)
            self.state["users"][name] = u
            self.tokens[u["sub_token"]] = name
            self.record({"put": u})
            return self.response(u)

    def _get(self, name):
        u = self.state["users"].get(name)
        if u is None:
            raise ApiError(404, "User not found")
        return u

    def get(self, name):
        with self.lock:
            return self.response(self._get(name))

    def modify(self, name, body):
        if not isinstance(body, dict):
            raise ApiError(422, [{"type": "model_attributes_type", "loc": ["body"],
                                  "msg": "Input should be a valid dictionary", "input": None}])
        with self.lock:
            u = self._get(name)
            new = json.loads(json.dumps(u))
            if body.get("proxies"):
                new["proxies"] = self._proxies(body["proxies"], False)
            if body.get("inbounds"):
                new["inbounds"] = self._inbounds(body["inbounds"], new["proxies"])
            self._scalars(body, new, False)
            if u["status"] == "active" and not u.get("seeded"):
                self._v2_remove(u)
            if new["status"] == "active" and not new.get("seeded"):
                self._v2_add(new)
            self.state["users"][name] = new
            self.record({"put": new})
            return self.response(new)

    def delete(self, name):
        with self.lock:
            u = self._get(name)
            if not u.get("seeded"):
                self._v2_remove(u)
            del self.state["users"][name]
            self.tokens.pop(u["sub_token"], None)
            self.record({"del": name})
        return {"detail": "User successfully deleted"}

    def users(self, query):
        def number(field):
            v = query.get(field, [None])[0]
            if v is None:
                return None
            try:
                return int(v)
            except ValueError:
                raise ApiError(422, [{"type": "int_parsing", "loc": ["query", field],
                                      "msg": "Input should be a valid integer", "input": v}])
        offset, limit = number("offset"), number("limit")
        with self.lock:
            everyone = sorted(self.state["users"].values(), key=lambda x: x["id"])
            page = everyone[offset or 0:]
            if limit is not None:
                page = page[:limit]
            stats = self.v2.stats()
            return {"users": [self.response(u, stats.get(self.email(u), 0)) for u in page],
                    "total": len(everyone)}

    def subscription(self, token):
        with self.lock:
            name = self.tokens.get(token)
            u = self.state["users"].get(name) if name else None
            if u is None:
                raise ApiError(404, "Not Found")
            links = self.links(u)
            used = self.v2.stats().get(self.email(u), 0)
            info = (f"upload=0; download={used}; total={u['data_limit'] or 0}; "
                    f"expire={u['expire'] or 0}")
        return base64.b64encode("\n".join(links).encode()).decode(), info, name

    def forget(self):
        with self.lock:
            for u in self.state["users"].values():
                if u["status"] == "active" and not u.get("seeded"):
                    self._v2_remove(u)
            self.state["users"] = {}
            self.tokens = {}
            self.save()

    def seed(self, n):
        with self.lock:
            start = len(self.state["users"])
            for i in range(start, start + n):
                name = f"vpnhub_seed_{i}"
                u = {"username": name, "proxies": {"vless": {"id": str(uuid.uuid4()),
                                                               "flow": ""}},
                     "inbounds": {"vless": ["VLESS TCP"]}, "created_at": now_iso(),
                     "sub_token": secrets.token_urlsafe(24), "expire": None,
                     "data_limit": None, "data_limit_reset_strategy": "no_reset",
                     "status": "active", "note": None, "seeded": True,
                     "id": self.state["next_id"]}
                self.state["next_id"] += 1
                self.state["users"][name] = u
                self.tokens[u["sub_token"]] = name
            self.save()
            return len(self.state["users"])


ROUTES = [  # method, pattern, route name
    ("POST", r"/api/admin/token", "/api/admin/token"),
    ("GET", r"/api/admin", "/api/admin"),
    ("GET", r"/api/inbounds", "/api/inbounds"),
    ("POST", r"/api/user", "/api/user"),
    ("GET", r"/api/user/([^/]+)", "/api/user/{username}"),
    ("PUT", r"/api/user/([^/]+)", "/api/user/{username}"),
    ("DELETE", r"/api/user/([^/]+)", "/api/user/{username}"),
    ("GET", r"/api/users", "/api/users"),
    ("GET", r"/sub/([^/]+)/?", "/sub/{token}"),
]


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "uvicorn"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body, content_type="application/json", headers=None):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            if status == 401:
                self.send_header("WWW-Authenticate", "Bearer")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up (a hung request answered late)

    def _control(self, path, query):
        srv = self.server
        common = srv.control.common(self.command, path)
        if common is not None:
            return self._send(200, common)
        if self.command != "POST":
            return self._send(405, {"detail": "Method Not Allowed"})
        if path == "/_control/forget":
            srv.panel.forget()
        elif path == "/_control/expire_tokens":
            srv.panel.expire_tokens()
        elif path == "/_control/refuse_tokens":
            srv.panel.refuse_tokens = query.get("on", ["1"])[0] == "1"
        elif path == "/_control/seed":
            total = srv.panel.seed(int(query.get("n", ["10000"])[0]))
            return self._send(200, {"total": total})
        else:
            return self._send(404, {"detail": "Not Found"})
        return self._send(200, {})

    def _handle(self):
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path.startswith("/_control/"):
            return self._control(path, query)
        self.server.control.wait_unhung()  # hung: accepted, held unanswered
        panel = self.server.panel
        for method, pattern, route in ROUTES:
            m = re.fullmatch(pattern, path)
            if not m:
                continue
            if method != self.command:
                continue
            try:
                status, body, ctype, headers = 200, None, "application/json", None
                if route == "/api/admin/token":
                    form = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
                    body = panel.login(form)
                elif route == "/sub/{token}":
                    text, info, name = panel.subscription(urllib.parse.unquote(m.group(1)))
                    body, ctype = text, "text/plain; charset=utf-8"
                    headers = {"subscription-userinfo": info,
                               "content-disposition": f'attachment; filename="{name}"'}
                else:
                    panel.check(self.headers.get("Authorization"))
                    data = None
                    if self.command in ("POST", "PUT"):
                        try:
                            data = json.loads(raw.decode() or "null")
                        except (ValueError, UnicodeDecodeError):
                            raise ApiError(422, [{"type": "json_invalid", "loc": ["body", 0],
                                                  "msg": "JSON decode error", "input": {}}])
                    name = urllib.parse.unquote(m.group(1)) if m.groups() else None
                    if route == "/api/admin":
                        body = {"username": panel.admin, "is_sudo": True, "telegram_id": None,
                                "discord_webhook": None, "users_usage": None}
                    elif route == "/api/inbounds":
                        body = panel.inbounds()
                    elif route == "/api/user":
                        body = panel.create(data)
                    elif route == "/api/users":
                        body = panel.users(query)
                    elif self.command == "GET":
                        body = panel.get(name)
                    elif self.command == "PUT":
                        body = panel.modify(name, data)
                    else:
                        body = panel.delete(name)
            except ApiError as e:
                status, body, ctype, headers = e.status, {"detail": e.detail}, \
                    "application/json", None
            except Exception as e:  # noqa: BLE001 - v2ray refused: the panel's 500
                status, body, ctype, headers = 500, {"detail": f"Internal error: {e}"}, \
                    "application/json", None
            self.server.control.count(f"{self.command} {route}")
            return self._send(status, body, ctype, headers)
        allowed = any(re.fullmatch(p, path) for _, p, _ in ROUTES)
        if allowed:
            return self._send(405, {"detail": "Method Not Allowed"})
        return self._send(404, {"detail": "Not Found"})

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class Server(PanelServer):
    def __init__(self, address, panel):
        super().__init__(address, Handler)
        self.panel = panel
        self.control = PanelControl()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--state", required=True)
    ap.add_argument("--username", default="admin")
    ap.add_argument("--password", required=True)
    ap.add_argument("--ready-file", default="")
    ap.add_argument("--address", default="127.0.0.1")
    ap.add_argument("--no-v2ray", action="store_true")
    args = ap.parse_args()

    os.makedirs(args.state, exist_ok=True)
    if args.no_v2ray:
        v2 = FakeV2ray()
    else:
        from v2ray_core import V2rayServer  # noqa: E402 - needs grpcio
        v2 = V2rayServer(os.path.join(args.state, "v2ray"))
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    v2.start()
    try:
        panel = Panel(args.state, args.username, args.password, args.address, v2)
        server = Server(("127.0.0.1", args.port), panel)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        port = server.server_address[1]
        write_ready(args.ready_file, {"url": f"http://127.0.0.1:{port}", "port": port})
        while not stopping.wait(0.1):
            pass
        server.control.unhang()
        server.shutdown()
        server.server_close()
    finally:
        v2.stop()


if __name__ == "__main__":
    sys.exit(main())
