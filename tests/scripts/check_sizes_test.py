"""scripts/check_sizes.py against small trees: each limit fails when crossed, passes when kept."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "scripts", "check_sizes.py")


def function(name, lines, why=False):
    head = "// Long because it is a table.\n" if why else ""
    body = "".join(f"  x += {i};\n" for i in range(lines - 3))
    return f"{head}int {name}(int x) {{\n{body}  return x;\n}}\n"


class CheckSizesTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="sizes-")

    def tearDown(self):
        shutil.rmtree(self.root)

    def write(self, rel, text):
        path = os.path.join(self.root, "src", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def check(self):
        res = subprocess.run([sys.executable, SCRIPT, "--root", self.root],
                             capture_output=True, text=True)
        return res.returncode, res.stderr

    def test_the_repository_itself_passes(self):
        res = subprocess.run([sys.executable, SCRIPT, "--root", REPO], capture_output=True,
                             text=True)
        self.assertEqual(res.returncode, 0, res.stderr)

    def test_a_function_over_80_lines_fails_unless_a_comment_says_why(self):
        self.write("a/f.cpp", "namespace n {\n" + function("Short", 80) + "}\n")
        self.assertEqual(self.check(), (0, ""))
        self.write("a/g.cpp", "namespace n {\nnamespace {\n" + function("Big", 81) + "}\n}\n")
        code, err = self.check()
        self.assertEqual(code, 1)
        self.assertIn("src/a/g.cpp:3: a function of 81 lines", err)
        self.write("a/g.cpp", "namespace n {\n" + function("Big", 81, why=True) + "}\n")
        self.assertEqual(self.check(), (0, ""))

    def test_braces_in_strings_comments_and_initialisers_do_not_confuse_it(self):
        text = ('struct S {\n  int a[2] = {1, 2};\n};\nconst char* k = "{{{";  // }\n'
                + function("Big", 81).replace("  return x;", "  /* { */ return x;"))
        self.write("a/h.cpp", text)
        code, err = self.check()
        self.assertEqual(code, 1)
        self.assertIn("a function of 81 lines", err)

    def test_more_than_three_long_files_fail_and_each_must_say_why(self):
        long_text = "// Long because it must be.\n" + "int v;\n" * 501
        for i in range(3):
            self.write(f"b/long{i}.cpp", long_text)
        self.assertEqual(self.check(), (0, ""))
        self.write("b/long3.cpp", "int v;\n" * 501)
        code, err = self.check()
        self.assertEqual(code, 1)
        self.assertIn("src/b/long3.cpp: 501 lines and its first comment does not say why", err)
        self.assertIn("4 files over 500 lines", err)

    def test_a_port_over_25_methods_fails(self):
        methods = "".join(f"  virtual int M{i}() = 0;\n" for i in range(25))
        self.write("core/ports/p.hpp", f"class P {{\n public:\n  virtual ~P() = default;\n{methods}}};\n")
        self.assertEqual(self.check(), (0, ""))
        self.write("core/ports/p.hpp",
                   f"class P {{\n public:\n{methods}  virtual int Extra() = 0;\n}};\n")
        code, err = self.check()
        self.assertEqual(code, 1)
        self.assertIn("port P has 26 methods", err)


if __name__ == "__main__":
    unittest.main()
