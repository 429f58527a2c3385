#!/usr/bin/env python3
"""End-to-end tests of relief's flows other than the configurable one: the
built-in Los Angeles pilot flow (spec §6.2) and flow files (policies as
data), with the files that come with them (Hand_Review.csv,
Prop64_Results_Extended.csv, the --trace Rule column).

The Los Angeles expectations are derived by hand from the spec on
tests/fixtures/los_angeles_checks.csv (fabricated people; the comments in
make_fixtures.py say what each exercises): county LOS ANGELES, compute date
2019-11-11, age 50, 10 years conviction-free.

Usage: test_flows.py --relief PATH [--keep]
Ends with the line `N passed, M failed`; exit status 1 if M > 0.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools as t  # noqa: E402

t.use_oracle_modules()
import compare  # noqa: E402
import gocompat as go  # noqa: E402
from oracle import COL, DOJ_COLUMNS, RESULT_COLUMNS  # noqa: E402

LA = "LOS ANGELES"
COMPUTE = "2019-11-11"
LA_FIXTURE = "los_angeles_checks.csv"
ORACLE_FILES = ["All_Results.csv", "All_Results_Condensed.csv", "Prop64_Results.csv",
                "summary.json"]
EXTENDED_COLUMNS = ["Remedy", "Statutory Basis", "Possible Plea Bargain"]

D, R = "Eligible for Dismissal", "Eligible for Reduction"
NE, HR, CA = "Not eligible", "Hand Review", "To be reviewed by City Attorneys"
HAND_REVIEW_DETERMINATIONS = (HR, CA, "")

RELIEF = None
H = t.Harness("cells/values")
test = H.case
fresh_dir = H.fresh_dir
OUTPUTS = []  # (what, stdout + stderr) of every relief run, for the privacy check


def la_args(outputs, inputs=(LA_FIXTURE,), county=LA, compute=COMPUTE, extra=()):
    return ["--input-doj=" + ",".join(t.fixture(i) for i in inputs), "--county=" + county,
            "--compute-at=" + compute, "--outputs=" + outputs] + list(extra)


def relief(args):
    # --review-files: Hand_Review.csv and the extended file are opt-in
    rc, out, err = t.run_cmd([RELIEF, "run", "--review-files"] + args)
    OUTPUTS.append((" ".join(a for a in args if not a.startswith("--outputs")), out + err))
    return rc, out, err


def oracle(args):
    rc, out, err = t.run_cmd(t.oracle_cmd(args))
    assert rc == 0, "oracle failed: %s" % err
    return rc


def read_table(path):
    """(header, rows): lists of str."""
    with open(path, "rb") as f:
        records = [r for _, r in go.GoCsvReader(f.read(), None).records()]
    return ([c.decode() for c in records[0]],
            [[c.decode() for c in r] for r in records[1:]])


FORMULA_LEADING = ("=", "+", "-", "@", "\t", "\r")


def read_own_table(path):
    """read_table of one of relief's own CSVs (Hand_Review.csv, the extended
    file), whose formula-leading cells carry a leading ' (README): every
    such cell must, and the rows are returned without it."""
    header, rows = read_table(path)
    for r in rows:
        for i, c in enumerate(r):
            assert not c.startswith(FORMULA_LEADING), "%s: unguarded cell %r" % (path, c[:12])
            if c.startswith("'") and c[1:2] and c[1] in FORMULA_LEADING:
                r[i] = c[1:]
    return header, rows


def read_rows(path):
    header, rows = read_table(path)
    return [dict(zip(header, r)) for r in rows]


def run_la(name, extra=(), inputs=(LA_FIXTURE,), compute=COMPUTE):
    out = fresh_dir(name)
    t.check_rc(relief(la_args(out, inputs=inputs, compute=compute,
                            extra=["--flow=los-angeles"] + list(extra))), 0)
    return out


def equal(what, got, want):
    H.checked += 1
    assert got == want, "%s: got %r, want %r" % (what, got, want)


# ---------------------------------------------------------------- expectations

# Every row of los_angeles_checks.csv that gets a result (in-county Prop 64
# convictions), in file order: SUBJECT_ID, CNT_ORDER, STP_EVENT_DATE,
# determination, reason, rule id.  Derived by hand from spec §6.2.
C1, C2, C3, C4, C5 = ("%d001001000" % (100 + i) for i in range(1, 6))
ONLY = "Only has 11357-60 charges and completed sentence"
FREE = "No convictions in past 10 years"
NONE = "No applicable eligibility criteria"
SERVING = "Currently serving sentence"
STRIKE = "PC 667(e)(2)(c)(iv)"
LA_EXPECTED = [
    ("6001", C1, "20150101", CA, "Misdemeanor or Infraction", "misdemeanor"),
    ("6001", C2, "20150101", CA, "Misdemeanor or Infraction", "misdemeanor"),
    ("6002", C1, "20161109", NE, "Occurred after 11/09/2016", "after-nov-9-2016"),
    ("6002", C2, "20161108", D, ONLY, "only-prop64-completed"),
    ("6002", C3, "00000000", D, ONLY, "only-prop64-completed"),
    ("6003", C1, "20150101", D, "11357(a) or 11357(b)", "11357-a-or-b"),
    ("6003", C2, "20150101", D, "11357(a) or 11357(b)", "11357-a-or-b"),
    ("6004", C1, "20150101", HR, "Other 11357", "other-11357"),
    ("6004", C2, "20150101", HR, "Other 11357", "other-11357"),
    ("6004", C3, "20150101", HR, "Other 11357", "other-11357"),
    ("6004", C4, "20150101", HR, "Other 11357", "other-11357"),
    ("6004", C5, "20150101", D, ONLY, "only-prop64-completed"),
    ("6005", C2, "20100101", NE, STRIKE, "superstrike"),
    ("6005", C3, "19990101", HR, NONE, "no-criteria"),
    ("6006", C2, "19950101", NE, STRIKE, "superstrike"),
    ("6007", C3, "19950101", HR, SERVING, "serving-sentence"),
    ("6008", C4, "20000101", D, FREE, "conviction-free"),
    ("6008", C5, "20080101", NE, STRIKE, "superstrike"),
    ("6009", C2, "20050101", NE, "PC 290", "pc290"),
    ("6009", C3, "19990101", D, FREE, "conviction-free"),
    ("6010", C1, "19950101", NE, "PC 290", "pc290"),
    ("6011", C1, "20010101", D, ONLY, "only-prop64-completed"),
    ("6011", C2, "20020101", D, ONLY, "only-prop64-completed"),
    ("6011", C3, "20020101", D, ONLY, "only-prop64-completed"),
    ("6011", C4, "20030101", NE, "Two priors", "two-priors"),
    ("6011", C5, "20040101", D, ONLY, "only-prop64-completed"),
    ("6012", C1, "20100101", D, "50 years or older", "age"),
    ("6013", C1, "20100101", HR, NONE, "no-criteria"),
    ("6014", C1, "20160101", D, "21 years or younger", "21-or-younger"),
    ("6015", C1, "20160101", D, "Deceased", "deceased"),
    ("6016", C1, "20100101", D, "50 years or older", "age"),
    ("6017", C1, "20150101", D, ONLY, "only-prop64-completed"),
    ("6018", C1, "20150101", HR, SERVING, "serving-sentence"),
    ("6019", C1, "20000101", HR, SERVING, "serving-sentence"),
    ("6019", C2, "20150101", HR, SERVING, "serving-sentence"),
    ("6020", C1, "20091111", D, FREE, "conviction-free"),
    ("6021", C1, "20091112", HR, NONE, "no-criteria"),
    ("6022", C1, "20120101", D, "Deceased", "deceased"),
    ("6024", C1, "20091112", D, ONLY, "only-prop64-completed"),
    ("6025", C1, "20091112", HR, SERVING, "serving-sentence"),
]
ALL_RULES = ["misdemeanor", "after-nov-9-2016", "11357-a-or-b", "other-11357", "superstrike",
             "pc290", "two-priors", "age", "21-or-younger", "only-prop64-completed",
             "conviction-free", "serving-sentence", "deceased", "no-criteria"]


def key(row):
    return (row["SUBJECT_ID"], row["CNT_ORDER"], row["STP_EVENT_DATE"])


def check_la_rows(rows, want, rule=True):
    """rows: the Prop64_Results rows; want: [(sid, cnt, date, det, reason, rule)]."""
    equal("number of rows with a result", len(rows), len(want))
    for r, (sid, cnt, date, det, reason, rule_id) in zip(rows, want):
        where = "%s/%s/%s" % (sid, cnt, date)
        equal(where + " row", key(r), (sid, cnt, date))
        equal(where + " determination", r["Eligibility Determination"], det)
        equal(where + " reason", r["Eligibility Reason"], reason)
        if rule:
            equal(where + " Rule", r["Rule"], rule_id)


# ---------------------------------------------------------------- Los Angeles flow


@test
def la_fixture_every_rule_decides():
    """Each of the 14 §6.2 rules decides at least one row of the fixture."""
    assert sorted(set(e[5] for e in LA_EXPECTED)) == sorted(ALL_RULES)


@test
def la_determinations_reasons_and_rules():
    out = run_la("la_trace", extra=["--trace"])
    rows = read_rows(os.path.join(out, "Prop64_Results.csv"))
    check_la_rows(rows, LA_EXPECTED)
    header, _ = read_table(os.path.join(out, "All_Results.csv"))
    equal("All_Results header with --trace", header,
          DOJ_COLUMNS + RESULT_COLUMNS + ["Rule"])
    # All_Results: the same results on the same rows; every other row (other
    # county, not Prop 64, not convicted, 6019's further sentence part) has
    # empty result columns and an empty Rule.
    all_rows = read_rows(os.path.join(out, "All_Results.csv"))
    with_result = [r for r in all_rows if r["Eligibility Determination"]]
    check_la_rows(with_result, LA_EXPECTED)
    for r in all_rows:
        if r["Eligibility Determination"]:
            continue
        for column in RESULT_COLUMNS + ["Rule"]:
            if column != "Possible Other P64 Charges":
                equal("%s %s" % ("/".join(key(r)), column), r[column], "")
    part = [r for r in all_rows if r["SUBJECT_ID"] == "6019" and r["CNT_ORDER"] == C1]
    equal("6019 rows of CNT_ORDER %s" % C1, [r["Rule"] for r in part], ["serving-sentence", ""])


@test
def la_other_columns_on_fixture():
    out = run_la("la_columns")
    rows = {(r["SUBJECT_ID"], r["CNT_ORDER"]): r
            for r in read_rows(os.path.join(out, "Prop64_Results.csv"))}
    r = rows[("6005", C2)]
    equal("6005 superstrike column", r["Superstrike Code Section(s)"], "187 PC")
    r = rows[("6006", C2)]  # the gang step is no §3 superstrike: column stays "-"
    equal("6006 superstrike column", r["Superstrike Code Section(s)"], "-")
    r = rows[("6008", C4)]
    equal("6008 superstrike column", r["Superstrike Code Section(s)"],
          "187 PC;191.5 PC;209.5 PC")
    equal("6009 PC290 column", rows[("6009", C2)]["PC290 Code Section(s)"], "647.6(A) PC")
    equal("6010 registration", rows[("6010", C1)]["PC290 Registration"], "Yes")
    equal("6015 deceased", rows[("6015", C1)]["Deceased"], "Deceased")
    equal("6001 case number", rows[("6001", C1)]["Case Number"], "LA600101")
    equal("6002 occurred after", rows[("6002", C1)]["Occurred after 11/9/2016"], "N")
    equal("6002 date unknown", rows[("6002", C3)]["Date of Conviction"], "01/01/0001")


@test
def la_same_as_oracle_on_fixture():
    for name, extra in (("defaults", []), ("age40_free5", ["--individual-age=40",
                                                           "--years-conviction-free=5"]),
                        ("trace", ["--trace"])):
        for compute in (COMPUTE, "2020-02-29"):
            got = run_la("la_vs_oracle_%s_%s" % (name, compute), extra=extra, compute=compute)
            want = fresh_dir("la_vs_oracle_%s_%s.oracle" % (name, compute))
            oracle(la_args(want, compute=compute, extra=["--flow=los-angeles"] + extra))
            cmp = compare.compare_dirs(want, got, files=ORACLE_FILES)
            H.checked += cmp.cells
            assert cmp.differences == 0, "%s %s differs from the oracle (A=oracle, B=relief):\n  %s" % (
                name, compute, "\n  ".join(cmp.lines))


@test
def la_parameters():
    """--individual-age=40 and --years-conviction-free=5 move rows between rules."""
    out = run_la("la_params", extra=["--trace", "--individual-age=40", "--years-conviction-free=5"])
    rows = {(r["SUBJECT_ID"], r["CNT_ORDER"]): r
            for r in read_rows(os.path.join(out, "Prop64_Results.csv"))}
    # born 1969: 50 >= 40 -> age reason names the parameter
    equal("6013 age 40", rows[("6013", C1)]["Eligibility Reason"], "40 years or older")
    equal("6012 age 40", rows[("6012", C1)]["Eligibility Reason"], "40 years or older")
    # born 1980 (39): not 40; latest 2010 is before 2014-11-11 -> conviction-free 5
    equal("6005 free 5", rows[("6005", C3)]["Eligibility Reason"], "No convictions in past 5 years")
    equal("6021 free 5", rows[("6021", C1)]["Eligibility Reason"], "No convictions in past 5 years")
    equal("6021 rule", rows[("6021", C1)]["Rule"], "conviction-free")
    # 6022 (2012 convictions, deceased) is now conviction-free before deceased
    equal("6022 free 5", rows[("6022", C1)]["Eligibility Reason"], "No convictions in past 5 years")
    # 6018 (2015, serving): 2015 is within 5 years -> still serving
    equal("6018 serving", rows[("6018", C1)]["Eligibility Reason"], SERVING)


@test
def la_summary():
    out = run_la("la_summary")
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    equal("county", s["county"], LA)
    equal("dismissal by code section", s["convictionDismissalCountByCodeSection"], {})
    equal("reduction by code section", s["convictionReductionCountByCodeSection"], {})
    equal("dismissal by additional relief", s["convictionDismissalCountByAdditionalRelief"], {
        "11357(a) or 11357(b)": 2, ONLY: 9, FREE: 3, "50 years or older": 2,
        "21 years or younger": 1, "Deceased": 2})
    equal("earliest", s["earliestConviction"], "0001-01-01T00:00:00Z")
    equal("prop64 by section", s["prop64ConvictionsCountInCountyByCodeSection"],
          {"11357": 6, "11358": 13, "11359": 12, "11360": 9})


@test
def la_hand_review_file():
    for name, extra in (("plain", []), ("trace", ["--trace"])):
        out = run_la("la_hand_review_" + name, extra=extra)
        check_hand_review(out)


def check_hand_review(out, want_some=(HR, CA)):
    """Hand_Review.csv: the All_Results header, and exactly the rows with a
    result whose determination is Hand Review, City Attorneys or empty."""
    header_all, _ = read_table(os.path.join(out, "All_Results.csv"))
    header_p64, p64 = read_table(os.path.join(out, "Prop64_Results.csv"))
    header_hr, hr = read_own_table(os.path.join(out, "Hand_Review.csv"))
    equal("Hand_Review header", header_hr, header_all)
    equal("Prop64_Results header", header_p64, header_all)
    det = header_all.index("Eligibility Determination")
    want = [r for r in p64 if r[det] in HAND_REVIEW_DETERMINATIONS]
    equal("Hand_Review rows", hr, want)
    for d in want_some:
        assert any(r[det] == d for r in hr), "no %r row in Hand_Review.csv" % d
    return hr


@test
def hand_review_holds_empty_determinations():
    """The configurable flow leaves determinations empty (narrow options)."""
    out = fresh_dir("hr_configurable")
    t.check_rc(relief(la_args(out, inputs=("checks.csv",), county="SACRAMENTO",
                            extra=["--eligibility-options=" + t.fixture("narrow_options.json")])), 0)
    check_hand_review(out, want_some=("",))


def extended_rows(out):
    header, rows = read_own_table(os.path.join(out, "Prop64_Results_Extended.csv"))
    return header, [dict(zip(header, r)) for r in rows], rows


@test
def la_extended_file():
    out = run_la("la_extended")
    header_all, all_rows = read_table(os.path.join(out, "All_Results.csv"))
    header, ext, raw = extended_rows(out)
    equal("Extended header", header, header_all + EXTENDED_COLUMNS)
    # The leading columns are All_Results rows, untouched, in file order: the
    # rows with a result plus 6026's 11364 HS conviction.
    p64 = [key(r) for r in read_rows(os.path.join(out, "Prop64_Results.csv"))]
    lead = [r[:len(header_all)] for r in raw]
    pos = 0
    for row in lead:
        while pos < len(all_rows) and all_rows[pos] != row:
            pos += 1
        assert pos < len(all_rows), "Extended row not an All_Results row in order: %r" % row[:60]
        pos += 1
    H.checked += len(lead) * len(header_all)
    # 6026 is the file's last person: its plea-bargain row comes last.
    plea = ("6026", "101002001000", "20120301")
    equal("Extended rows", [key(r) for r in ext], p64 + [plea])
    equal("Prop64_Results rows", p64, [e[:3] for e in LA_EXPECTED])
    by = {(r["SUBJECT_ID"], r["CNT_ORDER"]): r for r in ext}
    r = by[("6016", C1)]  # age dismissal, own sentence to 2030
    equal("6016 determination", r["Eligibility Determination"], D)
    equal("6016 Remedy", r["Remedy"], "Recall and resentence")
    for k in (("6017", C1), ("6012", C1), ("6003", C1), ("6024", C1)):  # completed dismissals
        equal("%s Remedy" % (k,), by[k]["Remedy"], "Dismiss and seal")
    for r in ext:
        det = r["Eligibility Determination"]
        if det in (HR, NE, CA, ""):
            equal("%s Remedy (%s)" % ("/".join(key(r)), det), r["Remedy"], "")
        equal("%s Statutory Basis present iff Remedy" % "/".join(key(r)),
              bool(r["Statutory Basis"]), bool(r["Remedy"]))
        assert r["Possible Plea Bargain"] in ("Y", "N"), r["Possible Plea Bargain"]
    r = by[("6026", "101002001000")]
    equal("6026 plea bargain", r["Possible Plea Bargain"], "Y")
    for column in RESULT_COLUMNS:
        equal("6026 " + column, r[column], "")
    equal("6026 Remedy", r["Remedy"], "")


@test
def extended_reduction_remedy():
    """A Reduction (configurable flow, spec options) is redesignated."""
    out = fresh_dir("ext_reduction")
    t.check_rc(relief(la_args(out, inputs=("checks.csv",), county="SACRAMENTO",
                            extra=["--eligibility-options=" + t.fixture("spec_options.json")])), 0)
    header, ext, _ = extended_rows(out)
    reductions = [r for r in ext if r["Eligibility Determination"] == R]
    assert reductions, "no Reduction in checks.csv under spec options"
    for r in reductions:
        equal("%s Remedy" % "/".join(key(r)), r["Remedy"], "Redesignate as misdemeanor or infraction")
    by = {(r["SUBJECT_ID"], r["CNT_ORDER"]): r for r in ext}
    equal("1008 Remedy", by[("1008", "101001001000")]["Remedy"],
          "Redesignate as misdemeanor or infraction")


# ---------------------------------------------------------------- flow files


def write_flow(name, doc):
    path = os.path.join(fresh_dir("flows_" + name), name + ".json")
    with open(path, "w") as f:
        f.write(doc if isinstance(doc, str) else json.dumps(doc, indent=1))
    return path


def flow(rows, name="test-policy"):
    return {"name": name, "relevance": ["in_county", "prop64"], "parameters": {}, "rows": rows}


def run_flow(name, doc, extra=("--trace",)):
    path = write_flow(name, doc)
    out = fresh_dir("flow_run_" + name)
    result = relief(la_args(out, extra=["--flow=" + path] + list(extra)))
    return result, out


def expected_with(overrides, default):
    """LA_EXPECTED rows, determination/reason/rule replaced: overrides maps
    (sid, cnt) -> (det, reason, rule); the rest get default."""
    return [(sid, cnt, date) + overrides.get((sid, cnt), default)
            for sid, cnt, date, _, _, _ in LA_EXPECTED]


@test
def policy_dismiss_unless_earlier_superstrike():
    """Dismiss every Prop 64 conviction unless the person has a superstrike
    dated before it (earlier_superstrike, §6.2 check 4); those to hand review."""
    doc = flow([
        {"id": "strike", "when": {"earlier_superstrike": True}, "decide": HR,
         "reason": "Superstrike before this conviction"},
        {"id": "dismiss", "when": {"prop64": True}, "decide": D, "reason": "Prop 64 conviction"},
    ])
    result, out = run_flow("unless_strike", doc)
    t.check_rc(result, 0)
    strike = (HR, "Superstrike before this conviction", "strike")
    want = expected_with({("6005", C2): strike, ("6006", C2): strike, ("6008", C5): strike},
                         (D, "Prop 64 conviction", "dismiss"))
    check_la_rows(read_rows(os.path.join(out, "Prop64_Results.csv")), want)
    check_hand_review(out, want_some=(HR,))


@test
def shipped_example_policy_dismiss_before_2000():
    """flows/examples/dismiss-before-2000.json, loaded with no rebuild:
    Prop 64 convictions before 2000 dismissed unless the person has a
    superstrike; everything else to hand review."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "flows", "examples", "dismiss-before-2000.json")
    out = fresh_dir("flow_example_2000")
    t.check_rc(relief(la_args(out, extra=["--flow=" + path, "--trace"])), 0)
    rows = read_rows(os.path.join(out, "Prop64_Results.csv"))
    assert rows, "no Prop 64 rows"
    seen = set()
    for r in rows:
        year = int(r["Date of Conviction"][-4:])
        rule = r["Rule"]
        seen.add(rule)
        if r["SUBJECT_ID"] in ("6005", "6006", "6008"):
            equal("%s rule" % r["SUBJECT_ID"], rule, "superstrike")
        elif rule == "before-2000":
            assert year < 2000, r
            equal("reason", r["Eligibility Reason"], "Prop 64 conviction before 2000")
            equal("determination", r["Eligibility Determination"], D)
        else:
            assert rule in ("superstrike", "review"), rule
            if rule == "review":
                assert year >= 2000, r
    assert {"before-2000", "review", "superstrike"} <= seen, seen


@test
def policy_conditions_false_and_combined():
    """false conditions, several features in one row, and no row matching
    (determination stays empty, and the row goes to Hand_Review.csv)."""
    doc = flow([
        {"id": "misdemeanor", "when": {"felony": False}, "decide": CA, "reason": "Misdemeanor"},
        {"id": "pc290", "when": {"earlier_pc290": True}, "decide": NE, "reason": "PC 290"},
        {"id": "other-11357", "when": {"section_11357": True, "begins_11357_ab": False},
         "decide": HR, "reason": "Other 11357"},
        {"id": "served", "when": {"only_prop64": True, "sentences_completed": True,
                                  "deceased": False}, "decide": D, "reason": "Served"},
    ])
    result, out = run_flow("combined", doc)
    t.check_rc(result, 0)
    over = {("6001", C1): (CA, "Misdemeanor", "misdemeanor"),
            ("6001", C2): (CA, "Misdemeanor", "misdemeanor"),
            ("6009", C2): (NE, "PC 290", "pc290"), ("6010", C1): (NE, "PC 290", "pc290")}
    for c in (C1, C2, C3, C4):
        over[("6004", c)] = (HR, "Other 11357", "other-11357")
    served = (D, "Served", "served")
    # only Prop 64, all sentences done (§6.2 helpers), not deceased
    for k in (("6002", C1), ("6002", C2), ("6002", C3), ("6003", C1), ("6003", C2),
              ("6004", C5), ("6011", C1), ("6011", C2), ("6011", C3), ("6011", C4),
              ("6011", C5), ("6017", C1), ("6024", C1)):
        over.setdefault(k, served)
    want = expected_with(over, ("", "", ""))
    check_la_rows(read_rows(os.path.join(out, "Prop64_Results.csv")), want)
    check_hand_review(out, want_some=(HR, CA, ""))


@test
def bad_flow_files():
    bad = {
        "unknown_feature": (flow([
            {"id": "fine", "when": {"felony": False}, "decide": CA, "reason": "x"},
            {"id": "before-2000", "when": {"before_2000": True}, "decide": D, "reason": "x"}]),
            ["before-2000", "before_2000"]),
        "bad_decide": (flow([
            {"id": "pardon-all", "when": {"felony": True}, "decide": "Eligible for Pardon",
             "reason": "x"}]), ["pardon-all", "Eligible for Pardon"]),
        "missing_id": (flow([
            {"id": "first", "when": {"felony": True}, "decide": HR, "reason": "x"},
            {"when": {"felony": False}, "decide": HR, "reason": "x"}]), ["row 2", "id"]),
        "not_json": ('{"name": "x", "rows": [', []),
    }
    for name, (doc, words) in bad.items():
        (rc, o, err), out = run_flow("bad_" + name, doc, extra=())
        assert rc == 1, "%s: exit status %d, want 1 (%s)" % (name, rc, err.strip()[-300:])
        for w in words:
            assert w in o + err, "%s: message does not name %r: %r" % (name, w, err)
        H.checked += 1 + len(words)


# ---------------------------------------------------------------- privacy (last)


def private_strings():
    """CII numbers, birth dates and names of the fixtures' people."""
    found = set()
    for name in (LA_FIXTURE, "checks.csv"):
        with open(t.fixture(name), "rb") as f:
            data = f.read()
        rows = [r for _, r in go.GoCsvReader(data[data.index(b"\n") + 1:], 95).records()]
        for r in rows:
            for column in ("CII_NUMBER", "PRI_DOB", "PRI_NAME"):
                value = r[COL[column]].decode()
                if len(value) >= 5:
                    found.add(value)
    return found


@test
def runs_print_no_fixture_names_or_personal_data():
    assert OUTPUTS, "no runs recorded"
    secrets = private_strings() | {LA_FIXTURE, "checks.csv", "los_angeles_checks"}
    for what, text in OUTPUTS:
        for s in secrets:
            H.checked += 1
            assert s not in text, "%r printed by `relief run %s`" % (s, what)


def start(args, work):
    global RELIEF
    RELIEF = args.relief


def main():
    return H.main(H.parser(__doc__), "relief-flows-", start, keep_failed=True)


if __name__ == "__main__":
    sys.exit(main())
