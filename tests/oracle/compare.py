#!/usr/bin/env python3
"""Compare two result bundles (folders) cell by cell.

Every CSV cell of every bundle file, and every summary value except
processingTimeInSeconds; earliestConviction compares only its date part when
either side is not a midnight-UTC value (the reference prints the wall clock
when a file has no in-county Prop 64 conviction).  A CSV whose cells all agree
but whose bytes differ (quoting, line ends) is a difference too.

By default the two folders must hold the same bundle files.  --common
compares only the files both hold (e.g. the engine's Hand_Review.csv and
Prop64_Results_Extended.csv, which the oracle does not write); --files
names the files to compare (each must exist on both sides).

Usage: compare.py DIR_A DIR_B [--common | --files F,F...] [--max-report N] [--quiet]
Exit status 0 when identical, 1 on any difference, 2 on bad usage.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gocompat as go  # noqa: E402

BUNDLE_EXTENSIONS = (".csv", ".json")


class Comparison:
    def __init__(self, max_report):
        self.cells = 0
        self.differences = 0
        self.max_report = max_report
        self.lines = []

    def differ(self, where, a, b):
        self.differences += 1
        if self.differences <= self.max_report:
            self.lines.append("DIFF %s: A=%r B=%r" % (where, a, b))

    def check(self, where, a, b):
        self.cells += 1
        if a != b:
            self.differ(where, a, b)


def read_csv(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data, [fields for _, fields in go.GoCsvReader(data, None).records()]
    except go.CsvError as e:
        return data, e


def compare_csv(cmp, name, path_a, path_b):
    data_a, rows_a = read_csv(path_a)
    data_b, rows_b = read_csv(path_b)
    for label, rows in (("A", rows_a), ("B", rows_b)):
        if isinstance(rows, go.CsvError):
            cmp.differ("%s (%s)" % (name, label), "unreadable CSV", str(rows))
            return
    header = rows_a[0] if rows_a else []
    if len(rows_a) != len(rows_b):
        cmp.differ("%s row count" % name, len(rows_a) - 1, len(rows_b) - 1)
    for r in range(min(len(rows_a), len(rows_b))):
        ra, rb = rows_a[r], rows_b[r]
        if len(ra) != len(rb):
            cmp.differ("%s row %d field count" % (name, r), len(ra), len(rb))
        for c in range(min(len(ra), len(rb))):
            column = header[c].decode("utf-8", "replace") if c < len(header) else str(c)
            where = "%s row %d (data row %d) col %d [%s]" % (name, r, r, c, column)
            cmp.check(where, ra[c].decode("utf-8", "replace"), rb[c].decode("utf-8", "replace"))
    if data_a != data_b and cmp.differences == 0:
        la, lb = data_a.split(b"\n"), data_b.split(b"\n")
        for i, (x, y) in enumerate(zip(la, lb)):
            if x != y:
                cmp.differ("%s physical line %d bytes (encoding)" % (name, i + 1), x, y)
                break
        else:
            cmp.differ("%s byte length" % name, len(data_a), len(data_b))


def compare_json(cmp, name, path_a, path_b):
    docs = []
    for path in (path_a, path_b):
        try:
            with open(path, "rb") as f:
                docs.append(json.loads(f.read(), object_pairs_hook=list))
        except ValueError as e:
            cmp.differ(name, "invalid JSON", "%s: %s" % (path, e))
            return
    a, b = docs
    keys_a, keys_b = [k for k, _ in a], [k for k, _ in b]
    if keys_a != keys_b:
        cmp.differ("%s key order" % name, keys_a, keys_b)
    da, db = dict(a), dict(b)
    for key in keys_a:
        if key == "processingTimeInSeconds":
            continue
        va, vb = da.get(key), db.get(key, "<missing>")
        if key == "earliestConviction" and isinstance(va, str) and isinstance(vb, str):
            if not (va.endswith("T00:00:00Z") and vb.endswith("T00:00:00Z")):
                va, vb = va[:10], vb[:10]
        if isinstance(va, list) and isinstance(vb, list):
            ka, kb = [k for k, _ in va], [k for k, _ in vb]
            if ka != kb:
                cmp.differ("%s %s keys" % (name, key), ka, kb)
            ma, mb = dict(va), dict(vb)
            for k in sorted(set(ka) | set(kb)):
                cmp.check("%s %s[%s]" % (name, key, k), ma.get(k, "<missing>"), mb.get(k, "<missing>"))
        else:
            cmp.check("%s %s" % (name, key), va, vb)


def bundle_files(folder):
    """The reference's bundle files; relief's manifest (its own record of the
    run, with hashes and timings) is not one of them."""
    return sorted(n for n in os.listdir(folder)
                  if n.endswith(BUNDLE_EXTENSIONS) and not n.startswith("manifest"))


def compare_dirs(dir_a, dir_b, max_report=20, common=False, files=None):
    """files: the names to compare (missing on either side is a
    difference); common: compare the files both folders hold, and no
    other; neither: the folders must hold the same files."""
    cmp = Comparison(max_report)
    files_a, files_b = bundle_files(dir_a), bundle_files(dir_b)
    if files is not None:
        for name in files:
            for label, present in (("A", files_a), ("B", files_b)):
                if name not in present:
                    cmp.differ("file %s" % name, "missing in %s" % label, "")
        names = [n for n in files if n in files_a and n in files_b]
    else:
        if files_a != files_b and not common:
            cmp.differ("file list", files_a, files_b)
        names = sorted(set(files_a) & set(files_b))
        if common and not names:
            cmp.differ("file list", files_a, files_b)
    for name in names:
        pa, pb = os.path.join(dir_a, name), os.path.join(dir_b, name)
        (compare_csv if name.endswith(".csv") else compare_json)(cmp, name, pa, pb)
    return cmp


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir_a")
    ap.add_argument("dir_b")
    ap.add_argument("--max-report", type=int, default=20)
    ap.add_argument("--quiet", action="store_true")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--common", action="store_true",
                       help="compare only the files both folders hold")
    which.add_argument("--files", help="comma-separated file names to compare")
    args = ap.parse_args()
    files = args.files.split(",") if args.files else None
    cmp = compare_dirs(args.dir_a, args.dir_b, args.max_report, common=args.common, files=files)
    for line in cmp.lines:
        print(line)
    if cmp.differences > cmp.max_report:
        print("... %d more differences" % (cmp.differences - cmp.max_report))
    if not args.quiet or cmp.differences:
        print("%d cells compared, %d differences" % (cmp.cells, cmp.differences))
    return 1 if cmp.differences else 0


if __name__ == "__main__":
    sys.exit(main())
