#!/usr/bin/python3
"""A fake `vpnhub node` for tests: the node's HTTPS API (see docs of `vpnhub node`, the shared
spec node_api) in memory, Python standard library only, with a self-signed certificate made by the
openssl CLI.

    fake_node.py --dir DIR [--port 0] [--token T] [--tunnel 10.8.0.1/24]
                 [--endpoint vpn.example.com:51820] [--listen-port 51820] [--public-key B64]
                 [--hang]

The certificate is made in DIR unless DIR holds one already (a restart keeps its fingerprint).
Peers live in memory only: a restart loses them, as a restart of wireguard-go does.

Once it listens it prints one JSON line on stdout:
    {"port": P, "cert_sha256": "<64 hex>", "token": "<token>", "public_key": "<base64>"}
then reads commands from stdin, one per line, and answers each with one line ("ok ..." or
"error ..."):
    hang on|off        requests are read and never answered (until "hang off" or 60 s)
    token T            the token the node expects becomes T (the hub's one is then wrong)
    fail N|off         every request is answered with HTTP status N ({"error":"injected"})
    restart            every peer is dropped (wireguard-go restarted: the interface is empty)
    requests           "ok <number of requests handled so far>"
    peers              "ok <JSON of the peers>"
    add PUBHEX PSKB64 ADDRESS   a peer put there by someone else (not through the API)
    traffic PUBHEX RX TX        set a peer's byte counters
"""
import argparse
import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import os
import re
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 64 * 1024
HEX_KEY = re.compile(r"^[0-9a-f]{64}$")


def b64_key(text):
    """The 32 bytes of a standard base64 key, or None."""
    if not isinstance(text, str) or len(text) != 44:
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.token = args.token
        self.tunnel = ipaddress.ip_interface(args.tunnel)
        self.endpoint = args.endpoint
        self.listen_port = args.listen_port
        self.public_key = args.public_key or base64.b64encode(os.urandom(32)).decode()
        self.peers = {}  # hex public key -> {"psk": b64, "address": "a.b.c.d/32", rx, tx}
        self.hang = args.hang
        self.fail = None
        self.requests = 0

    def peer_json(self, hex_key, p):
        return {"public_key": base64.b64encode(bytes.fromhex(hex_key)).decode(),
                "address": p["address"], "rx_bytes": p["rx"], "tx_bytes": p["tx"],
                "latest_handshake": 0}


STATE = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method):
        with STATE.lock:
            STATE.requests += 1
        deadline = time.monotonic() + 60
        while STATE.hang and time.monotonic() < deadline:
            time.sleep(0.02)
        if STATE.hang:
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return self.reply(413, {"error": "body too large"})
        body = self.rfile.read(length) if length else b""
        if STATE.fail is not None:
            return self.reply(STATE.fail, {"error": "injected"})
        auth = self.headers.get("Authorization") or ""
        expected = "Bearer " + STATE.token
        if not hmac.compare_digest(auth.encode(), expected.encode()):
            return self.reply(401, {"error": "unauthorized"})
        path = self.path.split("?", 1)[0]
        if path == "/v1/server" and method == "GET":
            with STATE.lock:
                count = len(STATE.peers)
            return self.reply(200, {"interface": "wg0", "public_key": STATE.public_key,
                                    "listen_port": STATE.listen_port, "endpoint": STATE.endpoint,
                                    "tunnel": str(STATE.tunnel), "peers": count})
        if path == "/v1/peers" and method == "GET":
            with STATE.lock:
                peers = [STATE.peer_json(k, p) for k, p in STATE.peers.items()]
            return self.reply(200, {"peers": peers})
        if path.startswith("/v1/peers/"):
            hex_key = path[len("/v1/peers/"):]
            if not HEX_KEY.match(hex_key):
                return self.reply(404, {"error": "not found"})
            if method == "PUT":
                return self.put_peer(hex_key, body)
            if method == "DELETE":
                with STATE.lock:
                    STATE.peers.pop(hex_key, None)
                return self.reply(204)
        return self.reply(404, {"error": "not found"})

    def put_peer(self, hex_key, body):
        try:
            req = json.loads(body)
        except ValueError:
            return self.reply(400, {"error": "body is not JSON"})
        if not isinstance(req, dict):
            return self.reply(400, {"error": "body is not an object"})
        psk = req.get("preshared_key")
        if b64_key(psk) is None:
            return self.reply(400, {"error": "preshared_key is not base64 of 32 bytes"})
        address = req.get("address")
        try:
            iface = ipaddress.ip_interface(address)
        except (ValueError, TypeError):
            return self.reply(400, {"error": "address is not an address"})
        if (iface.network.prefixlen != 32 or iface.ip not in STATE.tunnel.network
                or iface.ip == STATE.tunnel.ip):
            return self.reply(400, {"error": "address is not a /32 inside the tunnel"})
        address = str(iface)
        with STATE.lock:
            for other_key, other in STATE.peers.items():
                if other_key != hex_key and other["address"] == address:
                    return self.reply(409, {"error": "address held by another peer"})
            existing = STATE.peers.get(hex_key)
            if existing is None:
                STATE.peers[hex_key] = {"psk": psk, "address": address, "rx": 0, "tx": 0}
                return self.reply(201, {"created": True})
            existing["psk"] = psk
            existing["address"] = address
        return self.reply(200, {"created": False})

    def do_GET(self):
        self.handle_any("GET")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def do_POST(self):
        self.handle_any("POST")


def make_certificate(directory):
    """The certificate in `directory`, made there unless a former run made it (a restart keeps
    its fingerprint, as `vpnhub node run` keeps the one `node init` made)."""
    key = os.path.join(directory, "node.key")
    cert = os.path.join(directory, "node.crt")
    if not (os.path.exists(key) and os.path.exists(cert)):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=fake-node"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(cert) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return cert, key, hashlib.sha256(der).hexdigest()


def command(line):
    words = line.split()
    if not words:
        return "error empty"
    verb, rest = words[0], words[1:]
    with STATE.lock:
        if verb == "hang" and rest in (["on"], ["off"]):
            STATE.hang = rest[0] == "on"
        elif verb == "token" and len(rest) == 1:
            STATE.token = rest[0]
        elif verb == "fail" and len(rest) == 1:
            STATE.fail = None if rest[0] == "off" else int(rest[0])
        elif verb == "restart":
            STATE.peers.clear()
        elif verb == "requests":
            return f"ok {STATE.requests}"
        elif verb == "peers":
            return "ok " + json.dumps([STATE.peer_json(k, p) for k, p in STATE.peers.items()])
        elif verb == "add" and len(rest) == 3:
            STATE.peers[rest[0]] = {"psk": rest[1], "address": rest[2], "rx": 0, "tx": 0}
        elif verb == "traffic" and len(rest) == 3:
            STATE.peers[rest[0]]["rx"] = int(rest[1])
            STATE.peers[rest[0]]["tx"] = int(rest[2])
        else:
            return "error unknown command"
    return "ok"


def main():
    global STATE
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", default=None)
    ap.add_argument("--tunnel", default="10.8.0.1/24")
    ap.add_argument("--endpoint", default="vpn.example.com:51820")
    ap.add_argument("--listen-port", type=int, default=51820)
    ap.add_argument("--public-key", default=None, help="the interface's (random by default)")
    ap.add_argument("--hang", action="store_true")
    args = ap.parse_args()
    if args.token is None:
        args.token = os.urandom(32).hex()
    STATE = State(args)
    cert, key, fingerprint = make_certificate(args.dir)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_address[1], "cert_sha256": fingerprint,
                      "token": args.token, "public_key": STATE.public_key}), flush=True)
    for line in sys.stdin:
        print(command(line.strip()), flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
