"""The database password never leaves the process: every path that can print a database URL or a
PostgreSQL error (CLI errors, `serve` at start and its log while running, /readyz, check-config,
db copy progress and errors) is run with a sentinel password, and the sentinel must appear in no
stdout, stderr or log. The throwaway PostgreSQL trusts local connections, so a URL carrying the
sentinel still connects.
"""
import os
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

# Each fragment must stay out of every output; the password holds '?' and '@' so that libpq's
# and MaskUrlSecret's readings of the URL differ, and its percent-encoded spelling is checked too.
PASSWORD = "Sent1nel?Pw@Xq"
FRAGMENTS = ("Sent1nel", "nel?Pw", "Pw@Xq", "Pw%40Xq", "nel%3FPw")
PLAIN = "Sent1nelPlainPw"


class DbPasswordTest(harness.HubTestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = harness.PgServer()

    @classmethod
    def tearDownClass(cls):
        cls.pg.close()

    def url(self, password=PLAIN, db="vpnhub", host=None, query=""):
        host = host or f"127.0.0.1:{self.pg.port}"
        return f"postgresql://vpnhub:{password}@{host}/{db}{query}"

    def serve_log(self):
        with open(self.hub.log_path) as f:
            return f.read()

    def assertNoPassword(self, text, what):
        for fragment in FRAGMENTS + (PLAIN,):
            self.assertNotIn(fragment, text, f"{what} shows the password:\n{text}")

    def run_cli(self, *args, env=None, expect=None):
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOG_LEVEL": "debug"}
        full_env.update(env or {})
        res = subprocess.run([harness.BINARY, *args], cwd=self.dir, env=full_env,
                             capture_output=True, text=True, timeout=60)
        self.assertNoPassword(res.stdout + res.stderr, f"vpnhub {' '.join(args)}")
        if expect is not None:
            self.assertEqual(res.returncode, expect, (args, res.stdout, res.stderr))
        return res

    def broken_urls(self):
        """URLs whose errors come from libpq: refused, bad sslmode, unresolvable host, malformed
        (libpq quotes the malformed part), and the password in the query."""
        return [
            self.url(PLAIN, host="127.0.0.1:1"),
            self.url(PLAIN, host="127.0.0.1:1", query="?sslmode=bogus"),
            self.url(PLAIN, host="vpnhub-test.invalid:5432"),
            self.url(PASSWORD, host="127.0.0.1:1"),
            self.url(PASSWORD + "%zz", host="127.0.0.1:1"),
            self.url("Sent1nel?Pw%zz", host="127.0.0.1:1"),  # libpq quotes the bad password
            self.url(PASSWORD, host="[::1"),
            f"postgresql://vpnhub@127.0.0.1:1/vpnhub?password={PLAIN}&sslmode=bogus",
        ]

    def test_cli_commands_with_an_unusable_database(self):
        for url in self.broken_urls():
            for args in (["key", "list"], ["migrate"], ["migrate", "--status"],
                         ["location", "add", "Oslo"], ["task", "list", "--verbose"]):
                res = self.run_cli(*args, env={"DATABASE_URL": url}, expect=1)
                self.assertIn("cannot open the database postgresql://", res.stderr)

    def test_urls_built_from_postgres_variables(self):
        env = {"POSTGRES_DB": "vpnhub", "POSTGRES_USER": "vpnhub", "POSTGRES_PASSWORD": PASSWORD,
               "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "1"}
        res = self.run_cli("key", "list", env=env, expect=1)
        self.assertIn("cannot open the database", res.stderr)
        res = self.run_cli("check-config", env=env, expect=0)
        self.assertIn("DATABASE_URL=postgresql://vpnhub:****@127.0.0.1:1/vpnhub", res.stdout)
        # The same variables against the live server: the command works and prints no password.
        env["POSTGRES_PORT"] = str(self.pg.port)
        self.run_cli("location", "list", env=env, expect=0)

    def test_check_config(self):
        for url in self.broken_urls() + [self.url(PASSWORD)]:
            res = self.run_cli("check-config", env={"DATABASE_URL": url})
            self.assertIn("DATABASE_URL=", res.stdout + res.stderr)
        # A mistyped scheme is an error whose value is shown masked.
        res = self.run_cli("check-config",
                           env={"DATABASE_URL": f"postgres:/vpnhub:{PLAIN}@db/vpnhub"}, expect=2)
        self.assertIn("DATABASE_URL", res.stderr)

    def test_serve_that_cannot_open_the_database(self):
        for url in self.broken_urls():
            res = self.run_cli("serve", env={"DATABASE_URL": url, "HTTP_LISTEN": "127.0.0.1:0"},
                               expect=1)
            self.assertIn("cannot open the database", res.stderr)

    def test_serve_log_and_readyz_while_the_database_is_down(self):
        url = self.url(PASSWORD.replace("?", "%3F").replace("@", "%40"))
        self.hub = self.own_hub(harness.Vpnhub(self.dir, DATABASE_URL=url, LOG_LEVEL="debug"))
        self.hub.start()
        harness.wait_until(lambda: self.hub.get("/readyz")[0] == 200, 10, what="ready")
        self.pg.stop()
        try:
            status, body = harness.wait_until(
                lambda: (lambda r: r if r[0] == 503 else None)(self.hub.get("/readyz")), 15,
                what="/readyz 503")
            self.assertIn("database", body)
            self.assertNoPassword(body, "/readyz")
            # The log has the readiness change (and whatever the jobs hit meanwhile).
            harness.wait_until(lambda: "readiness.not_ready" in self.serve_log(), 10,
                               what="readiness.not_ready in the log")
        finally:
            self.pg.start()
        harness.wait_until(lambda: self.hub.get("/readyz")[0] == 200, 15, what="ready again")
        self.hub.stop()
        self.assertNoPassword(self.serve_log(), "the serve log")

    def test_db_copy_progress_and_errors(self):
        sqlite = os.path.join(self.dir, "source.db")
        self.run_cli("location", "add", "Oslo", env={"DATABASE_URL": f"sqlite://{sqlite}"},
                     expect=0)
        self.pg.psql("DROP DATABASE IF EXISTS copy_target", db="postgres")
        self.pg.psql("CREATE DATABASE copy_target", db="postgres")
        target = self.url(PASSWORD.replace("?", "%3F").replace("@", "%40"), db="copy_target")
        res = self.run_cli("db", "copy", "--from", f"sqlite://{sqlite}", "--to", target,
                           expect=0)
        self.assertIn("locations", res.stderr)  # the progress lines
        back = os.path.join(self.dir, "back.db")
        self.run_cli("db", "copy", "--from", target, "--to", f"sqlite://{back}", expect=0)
        # A target that already has rows, and every broken URL on either side.
        res = self.run_cli("db", "copy", "--from", f"sqlite://{sqlite}", "--to", target)
        self.assertNotEqual(res.returncode, 0)
        for url in self.broken_urls():
            self.assertNotEqual(self.run_cli("db", "copy", "--from", url, "--to",
                                             f"sqlite://{self.dir}/x.db").returncode, 0)
            self.assertNotEqual(self.run_cli("db", "copy", "--from", f"sqlite://{sqlite}",
                                             "--to", url).returncode, 0)


if __name__ == "__main__":
    harness.BINARY = sys.argv.pop(1)
    unittest.main()
