#!/usr/bin/python3
"""A fake Remnawave panel for tests: the parts of its REST API the hub uses, field by field as
remnawave/backend (3.3.2, libs/contract/commands/users/*.ts, libs/contract/models/*.ts) serves
them, backed by a real v2ray 4.34 (tests/servers/v2ray/v2ray_core.py) so that the links of a
user's subscription carry traffic.

API (root /api, every answer {"response": ...}):
  Authorization: Bearer <--token>, else 401. Without X-Forwarded-For and X-Forwarded-Proto: https
  the socket is dropped without an answer, as proxy-check.middleware.ts does outside development.
  GET    /api/internal-squads                 {"total","internalSquads":[{uuid,name,info,inbounds}]}
  POST   /api/users                           create (validation 400 as zod; 400 A019 when the
                                              username exists); 201 with the ExtendedUser
  PATCH  /api/users                           update, the body names the user by username or id
  GET    /api/users?start=&size=              {"users":[...],"total"} (size 1..1000)
  GET    /api/users/{id}, /api/users/by-username/{u}, /api/users/by-short-uuid/{s}
  DELETE /api/users/{id}                      {"isDeleted":true}; 404 A025 when absent
  GET    /api/hwid/devices/{userId}           {"total","devices"} (always empty here)
  GET    /api/sub/{shortUuid}                 base64 of the user's vless:// and trojan:// links
                                              (the subscription page; no token needed)
  GET    /api/sub/{shortUuid}/info            {"isFound","user","links","ssConfLinks",
                                              "subscriptionUrl"} as GetSubscriptionInfoByShortUuid
                                              (links: the same vless:// and trojan:// links, none
                                              for a user that is not ACTIVE; no token needed)
  Errors: {"timestamp","path","message","errorCode"} with the code of the source's errors.ts.

Internal squads (made on first start, kept in the state): "Default-Squad" holds every v2ray
inbound (vless-tcp, vless-ws-tls, trojan-tls); "VLESS-TCP" holds vless-tcp only. An
ACTIVE user is added to v2ray (email = username) for each inbound of its squads: VLESS with its
vlessUuid, Trojan with its trojanPassword; a DISABLED one (PATCH status) is removed. Expiry and
traffic limits are stored and listed, not enforced. usedTrafficBytes comes from v2ray's stats.

Usage:
  fake_remnawave.py --port 0 --state DIR --token T [--ready-file F] [--no-v2ray] [--hang] [--v2]
--v2: as a 2.x panel (tag 2.8.1): users also carry a "uuid", and DELETE /api/users/{uuid} takes it
(a numeric id there is a validation error, 400).
On start it writes one JSON line (to --ready-file and to stdout):
  {"url":"http://127.0.0.1:PORT","port":PORT,"squads":{name: uuid},"inbounds":{...}}
State (users, squads) is kept in DIR/state.json: a restart keeps the users and re-adds them to a
fresh v2ray. --no-v2ray: no v2ray (listing benchmarks); links then point at port 9.
Control (no auth, no proxy headers):
  GET  /_control/requests   {"METHOD /route": count} of the API requests answered
  POST /_control/forget     drops every user (a panel restored from an old backup)
  POST /_control/hang, /_control/unhang  API requests are held unanswered / answered again
  POST /_control/seed?n=N   adds N users (DB only, not in v2ray) named seed-00001 ...
"""
import argparse
import base64
import datetime
import http.server
import json
import os
import re
import secrets
import signal
import string
import sys
import threading
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "v2ray"))
sys.path.insert(0, os.path.join(HERE, ".."))
from panel_fake_support import PanelControl, PanelServer, write_ready  # noqa: E402

USERNAME_RE = re.compile(r"^[a-zA-Z0-9_-]+$")
TAG_RE = re.compile(r"^[A-Z0-9_]+$")
STATUSES = ("ACTIVE", "DISABLED", "LIMITED", "EXPIRED")
RESET_PERIODS = ("NO_RESET", "DAY", "WEEK", "MONTH", "MONTH_ROLLING")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{12}$")
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
SQUADS = (("Default-Squad", ["vless-tcp", "vless-ws-tls", "trojan-tls"]),
          ("VLESS-TCP", ["vless-tcp"]))

ERRORS = {
    "UNAUTHORIZED": ("A003", "Unauthorized", 401),
    "USER_USERNAME_ALREADY_EXISTS": ("A019", "User username already exists", 400),
    "USER_SHORT_UUID_ALREADY_EXISTS": ("A020", "User short UUID already exists", 400),
    "CREATE_USER_ERROR": ("A015", "Failed to create user", 500),
    "USER_NOT_FOUND": ("A025", "User not found", 404),
    "INTERNAL_SQUAD_NOT_FOUND": ("A110", "Internal squad not found", 404),
}


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


def parse_iso(text):
    if not isinstance(text, str) or not ISO_RE.match(text):
        return None
    try:
        d = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.astimezone(datetime.timezone.utc)


def iso(d):
    return d.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ApiError(Exception):
    def __init__(self, name, message=None):
        code, msg, status = ERRORS[name]
        super().__init__(message or msg)
        self.code, self.status, self.message = code, status, message or msg


class ValidationError(Exception):
    def __init__(self, issues):
        super().__init__("Validation failed")
        self.issues = issues


def short_uuid():
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(16))


def password(n=30):
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


class Panel:
    """The panel's database (state.json) and its v2ray."""

    def __init__(self, state_dir, v2ray, v2=False):
        self.v2 = v2
        self.dir = state_dir
        self.v2ray = v2ray
        self.lock = threading.RLock()
        self.path = os.path.join(state_dir, "state.json")
        self._dirty = False
        self._wake = threading.Event()
        self.users = {}  # id -> user (stored fields)
        self.next_id = 1
        self.squads = []
        if os.path.exists(self.path):
            with open(self.path) as f:
                saved = json.load(f)
            self.users = {u["id"]: u for u in saved["users"]}
            self.next_id = saved["next_id"]
            self.squads = saved["squads"]
        else:
            for i, (name, tags) in enumerate(SQUADS):
                self.squads.append({"uuid": str(uuid.uuid4()), "name": name, "tags": tags,
                                    "viewPosition": i + 1, "createdAt": now_iso()})
            self.save()
        for u in self.users.values():
            if u["status"] == "ACTIVE" and not u.get("seeded"):
                self.v2ray_add(u)

    def save(self):
        """Marks the state changed. A real panel commits each change to its database in O(1);
        this fake writes its whole state, so a thread does it at most every 0.2 s (and flush()
        on exit) rather than inside every call, where it would cost O(users) per request."""
        with self.lock:
            self._dirty = True
        self._wake.set()

    def flush(self):
        with self.lock:
            if not self._dirty:
                return
            data = json.dumps({"users": list(self.users.values()), "next_id": self.next_id,
                               "squads": self.squads})
            self._dirty = False
            tmp = self.path + ".tmp"
            with open(tmp, "w") as f:
                f.write(data)
            os.replace(tmp, self.path)

    def start_flusher(self):
        def run():
            while True:
                self._wake.wait()
                time.sleep(0.2)
                self._wake.clear()
                self.flush()
        self.flush()
        threading.Thread(target=run, daemon=True).start()

    def squad(self, squad_uuid):
        return next((s for s in self.squads if s["uuid"] == squad_uuid), None)

    def tags_of(self, user):
        tags = []
        for su in user["activeInternalSquads"]:
            s = self.squad(su)
            for t in (s["tags"] if s else []):
                if t not in tags and (self.v2ray is None or t in self.v2ray.inbounds):
                    tags.append(t)
        return tags

    def v2ray_add(self, user):
        if self.v2ray is None:
            return
        for tag in self.tags_of(user):
            proto = self.v2ray.inbounds[tag]["protocol"]
            secret = user["vlessUuid"] if proto == "vless" else user["trojanPassword"]
            try:
                self.v2ray.add_user(tag, user["username"], secret)
            except Exception as e:  # noqa: BLE001 - v2ray_core.V2rayError
                if "already exists" not in str(e):
                    raise

    def v2ray_remove(self, user):
        if self.v2ray is None:
            return
        for tag in self.tags_of(user):
            try:
                self.v2ray.remove_user(tag, user["username"])
            except Exception as e:  # noqa: BLE001
                if "not found" not in str(e):
                    raise

    def squad_view(self, s):
        members = sum(1 for u in self.users.values() if s["uuid"] in u["activeInternalSquads"])
        inbounds = []
        for t in s["tags"]:
            ib = self.v2ray.inbounds.get(t, {}) if self.v2ray else {}
            inbounds.append({"uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, t)), "tag": t,
                             "type": ib.get("protocol", t.split("-")[0]),
                             "network": ib.get("network"), "security": ib.get("security"),
                             "port": ib.get("port"), "rawInbound": None})
        return {"uuid": s["uuid"], "viewPosition": s["viewPosition"], "name": s["name"],
                "info": {"membersCount": members, "inboundsCount": len(s["tags"])},
                "inbounds": inbounds, "createdAt": s["createdAt"], "updatedAt": s["createdAt"]}

    def extended(self, u, base_url):
        traffic = 0
        if self.v2ray is not None and not u.get("seeded"):
            traffic = self.stats_cache.get(u["username"], 0)
        out = {k: u[k] for k in (
            "id", "shortUuid", "username", "status", "trafficLimitBytes", "trafficLimitStrategy",
            "expireAt", "telegramId", "email", "description", "tag", "hwidDeviceLimit",
            "externalSquadUuid", "trojanPassword", "vlessUuid", "ssPassword",
            "lastTriggeredThreshold", "subRevokedAt", "lastTrafficResetAt", "createdAt",
            "updatedAt")}
        if self.v2:
            out["uuid"] = u.setdefault("uuid", str(uuid.uuid5(uuid.NAMESPACE_OID, str(u["id"]))))
        out["subscriptionUrl"] = f"{base_url}/api/sub/{u['shortUuid']}"
        out["activeInternalSquads"] = [{"uuid": s, "name": (self.squad(s) or {}).get("name", "")}
                                       for s in u["activeInternalSquads"]]
        out["userTraffic"] = {"usedTrafficBytes": traffic + u.get("usedTrafficBase", 0),
                              "lifetimeUsedTrafficBytes": traffic + u.get("usedTrafficBase", 0),
                              "onlineAt": None, "firstConnectedAt": None,
                              "lastConnectedNodeUuid": None}
        return out

    stats_cache = {}

    def refresh_stats(self):
        if self.v2ray is not None:
            try:
                self.stats_cache = self.v2ray.stats()
            except Exception:  # noqa: BLE001 - counters are best effort
                pass

    def links(self, u):
        out = []
        if self.v2ray is None:
            return [f"vless://{u['vlessUuid']}@127.0.0.1:9?type=tcp&encryption=none"
                    f"&security=none#{u['username']}"]
        for tag in self.tags_of(u):
            ib = self.v2ray.inbounds[tag]
            name = urllib.parse.quote(f"{u['username']} {tag}")
            q = {"type": ib["network"], "security": ib["security"]}
            if ib["security"] == "tls":
                q.update({"sni": "vpn.test", "allowInsecure": "1"})
            if ib["network"] == "ws":
                q["path"] = ib.get("path", "/")
                q["host"] = "vpn.test"
            if ib["network"] == "grpc":
                q["serviceName"] = ib.get("serviceName", "")
            if ib["protocol"] == "vless":
                q["encryption"] = "none"
                out.append(f"vless://{u['vlessUuid']}@127.0.0.1:{ib['port']}?"
                           f"{urllib.parse.urlencode(q, quote_via=urllib.parse.quote)}#{name}")
            else:
                pw = urllib.parse.quote(u["trojanPassword"], safe="")
                out.append(f"trojan://{pw}@127.0.0.1:{ib['port']}?"
                           f"{urllib.parse.urlencode(q, quote_via=urllib.parse.quote)}#{name}")
        return out

    def sub_info(self, u, base_url):
        """GetSubscriptionInfoByShortUuidCommand.ResponseSchema's response (3.x)."""
        active = u["status"] == "ACTIVE"
        expires = parse_iso(u["expireAt"])
        days_left = max(0, (expires - datetime.datetime.now(datetime.timezone.utc)).days) \
            if expires else 0
        used = self.stats_cache.get(u["username"], 0) + u.get("usedTrafficBase", 0)
        limit = u.get("trafficLimitBytes") or 0
        return {
            "isFound": True,
            "user": {"shortUuid": u["shortUuid"], "daysLeft": days_left,
                     "trafficUsed": f"{used} B", "trafficLimit": f"{limit} B" if limit else "0",
                     "lifetimeTrafficUsed": f"{used} B", "trafficUsedBytes": str(used),
                     "trafficLimitBytes": str(limit), "lifetimeTrafficUsedBytes": str(used),
                     "username": u["username"], "expiresAt": u["expireAt"], "isActive": active,
                     "userStatus": u["status"],
                     "trafficLimitStrategy": u.get("trafficLimitStrategy", "NO_RESET")},
            "links": self.links(u) if active else [],
            "ssConfLinks": {},
            "subscriptionUrl": f"{base_url}/api/sub/{u['shortUuid']}",
        }

    # --- users -------------------------------------------------------------------------------
    def by_username(self, name):
        return next((u for u in self.users.values() if u["username"] == name), None)

    def create(self, body):
        issues = []
        if not isinstance(body, dict):
            raise ValidationError([{"code": "invalid_type", "path": [], "message": "Expected object"}])
        name = body.get("username")
        if not isinstance(name, str):
            issues.append({"code": "invalid_type", "path": ["username"], "message": "Required"})
        else:
            if not USERNAME_RE.match(name):
                issues.append({"code": "invalid_string", "path": ["username"], "message":
                               "Username can only contain letters, numbers, underscores and "
                               "dashes"})
            if len(name) > 36:
                issues.append({"code": "too_big", "path": ["username"],
                               "message": "Username must be less than 36 characters"})
            if len(name) < 3:
                issues.append({"code": "too_small", "path": ["username"],
                               "message": "Username must be at least 3 characters"})
        expire = parse_iso(body.get("expireAt"))
        if expire is None:
            issues.append({"code": "invalid_string", "path": ["expireAt"],
                           "message": "Invalid ISO datetime"})
        status = body.get("status", "ACTIVE")
        if status not in STATUSES:
            issues.append({"code": "invalid_enum_value", "path": ["status"],
                           "message": "Invalid enum value"})
        strategy = body.get("trafficLimitStrategy", "NO_RESET")
        if strategy not in RESET_PERIODS:
            issues.append({"code": "invalid_enum_value", "path": ["trafficLimitStrategy"],
                           "message": "Invalid enum value"})
        limit = body.get("trafficLimitBytes", 0)
        if not isinstance(limit, (int, float)) or isinstance(limit, bool) or limit < 0:
            issues.append({"code": "too_small", "path": ["trafficLimitBytes"],
                           "message": "Traffic limit must be greater than 0"})
        for field, lo, hi in (("trojanPassword", 8, 32), ("ssPassword", 8, 32)):
            v = body.get(field)
            if v is not None and (not isinstance(v, str) or not lo <= len(v) <= hi):
                issues.append({"code": "too_small", "path": [field],
                               "message": f"{field} must be 8-32 characters"})
        if body.get("vlessUuid") is not None and not UUID_RE.match(str(body["vlessUuid"])):
            issues.append({"code": "invalid_string", "path": ["vlessUuid"],
                           "message": "Invalid Vless UUID format"})
        hwid = body.get("hwidDeviceLimit")
        if hwid is not None and (not isinstance(hwid, int) or isinstance(hwid, bool) or hwid < 0):
            issues.append({"code": "invalid_type", "path": ["hwidDeviceLimit"],
                           "message": "Expected a non-negative integer"})
        tg = body.get("telegramId")
        if tg is not None and (not isinstance(tg, int) or isinstance(tg, bool)):
            issues.append({"code": "invalid_type", "path": ["telegramId"],
                           "message": "Expected number"})
        tag = body.get("tag")
        if tag is not None and (not isinstance(tag, str) or not TAG_RE.match(tag)
                                or len(tag) > 16):
            issues.append({"code": "invalid_string", "path": ["tag"], "message": "Invalid tag"})
        squads = body.get("activeInternalSquads", [])
        if not isinstance(squads, list) or not all(
                isinstance(s, str) and UUID_RE.match(s) for s in squads):
            issues.append({"code": "invalid_string", "path": ["activeInternalSquads"],
                           "message": "Invalid uuid"})
        if issues:
            raise ValidationError(issues)
        with self.lock:
            if self.by_username(name) is not None:
                raise ApiError("USER_USERNAME_ALREADY_EXISTS")
            for s in squads:
                if self.squad(s) is None:  # a foreign key violation in the real panel
                    raise ApiError("CREATE_USER_ERROR")
            short = body.get("shortUuid") or short_uuid()
            if any(u["shortUuid"] == short for u in self.users.values()):
                raise ApiError("USER_SHORT_UUID_ALREADY_EXISTS")
            stamp = now_iso()
            user = {
                "id": self.next_id, "shortUuid": short, "username": name, "status": status,
                "trafficLimitBytes": int(limit), "trafficLimitStrategy": strategy,
                "expireAt": iso(expire), "telegramId": tg, "email": body.get("email"),
                "description": body.get("description"), "tag": tag, "hwidDeviceLimit": hwid,
                "externalSquadUuid": body.get("externalSquadUuid"),
                "trojanPassword": body.get("trojanPassword") or password(),
                "vlessUuid": body.get("vlessUuid") or str(uuid.uuid4()),
                "ssPassword": body.get("ssPassword") or password(),
                "lastTriggeredThreshold": 0, "subRevokedAt": None, "lastTrafficResetAt": None,
                "createdAt": stamp, "updatedAt": stamp, "activeInternalSquads": list(squads),
            }
            self.next_id += 1
            if status == "ACTIVE":
                self.v2ray_add(user)
            self.users[user["id"]] = user
            self.save()
            return user

    def update(self, body):
        if not isinstance(body, dict) or not (body.get("username") or body.get("id")):
            raise ValidationError([{"code": "custom", "path": [],
                                    "message": "At least one of username, id must be provided"}])
        issues = []
        expire = None
        if "expireAt" in body:
            expire = parse_iso(body["expireAt"])
            if expire is None:
                issues.append({"code": "invalid_string", "path": ["expireAt"],
                               "message": "Invalid ISO datetime"})
            elif expire <= datetime.datetime.now(datetime.timezone.utc):
                issues.append({"code": "custom", "path": ["expireAt"],
                               "message": "Expiration date cannot be in the past"})
        if "status" in body and body["status"] not in ("ACTIVE", "DISABLED"):
            issues.append({"code": "invalid_enum_value", "path": ["status"],
                           "message": "Invalid enum value"})
        if "trafficLimitBytes" in body and (not isinstance(body["trafficLimitBytes"], (int, float))
                                            or body["trafficLimitBytes"] < 0):
            issues.append({"code": "too_small", "path": ["trafficLimitBytes"],
                           "message": "Number must be greater than or equal to 0"})
        if issues:
            raise ValidationError(issues)
        with self.lock:
            user = (self.users.get(body["id"]) if body.get("id") is not None
                    else self.by_username(body["username"]))
            if user is None:
                raise ApiError("USER_NOT_FOUND")
            self.v2ray_remove(user)
            if expire is not None:
                user["expireAt"] = iso(expire)
            for f in ("trafficLimitBytes", "trafficLimitStrategy", "description", "tag",
                      "telegramId", "email", "hwidDeviceLimit", "status"):
                if f in body:
                    user[f] = body[f]
            if "activeInternalSquads" in body:
                user["activeInternalSquads"] = list(body["activeInternalSquads"])
            user["updatedAt"] = now_iso()
            if user["status"] == "ACTIVE":
                self.v2ray_add(user)
            self.save()
            return user

    def delete(self, user_id):
        with self.lock:
            user = self.users.pop(user_id, None)
            if user is None:
                raise ApiError("USER_NOT_FOUND")
            if not user.get("seeded"):
                self.v2ray_remove(user)
            self.save()

    def forget(self):
        with self.lock:
            for u in self.users.values():
                if not u.get("seeded"):
                    self.v2ray_remove(u)
            self.users = {}
            self.save()

    def seed(self, n):
        with self.lock:
            stamp = now_iso()
            expire = iso(datetime.datetime.now(datetime.timezone.utc)
                         + datetime.timedelta(days=30))
            squad = self.squads[0]["uuid"]
            for i in range(n):
                uid = self.next_id
                self.next_id += 1
                self.users[uid] = {
                    "id": uid, "shortUuid": short_uuid(), "username": f"seed-{uid:05d}",
                    "status": "ACTIVE", "trafficLimitBytes": 0,
                    "trafficLimitStrategy": "NO_RESET", "expireAt": expire, "telegramId": None,
                    "email": None, "description": None, "tag": None, "hwidDeviceLimit": None,
                    "externalSquadUuid": None, "trojanPassword": password(),
                    "vlessUuid": str(uuid.uuid4()), "ssPassword": password(),
                    "lastTriggeredThreshold": 0, "subRevokedAt": None,
                    "lastTrafficResetAt": None, "createdAt": stamp, "updatedAt": stamp,
                    "activeInternalSquads": [squad], "seeded": True,
                    "usedTrafficBase": i * 1000}
            self.save()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"

    def log_message(self, fmt, *args):  # quiet
        pass

    def send_json(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_text(self, status, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, message, code):
        self.send_json(status, {"timestamp": now_iso(), "path": self.path, "message": message,
                                "errorCode": code})

    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return "\0invalid"

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PATCH(self):
        self.route("PATCH")

    def do_DELETE(self):
        self.route("DELETE")

    def control(self, method, path, query):
        srv = self.server
        common = srv.control.common(method, path)
        if common is not None:
            return self.send_json(200, common)
        if path == "/_control/forget" and method == "POST":
            srv.panel.forget()
            return self.send_json(200, {"ok": True})
        if path == "/_control/seed" and method == "POST":
            n = int(query.get("n", ["10000"])[0])
            srv.panel.seed(n)
            return self.send_json(200, {"ok": True, "users": len(srv.panel.users)})
        return self.send_json(404, {"error": "no such control"})

    def count(self, key):
        self.server.control.count(key)

    def route(self, method):
        srv = self.server
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        if path.startswith("/_control/"):
            return self.control(method, path, query)
        body = self.body_json() if method in ("POST", "PATCH") else None
        # proxy-check.middleware.ts: no proxy headers -> the socket is destroyed, no answer.
        if not self.headers.get("X-Forwarded-For") or \
                self.headers.get("X-Forwarded-Proto") != "https":
            self.close_connection = True
            srv.dropped += 1
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        # The subscription info (subscription.controller.ts, public): 404 A025 for an unknown
        # shortUuid, else the user's summary and links (empty when the user is not ACTIVE).
        m = re.fullmatch(r"/api/sub/([A-Za-z0-9_-]+)/info", path)
        if m and method == "GET":
            with srv.panel.lock:
                u = next((x for x in srv.panel.users.values() if x["shortUuid"] == m.group(1)),
                         None)
                info = srv.panel.sub_info(u, srv.base_url) if u else None
            self.count("GET /api/sub/{shortUuid}/info")
            if info is None:
                return self.error(404, "User not found", "A025")
            return self.send_json(200, {"response": info})
        # The subscription page needs no token.
        m = re.fullmatch(r"/api/sub/([A-Za-z0-9_-]+)", path)
        if m and method == "GET":
            with srv.panel.lock:
                u = next((x for x in srv.panel.users.values() if x["shortUuid"] == m.group(1)),
                         None)
                links = srv.panel.links(u) if u and u["status"] == "ACTIVE" else None
            self.count("GET /api/sub/{shortUuid}")
            if links is None:
                return self.error(404, "User not found", "A025")
            return self.send_text(200, base64.b64encode("\n".join(links).encode()).decode())
        srv.control.wait_unhung()
        if self.headers.get("Authorization") != f"Bearer {srv.token}":
            self.count(f"{method} 401")
            return self.error(401, "Unauthorized", "A003")
        try:
            self.api(method, path, query, body)
        except ValidationError as e:
            self.send_json(400, {"statusCode": 400, "message": "Validation failed",
                                 "errors": e.issues})
        except ApiError as e:
            self.error(e.status, e.message, e.code)

    def api(self, method, path, query, body):
        srv, panel = self.server, self.server.panel
        if body == "\0invalid":
            raise ValidationError([{"code": "invalid_json", "path": [], "message": "Bad JSON"}])
        if path == "/api/internal-squads" and method == "GET":
            self.count("GET /api/internal-squads")
            with panel.lock:
                squads = [panel.squad_view(s) for s in panel.squads]
            return self.send_json(200, {"response": {"total": len(squads),
                                                     "internalSquads": squads}})
        if path == "/api/users" and method == "POST":
            self.count("POST /api/users")
            user = panel.create(body)
            with panel.lock:
                out = panel.extended(user, srv.base_url)
            return self.send_json(201, {"response": out})
        if path == "/api/users" and method == "PATCH":
            self.count("PATCH /api/users")
            user = panel.update(body)
            with panel.lock:
                out = panel.extended(user, srv.base_url)
            return self.send_json(200, {"response": out})
        if path == "/api/users" and method == "GET":
            self.count("GET /api/users")
            try:
                start = int(query.get("start", ["0"])[0])
                size = int(query.get("size", ["25"])[0])
            except ValueError:
                raise ValidationError([{"code": "invalid_type", "path": ["start"],
                                        "message": "Expected number"}])
            if size < 1 or size > 1000:
                raise ValidationError([{"code": "too_big", "path": ["size"], "message":
                                        "Size (limit) must be less than 1000"}])
            panel.refresh_stats()
            with panel.lock:
                ids = sorted(panel.users)
                page = [panel.extended(panel.users[i], srv.base_url)
                        for i in ids[start:start + size]]
                total = len(ids)
            return self.send_json(200, {"response": {"users": page, "total": total}})
        m = re.fullmatch(r"/api/users/by-username/([^/]+)", path)
        if m and method == "GET":
            self.count("GET /api/users/by-username/{username}")
            name = urllib.parse.unquote(m.group(1))
            panel.refresh_stats()
            with panel.lock:
                u = panel.by_username(name)
                if u is None:
                    raise ApiError("USER_NOT_FOUND")
                return self.send_json(200, {"response": panel.extended(u, srv.base_url)})
        m = re.fullmatch(r"/api/users/by-short-uuid/([^/]+)", path)
        if m and method == "GET":
            self.count("GET /api/users/by-short-uuid/{shortUuid}")
            with panel.lock:
                u = next((x for x in panel.users.values() if x["shortUuid"] == m.group(1)), None)
                if u is None:
                    raise ApiError("USER_NOT_FOUND")
                return self.send_json(200, {"response": panel.extended(u, srv.base_url)})
        m = re.fullmatch(r"/api/users/([^/]+)", path)
        if m and method in ("GET", "DELETE"):
            self.count(f"{method} /api/users/{{id}}")
            if panel.v2 and method == "DELETE":
                if not UUID_RE.match(m.group(1)):
                    raise ValidationError([{"code": "invalid_string", "path": ["uuid"],
                                            "message": "Invalid uuid"}])
                with panel.lock:
                    found = next((i for i, u in panel.users.items()
                                  if panel.extended(u, srv.base_url)["uuid"] == m.group(1)), None)
                if found is None:
                    raise ApiError("USER_NOT_FOUND")
                panel.delete(found)
                return self.send_json(200, {"response": {"isDeleted": True}})
            try:
                uid = int(m.group(1))
                if uid <= 0:
                    raise ValueError
            except ValueError:
                raise ValidationError([{"code": "invalid_type", "path": ["userId"],
                                        "message": "Expected number, received nan"}])
            if method == "DELETE":
                panel.delete(uid)
                return self.send_json(200, {"response": {"isDeleted": True}})
            with panel.lock:
                u = panel.users.get(uid)
                if u is None:
                    raise ApiError("USER_NOT_FOUND")
                return self.send_json(200, {"response": panel.extended(u, srv.base_url)})
        m = re.fullmatch(r"/api/hwid/devices/([0-9]+)", path)
        if m and method == "GET":
            self.count("GET /api/hwid/devices/{userId}")
            with panel.lock:
                if int(m.group(1)) not in panel.users:
                    raise ApiError("USER_NOT_FOUND")
            return self.send_json(200, {"response": {"total": 0, "devices": []}})
        self.count(f"{method} 404")
        self.error(404, f"Cannot {method} {path}", "E000")


def main():
    ap = argparse.ArgumentParser(description="A fake Remnawave panel backed by real v2ray")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--state", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--ready-file")
    ap.add_argument("--no-v2ray", action="store_true")
    ap.add_argument("--hang", action="store_true")
    ap.add_argument("--v2", action="store_true", help="users addressed by uuid, as 2.x panels")
    args = ap.parse_args()
    os.makedirs(args.state, exist_ok=True)

    v2ray = None
    if not args.no_v2ray:
        import v2ray_core
        v2ray = v2ray_core.V2rayServer(os.path.join(args.state, "v2ray"))
        v2ray.start()
    try:
        server = PanelServer(("127.0.0.1", args.port), Handler)
        server.token = args.token
        server.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        server.panel = Panel(args.state, v2ray, args.v2)
        server.panel.start_flusher()
        server.control = PanelControl(hung=args.hang)
        server.dropped = 0
        write_ready(args.ready_file,
                    {"url": server.base_url, "port": server.server_address[1],
                     "squads": {s["name"]: s["uuid"] for s in server.panel.squads},
                     "inbounds": v2ray.inbounds if v2ray else {}})

        def stop(*_):
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        server.serve_forever()
        server.panel.flush()
    finally:
        if v2ray is not None:
            v2ray.stop()


if __name__ == "__main__":
    main()
