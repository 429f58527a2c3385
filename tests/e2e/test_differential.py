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
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools as t  # noqa: E402

t.use_oracle_modules()
import randomdoj  # noqa: E402

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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--relief", required=True)
    # the sanitizer build (RELIEF_TEST_SCALE=small) runs every option set once:
    # the oracle's half of each case is the same Python in both builds
    ap.add_argument("--seeds", type=int, default=1 if t.SMALL else 2, help="seeds per option set")
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
        inputs = t.random_inputs(case, seeds, args.people, args.county, compute)
        opt_path = os.path.join(case, "options.json")
        with open(opt_path, "w") as f:
            json.dump(OPTION_SETS[options], f)
        common = ["--input-doj=" + ",".join(inputs), "--county=" + args.county,
                  "--compute-at=" + compute, "--eligibility-options=" + opt_path]
        problems, cmp = t.against_oracle(case, os.path.abspath(args.relief), common)
        total_cells += cmp.cells if cmp else 0
        if problems:
            failed += 1
            print("FAIL %s (compute %s, options %s, seeds %s): %s" % (
                name, compute, options, seeds, "; ".join(problems)))
        else:
            passed += 1
            print("PASS %s" % name)
    return t.finish(passed, failed, work, args.keep, "%d cells compared" % total_cells)


if __name__ == "__main__":
    sys.exit(main())
