#!/usr/bin/env python3
"""The engine's layering and house rules, checked. Ends with `N passed, M failed`.

- includes: each folder of engine/ includes only the headers of folders below
  it (docs/architecture.md), and no two headers include each other in a cycle;
- symbols (with BUILD_DIR): each object file of the build calls only functions
  defined in its own folder or below, through the public header or not (nm's
  undefined symbols, each mapped to the folder whose object defines it);
- printing (with BUILD_DIR): only engine/cli prints; no object below it refers
  to stdout or stderr or calls a function that writes to them (printf, puts,
  perror, putchar). The server's request log needs no exception: it writes to
  the FILE the CLI hands it (serve_config.log);
- names: the first line of each .c/.h file's opening comment names the file;
- struct pipeline is private: no file outside engine/pipeline/ includes
  "pipeline/pipeline_int.h", directly or through another pipeline/ header
  that does (exchange.h) (the unit tests that build stages by hand, listed
  in PIPELINE_WHITE_BOX, aside);
- no abort() after an allocator: x* allocators (common/alloc.h) never return
  NULL, so `p = xmalloc(...); if (!p) abort();` is dead code that says otherwise;
- functions under 100 lines: a function definition (from its first line at
  column 0 to its closing `}` at column 0) longer than that fails, unless it
  is a switch or a table named in LONG_FUNCTIONS_ALLOWED.

Usage: check_layers.py ENGINE_DIR [BUILD_DIR]
"""
import os
import re
import subprocess
import sys

# bottom to top; a folder may include its own headers and those before it
LAYERS = ["common", "io", "doj", "rules", "people", "pipeline", "output", "pdf", "impact",
          "filings", "job", "review", "serve", "cli"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/([a-z_0-9]+\.h)"', re.M)
# an object file of an engine source: .../CMakeFiles/<target>.dir/engine/<folder>/<file>.c.o
OBJECT = re.compile(r"/engine/([a-z_]+)/([a-z_0-9]+\.c)\.o$")

# Symbols that print: the streams themselves (fprintf, fputs, fwrite to them)
# and the functions that write to one implicitly (with their _FORTIFY_SOURCE
# names). Writing to a FILE the caller was given is not printing.
PRINTS = {"stdout", "stderr", "printf", "__printf_chk", "vprintf", "__vprintf_chk", "puts",
          "putchar", "putchar_unlocked", "perror", "psignal", "psiginfo"}
PRINT_ALLOWED_FOLDERS = {"cli"}
# files below cli that may print anyway: none
PRINT_ALLOWED_FILES = set()

# Header comments: every folder is strict (a folder named here would only warn).
NAME_WARN_ONLY = set()
# `if (!p) abort();` after an allocator: every folder is strict.
ABORT_WARN_ONLY = set()
# VAR = x...(...) or a libc allocator, then `if (!VAR) abort();` within 3 lines
ALLOCATED = re.compile(r"\b(\w[\w.>-]*)\s*=\s*(?:\([^()]*\)\s*)?"  # VAR = (cast)
                       r"(?:x\w+|malloc|calloc|realloc|strdup|strndup)\s*\(")
ABORT_IF_NULL = re.compile(r"if\s*\(\s*!\s*(\w[\w.>-]*)\s*\)\s*abort\s*\(\s*\)")

# struct pipeline's header, and the unit tests that may include it to drive
# the stages one by one (paths from the project root)
PIPELINE_PRIVATE_HEADER = "pipeline_int.h"
PIPELINE_INCLUDE = re.compile(r'^\s*#\s*include\s+"pipeline/([a-z_0-9]+\.h)"', re.M)
PIPELINE_WHITE_BOX = {"tests/unit/test_pipeline.c"}

# the project's own C outside engine/ whose first comment line is checked too
NAME_ROOTS = ["engine", "include", "datasets", "bench", "fuzz", "tests/unit", "tests/generator",
              "tests/tools"]


def check_includes(engine, failures):
    """The #include layering and header cycles; returns the files checked."""
    checked = 0
    edges = {}
    for folder in sorted(os.listdir(engine)):
        path = os.path.join(engine, folder)
        if not os.path.isdir(path):
            continue
        if folder not in LAYERS:
            failures.append("engine/%s is not a layer of docs/architecture.md" % folder)
            continue
        rank = LAYERS.index(folder)
        for name in sorted(os.listdir(path)):
            if not name.endswith((".c", ".h")):
                continue
            text = open(os.path.join(path, name), encoding="utf-8").read()
            checked += 1
            for dep, header in INCLUDE.findall(text):
                if dep == "relief":
                    continue  # the public header is below everything
                if dep not in LAYERS:
                    failures.append("engine/%s/%s includes %s/%s: no such layer" % (folder, name, dep, header))
                elif LAYERS.index(dep) > rank:
                    failures.append("engine/%s/%s calls upward into %s/%s" % (folder, name, dep, header))
                edges.setdefault("%s/%s" % (folder, name), set()).add("%s/%s" % (dep, header))
    # cycles between headers (a .h that includes a .h that includes it back)
    for node, deps in edges.items():
        if not node.endswith(".h"):
            continue
        seen, stack = set(), list(deps)
        while stack:
            d = stack.pop()
            if d == node:
                failures.append("include cycle through %s" % node)
                break
            if d not in seen:
                seen.add(d)
                stack.extend(edges.get(d, ()))
    return checked


def engine_objects(engine, build):
    """{object path: "folder/file.c"} for every engine object under BUILD_DIR
    whose source is still there (a moved file leaves its old object behind)."""
    objects = {}
    for root, _dirs, files in os.walk(os.path.join(build, "CMakeFiles")):
        for name in files:
            path = os.path.join(root, name)
            m = OBJECT.search(path)
            if m and m.group(1) in LAYERS and os.path.exists(os.path.join(engine, *m.groups())):
                objects[path] = "%s/%s" % m.groups()
    return objects


def read_symbols(objects):
    """{object: (defined globals, undefined)} from one run of nm -P -A."""
    out = subprocess.run(["nm", "-P", "-A"] + sorted(objects), check=True, capture_output=True,
                         text=True).stdout
    symbols = {path: (set(), set()) for path in objects}
    for line in out.splitlines():
        # "path/to/x.c.o: symbol T 0000 0010"
        head, _, rest = line.partition(": ")
        fields = rest.split()
        if head not in symbols or len(fields) < 2:
            continue
        name, kind = fields[0], fields[1]
        if kind == "U":
            symbols[head][1].add(name)
        elif kind.isupper() or kind in ("i", "u"):  # global (incl. weak), ifunc, unique
            symbols[head][0].add(name)
    return symbols


def check_symbols(engine, build, failures):
    """Upward calls and printing, read from the build's object files."""
    objects = engine_objects(engine, build)
    if not objects:
        failures.append("no object files of engine/ under %s/CMakeFiles: build first" % build)
        return 0
    symbols = read_symbols(objects)
    defined_in = {}  # symbol -> set of "folder/file.c"
    for path, (defined, _undefined) in symbols.items():
        for name in defined:
            defined_in.setdefault(name, set()).add(objects[path])
    found = set()
    for path in sorted(symbols):
        source = objects[path]
        folder = source.split("/")[0]
        rank = LAYERS.index(folder)
        for name in sorted(symbols[path][1]):
            homes = defined_in.get(name)
            if homes and min(LAYERS.index(h.split("/")[0]) for h in homes) > rank:
                home = sorted(homes)[0]
                found.add("engine/%s (%s) calls %s, defined in engine/%s (%s, a higher layer)"
                          % (source, folder, name, home, home.split("/")[0]))
            if (name in PRINTS and folder not in PRINT_ALLOWED_FOLDERS
                    and source not in PRINT_ALLOWED_FILES):
                found.add("engine/%s (%s) prints: it uses %s, and only engine/cli prints"
                          % (source, folder, name))
    failures.extend(sorted(found))
    return len(objects)


def first_comment_line(text):
    """The first line of text of a file's opening /* comment, or ''."""
    m = re.match(r"\s*/\*+[ \t]*(.*)", text)
    if not m:
        return ""
    line = m.group(1).strip()
    if not line:  # "/*" alone: the text starts on the next line, after " * "
        rest = text[m.end():].lstrip("\n").split("\n", 1)[0]
        line = rest.strip().lstrip("*").strip()
    return line


def check_names(project, failures, warnings):
    """Each file's first comment line starts with its own name (or a path ending in it)."""
    checked = 0
    for top in NAME_ROOTS:
        for root, _dirs, files in os.walk(os.path.join(project, top)):
            for name in sorted(files):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, project)
                checked += 1
                line = first_comment_line(open(path, encoding="utf-8").read())
                first = line.split()[0].rstrip(":,") if line else ""
                if first == name or (first.endswith("/" + name) and rel.endswith("/" + first)):
                    continue
                message = "%s: its comment's first line names %r, not %s" % (rel, first, name)
                if os.path.dirname(rel) in NAME_WARN_ONLY:
                    warnings.append(message)
                else:
                    failures.append(message)
    return checked


def check_aborts(engine, failures, warnings):
    """No `if (!p) abort();` right after p is allocated."""
    for root, _dirs, files in os.walk(engine):
        for name in sorted(files):
            if not name.endswith(".c"):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, os.path.dirname(engine))
            lines = open(path, encoding="utf-8").read().split("\n")
            for i, line in enumerate(lines):
                m = ABORT_IF_NULL.search(line)
                if not m:
                    continue
                before = "\n".join(lines[max(0, i - 3):i + 1])
                if any(v == m.group(1) for v in ALLOCATED.findall(before)):
                    message = "%s:%d: abort() after an allocator that never returns NULL" % (rel, i + 1)
                    (warnings if os.path.dirname(rel) in ABORT_WARN_ONLY else failures).append(message)


# Functions over MAX_FUNCTION_LINES that are one switch or one table ("file:function").
MAX_FUNCTION_LINES = 100
LONG_FUNCTIONS_ALLOWED = set()
# a definition's first line: at column 0, a name and an opening parenthesis,
# not a declaration of a type or a variable
DEFINITION = re.compile(r"^(?!typedef|struct \w+ \{|enum|#)[A-Za-z_][^=;]*?\b(\w+)\s*\(")


def check_function_lengths(engine, failures):
    """Each function of engine/*.c is at most MAX_FUNCTION_LINES lines long."""
    checked = 0
    for root, _dirs, files in os.walk(engine):
        for name in sorted(files):
            if not name.endswith(".c"):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, os.path.dirname(engine))
            lines = open(path, encoding="utf-8").read().split("\n")
            i = 0
            while i < len(lines):
                m = DEFINITION.match(lines[i])
                if not m:
                    i += 1
                    continue
                j = i  # the signature ends with `{` (a definition) or `;` (a prototype)
                while j < len(lines) and not lines[j].rstrip().endswith(("{", ";")):
                    j += 1
                if j == len(lines) or not lines[j].rstrip().endswith("{"):
                    i = j + 1
                    continue
                end = j + 1
                while end < len(lines) and lines[end] != "}":
                    end += 1
                checked += 1
                length = end - i + 1
                key = "%s:%s" % (rel, m.group(1))
                if length > MAX_FUNCTION_LINES and key not in LONG_FUNCTIONS_ALLOWED:
                    failures.append("%s:%d: %s() is %d lines (at most %d)" % (
                        rel, i + 1, m.group(1), length, MAX_FUNCTION_LINES))
                i = end + 1
    return checked


def private_pipeline_headers(project):
    """The headers of engine/pipeline/ that show struct pipeline: pipeline_int.h
    and every one that includes it, directly or through another."""
    folder = os.path.join(project, "engine", "pipeline")
    includes = {}
    for name in os.listdir(folder):
        if name.endswith(".h"):
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            includes[name] = set(PIPELINE_INCLUDE.findall(text))
    private = {PIPELINE_PRIVATE_HEADER}
    grew = True
    while grew:
        grew = False
        for name, deps in includes.items():
            if name not in private and deps & private:
                private.add(name)
                grew = True
    return private


def check_private_pipeline(project, failures):
    """No file outside engine/pipeline/ includes pipeline/pipeline_int.h, nor a
    pipeline/ header that includes it."""
    private = private_pipeline_headers(project)
    checked = 0
    for top in ("engine", "include", "tests", "bench", "fuzz", "datasets"):
        for root, _dirs, files in os.walk(os.path.join(project, top)):
            for name in sorted(files):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, project)
                if rel.startswith("engine/pipeline/") or rel in PIPELINE_WHITE_BOX:
                    continue
                checked += 1
                text = open(path, encoding="utf-8", errors="replace").read()
                for header in sorted(set(PIPELINE_INCLUDE.findall(text)) & private):
                    via = "" if header == PIPELINE_PRIVATE_HEADER else " (through pipeline/%s)" % header
                    failures.append("%s includes pipeline/pipeline_int.h%s: struct pipeline is "
                                    "private to engine/pipeline/ (use pipeline/pipeline.h)" % (rel, via))
    return checked


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-1])
        return 1
    engine = os.path.abspath(sys.argv[1])
    failures, warnings = [], []
    checked = check_includes(engine, failures)
    print("%d files checked for includes" % checked)
    print("%d files checked for names" % check_names(os.path.dirname(engine), failures, warnings))
    print("%d files checked for the pipeline's private header"
          % check_private_pipeline(os.path.dirname(engine), failures))
    check_aborts(engine, failures, warnings)
    print("%d functions checked for length" % check_function_lengths(engine, failures))
    if len(sys.argv) == 3:
        print("%d object files checked for calls and printing" % check_symbols(engine, sys.argv[2], failures))
    for w in warnings:
        print("WARN", w)
    for f in failures:
        print("FAIL", f)
    print("%d passed, %d failed" % (0 if failures else 1, 1 if failures else 0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
