"""A WireGuard stage in network namespaces for the end-to-end test of the wireguard kind
(test_wireguard_netns.py) and its benchmark (bench/wireguard_keys.py). Standard library only.

Three namespaces joined by two veth pairs, nothing added to the host's own namespace:

    hub  10.66.1.1 ---- 10.66.1.2  srv  10.66.2.1 ---- 10.66.2.2  cli
                                   wg interface 10.66.3.1/24 (wireguard-go), `vpnhub node run`
                                   on 10.66.1.2, an HTTP server on 10.66.3.1

The hub (the `vpnhub` CLI, its SQLite file in a host folder) runs in `hub` and reaches the node
over the first pair; the client's WireGuard endpoint is 10.66.2.1:51820 over the second. Names
carry a random suffix: wireguard-go's UAPI sockets (/var/run/wireguard/<if>.sock) are shared by
every namespace, and tests may run in parallel.
"""
import os
import secrets
import shutil
import shlex
import subprocess

from harness import end_process, wait_until

SKIP_REASON = "skipped: needs root and ip netns"

HUB_ADDR = "10.66.1.1"
NODE_ADDR = "10.66.1.2"
SRV_UNDERLAY = "10.66.2.1"
CLI_UNDERLAY = "10.66.2.2"
LISTEN_PORT = 51820


def missing():
    """Why the stage cannot run here, or None."""
    if os.geteuid() != 0:
        return "not root"
    for tool in ("ip", "wireguard-go", "wg", "curl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    probe = "vhprobe" + secrets.token_hex(3)
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode != 0:
        return "ip netns add failed"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    return None


def run(*cmd, check=True, timeout=30, **kw):
    res = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, **kw)
    if check and res.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {res.returncode}: {res.stdout}{res.stderr}")
    return res


def uapi_socket(interface):
    return f"/var/run/wireguard/{interface}.sock"


class Stage:
    """The namespaces, links and wireguard-go processes; stop() removes every one of them."""

    def __init__(self, workdir, tunnel_prefix=24):
        self.dir = workdir
        tag = secrets.token_hex(3)
        self.hub, self.srv, self.cli = f"vh{tag}h", f"vh{tag}s", f"vh{tag}c"
        self.srv_if, self.cli_if = f"wgs{tag}", f"wgc{tag}"
        self.tunnel = f"10.66.3.1/{tunnel_prefix}"
        self.tunnel_addr = "10.66.3.1"
        self.endpoint = f"{SRV_UNDERLAY}:{LISTEN_PORT}"
        self.procs = []
        self.namespaces = []
        try:
            self._build(tag)
        except BaseException:
            self.stop()
            raise

    def _build(self, tag):
        for ns in (self.hub, self.srv, self.cli):
            run("ip", "netns", "add", ns)
            self.namespaces.append(ns)
            run("ip", "-n", ns, "link", "set", "lo", "up")
        self._veth(f"vh{tag}a", self.hub, HUB_ADDR, f"vh{tag}b", self.srv, NODE_ADDR)
        self._veth(f"vh{tag}c", self.srv, SRV_UNDERLAY, f"vh{tag}d", self.cli, CLI_UNDERLAY)
        self.server_private = run("wg", "genkey").stdout.strip()
        self.server_public = run("wg", "pubkey", input=self.server_private + "\n").stdout.strip()
        self.start_wireguard_go(self.srv, self.srv_if)
        key_file = os.path.join(self.dir, "server.key")
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(self.server_private + "\n")
        self.ns(self.srv, "wg", "set", self.srv_if, "listen-port", str(LISTEN_PORT),
                "private-key", key_file)
        run("ip", "-n", self.srv, "addr", "add", self.tunnel, "dev", self.srv_if)
        run("ip", "-n", self.srv, "link", "set", self.srv_if, "up")

    def _veth(self, a, ns_a, addr_a, b, ns_b, addr_b):
        run("ip", "link", "add", a, "netns", ns_a, "type", "veth", "peer", "name", b, "netns", ns_b)
        run("ip", "-n", ns_a, "addr", "add", f"{addr_a}/24", "dev", a)
        run("ip", "-n", ns_b, "addr", "add", f"{addr_b}/24", "dev", b)
        run("ip", "-n", ns_a, "link", "set", a, "up")
        run("ip", "-n", ns_b, "link", "set", b, "up")

    def ns(self, ns, *cmd, check=True, timeout=30, **kw):
        """Runs `cmd` in namespace `ns`; returns the completed process."""
        return run("ip", "netns", "exec", ns, *cmd, check=check, timeout=timeout, **kw)

    def spawn(self, ns, *cmd, **kw):
        """Starts `cmd` in namespace `ns` (`ip netns exec` execs it: the Popen is the process);
        stop() ends it."""
        proc = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], **kw)
        self.procs.append(proc)
        return proc

    def start_wireguard_go(self, ns, interface):
        proc = self.spawn(ns, "wireguard-go", "-f", interface, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
        wait_until(lambda: os.path.exists(uapi_socket(interface)) or proc.poll() is not None,
                   10, what=f"wireguard-go {interface}")
        if proc.poll() is not None:
            raise AssertionError(f"wireguard-go {interface} exited {proc.returncode}")
        return proc

    def listening(self, ns, addr, port):
        """Whether something accepts TCP on addr:port inside namespace `ns`."""
        code = ("import socket,sys; s=socket.socket(); s.settimeout(1); "
                f"sys.exit(s.connect_ex(('{addr}', {port})))")
        return self.ns(ns, "/usr/bin/python3", "-c", code, check=False).returncode == 0

    def server_peers(self):
        """The public keys (base64) of the server interface's peers."""
        out = self.ns(self.srv, "wg", "show", self.srv_if, "peers").stdout
        return set(out.split())

    def bring_up_client(self, conf_text):
        """The client's wireguard-go with `conf_text` (a wg-quick .conf): Address and DNS are
        wg-quick's own keys, so they are taken out for `wg setconf` and the address is set with
        `ip addr`; only the tunnel's network is routed into the tunnel (a default route would take
        the endpoint's own packets too)."""
        address = None
        kept = []
        for line in conf_text.splitlines():
            key = line.split("=", 1)[0].strip().lower()
            if key == "address":
                address = line.split("=", 1)[1].strip()
            elif key != "dns":
                kept.append(line)
        if address is None:
            raise AssertionError("the .conf has no Address:\n" + conf_text)
        path = os.path.join(self.dir, "client-setconf.conf")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write("\n".join(kept) + "\n")
        self.start_wireguard_go(self.cli, self.cli_if)
        self.ns(self.cli, "wg", "setconf", self.cli_if, path)
        run("ip", "-n", self.cli, "addr", "add", address, "dev", self.cli_if)
        run("ip", "-n", self.cli, "link", "set", self.cli_if, "up")
        network = self.tunnel.rsplit(".", 1)[0] + ".0/" + self.tunnel.split("/")[1]
        run("ip", "-n", self.cli, "route", "add", network, "dev", self.cli_if)
        return address

    def fetch(self, url, timeout=2):
        """The body curl gets for `url` from the client namespace, or None when it fails."""
        res = self.ns(self.cli, "curl", "-s", "--max-time", str(timeout), url, check=False,
                      timeout=timeout + 10)
        return res.stdout if res.returncode == 0 else None

    def stop(self):
        for proc in reversed(self.procs):
            end_process(proc, 5)
        self.procs = []
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.namespaces = []


def node_server_add_args(init_stdout):
    """The arguments after `vpnhub` of the `server add` line `vpnhub node init` prints."""
    for line in init_stdout.splitlines():
        line = line.strip()
        if line.startswith("vpnhub server add"):
            return shlex.split(line)[1:]
    raise AssertionError("vpnhub node init printed no `vpnhub server add` line:\n" + init_stdout)


def free_port_in(stage, ns, addr):
    """A TCP port free on addr inside namespace `ns` (asked of the kernel there)."""
    code = ("import socket; s=socket.socket(); "
            f"s.bind(('{addr}', 0)); print(s.getsockname()[1])")
    return int(stage.ns(ns, "/usr/bin/python3", "-c", code).stdout.strip())


def start_node(stage, binary, node_dir, env, listen_addr=NODE_ADDR, hub_ns=True):
    """`vpnhub node init` for the server interface (listening on `listen_addr`), then `vpnhub
    node run` in the server namespace; returns the `server add` arguments init printed. The node
    is waited for from the hub namespace, or from this (the host's) namespace when not `hub_ns`."""
    port = free_port_in(stage, stage.srv, listen_addr)
    init = stage.ns(stage.srv, binary, "node", "init", "--interface", stage.srv_if,
                    "--endpoint", stage.endpoint, "--tunnel", stage.tunnel,
                    "--listen", f"{listen_addr}:{port}", "--dir", node_dir, env=env)
    args = node_server_add_args(init.stdout)
    log = open(os.path.join(stage.dir, "node.log"), "a")
    stage.spawn(stage.srv, binary, "node", "run", "--dir", node_dir, stdout=log, stderr=log,
                env=env)
    if hub_ns:
        wait_until(lambda: stage.listening(stage.hub, listen_addr, port), 15,
                   what="vpnhub node run")
    else:
        wait_until(lambda: harness_listening(listen_addr, port), 15, what="vpnhub node run")
    return args


def harness_listening(addr, port):
    """Whether something accepts TCP on addr:port from this namespace."""
    import socket
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((addr, port)) == 0


def link_host_to(stage, ns, host_addr, ns_addr):
    """A veth pair between this (the host's) namespace and `ns`, host_addr/24 on this side; it
    goes when `ns` is deleted (Stage.stop)."""
    tag = secrets.token_hex(3)
    a, b = f"vx{tag}a", f"vx{tag}b"
    run("ip", "link", "add", a, "type", "veth", "peer", "name", b, "netns", ns)
    run("ip", "addr", "add", f"{host_addr}/24", "dev", a)
    run("ip", "-n", ns, "addr", "add", f"{ns_addr}/24", "dev", b)
    run("ip", "link", "set", a, "up")
    run("ip", "-n", ns, "link", "set", b, "up")
