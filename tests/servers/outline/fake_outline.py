#!/usr/bin/env python3
"""A fake Outline server (shadowbox) for tests: its management API, field by field as
Jigsaw-Code/outline-server's src/shadowbox/server/manager_service.ts serves it (routes under a
secret path prefix, JSON bodies, 200/201/204/400/404/409 and restify's error bodies), over HTTPS
with a self-signed certificate, backed by a real shadowsocks-libev ss-manager: every access key is
one ss-manager port with the key's password, so its accessUrl carries traffic through ss-local.

Unlike Outline (one port shared by every key), each key gets a port of its own: ss-manager runs
one ss-server per port and password. Data limits are stored and listed, not enforced (Outline
blocks a key past its limit); /metrics/transfer reports ss-manager's counters.

On start it prints one line, as Outline's installer does:
  {"apiUrl":"https://127.0.0.1:PORT/SECRET","certSha256":"HEX"}
and serves until SIGTERM (which also stops the ss-manager it started).

Options for tests:
  --port N           API port (0: ephemeral)
  --secret S         the API's secret path prefix (default: random); a client with another
                     prefix gets 404, as from the real server
  --dir D            work folder: certificate and key (made with the openssl CLI when missing,
                     kept for restarts), the state file (keys survive a restart, as Outline's
                     do) and ss-manager's folder
  --hang             start hung: connections are accepted and never answered
  SIGUSR1 / SIGUSR2  hang / stop hanging (held connections are then served)
  --manager H:P      use this running ss-manager instead of starting one
  --old-api          behave as servers before 1.8: POST /access-keys ignores name, password and
                     limit, and there is no PUT /access-keys/{id}
  GET /_control/requests (outside the API's prefix): {"METHOD /route": count} of the API requests
                     answered so far
  POST /_control/fail {"status":500,"times":1} (outside the API's prefix): the next API requests
                     answer that status
Python 3 standard library only (http.server, ssl), plus the openssl CLI and ss-manager.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import random
import secrets
import signal
import socket
import ssl
import string
import subprocess
import sys
import threading
import time
import uuid

METHOD = "chacha20-ietf-poly1305"


def free_port():
    """A port free for both TCP and UDP on 127.0.0.1."""
    for _ in range(200):
        with socket.socket() as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


class SsManager:
    """ss-manager's UDP control protocol: add / remove / ping (whose reply carries the bytes per
    port)."""

    def __init__(self, address, proc=None):
        host, port = address.rsplit(":", 1)
        self.address = (host, int(port))
        self.proc = proc
        self.lock = threading.Lock()

    @staticmethod
    def start(workdir):
        port = free_port()
        ss_dir = os.path.join(workdir, "ss-manager")
        os.makedirs(ss_dir, exist_ok=True)
        proc = subprocess.Popen(
            ["ss-manager", "--manager-address", f"127.0.0.1:{port}", "-s", "127.0.0.1", "-m",
             METHOD, "-D", ss_dir, "-u"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        m = SsManager(f"127.0.0.1:{port}", proc)
        deadline = time.monotonic() + 10
        while m.call("ping", 0.2) is None:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("ss-manager did not start")
        return m

    def call(self, request, timeout=2.0):
        with self.lock, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(request.encode(), self.address)
            try:
                return s.recv(65536).decode()
            except socket.timeout:
                return None

    def add(self, port, password, method):
        reply = self.call("add: " + json.dumps(
            {"server_port": port, "password": password, "method": method}))
        if reply != "ok":
            raise RuntimeError(f"ss-manager add {port}: {reply}")

    def remove(self, port):
        self.call("remove: " + json.dumps({"server_port": port}))

    def traffic(self):
        """{port: bytes} from ping's "stat: {...}" reply."""
        reply = self.call("ping") or ""
        if not reply.startswith("stat:"):
            return {}
        try:
            return {int(p): int(b) for p, b in json.loads(reply[5:]).items()}
        except ValueError:
            return {}

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class HttpError(Exception):
    """A restify error: status, body {"code","message"}."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def not_found(message):
    return HttpError(404, "NotFound", message)


def invalid(message):
    return HttpError(400, "InvalidArgument", message)


def missing(message):
    return HttpError(400, "MissingParameter", message)


def access_url(host, port, method, password):
    """outline-shadowsocksconfig's SIP002_URI.stringify(makeConfig({..., outline: 1}))."""
    user = base64.urlsafe_b64encode(f"{method}:{password}".encode()).decode().rstrip("=")
    shown = f"[{host}]" if ":" in host else host
    return f"ss://{user}@{shown}:{port}/?outline=1"


def validate_limit(limit):
    if limit is None:
        return None
    bytes_ = limit.get("bytes") if isinstance(limit, dict) else None
    if not (isinstance(bytes_, int) and not isinstance(bytes_, bool) and bytes_ >= 0):
        raise invalid("`limit.bytes` must be an non-negative integer")
    return {"bytes": bytes_}


def validate_string(value, name):
    if value is not None and not isinstance(value, str):
        raise invalid(f"Expected a string for {name}, instead got {value} of type "
                      f"{type(value).__name__}")
    return value


class Shadowbox:
    """The server's state (keys, config) and the API's operations, persisted in state.json."""

    def __init__(self, state_path, manager, hostname, old_api=False):
        self.lock = threading.Lock()
        self.old_api = old_api
        self.path = state_path
        self.manager = manager
        self.state = {"serverId": str(uuid.uuid4()), "name": "Outline Server",
                      "createdTimestampMs": int(time.time() * 1000), "metricsEnabled": False,
                      "hostname": hostname, "portForNewAccessKeys": free_port(), "nextId": 0,
                      "keys": []}
        if os.path.exists(state_path):
            with open(state_path) as f:
                self.state = json.load(f)
        for k in self.state["keys"]:  # keys survive a restart of the server
            self.manager.add(k["port"], k["password"], k["method"])

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.state, f)
        os.replace(tmp, self.path)

    def key_json(self, k):
        out = {"id": k["id"], "name": k["name"], "password": k["password"], "port": k["port"],
               "method": k["method"], "accessUrl": access_url(
                   self.state["hostname"], k["port"], k["method"], k["password"])}
        if k.get("dataLimit") is not None:
            out["dataLimit"] = k["dataLimit"]
        return out

    def find(self, key_id):
        for k in self.state["keys"]:
            if k["id"] == key_id:
                return k
        raise not_found(f"Access key \"{key_id}\" not found")

    # GET /server
    def server(self, params):
        s = self.state
        out = {"name": s["name"], "serverId": s["serverId"], "metricsEnabled": s["metricsEnabled"],
               "createdTimestampMs": s["createdTimestampMs"], "version": "1.12.3-fake",
               "portForNewAccessKeys": s["portForNewAccessKeys"],
               "hostnameForAccessKeys": s["hostname"]}
        if s.get("accessKeyDataLimit") is not None:
            out["accessKeyDataLimit"] = s["accessKeyDataLimit"]
        return 200, out

    # PUT /name
    def rename_server(self, params):
        name = params.get("name")
        if not name:
            raise missing("Parameter `name` is missing")
        if not isinstance(name, str) or len(name) > 100:
            raise HttpError(409, "InvalidArgument",
                            "Requested server name should be a string <= 100 characters long.")
        self.state["name"] = name
        self.save()
        return 204, None

    # PUT /server/hostname-for-access-keys
    def set_hostname(self, params):
        hostname = params.get("hostname")
        if hostname is None:
            raise missing("hostname must be provided")
        if not isinstance(hostname, str) or not hostname:
            raise invalid(f"Hostname {hostname} isn't a valid hostname or IP address")
        self.state["hostname"] = hostname
        self.save()
        return 204, None

    # PUT /server/port-for-new-access-keys
    def set_port(self, params):
        port = params.get("port")
        if port is None:
            raise missing("Parameter `port` is missing")
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise invalid(f"Invalid port number {port}")
        self.state["portForNewAccessKeys"] = port
        self.save()
        return 204, None

    # PUT / DELETE /server/access-key-data-limit
    def set_default_limit(self, params):
        self.state["accessKeyDataLimit"] = validate_limit(params.get("limit"))
        self.save()
        return 204, None

    def remove_default_limit(self, params):
        self.state.pop("accessKeyDataLimit", None)
        self.save()
        return 204, None

    # GET /access-keys
    def list_keys(self, params):
        return 200, {"accessKeys": [self.key_json(k) for k in self.state["keys"]]}

    def _create(self, params, key_id=None):
        method = validate_string(params.get("method") or "", "encryptionMethod") or METHOD
        name = validate_string(params.get("name") or "", "name")
        limit = validate_limit(params.get("limit"))
        password = validate_string(params.get("password"), "password")
        port = params.get("port")
        if port is not None and not isinstance(port, int):
            raise invalid(f"Expected a number for port, instead got {port} of type "
                          f"{type(port).__name__}")
        if method not in ("chacha20-ietf-poly1305", "aes-256-gcm", "aes-192-gcm",
                          "aes-128-gcm"):
            raise invalid(f"Invalid cipher {method}")
        if key_id is None:
            ids = {k["id"] for k in self.state["keys"]}
            key_id = str(self.state["nextId"])
            while key_id in ids:
                self.state["nextId"] += 1
                key_id = str(self.state["nextId"])
            self.state["nextId"] += 1
        elif any(k["id"] == key_id for k in self.state["keys"]):
            raise HttpError(409, "Conflict", f"Access key \"{key_id}\" conflict")
        if password is None:
            password = "".join(random.SystemRandom().choice(
                string.ascii_letters + string.digits) for _ in range(22))
        if any(k["password"] == password for k in self.state["keys"]):
            raise HttpError(409, "Conflict", "Password conflict")
        # One ss-manager port per key (Outline would share portForNewAccessKeys).
        ss_port = free_port()
        self.manager.add(ss_port, password, method)
        k = {"id": key_id, "name": name, "password": password, "port": ss_port,
             "method": method, "dataLimit": limit}
        self.state["keys"].append(k)
        self.save()
        return 201, self.key_json(k)

    # POST /access-keys
    def create_new_key(self, params):
        if params.get("id"):
            raise invalid("Parameter `id` is not allowed")
        if self.old_api:
            params = {}
        return self._create(params)

    # PUT /access-keys/{id}
    def create_key(self, params, key_id):
        if self.old_api:
            raise HttpError(405, "MethodNotAllowed", "PUT is not allowed")
        return self._create(params, key_id)

    # GET /access-keys/{id}
    def get_key(self, params, key_id):
        return 200, self.key_json(self.find(key_id))

    # DELETE /access-keys/{id}
    def remove_key(self, params, key_id):
        k = self.find(key_id)
        self.manager.remove(k["port"])
        self.state["keys"].remove(k)
        self.save()
        return 204, None

    # PUT /access-keys/{id}/name
    def rename_key(self, params, key_id):
        name = params.get("name")
        if not name:
            raise missing("Parameter `name` is missing")
        if not isinstance(name, str):
            raise invalid("Parameter `name` must be of type string")
        self.find(key_id)["name"] = name
        self.save()
        return 204, None

    # PUT / DELETE /access-keys/{id}/data-limit
    def set_key_limit(self, params, key_id):
        limit = validate_limit(params.get("limit"))
        self.find(key_id)["dataLimit"] = limit
        self.save()
        return 204, None

    def remove_key_limit(self, params, key_id):
        self.find(key_id).pop("dataLimit", None)
        self.save()
        return 204, None

    # GET /metrics/transfer: bytes per key id, from ss-manager's counters.
    def transfer(self, params):
        by_port = self.manager.traffic()
        return 200, {"bytesTransferredByUserId": {
            k["id"]: by_port.get(k["port"], 0) for k in self.state["keys"]}}

    # GET / PUT /metrics/enabled
    def get_metrics_enabled(self, params):
        return 200, {"metricsEnabled": self.state["metricsEnabled"]}

    def set_metrics_enabled(self, params):
        enabled = params.get("metricsEnabled")
        if enabled is None:
            raise missing("Parameter `metricsEnabled` is missing")
        if not isinstance(enabled, bool):
            raise invalid("Parameter `metricsEnabled` must be a boolean")
        self.state["metricsEnabled"] = enabled
        self.save()
        return 204, None


# (method, route) -> Shadowbox method; "{id}" matches one path segment.
ROUTES = [
    ("PUT", "/name", "rename_server"),
    ("GET", "/server", "server"),
    ("PUT", "/server/access-key-data-limit", "set_default_limit"),
    ("DELETE", "/server/access-key-data-limit", "remove_default_limit"),
    ("PUT", "/server/hostname-for-access-keys", "set_hostname"),
    ("PUT", "/server/port-for-new-access-keys", "set_port"),
    ("POST", "/access-keys", "create_new_key"),
    ("PUT", "/access-keys/{id}", "create_key"),
    ("GET", "/access-keys", "list_keys"),
    ("GET", "/access-keys/{id}", "get_key"),
    ("DELETE", "/access-keys/{id}", "remove_key"),
    ("PUT", "/access-keys/{id}/name", "rename_key"),
    ("PUT", "/access-keys/{id}/data-limit", "set_key_limit"),
    ("DELETE", "/access-keys/{id}/data-limit", "remove_key_limit"),
    ("GET", "/metrics/transfer", "transfer"),
    ("GET", "/metrics/enabled", "get_metrics_enabled"),
    ("PUT", "/metrics/enabled", "set_metrics_enabled"),
]


def match(route, path):
    """The {id} of `path` when it matches `route` ("" when the route has none), else None."""
    want, got = route.strip("/").split("/"), path.strip("/").split("/")
    if len(want) != len(got):
        return None
    key_id = ""
    for w, g in zip(want, got):
        if w == "{id}":
            if not g:
                return None
            key_id = urllib_unquote(g)
        elif w != g:
            return None
    return key_id


def urllib_unquote(text):
    import urllib.parse
    return urllib.parse.unquote(text)


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "restify"

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        box, prefix = self.server.box, self.server.prefix
        path = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path == "/_control/requests" and self.command == "GET":
            with self.server.lock:
                counts = {f"{m} {r}": n for (m, r), n in self.server.requests.items()}
            return self._send(200, counts)
        if path == "/_control/fail" and self.command == "POST":
            with self.server.lock:
                self.server.fail = json.loads(raw.decode())
            return self._send(200, {})
        with self.server.lock:
            fail = self.server.fail
            if fail.get("times", 0) > 0:
                fail["times"] -= 1
                return self._send(fail["status"], {"code": "Injected", "message": "injected"})
        # Outline's prefix filter: a path outside the secret prefix does not exist.
        if not (path == prefix or path.startswith(prefix + "/")):
            return self._send(404, {"code": "ResourceNotFound",
                                    "message": f"{path} does not exist"})
        route_path = path[len(prefix):] or "/"
        params = {}
        if raw:
            try:
                params = json.loads(raw.decode())
            except (ValueError, UnicodeDecodeError):
                return self._send(400, {"code": "InvalidContent", "message": "Invalid JSON"})
            if not isinstance(params, dict):
                params = {}
        allowed = False
        for method, route, name in ROUTES:
            key_id = match(route, route_path)
            if key_id is None:
                continue
            allowed = True
            if method != self.command:
                continue
            try:
                with box.lock:
                    fn = getattr(box, name)
                    status, body = fn(params, key_id) if "{id}" in route else fn(params)
            except HttpError as e:
                return self._send(e.status, {"code": e.code, "message": e.message})
            except RuntimeError as e:  # ss-manager refused
                return self._send(500, {"code": "Internal", "message": str(e)})
            self.server.count(self.command, route)
            return self._send(status, body)
        if allowed:
            return self._send(405, {"code": "MethodNotAllowed",
                                    "message": f"{self.command} is not allowed"})
        return self._send(404, {"code": "ResourceNotFound",
                                "message": f"{path} does not exist"})

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, box, prefix, tls):
        super().__init__(address, Handler)
        self.box, self.prefix, self.tls = box, prefix, tls
        self.hang = threading.Event()
        self.requests = {}
        self.lock = threading.Lock()
        self.fail = {}

    def count(self, method, route):
        self.requests[(method, route)] = self.requests.get((method, route), 0) + 1

    def process_request_thread(self, request, client_address):
        # Hung: the connection is accepted (the kernel did) and never answered.
        while self.hang.is_set():
            time.sleep(0.02)
        try:
            request.settimeout(30)
            tls = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            self.shutdown_request(request)
            return
        super().process_request_thread(tls, client_address)


def make_certificate(cert, key, host):
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-days", "3650", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-subj", f"/CN={host}",
                    "-keyout", key, "-out", cert], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def cert_sha256(cert):
    with open(cert) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return hashlib.sha256(der).hexdigest().upper()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--secret", default="")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--hostname", default="127.0.0.1", help="hostnameForAccessKeys")
    ap.add_argument("--hang", action="store_true")
    ap.add_argument("--manager", default="")
    ap.add_argument("--old-api", action="store_true")
    args = ap.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    cert, key = os.path.join(args.dir, "cert.pem"), os.path.join(args.dir, "key.pem")
    if not os.path.exists(cert):
        make_certificate(cert, key, args.hostname)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)

    manager = SsManager(args.manager) if args.manager else SsManager.start(args.dir)
    stopping = threading.Event()

    def stop(*_):
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        box = Shadowbox(os.path.join(args.dir, "state.json"), manager, args.hostname,
                        args.old_api)
        secret = args.secret or base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip(
            "=")
        server = Server(("127.0.0.1", args.port), box, "/" + secret.strip("/"), tls)
        if args.hang:
            server.hang.set()
        def hang(on):
            if on:
                server.hang.set()
            else:
                server.hang.clear()
            print("hang on" if on else "hang off", flush=True)  # tests wait for this line

        signal.signal(signal.SIGUSR1, lambda *_: hang(True))
        signal.signal(signal.SIGUSR2, lambda *_: hang(False))
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        port = server.server_address[1]
        print(json.dumps({"apiUrl": f"https://127.0.0.1:{port}/{secret.strip('/')}",
                          "certSha256": cert_sha256(cert)}, separators=(",", ":")), flush=True)
        while not stopping.wait(0.1):
            pass
        server.hang.clear()
        server.shutdown()
        server.server_close()
    finally:
        manager.stop()


if __name__ == "__main__":
    sys.exit(main())
