#!/usr/bin/env python3
"""Checks the size limits of docs/style (issue 12): in src/, no more than three files over 500
lines, each saying why in its first comment; no function over 80 lines unless a comment right
above it or its first comment says why; no port interface (a class in src/core/ports/) with more
than 25 methods.

"Says why" means the comment contains the word "long" or "longer" (for example "Long because ...").
A function is found by its braces: an opening brace that is not inside another function and is
not a namespace, class, struct, enum, union or initializer starts one; its length is the number
of lines from its signature's last line to its closing brace. Lambdas and nested blocks count
toward the function that holds them.

Usage: check_sizes.py [--root DIR] [--report]   (--report lists every measure, passing or not)
Exit status: 0 within the limits, 1 otherwise.
"""

import argparse
import os
import re
import sys

MAX_FILE_LINES = 500
MAX_LONG_FILES = 3
MAX_FUNCTION_LINES = 80
MAX_PORT_METHODS = 25
SUFFIXES = (".cpp", ".hpp", ".h", ".cc")
SCOPE_RE = re.compile(r'\b(namespace|class|struct|enum|union)\b[^;()]*$|extern\s+"C"\s*$')
WHY_RE = re.compile(r"\blong(er)?\b", re.IGNORECASE)


def strip_code(line, in_block):
    """The line without comments, string and character literals; whether a /* */ is still open."""
    out, i, n = [], 0, len(line)
    while i < n:
        if in_block:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i, in_block = end + 2, False
            continue
        c = line[i]
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            in_block, i = True, i + 2
            continue
        if c in "\"'":
            j = i + 1
            while j < n and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out), in_block


def comment_says_why(lines, start, first_body):
    """A comment in the lines right above `start` or at the top of the body mentions "long"."""
    i = start - 1
    while i >= 0 and lines[i].strip().startswith(("//", "*", "/*", "template", "[[")):
        if WHY_RE.search(lines[i]):
            return True
        i -= 1
    for j in range(first_body, min(first_body + 3, len(lines))):
        text = lines[j].strip()
        if text.startswith("//") and WHY_RE.search(text):
            return True
    return False


def functions(lines):
    """(name line index, first line, last line) of each function body in the file."""
    found, stack, in_block, head = [], [], False, []
    for idx, raw in enumerate(lines):
        code, in_block = strip_code(raw, in_block)
        stripped = code.strip()
        if stripped.startswith("#"):
            continue
        for pos, ch in enumerate(code):
            if ch == "{":
                before = ("".join(head) + code[:pos]).strip()
                in_function = any(kind == "function" for kind, _ in stack)
                if in_function:
                    kind = "block"
                elif SCOPE_RE.search(before.split(";")[-1].split("}")[-1]):
                    kind = "scope"
                elif before.endswith(("=", ",", "(", "[", "return")) or not before:
                    kind = "block"
                elif ")" in before.split(";")[-1].split("}")[-1] or "->" in before:
                    kind = "function"
                else:
                    kind = "block"
                stack.append((kind, idx))
                head = []
            elif ch == "}":
                if stack:
                    kind, start = stack.pop()
                    if kind == "function":
                        found.append((start, start, idx))
                head = []
            elif ch == ";":
                if not any(kind == "function" for kind, _ in stack):
                    head = []
        if stack and any(kind == "function" for kind, _ in stack):
            continue
        rest = code
        for sep in ("{", "}", ";"):
            rest = rest.split(sep)[-1]
        head.append(rest + " ")
        head = head[-6:]
    return found


def port_methods(text):
    """class name -> number of virtual methods, for each class in a ports header."""
    counts, current = {}, None
    for line in text.splitlines():
        m = re.match(r"\s*class\s+(\w+)", line)
        if m and not line.rstrip().endswith(";"):
            current = m.group(1)
            counts.setdefault(current, 0)
        elif current and re.search(r"\bvirtual\b", line) and "~" not in line:
            counts[current] += 1
    return counts


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--report", action="store_true", help="list every measure")
    args = parser.parse_args(argv)
    src = os.path.join(args.root, "src")
    problems, long_files, long_functions, ports = [], [], [], []
    for dirpath, _, names in os.walk(src):
        for name in sorted(names):
            if not name.endswith(SUFFIXES):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, args.root)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            lines = text.splitlines()
            if len(lines) > MAX_FILE_LINES:
                head = "\n".join(l for l in lines[:12] if l.strip().startswith("//"))
                long_files.append((rel, len(lines)))
                if not WHY_RE.search(head):
                    problems.append(f"{rel}: {len(lines)} lines and its first comment does not "
                                    "say why it is long")
            for _, start, end in functions(lines):
                length = end - start + 1
                if length > MAX_FUNCTION_LINES:
                    why = comment_says_why(lines, start, start + 1)
                    long_functions.append((rel, start + 1, length, why))
                    if not why:
                        problems.append(f"{rel}:{start + 1}: a function of {length} lines and no "
                                        "comment saying why it is long")
            if os.sep + os.path.join("core", "ports") + os.sep in path:
                for cls, count in port_methods(text).items():
                    ports.append((rel, cls, count))
                    if count > MAX_PORT_METHODS:
                        problems.append(f"{rel}: port {cls} has {count} methods "
                                        f"(at most {MAX_PORT_METHODS})")
    if len(long_files) > MAX_LONG_FILES:
        problems.append(f"{len(long_files)} files over {MAX_FILE_LINES} lines (at most "
                        f"{MAX_LONG_FILES}): " + ", ".join(f for f, _ in long_files))
    if args.report:
        print(f"files over {MAX_FILE_LINES} lines: {len(long_files)}")
        for rel, n in sorted(long_files, key=lambda x: -x[1]):
            print(f"  {n:5d} {rel}")
        print(f"functions over {MAX_FUNCTION_LINES} lines: {len(long_functions)}")
        for rel, line, n, why in sorted(long_functions, key=lambda x: -x[2]):
            print(f"  {n:5d} {rel}:{line}{'' if why else '  (no comment saying why)'}")
        print(f"widest port: " + (max((f"{c} methods, {cls} ({rel})" for rel, cls, c in ports),
                                      key=lambda s: int(s.split()[0])) if ports else "none"))
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
