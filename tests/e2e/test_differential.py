#!/usr/bin/env python3
"""Differential test: random DOJ files (randomdoj.py) run through relief and
through the oracle, bundles compared cell by cell (compare.py).

Covers several seeds, compute dates and option sets: the spec's example,
everything off, dismiss/reduce lists in other orders, each threshold alone,
and multi-file runs.  Keep it under about a minute.

Usage: test_differential.py --relief PATH [--seeds N] [--people N] [--keep]
Ends with the line `N passed, M failed`; exit status 1 if M > 0.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE_DIR = os.path.abspath(os.path.join(HERE, "..", "oracle"))
sys.path.insert(0, ORACLE_DIR)
import compare  # noqa: E402
import randomdoj  # noqa: E402
import gocompat as go  # noqa: E402

SPEC = {"baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
        "additionalRelief": {"subjectUnder21AtConviction": True, "subjectAgeThreshold": 57,
                             "yearsSinceConvictionThreshold": 10, "yearsCrimeFreeThreshold": 0,
                             "subjectIsDeceased": True, "subjectHasOnlyProp64Charges": True}}


def relief_only(**extra):
    return {"baselineEligibility": {"dismiss": [], "reduce": []}, "additionalRelief": extra}


OPTION_SETS = {
    "spec": SPEC,
    "all_false": {},
    "reordered": {"baselineEligibility": {"dismiss": ["11358", "11357"],
                                          "reduce": ["11360", "11359"]}},
    "dismiss_late_reduce_early": {"baselineEligibility": {"dismiss": ["11360", "11359"],
                                                          "reduce": ["11358", "11357"]}},
    "all_dismiss": {"baselineEligibility": {"dismiss": ["11360", "11357", "11359", "11358"]}},
    "under21": relief_only(subjectUnder21AtConviction=True),
    "age40": relief_only(subjectAgeThreshold=40),
    "age65": relief_only(subjectAgeThreshold=65),
    "since1": relief_only(yearsSinceConvictionThreshold=1),
    "since15": relief_only(yearsSinceConvictionThreshold=15),
    "crimefree7": {"baselineEligibility": {"reduce": ["11359"]},
                   "additionalRelief": {"yearsCrimeFreeThreshold": 7}},
    "crimefree1": relief_only(yearsCrimeFreeThreshold=1),
    "deceased": relief_only(subjectIsDeceased=True),
    "only_prop64": relief_only(subjectHasOnlyProp64Charges=True),
}

# (name, seeds, compute date, option set, files per run)
def plan(seeds):
    runs = []
    computes = ["2019-11-11", "2020-02-29", "2024-03-01"]
    names = list(OPTION_SETS)
    for i, name in enumerate(names):
        for k in range(seeds):
            seed = 1000 + i * 37 + k
            runs.append(("%s_s%d" % (name, seed), [seed], computes[(i + k) % len(computes)], name))
    runs.append(("multi_spec", [7, 8, 9], "2019-11-11", "spec"))
    runs.append(("multi_crimefree", [11, 12], "2020-02-29", "crimefree7"))
    return runs


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--relief", required=True)
    ap.add_argument("--seeds", type=int, default=2, help="seeds per option set")
    ap.add_argument("--people", type=int, default=120)
    ap.add_argument("--county", default="SACRAMENTO")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--no-unicode-blanks", action="store_true",
                    help="no U+00A0-only OFFENSE_DESCR (to look past that known difference)")
    args = ap.parse_args()
    randomdoj.UNICODE_BLANKS = not args.no_unicode_blanks
    work = tempfile.mkdtemp(prefix="relief-diff-")
    passed = failed = total_cells = 0
    for name, seeds, compute, options in plan(args.seeds):
        case = os.path.join(work, name)
        os.makedirs(case)
        y, m, d = (int(x) for x in compute.split("-"))
        inputs = []
        for seed in seeds:
            path = os.path.join(case, "doj_%d.csv" % seed)
            with open(path, "wb") as f:
                f.write(randomdoj.generate(seed, args.people, args.county, go.days_from_civil(y, m, d)))
            inputs.append(path)
        opt_path = os.path.join(case, "options.json")
        with open(opt_path, "w") as f:
            json.dump(OPTION_SETS[options], f)
        common = ["--input-doj=" + ",".join(inputs), "--county=" + args.county,
                  "--compute-at=" + compute, "--eligibility-options=" + opt_path]
        want, got = os.path.join(case, "oracle"), os.path.join(case, "relief")
        rc_o, err_o = run([sys.executable, os.path.join(ORACLE_DIR, "oracle.py"), "--outputs=" + want] + common)
        rc_r, err_r = run([os.path.abspath(args.relief), "run", "--outputs=" + got] + common)
        problems = []
        if rc_o != 0:
            problems.append("oracle exit %d: %s" % (rc_o, err_o.strip()[-300:]))
        if rc_r != 0:
            problems.append("relief exit %d: %s" % (rc_r, err_r.strip()[-300:]))
        if not problems:
            cmp = compare.compare_dirs(want, got, max_report=8)
            total_cells += cmp.cells
            if cmp.differences:
                problems.append("%d differences (A=oracle, B=relief):\n    %s" % (
                    cmp.differences, "\n    ".join(cmp.lines)))
        if problems:
            failed += 1
            print("FAIL %s (compute %s, options %s, seeds %s): %s" % (
                name, compute, options, seeds, "; ".join(problems)))
        else:
            passed += 1
            print("PASS %s" % name)
    print("%d cells compared" % total_cells)
    if args.keep or failed:
        print("work folder: %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
