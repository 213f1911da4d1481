"""Provisioning isolated from a hung server (issue 17): shared by test_provision_isolation.py and
bench/hung_server.py.

One run: a fresh database, one location with three shadowsocks servers on three real ss-managers
(s1, s2, s3), COUNT keys issued at RATE per second and provisioned by the embedded worker
(vpnhub_provision_load, with the production defaults of WORKER_*, VPN_CALL_TIMEOUT_MS and
TASK_*). With hang=True, s3's ss-manager is stopped with SIGSTOP before the first key: it holds its
port and never answers. The result is vpnhub_provision_load's JSON: the issue -> active latency of
the keys on s1 and s2 (p50/p99/max, ms).
"""
import json
import os
import subprocess

import harness

SERVERS = ("s1", "s2", "s3")
MEASURED = ("s1", "s2")

# The production defaults (harness.Vpnhub shortens them for the other tests).
DEFAULTS = {"VPN_CALL_TIMEOUT_MS": "5000", "TASK_LEASE_SEC": "60", "TASK_RETRY_BASE_MS": "2000"}


def run(vpnhub_bin, load_bin, workdir, hang, count=300, rate=50, timeout=60):
    harness.BINARY = vpnhub_bin
    os.makedirs(workdir, exist_ok=True)
    hub = harness.Vpnhub(workdir, **DEFAULTS)
    managers = []
    try:
        hub.cli("location", "add", "L")
        per_server = count // len(SERVERS) + 10
        for name in SERVERS:
            ss = harness.SsManager(os.path.join(workdir, name))
            managers.append(ss)
            port_from = harness.free_port_block(per_server)
            hub.cli("server", "add", "--location", "L", "--name", name, "--manager", ss.address,
                    "--public-host", "127.0.0.1", "--ports",
                    f"{port_from}-{port_from + per_server - 1}", "--capacity", str(per_server))
        if hang:
            managers[-1].pause()  # SIGSTOP: s3 hangs
        res = subprocess.run(
            [load_bin, "--location", "L", "--measure", ",".join(MEASURED), "--count", str(count),
             "--rate", str(rate), "--timeout", str(timeout)],
            cwd=workdir, env=hub.env, capture_output=True, text=True, timeout=timeout + 120)
        if res.returncode not in (0, 3) or not res.stdout.strip():
            raise AssertionError(f"vpnhub_provision_load failed ({res.returncode}): "
                                 f"{res.stderr[-2000:]}")
        return json.loads(res.stdout.strip().splitlines()[-1])
    finally:
        for ss in managers:
            ss.stop()  # resumes a stopped one first
