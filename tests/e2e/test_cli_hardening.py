"""The CLI under an operator's mistakes: integer arguments out of range, unknown commands, port
ranges, configurations `serve` would refuse; and its output: a result and nothing else, the same
columns for `key create` and `key list`, each command's own --help; /metrics series at zero.
"""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

MAX_ID = "9223372036854775807"
MAX_TG_ID = str(2**52 - 1)
HUGE = "99999999999999999999"

SUBCOMMANDS = [
    ["serve"], ["worker"], ["migrate"], ["db"], ["db", "copy"], ["location"], ["location", "add"],
    ["location", "list"], ["server"], ["server", "add"], ["server", "list"], ["key"],
    ["key", "create"], ["key", "list"], ["key", "revoke"], ["user"], ["user", "list"], ["task"],
    ["task", "list"], ["task", "retry"],
]


class CliHardeningTest(harness.HubTestCase):
    def setUp(self):
        super().setUp()
        self.hub = self.own_hub(harness.Vpnhub(self.dir))

    def usage_error(self, *args, says=()):
        return self.cli_exits(self.hub, 2, *args, says=says)

    def add_server(self, manager="127.0.0.1:9", ports="20000-20009", capacity="10"):
        self.hub.cli("location", "add", "Oslo")
        self.hub.cli("server", "add", "--location", "Oslo", "--manager", manager,
                     "--public-host", "vpn.example.com", "--ports", ports, "--capacity", capacity)

    # ---- item 15: integer arguments, unknown commands, port ranges

    def test_integer_arguments_out_of_range_name_the_range(self):
        self.add_server()
        create = ["key", "create", "--location", "Oslo"]
        cases = [
            (create + ["--user", HUGE, "--days", "1"],
             f"--user: expected an integer in 1..{MAX_TG_ID}, got '{HUGE}'"),
            (create + ["--user", "0", "--days", "1"], f"--user: expected an integer in 1..{MAX_TG_ID}"),
            (["key", "list", "--user", HUGE], f"--user: expected an integer in 1..{MAX_TG_ID}"),
            (create + ["--user", "5", "--days", HUGE], "--days: expected an integer in 1..3650"),
            (create + ["--user", "5", "--days", "3651"], "--days: expected an integer in 1..3650"),
            (create + ["--user", "5", "--days", "0"], "--days: expected an integer in 1..3650"),
            (create + ["--user", "5", "--days", "-1"], "--days: expected an integer in 1..3650"),
            (create + ["--user", "5", "--seconds", "315360001"],
             "--seconds: expected an integer in 1..315360000"),
            (create + ["--user", "5", "--seconds", HUGE], "--seconds: expected an integer in"),
            (["key", "revoke", "0"], f"ID: expected an integer in 1..{MAX_ID}, got '0'"),
            (["key", "revoke", "-3"], f"ID: expected an integer in 1..{MAX_ID}"),
            (["key", "revoke", HUGE], f"ID: expected an integer in 1..{MAX_ID}, got '{HUGE}'"),
            (["task", "retry", "0"], f"ID: expected an integer in 1..{MAX_ID}"),
            (["task", "retry", HUGE], f"ID: expected an integer in 1..{MAX_ID}"),
            (["server", "add", "--location", "Oslo", "--manager", "127.0.0.1:9", "--public-host",
              "h", "--ports", "1-2", "--capacity", HUGE],
             "--capacity: expected an integer in 1..65535"),
        ]
        for args, message in cases:
            res = self.usage_error(*args, says=[message])
            self.assertNotIn("must be positive", res.stderr, args)
            self.assertNotIn("unknown", res.stderr, args)  # not clamped to some other id
        # Nothing was recorded by the refused commands.
        self.assertEqual(self.hub.cli_json("key", "list"), [])
        # The bounds themselves are accepted.
        self.hub.cli(*create, "--user", MAX_TG_ID, "--days", "3650", "--no-wait")
        self.hub.cli(*create, "--user", "5", "--seconds", "315360000", "--no-wait")
        self.assertEqual(len(self.hub.cli_json("key", "list")), 2)

    def test_unknown_commands_are_named(self):
        for args, name, parent in ((["foo"], "foo", "vpnhub --help"),
                                   (["--verbose", "foo"], "foo", "vpnhub --help"),
                                   (["key", "frob"], "key frob", "vpnhub key --help"),
                                   (["db", "cpy", "--from", "x"], "db cpy", "vpnhub db --help")):
            res = self.usage_error(*args, says=[f"unknown command '{name}'", parent])
            self.assertNotIn("subcommand is required", res.stderr)

    def test_port_ranges_say_what_a_range_looks_like(self):
        self.hub.cli("location", "add", "Oslo")
        for ports in ("-5-10", "10-5", "0-10", "1-65536", "100", "a-b", "5-+10", "20000-"):
            self.usage_error("server", "add", "--location", "Oslo", "--manager", "127.0.0.1:9",
                             "--public-host", "h", "--ports", ports, "--capacity", "1",
                             says=["--ports: expected FROM-TO with 1 <= FROM <= TO <= 65535",
                                   f"got '{ports}'"])
        self.assertEqual(self.hub.cli_json("server", "list"), [])
        self.hub.cli("server", "add", "--location", "Oslo", "--manager", "127.0.0.1:9",
                     "--public-host", "h", "--ports", "65535-65535", "--capacity", "1")

    # ---- item 16: check-config catches what serve refuses

    def check_config_and_serve_refuse(self, env, *says):
        env = dict(self.hub.env, HTTP_LISTEN="127.0.0.1:0", **env)
        for cmd in (["check-config"], ["serve"], ["worker"]):
            res = subprocess.run([harness.BINARY, *cmd], cwd=self.dir, env=env,
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(res.returncode, 2, (cmd, res.stdout, res.stderr))
            for text in says:
                self.assertIn(text, res.stderr, cmd)
        return env

    def test_unreadable_nats_files(self):
        empty = os.path.join(self.dir, "empty.creds")
        open(empty, "w").close()
        self.check_config_and_serve_refuse(
            {"NATS_SERVERS": "nats://127.0.0.1:1", "NATS_CREDS": os.path.join(self.dir, "no.creds"),
             "NATS_TLS_CA": empty},
            "2 problems", 'NATS_CREDS="', "No such file or directory", 'NATS_TLS_CA="',
            "the file is empty")
        self.check_config_and_serve_refuse(
            {"NATS_SERVERS": "nats://127.0.0.1:1", "NATS_TLS_CA": self.dir},
            'NATS_TLS_CA="', "not a regular file")

    def test_unusable_sqlite_urls(self):
        env = self.check_config_and_serve_refuse({"DATABASE_URL": "sqlite://./x.db?mode=ro"},
                                                 "without ?options")
        res = subprocess.run([harness.BINARY, "key", "list"], cwd=self.dir, env=env,
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertEqual([f for f in os.listdir(self.dir) if f.startswith("x.db")], [])
        self.check_config_and_serve_refuse({"DATABASE_URL": "sqlite://:memory:"},
                                           "sqlite://:memory: lives inside one process")

    def run_unprivileged(self, *args):
        """Runs vpnhub as nobody when the test runs as root (root ignores permissions)."""
        prefix = []
        if os.geteuid() == 0:
            prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        env = dict(self.hub.env, HTTP_LISTEN="127.0.0.1:0")
        return subprocess.run([*prefix, harness.BINARY, *args], cwd=self.dir, env=env,
                              capture_output=True, text=True, timeout=30)

    def test_read_only_database_is_named_at_open(self):
        self.hub.cli("location", "add", "Oslo")  # creates and migrates the database
        os.chmod(self.dir, 0o755)
        os.chmod(self.hub.db_path, 0o444)
        if os.geteuid() != 0:
            os.chmod(self.dir, 0o555)
        expected = "the database file is read-only: " + self.hub.db_path
        for args, code in ((["key", "list"], 1), (["location", "add", "Riga"], 1),
                           (["migrate"], 1), (["check-config"], 2), (["serve"], 2)):
            res = self.run_unprivileged(*args)
            self.assertEqual(res.returncode, code, (args, res.stdout, res.stderr))
            self.assertIn(expected, res.stderr, args)
        # A writable file in a directory the process cannot write (SQLite's -wal and -shm).
        os.chmod(self.hub.db_path, 0o666)
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o755)
        for args, code in ((["key", "list"], 1), (["check-config"], 2)):
            res = self.run_unprivileged(*args)
            self.assertEqual(res.returncode, code, (args, res.stdout, res.stderr))
            self.assertIn(expected, res.stderr, args)
            self.assertIn("is not writable", res.stderr, args)
        os.chmod(self.dir, 0o700)

    # ---- item 18: output

    def test_a_successful_command_prints_its_result_only(self):
        self.ss = self.stop_after(harness.SsManager(self.dir))
        port = harness.free_port_block(10)
        self.hub.cli("location", "add", "Oslo")
        commands = [
            ["server", "add", "--location", "Oslo", "--manager", self.ss.address,
             "--public-host", "127.0.0.1", "--ports", f"{port}-{port + 9}", "--capacity", "10"],
            ["key", "create", "--user", "5", "--location", "Oslo", "--days", "30"],
            ["key", "list"], ["key", "revoke", "1"], ["user", "list"], ["task", "list"],
            ["location", "list"], ["server", "list"], ["migrate", "--status"],
        ]
        for args in commands:
            res = self.hub.cli(*args)
            self.assertEqual(res.stderr, "", args)
            self.assertTrue(res.stdout.strip(), args)
        # --verbose (anywhere on the line), or LOG_LEVEL in the environment, turns the log on.
        for args, env in ((["key", "create", "--user", "6", "--location", "Oslo", "--days", "1",
                            "--verbose"], {}),
                          (["--verbose", "key", "revoke", "2"], {}),
                          (["key", "create", "--user", "7", "--location", "Oslo", "--days", "1"],
                           {"LOG_LEVEL": "info"})):
            res = subprocess.run([harness.BINARY, *args], cwd=self.dir,
                                 env=dict(self.hub.env, **env), capture_output=True, text=True,
                                 timeout=30)
            self.assertEqual(res.returncode, 0, res.stderr)
            self.assertRegex(res.stderr, r'\{"ts":"[^"]+","level":"info","event":"key\.', args)

    def test_key_create_and_key_list_print_the_same_columns(self):
        self.ss = self.stop_after(harness.SsManager(self.dir))
        port = harness.free_port_block(10)
        self.add_server(self.ss.address, f"{port}-{port + 9}")
        created = self.hub.cli("key", "create", "--user", "5", "--location", "Oslo", "--days",
                               "30").stdout.splitlines()
        self.assertEqual(len(created), 2, created)
        self.assertTrue(created[1].startswith("ss://"), created)
        listed = self.hub.cli("key", "list").stdout.splitlines()
        self.assertEqual(listed, [created[0]])
        fields = created[0].split("\t")
        self.assertEqual(fields[:5], ["1", "user 5", "Oslo", "Oslo-vpn.example.com", "active"])
        self.assertRegex(fields[5], r"^expires \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(29d 23h\)$")
        self.assertEqual(fields[6], self.hub.key(1)["remote_name"])

    def test_subcommand_help_shows_its_own_options_only(self):
        for cmd in SUBCOMMANDS:
            res = self.hub.cli(*cmd, "--help")
            self.assertIn("Usage: vpnhub " + " ".join(cmd), res.stdout)
            self.assertNotIn("MONTH_COST", res.stdout, cmd)
            self.assertNotIn("Configuration (environment", res.stdout, cmd)
        self.assertIn("--user", self.hub.cli("key", "list", "--help").stdout)
        for cmd in ([], ["check-config"]):
            out = self.hub.cli(*cmd, "--help").stdout
            self.assertIn("Configuration (environment", out, cmd)
            self.assertIn("DATABASE_URL", out, cmd)
        self.assertIn("--verbose", self.hub.cli("--help").stdout)

    def test_metrics_series_exist_at_zero_from_the_start(self):
        self.hub.start()
        status, body = self.hub.get("/metrics")
        self.assertEqual(status, 200)
        for op in ("create_key", "delete_key", "list_keys", "ping"):
            for code in ("unavailable", "deadline_exceeded", "internal"):
                self.assertIn(f'vpnhub_backend_call_errors_total{{kind="shadowsocks",op="{op}",'
                              f'code="{code}"}} 0\n', body)
        self.assertIn('vpnhub_http_requests_total{route="/readyz",code="500"} 0\n', body)
        self.assertIn('vpnhub_http_requests_total{route="unmatched",code="404"} 0\n', body)
        self.assertRegex(body, re.compile(r"^vpnhub_tasks_processed_total\{.*\} 0$", re.M))


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    unittest.main()
