"""scripts/check_layers.py against small trees: forbidden includes fail, allowed ones pass.

The trees carry their own small table in the format of docs/architecture.md, so these cases pin
the checker's rules (the core uses the standard library alone, the longest folder decides, an
"until moved" include is tolerated, a new folder needs a row) without breaking whenever the
repository's own table changes; test_the_repository_itself_passes checks the real table.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "scripts", "check_layers.py")
TABLE = textwrap.dedent("""\
    # Fixture

    | folder | may include | libraries | until moved |
    |---|---|---|---|
    | `core` | | `std-pure` | |
    | `util` | | `std` | |
    | `metrics` | `util` | `std` | |
    | `storage` | `core`, `util` | `std`, `posix`, `sqlite3`, `json` | |
    | `vpn` | `core`, `metrics`, `util` | `std`, `posix`, `json` | |
    | `vpn/links` | `core`, `util` | `std`, `libpng` | |
    | `jobs` | `core`, `metrics`, `util` | `std` | |
    | `http` | `core`, `metrics`, `util` | `std`, `boost` | |
    | `telegram` | `core`, `metrics`, `util` | `std`, `json` | `http` (the webhook route moves to http) |
    | `bot` | `core`, `metrics`, `telegram`, `util` | `std` | |
    | `app` | `core`, `util`, `metrics`, `storage`, `vpn`, `jobs`, `http`, `telegram`, `bot` | `std`, `posix`, `json` | |

    | library | headers |
    |---|---|
    | `std` | the C++20 standard library |
    | `std-pure` | `std` except `<filesystem>` `<fstream>` `<iostream>` `<thread>` `<future>` `<csignal>` |
    | `posix` | `<unistd.h>` `<sys/*>` |
    | `sqlite3` | `<sqlite3.h>` |
    | `libpq` | `<libpq-fe.h>` |
    | `json` | `<nlohmann/*>` |
    | `boost` | `<boost/*>` |
    | `libpng` | `<png.h>` |
    """)


class CheckLayersTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="layers-")
        os.makedirs(os.path.join(self.root, "docs"))
        with open(os.path.join(self.root, "docs", "architecture.md"), "w") as f:
            f.write(TABLE)
        os.makedirs(os.path.join(self.root, "src"))

    def tearDown(self):
        shutil.rmtree(self.root)

    def write(self, rel, text):
        path = os.path.join(self.root, "src", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text))
        return path

    def check(self, *files, root=None):
        res = subprocess.run([sys.executable, SCRIPT, "--root", root or self.root, *files],
                             capture_output=True, text=True)
        return res.returncode, res.stderr

    def test_the_repository_itself_passes(self):
        code, err = self.check(root=REPO)
        self.assertEqual(code, 0, err)

    def test_core_may_use_only_the_standard_library_and_itself(self):
        self.write("core/fine.hpp", """\
            #pragma once
            #include <vector>
            #include <cstdint>  // a comment
            #include "core/status.hpp"
            """)
        self.assertEqual(self.check(), (0, ""))
        self.write("core/bad.cpp", """\
            #include <sqlite3.h>
            #include <libpq-fe.h>
            #include <unistd.h>
            #include <stdint.h>
            #include <nlohmann/json.hpp>
            #include <fstream>
            #include <thread>
            #include "storage/sqlite/sqlite_store.hpp"
            """)
        code, err = self.check()
        self.assertEqual(code, 1)
        for line, header in enumerate(["<sqlite3.h>", "<libpq-fe.h>", "<unistd.h>", "<stdint.h>",
                                       "<nlohmann/json.hpp>", "<fstream>", "<thread>",
                                       '"storage/sqlite/sqlite_store.hpp"'], 1):
            self.assertIn(f"src/core/bad.cpp:{line}: #include {header}", err)
        self.assertNotIn("fine.hpp", err)

    def test_a_folder_may_not_include_one_its_row_does_not_name(self):
        self.write("http/routes.cpp", '#include "telegram/webhook.hpp"\n')
        code, err = self.check()
        self.assertEqual(code, 1)
        self.assertIn('src/http/routes.cpp:1: #include "telegram/webhook.hpp"', err)
        self.write("http/routes.cpp", '#include "metrics/registry.hpp"\n#include <boost/asio.hpp>\n')
        self.assertEqual(self.check(), (0, ""))

    def test_nothing_but_app_includes_app(self):
        self.write("bot/router.cpp", '#include "app/context.hpp"\n')
        code, err = self.check()
        self.assertEqual(code, 1)
        self.assertIn("`bot` may include", err)

    def test_libraries_belong_to_their_folders(self):
        self.write("storage/sqlite/store.cpp", "#include <sqlite3.h>\n#include <sys/stat.h>\n")
        self.assertEqual(self.check(), (0, ""))
        self.write("jobs/sweep.cpp", "#include <sqlite3.h>\n")
        code, err = self.check()
        self.assertEqual(code, 1)
        self.assertIn("src/jobs/sweep.cpp:1: #include <sqlite3.h>", err)

    def test_the_longest_folder_decides(self):
        # vpn may include metrics, vpn/links may not.
        self.write("vpn/metered.cpp", '#include "metrics/registry.hpp"\n')
        self.assertEqual(self.check(), (0, ""))
        self.write("vpn/links/qr.cpp", '#include "metrics/registry.hpp"\n#include <png.h>\n')
        code, err = self.check()
        self.assertEqual(code, 1)
        self.assertIn("src/vpn/links/qr.cpp:1:", err)
        self.assertNotIn("png.h", err)

    def test_an_include_until_moved_is_tolerated(self):
        self.write("telegram/webhook.hpp", '#include "http/server.hpp"\n')
        self.assertEqual(self.check(), (0, ""))

    def test_a_folder_without_a_row_fails(self):
        self.write("payments/stars/stars.cpp", "#include <string>\n")
        code, err = self.check()
        self.assertEqual(code, 1)
        self.assertIn("src/payments: the folder has no row", err)

    def test_includes_the_check_cannot_read_fail(self):
        self.write("util/a.cpp", '#include HEADER\n#include "text.hpp"\n#include "sqlite3.h"\n')
        code, err = self.check()
        self.assertEqual(code, 1)
        self.assertIn("#include HEADER", err)
        self.assertIn('#include "text.hpp"', err)
        self.assertIn('#include "sqlite3.h"', err)

    def test_a_file_list_limits_the_check_to_those_files(self):
        bad = self.write("core/bad.hpp", "#include <unistd.h>\n")
        good = self.write("core/good.hpp", "#include <string>\n")
        self.assertEqual(self.check(good), (0, ""))
        code, err = self.check(bad)
        self.assertEqual(code, 1)
        self.assertIn("src/core/bad.hpp:1: #include <unistd.h>", err)

    def test_a_missing_or_broken_table_is_an_error(self):
        with open(os.path.join(self.root, "docs", "architecture.md"), "w") as f:
            f.write("# no tables\n")
        code, err = self.check()
        self.assertEqual(code, 2)
        self.assertIn("no table with the columns", err)
        with open(os.path.join(self.root, "docs", "architecture.md"), "w") as f:
            f.write("| folder | may include | libraries | until moved |\n|---|---|---|---|\n"
                    "| `core` | | `sqlite` | |\n\n| library | headers |\n|---|---|\n")
        code, err = self.check()
        self.assertEqual(code, 2)
        self.assertIn("unknown library `sqlite`", err)


if __name__ == "__main__":
    unittest.main()
