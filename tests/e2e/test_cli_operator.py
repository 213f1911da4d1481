"""The operator's commands on the real binary: names and hosts are checked (no terminal control
characters, UTF-8 only, 64 characters), --json never aborts, servers on one ss-manager never share
ports, and the edit commands (server edit/disable/enable, location rename/disable/enable,
key extend) keep the keys that run working."""
import datetime
import json
import os
import sqlite3
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

NEW_COMMANDS = [
    (["location", "rename"], "NEW"), (["location", "disable"], "NAME"),
    (["location", "enable"], "NAME"), (["server", "edit"], "--capacity"),
    (["server", "disable"], "ID"), (["server", "enable"], "ID"), (["key", "extend"], "--days"),
    (["key", "show"], "--conf"),
]


def run_bytes(hub, *args):
    """The CLI with arguments that may hold any bytes; stdout and stderr as bytes."""
    return subprocess.run([harness.BINARY.encode(), *args], cwd=hub.dir, env=hub.env,
                          capture_output=True, timeout=30)


def iso(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


class OperatorTextTest(harness.HubTestCase):
    """No ss-manager needed: what is refused before anything is stored."""

    def setUp(self):
        super().setUp()
        self.hub = harness.Vpnhub(self.dir)
        self.hub.cli("location", "add", "Oslo")

    def add_server(self, *extra, check=False, manager="127.0.0.1:9", ports="20000-20009",
                   host="vpn.example.com"):
        return self.hub.cli("server", "add", "--location", "Oslo", "--manager", manager,
                            "--public-host", host, "--ports", ports, "--capacity", "5", *extra,
                            check=check)

    def test_help_of_every_new_command(self):
        for cmd, option in NEW_COMMANDS:
            res = self.hub.cli(*cmd, "--help", check=False)
            self.assertEqual(res.returncode, 0, (cmd, res.stderr))
            self.assertIn("Usage", res.stdout, cmd)
            self.assertIn(option, res.stdout, cmd)

    def test_location_names_with_control_characters_or_bad_utf8_are_refused(self):
        cases = [b"Ams\tterdam", b"Ams\nterdam", b"\x1b[31mRed", b"Ams\x7fterdam",
                 "Ams\u009bterdam".encode(), "Ams\u202eterdam".encode(), b"Oslo\xff",
                 b"\xc0\xaf", b" Riga", b"Riga ", ("\u044f" * 65).encode()]
        for name in cases:
            res = run_bytes(self.hub, b"location", b"add", name)
            self.assertEqual(res.returncode, 2, (name, res.stdout, res.stderr))
            self.assertIn(b"location name", res.stderr, name)
            # The refusal never echoes a control byte to the terminal.
            self.assertNotIn(b"\x1b", res.stderr)
            self.assertNotIn(b"\xff", res.stderr)
        # 64 characters of two bytes each fit: the limit counts characters, not bytes.
        self.hub.cli("location", "add", "\u044f" * 64)
        names = [loc["name"] for loc in self.hub.cli_json("location", "list")]
        self.assertEqual(names, ["Oslo", "\u044f" * 64])

    def test_server_texts_are_checked_and_the_field_named(self):
        cases = [
            (["--public-host", "evil.com#frag@x"], "public host"),
            (["--public-host", "user@vpn.example.com"], "public host"),
            (["--public-host", "256.1.1.1"], "public host"),
            (["--public-host", "vpn\x1b.example.com"], "public host"),
            (["--manager", "127.0.0.1:9\x1b"], "manager"),
            (["--manager", "evil#x:6001"], "manager"),
            (["--name", "srv\tone"], "server name"),
            (["--name", " srv"], "server name"),
            (["--method", "aes-256-gcm\n"], "method"),
        ]
        for extra, field in cases:
            args = {"--manager": "127.0.0.1:9", "--public-host": "vpn.example.com"}
            rest = []
            if extra[0] in args:
                args[extra[0]] = extra[1]
            else:
                rest = extra
            res = self.add_server(*rest, manager=args["--manager"], host=args["--public-host"])
            self.assertEqual(res.returncode, 2, (extra, res.stdout, res.stderr))
            self.assertIn(field, res.stderr, extra)
            self.assertNotIn("\x1b", res.stderr)
        self.assertEqual(self.hub.cli_json("server", "list"), [])
        for i, host in enumerate(("vpn.example.com", "203.0.113.7", "2001:db8::7")):
            self.add_server("--name", host, host=host, ports=f"{21000 + 10 * i}-{21009 + 10 * i}",
                            check=True)
        listed = {s["name"]: s["public_host"] for s in self.hub.cli_json("server", "list")}
        self.assertEqual(listed["2001:db8::7"], "2001:db8::7")

    def test_json_output_survives_rows_stored_with_invalid_utf8(self):
        self.add_server("--name", "srv", check=True)
        self.hub.cli("key", "create", "--user", "7", "--location", "Oslo", "--days", "3",
                     "--no-wait")
        with sqlite3.connect(self.hub.db_path) as db:  # rows written before names were checked
            db.execute("UPDATE locations SET name = CAST(? AS TEXT) WHERE name = 'Oslo'",
                       (b"Os\xfflo\x1b[31m",))
            db.execute("UPDATE servers SET name = CAST(? AS TEXT)", (b"srv\xfe",))
        for cmd in (["location", "list"], ["server", "list"], ["key", "list"]):
            res = self.hub.cli(*cmd, "--json", check=False)
            self.assertEqual(res.returncode, 0, (cmd, res.stderr))
            rows = json.loads(res.stdout)
            self.assertEqual(len(rows), 1, cmd)
            self.assertIn("\ufffd", json.dumps(rows, ensure_ascii=False), cmd)
            # Plain lines escape what a terminal would obey.
            plain = run_bytes(self.hub, *(c.encode() for c in cmd))
            self.assertEqual(plain.returncode, 0, (cmd, plain.stderr))
            self.assertNotIn(b"\x1b", plain.stdout, cmd)

    def test_overlapping_port_ranges_on_one_manager_are_refused(self):
        self.add_server("--name", "first", check=True, manager="127.0.0.1:6001",
                        ports="20000-20009")
        for manager in ("127.0.0.1:6001", "localhost:6001", "[::1]:6001", "LOCALHOST:6001"):
            res = self.add_server("--name", "second", manager=manager, ports="20005-20014")
            self.assertEqual(res.returncode, 1, (manager, res.stderr))
            self.assertIn('server "first"', res.stderr, manager)
            self.assertIn("20000-20009", res.stderr, manager)
        # Next to it, or on another manager: fine.
        self.add_server("--name", "next", check=True, manager="localhost:6001",
                        ports="20010-20019")
        self.add_server("--name", "elsewhere", check=True, manager="127.0.0.1:6002",
                        ports="20000-20009")
        self.assertEqual(len(self.hub.cli_json("server", "list")), 3)
        # An edit cannot make two ranges meet either.
        res = self.hub.cli("server", "edit", "3", "--ports", "20000-20012", check=False)
        self.assertEqual(res.returncode, 0, res.stderr)  # server 3 is on the other manager
        res = self.hub.cli("server", "edit", "1", "--ports", "20000-20012", check=False)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn('server "next"', res.stderr)

    def test_edit_commands_refuse_bad_usage_with_exit_2(self):
        self.add_server("--name", "srv", check=True)
        cases = [
            ["server", "edit", "1"],  # nothing to change
            ["server", "edit", "abc", "--capacity", "3"],
            ["server", "edit", "1", "--capacity", "0"],
            ["server", "edit", "1", "--capacity", "99999999999999999999"],
            ["server", "edit", "1", "--ports", "20000"],
            ["server", "edit", "1", "--ports", "-5-10"],
            ["server", "edit", "1", "--ports", "20010-20000"],
            ["server", "edit", "1", "--public-host", "a b"],
            ["server", "edit", "1", "--name", ""],
            ["server", "disable", "0"],
            ["location", "rename", "Oslo", "Os\nlo"],
            ["key", "extend", "1", "--days", "0"],
            ["key", "extend", "1", "--days", "3651"],
            ["key", "extend", "1", "--days", "abc"],
            ["key", "extend", "1"],
        ]
        for args in cases:
            res = self.hub.cli(*args, check=False)
            self.assertEqual(res.returncode, 2, (args, res.stdout, res.stderr))
            self.assertTrue(res.stderr.strip(), args)
        res = self.hub.cli("key", "extend", "1", "--days", "3651", check=False)
        self.assertIn("1..3650", res.stderr)
        res = self.hub.cli("server", "edit", "1", "--capacity", "99999999999999999999",
                           check=False)
        self.assertIn("1..65535", res.stderr)
        for args in (["server", "edit", "99", "--capacity", "3"], ["server", "disable", "99"],
                     ["location", "rename", "Nowhere", "X"], ["location", "disable", "Nowhere"],
                     ["key", "extend", "99", "--days", "3"]):
            res = self.hub.cli(*args, check=False)
            self.assertEqual(res.returncode, 1, (args, res.stderr))
            self.assertTrue(res.stderr.strip(), args)


class OperatorCommandsTest(harness.HubTestCase):
    """Against a real ss-manager: the keys that run keep running through every edit."""

    def setUp(self):
        super().setUp()
        self.ss = self.stop_after(harness.SsManager(self.dir))
        self.hub = harness.Vpnhub(self.dir, NAME="My VPN")
        self.hub.cli("location", "add", "Amsterdam")
        self.port_from = harness.free_port_block(10)
        self.hub.cli("server", "add", "--location", "Amsterdam", "--manager", self.ss.address,
                     "--public-host", "127.0.0.1", "--ports",
                     f"{self.port_from}-{self.port_from + 9}", "--capacity", "3")

    def create_key(self, user, location="Amsterdam", days="30", check=True):
        res = self.hub.cli("key", "create", "--user", str(user), "--location", location,
                           "--days", days, check=check)
        if not check:
            return res
        lines = res.stdout.splitlines()
        fields = lines[0].split("\t")
        self.assertEqual(fields[4], "active", lines)
        return int(fields[0]), lines[1]

    def test_share_link_is_named_after_the_brand_and_the_location(self):
        _, link = self.create_key(555777)
        self.assertTrue(link.endswith("#My%20VPN%20%7C%20Amsterdam"), link)
        self.assertNotIn("555777", link)
        self.hub.cli("location", "rename", "Amsterdam", "Amsterdam 2")
        listed = self.hub.cli_json("key", "list")[0]["link"]
        self.assertTrue(listed.endswith("#My%20VPN%20%7C%20Amsterdam%202"), listed)

    def test_key_show_prints_the_list_line_and_refuses_conf_for_a_link_kind(self):
        key_id, link = self.create_key(555778)
        shown = self.hub.cli("key", "show", str(key_id)).stdout
        listed = [line for line in self.hub.cli("key", "list").stdout.splitlines()
                  if line.split("\t")[0] == str(key_id)]
        self.assertEqual(shown, listed[0] + "\n")
        data = self.hub.cli_json("key", "show", str(key_id))
        self.assertEqual(data["id"], key_id)
        self.assertEqual(data["link"], link)
        self.assertEqual(data["config_name"], "")
        self.assertEqual(data["config"], "")
        self.assertEqual(self.hub.cli_json("key", "list")[0]["config_name"], "")
        # A shadowsocks key comes as a link: --conf prints nothing and says why.
        res = self.hub.cli("key", "show", str(key_id), "--conf", check=False)
        self.assertEqual(res.returncode, 1)
        self.assertEqual(res.stdout, "")
        self.assertIn("no configuration file", res.stderr)
        res = self.hub.cli("key", "show", str(key_id), "--conf", "--json", check=False)
        self.assertEqual(res.returncode, 2, res.stderr)
        res = self.hub.cli("key", "show", "999", check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("cannot show key 999", res.stderr)

    def test_server_edit_keeps_the_keys_that_hold_slots(self):
        self.create_key(1)
        self.create_key(2)
        ports_before = self.ss.ports()
        self.assertEqual(ports_before, {self.port_from, self.port_from + 1})

        res = self.hub.cli("server", "edit", "1", "--capacity", "1", check=False)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("at least 2", res.stderr)
        moved = f"{self.port_from + 100}-{self.port_from + 109}"
        res = self.hub.cli("server", "edit", "1", "--ports", moved, check=False)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn(f"first port {self.port_from}", res.stderr)
        res = self.hub.cli("server", "edit", "1", "--ports",
                           f"{self.port_from}-{self.port_from}", check=False)
        self.assertEqual(res.returncode, 2, res.stderr)  # capacity 3 needs 3 ports
        self.assertEqual(self.hub.cli_json("server", "list")[0]["capacity"], 3)

        out = self.hub.cli("server", "edit", "1", "--capacity", "5", "--name", "ams-1",
                           "--public-host", "localhost", "--ports",
                           f"{self.port_from}-{self.port_from + 4}")
        self.assertTrue(out.stdout.startswith("1\tams-1\tAmsterdam\t"), out.stdout)
        self.assertIn("their links now name localhost", out.stderr)
        server = self.hub.cli_json("server", "list")[0]
        self.assertEqual((server["name"], server["public_host"], server["capacity"]),
                         ("ams-1", "localhost", 5))
        self.assertEqual(server["settings"]["port_to"], str(self.port_from + 4))
        self.assertEqual(server["used_slots"], 2)
        self.assertEqual(self.ss.ports(), ports_before)  # the running keys were not touched
        for key in self.hub.cli_json("key", "list"):
            self.assertEqual(key["state"], "active")
            self.assertIn("@localhost:", key["link"])
        # The new capacity is used.
        for user in (3, 4, 5):
            self.create_key(user)
        res = self.create_key(6, check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("no capacity", res.stderr)

    def test_disabled_server_gets_no_new_keys_and_its_keys_keep_working(self):
        key_id, _ = self.create_key(1)
        out = self.hub.cli("server", "disable", "1").stdout
        self.assertIn("\tdisabled\t", out)
        res = self.create_key(2, check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("no capacity", res.stderr)
        self.assertEqual(self.hub.key(key_id)["state"], "active")
        self.assertIn(self.port_from, self.ss.ports())
        # Disabling twice is fine; enabling gives keys again.
        self.hub.cli("server", "disable", "1")
        self.assertIn("\tenabled\t", self.hub.cli("server", "enable", "1").stdout)
        self.create_key(2)
        # A key on a disabled server is still revoked as usual.
        self.hub.cli("server", "disable", "1")
        self.hub.cli("key", "revoke", str(key_id))
        self.assertNotIn(self.port_from, self.ss.ports())

    def test_location_rename_disable_enable(self):
        key_id, _ = self.create_key(1)
        out = self.hub.cli("location", "rename", "Amsterdam", "Netherlands").stdout
        self.assertEqual(out, "1\tNetherlands\tenabled\n")
        res = self.create_key(2, check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("unknown location 'Amsterdam'", res.stderr)
        self.create_key(2, location="Netherlands")
        self.assertEqual(self.hub.key(key_id)["location"], "Netherlands")

        self.assertEqual(self.hub.cli("location", "disable", "Netherlands").stdout,
                         "1\tNetherlands\tdisabled\n")
        res = self.create_key(3, location="Netherlands", check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("disabled", res.stderr)
        self.assertEqual(self.hub.key(key_id)["state"], "active")
        self.assertIn("disabled", self.hub.cli("location", "list").stdout)
        self.hub.cli("location", "enable", "Netherlands")
        self.create_key(3, location="Netherlands")

        self.hub.cli("location", "add", "Riga")
        res = self.hub.cli("location", "rename", "Netherlands", "Riga", check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("exists already", res.stderr)

    def test_key_extend_adds_days_and_refuses_revoked_keys(self):
        key_id, _ = self.create_key(1, days="10")
        before = iso(self.hub.key(key_id)["expires_at"])
        out = self.hub.cli("key", "extend", str(key_id), "--days", "30").stdout
        self.assertTrue(out.startswith(f"{key_id}\tactive\texpires "), out)
        after = iso(self.hub.key(key_id)["expires_at"])
        self.assertEqual(after - before, datetime.timedelta(days=30))
        self.assertIn("39d", out)  # 40 days left, less the seconds since the key was made

        self.hub.cli("key", "revoke", str(key_id))
        res = self.hub.cli("key", "extend", str(key_id), "--days", "5", check=False)
        self.assertEqual(res.returncode, 1)
        self.assertIn("revoked", res.stderr)
        self.assertEqual(iso(self.hub.key(key_id)["expires_at"]), after)

    def test_revoked_keys_show_no_time_left_and_revoke_twice_is_a_no_op(self):
        key_id, _ = self.create_key(1)
        self.assertIn("d ", self.hub.cli("key", "list").stdout)  # "29d 23h" left
        self.hub.cli("key", "revoke", str(key_id))
        line = self.hub.cli("key", "list").stdout.strip()
        self.assertIn("\trevoked\t", line)
        self.assertIn("(-)", line)
        self.assertNotIn("d ", line.split("expires ", 1)[1])
        tasks = self.hub.cli_json("task", "list")

        res = self.hub.cli("key", "revoke", str(key_id))
        self.assertEqual(res.returncode, 0)
        self.assertEqual(res.stdout, f"{key_id}\trevoked\n")
        self.assertIn(f"key {key_id} is already revoked", res.stderr)
        self.assertEqual(self.hub.cli_json("task", "list"), tasks)  # nothing new to do


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    unittest.main()
