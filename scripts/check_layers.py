#!/usr/bin/env python3
"""Checks every #include under src/ against the dependency table in docs/architecture.md.

The table ("Dependencies between folders") says, for each folder of src/, which other folders it
may include and which system and library headers; a second table names the headers of each
library. A file belongs to the row of the longest folder that contains it; it may include its own
folder, the folders of its row, and the headers of its row's libraries. A folder of src/ without a
row, an include the row does not allow, or an include the check cannot read (a macro) fails the
check with one line per problem, so the build stops before anything compiles.

  check_layers.py [--root DIR] [--table FILE] [FILE...]

--root is the repository (default: this script's parent folder), --table the Markdown file with
the tables (default: ROOT/docs/architecture.md). FILEs (paths under ROOT/src) limit the check to
those files; by default every source file under ROOT/src is checked.
"""

import argparse
import os
import re
import sys

# The C++20 standard library, including the C library's <cname> headers (not their <name.h>
# spellings). Written out so that a header found in /usr/include (sqlite3.h, unistd.h) is not
# mistaken for a standard one.
STD_HEADERS = frozenset("""
algorithm any array atomic barrier bit bitset charconv chrono codecvt compare complex concepts
condition_variable coroutine deque exception execution filesystem format forward_list fstream
functional future initializer_list iomanip ios iosfwd iostream istream iterator latch limits list
locale map memory memory_resource mutex new numbers numeric optional ostream queue random ranges
ratio regex scoped_allocator semaphore set shared_mutex source_location span sstream stack
stdexcept stop_token streambuf string string_view syncstream system_error thread tuple
type_traits typeindex typeinfo unordered_map unordered_set utility valarray variant vector version
cassert cctype cerrno cfenv cfloat cinttypes climits clocale cmath csetjmp csignal cstdarg cstddef
cstdint cstdio cstdlib cstring ctime cuchar cwchar cwctype
""".split())

SOURCE_SUFFIXES = (".hpp", ".cpp", ".h", ".cc", ".cpp.in", ".hpp.in")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*(.*?)\s*(//.*|/\*.*)?$')
LAYERS_HEADER = ["folder", "may include", "libraries", "until moved"]
LIBRARIES_HEADER = ["library", "headers"]


class TableError(Exception):
    pass


def read_tables(path):
    """Every Markdown table in the file, as (header cells, rows of cells), in order."""
    tables, current = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("|"):
                current = None
                continue
            cells = [c.strip() for c in line.strip("|").split("|")]
            if current is None:
                current = ([c.lower() for c in cells], [])
                tables.append(current)
            elif all(re.fullmatch(r":?-+:?", c) for c in cells):
                continue
            else:
                current[1].append(cells)
    return tables


def find_table(tables, header, path):
    for head, rows in tables:
        if head == header:
            return rows
    raise TableError(f"{path}: no table with the columns | {' | '.join(header)} |")


def ticked(cell):
    """The `quoted` items of a cell."""
    return re.findall(r"`([^`]+)`", cell)


def folders_of(cell):
    return [f.strip("/") for f in ticked(cell)]


def row_name(cells, width, kind, path):
    """The one `name` in a row's first cell."""
    if len(cells) != width:
        raise TableError(f"{path}: {kind} row {cells}: expected {width} cells")
    names = ticked(cells[0])
    if len(names) != 1:
        raise TableError(f"{path}: {kind} row {cells}: name one {kind} in `backticks`")
    return names[0].strip("/")


def parse_libraries(rows, path):
    """library name -> (set of header patterns). A pattern ending in /* matches a folder."""
    libraries = {"std": set(f"<{h}>" for h in STD_HEADERS)}
    for cells in rows:
        name = row_name(cells, 2, "library", path)
        if name == "std":
            continue  # STD_HEADERS above; its row only describes them
        include_part, _, except_part = cells[1].partition("except")
        headers = set()
        for item in ticked(include_part):
            if item.startswith("<"):
                headers.add(item)
            elif item in libraries:
                headers |= libraries[item]
            else:
                raise TableError(f"{path}: library `{name}` refers to unknown `{item}`")
        for item in ticked(except_part):
            headers.discard(item)
        libraries[name] = headers
    return libraries


class Row:
    def __init__(self, folder, folders, libraries, transitional):
        self.folder = folder
        self.folders = folders          # project folders it may include (its own implied)
        self.libraries = libraries      # library names
        self.transitional = transitional  # folders tolerated until a move lands


def parse_layers(rows, libraries, path):
    layers = {}
    for cells in rows:
        folder = row_name(cells, 4, "folder", path)
        libs = ticked(cells[2])
        for lib in libs:
            if lib not in libraries:
                raise TableError(f"{path}: `{folder}` uses unknown library `{lib}`")
        layers[folder] = Row(folder, folders_of(cells[1]), libs, folders_of(cells[3]))
    return layers


def under(path, folder):
    return path == folder or path.startswith(folder + "/")


def row_for(rel_path, layers):
    best = None
    for folder, row in layers.items():
        if under(rel_path, folder) and (best is None or len(folder) > len(best.folder)):
            best = row
    return best


def header_allowed(header, row, libraries):
    for lib in row.libraries:
        for pattern in libraries[lib]:
            if pattern.endswith("/*>"):
                if header.startswith(pattern[:-2]):
                    return True
            elif header == pattern:
                return True
    return False


def check_file(rel_path, text, layers, libraries, project_folders):
    """Problems of one file (rel_path: under src/, with '/')."""
    row = row_for(rel_path, layers)
    if row is None:
        return [f"src/{rel_path.split('/')[0]}: the folder has no row in the table"]
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        m = INCLUDE_RE.match(line)
        if not m:
            continue
        target = m.group(1)
        where = f"src/{rel_path}:{number}: #include {target}"
        if target.startswith("<") and target.endswith(">"):
            if not header_allowed(target, row, libraries):
                problems.append(f"{where}: `{row.folder}` may use the headers of "
                                f"{', '.join(row.libraries) or 'no library'} only")
        elif target.startswith('"') and target.endswith('"'):
            path = target[1:-1]
            top = path.split("/")[0]
            if "/" not in path or top not in project_folders:
                problems.append(f"{where}: quoted includes name a header under src/ "
                                "(folder/file.hpp)")
            elif not any(under(path, f) for f in [row.folder] + row.folders + row.transitional):
                problems.append(f"{where}: `{row.folder}` may include "
                                f"{', '.join([row.folder] + row.folders)} only")
        else:
            problems.append(f"{where}: not a <header> or \"header\" the check can read")
    return problems


def source_files(src):
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(SOURCE_SUFFIXES):
                yield os.path.relpath(os.path.join(dirpath, name), src).replace(os.sep, "/")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(
        __file__))))
    parser.add_argument("--table")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args(argv)
    src = os.path.join(args.root, "src")
    table = args.table or os.path.join(args.root, "docs", "architecture.md")
    try:
        tables = read_tables(table)
        libraries = parse_libraries(find_table(tables, LIBRARIES_HEADER, table), table)
        layers = parse_layers(find_table(tables, LAYERS_HEADER, table), libraries, table)
    except (OSError, TableError) as e:
        print(f"check_layers: {e}", file=sys.stderr)
        return 2
    project_folders = {d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d))}
    project_folders |= {row.split("/")[0] for row in layers}
    problems = []
    files = [os.path.relpath(os.path.abspath(f), src).replace(os.sep, "/") for f in args.files]
    for rel in files or source_files(src):
        with open(os.path.join(src, rel), encoding="utf-8", errors="replace") as f:
            for problem in check_file(rel, f.read(), layers, libraries, project_folders):
                if problem not in problems:
                    problems.append(problem)
    if problems:
        print(f"Includes that {os.path.relpath(table, args.root)} (Dependencies between folders) "
              "does not allow:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
