#!/usr/bin/env python3
"""The engine's layering, checked: each folder of engine/ includes only the
headers of folders below it (docs/architecture.md), and no two files of the
engine include each other's headers in a cycle. Ends with `N passed, M failed`.

Usage: check_layers.py ENGINE_DIR
"""
import os
import re
import sys

# bottom to top; a folder may include its own headers and those before it
LAYERS = ["common", "io", "doj", "rules", "people", "pipeline", "output", "pdf", "impact",
          "filings", "job", "review", "serve", "cli"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/([a-z_0-9]+\.h)"', re.M)


def main():
    engine = sys.argv[1]
    failures, checked = [], 0
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
    for f in failures:
        print("FAIL", f)
    print("%d files checked" % checked)
    print("%d passed, %d failed" % (0 if failures else 1, 1 if failures else 0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
