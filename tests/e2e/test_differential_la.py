#!/usr/bin/env python3
"""Differential test of the Los Angeles pilot flow (spec §6.2): random DOJ
files drawn for that flow (randomdoj.generate(..., la=True)) run through
`relief run --flow=los-angeles` and through the oracle, the files both write
compared cell by cell (All_Results*, Prop64_Results, summary.json; the
engine's Hand_Review.csv and Prop64_Results_Extended.csv have no oracle
counterpart and are checked in test_flows.py).

Several seeds x parameter sets (defaults, --individual-age=40,
--years-conviction-free=5, both) x compute dates (2019-11-11, 2020-02-29),
county LOS ANGELES.  Runs use --trace on both sides, so the Rule column
(which §6.2 rule decided) is compared too; one run without --trace checks
the plain layout, one multi-file run checks per-file bundles and the summed
summary.  Finally every one of the 14 rules must have decided some row.

Usage: test_differential_la.py --relief PATH [--seeds N] [--people N] [--keep]
Ends with the line `N passed, M failed`; exit status 1 if M > 0.
"""

import argparse
import collections
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools as t  # noqa: E402

t.use_oracle_modules()
import compare  # noqa: E402
import gocompat as go  # noqa: E402

COUNTY = "LOS ANGELES"
COMPUTES = ["2019-11-11", "2020-02-29"]
PARAMETER_SETS = {
    "defaults": [],
    "age40": ["--individual-age=40"],
    "free5": ["--years-conviction-free=5"],
    "age40_free5": ["--individual-age=40", "--years-conviction-free=5"],
}
RULES = ["misdemeanor", "after-nov-9-2016", "11357-a-or-b", "other-11357", "superstrike",
         "pc290", "two-priors", "age", "21-or-younger", "only-prop64-completed",
         "conviction-free", "serving-sentence", "deceased", "no-criteria"]


def plan(seeds):
    """(name, seeds of the input files, compute date, parameter set, trace)"""
    runs = []
    for i, params in enumerate(PARAMETER_SETS):
        for j, compute in enumerate(COMPUTES):
            for k in range(seeds):
                seed = 6400 + i * 101 + j * 17 + k
                runs.append(("%s_%s_s%d" % (params, compute, seed), [seed], compute, params, True))
    runs.append(("plain_no_trace", [6999], "2019-11-11", "defaults", False))
    runs.append(("multi_file", [7001, 7002, 7003], "2020-02-29", "age40_free5", True))
    return runs


def rules_seen(folder, counter):
    """Counts the Rule column of the oracle's Prop64_Results file(s)."""
    for name in os.listdir(folder):
        if not name.startswith("Prop64_Results"):
            continue
        _, rows = compare.read_csv(os.path.join(folder, name))
        if isinstance(rows, go.CsvError) or not rows or rows[0][-1] != b"Rule":
            continue
        for r in rows[1:]:
            counter[r[-1].decode()] += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--relief", required=True)
    # the sanitizer build (RELIEF_TEST_SCALE=small) runs every set and date once:
    # the oracle's half of each case is the same Python in both builds
    ap.add_argument("--seeds", type=int, default=1 if t.SMALL else 2,
                    help="seeds per parameter set and date")
    ap.add_argument("--people", type=int, default=150)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="relief-diff-la-")
    passed = failed = total_cells = 0
    rules = collections.Counter()
    for name, seeds, compute, params, trace in plan(args.seeds):
        case = os.path.join(work, name)
        os.makedirs(case)
        inputs = t.random_inputs(case, seeds, args.people, COUNTY, compute, la=True)
        common = ["--input-doj=" + ",".join(inputs), "--county=" + COUNTY,
                  "--compute-at=" + compute, "--flow=los-angeles"] + PARAMETER_SETS[params]
        if trace:
            common.append("--trace")
        problems, cmp = t.against_oracle(case, os.path.abspath(args.relief), common,
                                         files_of=compare.bundle_files)
        if cmp:
            total_cells += cmp.cells
            if trace:
                rules_seen(os.path.join(case, "oracle"), rules)
        if problems:
            failed += 1
            print("FAIL %s (compute %s, parameters %s, seeds %s): %s" % (
                name, compute, " ".join(PARAMETER_SETS[params]) or "defaults", seeds,
                "; ".join(problems)))
        else:
            passed += 1
            print("PASS %s" % name)
    missing = [r for r in RULES if not rules[r]]
    unknown = [r for r in rules if r not in RULES]
    if missing or unknown:
        failed += 1
        print("FAIL rule_coverage: never decided %s; unknown ids %s" % (missing, unknown))
    else:
        passed += 1
        print("PASS rule_coverage (%s)" % ", ".join("%s %d" % (r, rules[r]) for r in RULES))
    return t.finish(passed, failed, work, args.keep, "%d cells compared" % total_cells)


if __name__ == "__main__":
    sys.exit(main())
