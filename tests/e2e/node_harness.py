"""Helpers for the node agent's tests and bench/node.py: an HTTPS client that pins the node's
certificate like the hub, and a WireGuard interface (real wireguard-go) in a throwaway network
namespace. Standard library only. Everything started here is stopped by PID; the namespace is
deleted."""
import base64
import ctypes
import hashlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import time

CLONE_NEWNET = 0x40000000
SKIP_REASON = "skipped: needs root and ip netns (and wireguard-go, wg)"


def wg_root_ready():
    """Whether this process can run wireguard-go in a namespace of its own."""
    if os.geteuid() != 0:
        return False
    for tool in ("ip", "wireguard-go", "wg"):
        if shutil.which(tool) is None:
            return False
    return os.path.exists("/dev/net/tun")


def enter_netns(name):
    """Moves the calling thread into network namespace `name` (sockets it opens then live there)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
    finally:
        os.close(fd)


def cert_sha256(pem_path):
    with open(pem_path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return hashlib.sha256(der).hexdigest()


class PinMismatch(Exception):
    pass


class NodeClient:
    """The hub's side of the node API: TLS with the certificate pinned by SHA-256 (checked before
    the token is sent), keep-alive connection, JSON in and out."""

    def __init__(self, host, port, sha256, token, timeout=10):
        self.host, self.port, self.sha256, self.token = host, port, sha256.lower(), token
        self.timeout = timeout
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE
        self.conn = None

    def _connect(self):
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                           timeout=self.timeout)
        conn.connect()
        got = hashlib.sha256(conn.sock.getpeercert(binary_form=True)).hexdigest()
        if got != self.sha256:
            conn.close()
            raise PinMismatch(f"certificate sha256 {got} != pinned {self.sha256}")
        return conn

    def call(self, method, path, body=None, token=None):
        """(status, parsed JSON body or None)."""
        headers = {}
        tok = self.token if token is None else token
        if tok:
            headers["Authorization"] = f"Bearer {tok}"
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = self._connect()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 1:
                    raise
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return resp.status, parsed

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def b64_to_hex(b64):
    return base64.b64decode(b64).hex()


def wg_keypair():
    priv = subprocess.run(["wg", "genkey"], capture_output=True, text=True, check=True).stdout
    pub = subprocess.run(["wg", "pubkey"], input=priv, capture_output=True, text=True,
                         check=True).stdout
    return priv.strip(), pub.strip()


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def end_process(proc, timeout=5):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class WgNamespace:
    """A fresh network namespace with wireguard-go running interface `ifname` in it, its private
    key and listen port set with `wg set`, address `address` (CIDR) and up."""

    def __init__(self, workdir, address="10.77.0.1/24", listen_port=51820):
        tag = secrets.token_hex(3)
        self.ns = f"vhnode-{tag}"
        self.ifname = f"wgn{tag}"  # unique: /var/run/wireguard is shared by every namespace
        self.socket = f"/var/run/wireguard/{self.ifname}.sock"
        self.workdir = workdir
        self.proc = None
        self.private_key, self.public_key = wg_keypair()
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        try:
            self.ns_run("ip", "link", "set", "lo", "up")
            self.log = open(os.path.join(workdir, f"wireguard-go-{self.ifname}.log"), "w")
            self.proc = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, "wireguard-go", "-f", self.ifname],
                stdout=self.log, stderr=self.log)
            wait_until(lambda: os.path.exists(self.socket), 10, f"{self.socket}")
            key_file = os.path.join(workdir, f"{self.ifname}.key")
            with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write(self.private_key + "\n")
            self.ns_run("wg", "set", self.ifname, "listen-port", str(listen_port), "private-key",
                        key_file)
            self.ns_run("ip", "addr", "add", address, "dev", self.ifname)
            self.ns_run("ip", "link", "set", self.ifname, "up")
        except Exception:
            self.stop()
            raise

    def ns_run(self, *args, check=True):
        return subprocess.run(["ip", "netns", "exec", self.ns, *args], capture_output=True,
                              text=True, check=check)

    def ns_popen(self, args, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.ns, *args], **kw)

    def dump(self):
        """`wg show IF dump`: (interface fields, {public key b64: peer fields})."""
        out = self.ns_run("wg", "show", self.ifname, "dump").stdout.strip().splitlines()
        iface = out[0].split("\t")
        peers = {}
        for line in out[1:]:
            f = line.split("\t")
            peers[f[0]] = {"preshared_key": f[1], "endpoint": f[2], "allowed_ips": f[3],
                           "latest_handshake": int(f[4]), "rx": int(f[5]), "tx": int(f[6])}
        return iface, peers

    def stop(self):
        end_process(self.proc)
        if getattr(self, "log", None):
            self.log.close()
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)


def free_port_in(ns_name):
    """A free TCP port inside namespace `ns_name` (a fresh namespace has every port free; this
    asks the kernel anyway)."""
    out = subprocess.run(["ip", "netns", "exec", ns_name, "python3", "-c",
                          "import socket;s=socket.socket();s.bind(('127.0.0.1',0));"
                          "print(s.getsockname()[1])"], capture_output=True, text=True,
                         check=True)
    return int(out.stdout)


def wait_listening_in(executor, port, timeout=10):
    """Waits until 127.0.0.1:port accepts inside the namespace the executor's thread is in."""
    def probe():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False
    wait_until(lambda: executor.submit(probe).result(), timeout, f"node on port {port}")
