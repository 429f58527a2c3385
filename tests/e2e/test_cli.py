#!/usr/bin/env python3
"""End-to-end tests of `relief run` through its command line.

For each fixture of tests/fixtures: run relief, assert cells derived by hand
from the spec (README.md there says what each person exercises), then
compare the whole bundle with the oracle's.  Also: the `gogen` drop-in
naming, bad input files, bad options, multi-file and suffix naming.

Usage: test_cli.py --relief PATH [--keep]
Ends with the line `N passed, M failed`; exit status 1 if M > 0.
"""

import datetime
import hashlib
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools as t  # noqa: E402

t.use_oracle_modules()
import compare  # noqa: E402
import gocompat as go  # noqa: E402

COUNTY = "SACRAMENTO"
COMPUTE = "2019-11-11"
BUNDLE = ["All_Results.csv", "All_Results_Condensed.csv", "Prop64_Results.csv", "summary.json"]

RELIEF = None
H = t.Harness("cells/values")
test = H.case
fresh_dir = H.fresh_dir


def run_args(inputs, options, outputs, suffix=None, county=COUNTY, compute=COMPUTE, extra=()):
    args = ["--input-doj=" + ",".join(t.fixture(i) if not os.path.isabs(i) else i for i in inputs),
            "--county=" + county, "--compute-at=" + compute,
            "--eligibility-options=" + t.fixture(options), "--outputs=" + outputs]
    if suffix:
        args.append("--file-name-suffix=" + suffix)
    return args + list(extra)


def relief(inputs, options, outputs, exe=None, **kw):
    return t.run_cmd([exe or RELIEF, "run"] + run_args(inputs, options, outputs, **kw))


def oracle(inputs, options, outputs, summary_name="summary", **kw):
    kw.pop("extra", None)
    rc, out, err = t.run_cmd(t.oracle_cmd(run_args(inputs, options, outputs, **kw)
                                          + ["--summary-name=" + summary_name]))
    assert rc == 0, "oracle failed: %s" % err
    return outputs


def same_as_oracle(got_dir, inputs, options, summary_name="summary", **kw):
    want_dir = oracle(inputs, options, fresh_dir(os.path.basename(got_dir) + ".oracle"),
                      summary_name=summary_name, **kw)
    cmp = compare.compare_dirs(want_dir, got_dir)
    H.checked += cmp.cells
    assert cmp.differences == 0, "bundle differs from the oracle (A=oracle, B=relief):\n  " + \
        "\n  ".join(cmp.lines)


def read_rows(path):
    with open(path, "rb") as f:
        records = [r for _, r in go.GoCsvReader(f.read(), None).records()]
    header = [h.decode() for h in records[0]]
    return [dict(zip(header, (c.decode() for c in r))) for r in records[1:]]


def by_key(rows):
    """(SUBJECT_ID, CNT_ORDER) -> first row with a result for it, else first row."""
    out = {}
    for r in rows:
        key = (r["SUBJECT_ID"], r["CNT_ORDER"])
        if key not in out or (not out[key]["Date of Conviction"] and r["Date of Conviction"]):
            out[key] = r
    return out


def expect(row, **cells):
    for column, want in cells.items():
        column = COLUMN_ALIASES.get(column, column)
        H.checked += 1
        assert row[column] == want, "%s/%s %r: got %r, want %r" % (
            row["SUBJECT_ID"], row["CNT_ORDER"], column, row[column], want)


COLUMN_ALIASES = {
    "det": "Eligibility Determination", "reason": "Eligibility Reason",
    "case": "Case Number", "nconv": "# of convictions on record",
    "other": "Possible Other P64 Charges", "after": "Occurred after 11/9/2016",
    "superstrike": "Superstrike Code Section(s)", "pc290": "PC290 Code Section(s)",
    "registration": "PC290 Registration", "date": "Date of Conviction",
    "since": "Years Since This Conviction", "since_any": "Years Since Any Conviction",
    "np64": "# of Prop 64 convictions", "n57": "# of HS 11357 convictions",
    "n58": "# of HS 11358 convictions", "n59": "# of HS 11359 convictions",
    "n60": "# of HS 11360 convictions", "deceased": "Deceased",
}
D, R = "Eligible for Dismissal", "Eligible for Reduction"


def load_summary(path):
    with open(path) as f:
        return json.load(f)


def digest(folder):
    return {n: hashlib.sha256(open(os.path.join(folder, n), "rb").read()).hexdigest()
            for n in sorted(os.listdir(folder))}


# ---------------------------------------------------------------- tests


@test
def checks_spec_options():
    out = fresh_dir("checks_spec")
    t.check_rc(relief(["checks.csv"], "spec_options.json", out), 0)
    for name in BUNDLE:
        assert os.path.exists(os.path.join(out, name)), "missing " + name
    rows = by_key(read_rows(os.path.join(out, "All_Results.csv")))
    c1 = "101001001000"
    expect(rows[("1001", c1)], det=D, reason="Misdemeanor or Infraction", case="500100", nconv="1")
    expect(rows[("1002", c1)], det=D, reason="Dismiss all HS 11357 convictions", nconv="3",
           np64="3", n57="1", n59="1", n60="1", since_any="4.7")
    expect(rows[("1002", "102001001000")], det=D, reason="Dismiss all HS 11358 convictions")
    expect(rows[("1002", "103001001000")], det="", reason="", case="", nconv="")
    expect(rows[("1003", c1)], det=D, reason="21 years or younger", date="03/14/2010")
    expect(rows[("1004", c1)], det=D, reason="57 years or older")
    expect(rows[("1005", c1)], det=D, reason="Conviction occurred 10 or more years ago",
           since="10.0", date="11/11/2009")
    expect(rows[("1006", c1)], det=D, reason="Only has 11357-60 charges")
    expect(rows[("1007", c1)], det=D, reason="Individual is deceased", deceased="Deceased",
           after="N", since="3.0")
    expect(rows[("1008", c1)], det=R, reason="Reduce all HS 11360 convictions", after="Y",
           superstrike="187 PC;288 PC", pc290="288 PC", registration="Yes", since_any="2.9",
           nconv="3", np64="1", deceased="-")
    expect(rows[("1012", c1)], det=D, reason="21 years or younger", date="01/01/0001",
           since="-1.0", since_any="-1.0", after="N")
    expect(rows[("1013", c1)], det=D, reason="57 years or older")
    expect(rows[("1014", c1)], det=D, reason="21 years or younger")
    expect(rows[("1015", c1)], det=R, reason="Reduce all HS 11359 convictions")
    expect(rows[("1016", "101002001000")], det=D, case="111111; 222222", nconv="2",
           reason="Dismiss all HS 11358 convictions")
    expect(rows[("1016", "102002001000")], case="NULL  ")
    expect(rows[("1017", "101001001000")], other="11357(A) HS-POSS", det="")
    expect(rows[("1017", "101001002000")], other="11359 HS")
    expect(rows[("1017", "101001003000")], other="11357(C) HS")
    expect(rows[("1017", "101001004000")], other="")
    expect(rows[("1017", "101001005000")], other="11357(D)")
    expect(rows[("1017", "101001006000")], other="")
    expect(rows[("1017", "101002001000")], other="", reason="Dismiss all HS 11358 convictions")
    # The further sentence part of 1016 is not a conviction: no result on it.
    all_rows = read_rows(os.path.join(out, "All_Results.csv"))
    parts = [r for r in all_rows if r["SUBJECT_ID"] == "1016" and r["CNT_ORDER"] == "101002001000"]
    assert [r["Eligibility Determination"] for r in parts] == [D, ""], parts
    assert len(read_rows(os.path.join(out, "Prop64_Results.csv"))) == 18
    s = load_summary(os.path.join(out, "summary.json"))
    want = {"county": COUNTY, "earliestConviction": "0001-01-01T00:00:00Z", "lineCount": 36,
            "prop64ConvictionsCountInCountyByCodeSection": {"11357": 1, "11358": 3, "11359": 10, "11360": 4},
            "convictionDismissalCountByCodeSection": {"11357": 1, "11358": 3},
            "convictionReductionCountByCodeSection": {"11359": 1, "11360": 1},
            "prop64FelonyConvictionsCountInCounty": 17, "prop64NonFelonyConvictionsCountInCounty": 1,
            "subjectsWithProp64ConvictionCountInCounty": 16, "subjectsWithSomeReliefCount": 16}
    for k, v in want.items():
        H.checked += 1
        assert s.get(k) == v, "summary %s: got %r, want %r" % (k, s.get(k), v)
    same_as_oracle(out, ["checks.csv"], "spec_options.json")


@test
def checks_narrow_options():
    out = fresh_dir("checks_narrow")
    t.check_rc(relief(["checks.csv"], "narrow_options.json", out), 0)
    rows = by_key(read_rows(os.path.join(out, "Prop64_Results.csv")))
    c1 = "101001001000"
    expect(rows[("1010", c1)], det=D, reason="No convictions in the past 5 years")
    expect(rows[("1011", c1)], det="", reason="")  # a result row with no determination
    expect(rows[("1008", c1)], det=R, reason="Reduce all HS 11360 convictions")
    expect(rows[("1001", c1)], det=D, reason="Misdemeanor or Infraction")
    s = load_summary(os.path.join(out, "summary.json"))
    assert s["convictionDismissalCountByCodeSection"] == {}, s
    # 1008 and 1002's "11360 11358 HS" (1002's latest conviction, in another
    # county, is 2015: not crime free for 5 years)
    assert s["convictionReductionCountByCodeSection"] == {"11360": 2}, s
    same_as_oracle(out, ["checks.csv"], "narrow_options.json")


@test
def checks_all_false_options():
    out = fresh_dir("checks_all_false")
    t.check_rc(relief(["checks.csv"], "all_false_options.json", out), 0)
    rows = by_key(read_rows(os.path.join(out, "Prop64_Results.csv")))
    expect(rows[("1003", "101001001000")], det="", reason="")
    same_as_oracle(out, ["checks.csv"], "all_false_options.json")


@test
def checks_reordered_options():
    out = fresh_dir("checks_reordered")
    t.check_rc(relief(["checks.csv"], "reordered_options.json", out), 0)
    rows = by_key(read_rows(os.path.join(out, "Prop64_Results.csv")))
    expect(rows[("1007", "101001001000")], det=D, reason="40 years or older")
    expect(rows[("1002", "102001001000")], det=D, reason="Dismiss all HS 11358 convictions")
    same_as_oracle(out, ["checks.csv"], "reordered_options.json")


@test
def header_variants_give_one_bundle():
    outs = []
    for name in ("small_header.csv", "small_no_header.csv", "small_extra_comma.csv"):
        out = fresh_dir("hdr_" + name)
        t.check_rc(relief([name], "spec_options.json", out), 0)
        outs.append(out)
    for other in outs[1:]:
        cmp = compare.compare_dirs(outs[0], other)
        H.checked += cmp.cells
        assert cmp.differences == 0, "\n".join(cmp.lines)
    s = load_summary(os.path.join(outs[0], "summary.json"))
    assert s["lineCount"] == 3 and s["earliestConviction"] == "1979-06-01T00:00:00Z", s
    same_as_oracle(outs[0], ["small_header.csv"], "spec_options.json")


@test
def crlf_and_quoting():
    out = fresh_dir("crlf")
    t.check_rc(relief(["crlf_quoted.csv"], "spec_options.json", out), 0)
    data = open(os.path.join(out, "All_Results.csv"), "rb").read()
    assert b"\r" not in data, "CR left in the output"
    assert b'"SAID ""HI""\nTWICE"' in data, "comment with quote and line break not re-quoted"
    assert b",CONVICTED-JAIL," in data and b'"CONVICTED-JAIL"' not in data, "needless quotes kept"
    assert b',"   ",' in data, "a field of spaces must be quoted"
    assert b'"SOLO,HAN"' in data
    rows = read_rows(os.path.join(out, "All_Results.csv"))
    assert len(rows) == 2, len(rows)
    expect(rows[1], det=D, reason="Misdemeanor or Infraction", case="   ")
    same_as_oracle(out, ["crlf_quoted.csv"], "spec_options.json")


@test
def earliest_is_wall_clock_without_prop64():
    out = fresh_dir("noprop64")
    t.check_rc(relief(["no_prop64.csv"], "spec_options.json", out), 0)
    s = load_summary(os.path.join(out, "summary.json"))
    value = s["earliestConviction"]
    today = {datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
             datetime.datetime.now().strftime("%Y-%m-%d")}
    assert value[:10] in today, "earliestConviction %r is not the wall clock" % value
    assert len(read_rows(os.path.join(out, "Prop64_Results.csv"))) == 0
    same_as_oracle(out, ["no_prop64.csv"], "spec_options.json")


@test
def unicode_blank_offense_uses_comment():
    out = fresh_dir("unicode_blank")
    t.check_rc(relief(["unicode_blank.csv"], "spec_options.json", out), 0)
    rows = by_key(read_rows(os.path.join(out, "All_Results.csv")))
    # the only conviction is Prop 64, and the spec options dismiss those first
    expect(rows[("5001", "101001001000")], det=D, reason="Only has 11357-60 charges", other="")
    expect(rows[("5002", "101001001000")], det=D, reason="Dismiss all HS 11357 convictions", other="")
    same_as_oracle(out, ["unicode_blank.csv"], "spec_options.json")


@test
def multi_file_naming_and_sums():
    out = fresh_dir("multi")
    t.check_rc(relief(["checks.csv", "small_header.csv"], "spec_options.json", out), 0)
    names = sorted(os.listdir(out))
    want = sorted(["All_Results_1.csv", "All_Results_2.csv", "All_Results_Condensed_1.csv",
                   "All_Results_Condensed_2.csv", "Prop64_Results_1.csv", "Prop64_Results_2.csv",
                   "summary.json", "report.html", "report.pdf", "manifest.json"])
    assert names == want, names
    s = load_summary(os.path.join(out, "summary.json"))
    assert s["lineCount"] == 39, s["lineCount"]
    # The running 0001-01-01 is unknown, so the second file's date replaces it.
    assert s["earliestConviction"] == "1979-06-01T00:00:00Z", s["earliestConviction"]
    assert s["convictionDismissalCountByCodeSection"] == {"11357": 1, "11358": 4}, s
    same_as_oracle(out, ["checks.csv", "small_header.csv"], "spec_options.json")


@test
def multi_file_earliest_order():
    out = fresh_dir("multi_rev")
    t.check_rc(relief(["small_header.csv", "checks.csv"], "spec_options.json", out), 0)
    s = load_summary(os.path.join(out, "summary.json"))
    assert s["earliestConviction"] == "0001-01-01T00:00:00Z", s["earliestConviction"]
    same_as_oracle(out, ["small_header.csv", "checks.csv"], "spec_options.json")


@test
def suffix_naming():
    out = fresh_dir("suffix")
    t.check_rc(relief(["small_header.csv"], "spec_options.json", out, suffix="S"), 0)
    want = sorted(["All_Results_S.csv", "All_Results_Condensed_S.csv", "Prop64_Results_S.csv",
                   "summary_S.json", "report_S.html", "report_S.pdf", "manifest_S.json"])
    assert sorted(os.listdir(out)) == want, sorted(os.listdir(out))
    same_as_oracle(out, ["small_header.csv"], "spec_options.json", suffix="S")
    out = fresh_dir("suffix_multi")
    t.check_rc(relief(["small_header.csv", "no_prop64.csv"], "spec_options.json", out, suffix="S"), 0)
    names = sorted(os.listdir(out))
    for n in ("All_Results_1_S.csv", "All_Results_2_S.csv", "Prop64_Results_2_S.csv", "summary_S.json",
              "report_S.html", "report_S.pdf"):
        assert n in names, (n, names)
    assert not [n for n in names if n.startswith("report") and "_S." not in n], names  # one report
    same_as_oracle(out, ["small_header.csv", "no_prop64.csv"], "spec_options.json", suffix="S")


@test
def thread_counts_give_identical_bytes():
    outs = []
    for threads in (1, 4):
        out = fresh_dir("threads%d" % threads)
        t.check_rc(relief(["checks.csv"], "spec_options.json", out,
                        extra=["--threads=%d" % threads]), 0)
        d = digest(out)
        for timed in ("summary.json", "report.html", "report.pdf", "manifest.json"):  # hold timings
            d.pop(timed)
        outs.append(d)
    assert outs[0] == outs[1], "outputs differ between --threads=1 and --threads=4"


def gogen_link():
    link_dir = fresh_dir("gogen_bin")
    link = os.path.join(link_dir, "gogen")
    os.symlink(os.path.abspath(RELIEF), link)
    return link


@test
def gogen_dropin_naming():
    link = gogen_link()
    out = fresh_dir("gogen")
    t.check_rc(relief(["checks.csv"], "spec_options.json", out, exe=link), 0)
    names = sorted(os.listdir(out))
    assert "gogen.json" in names and "summary.json" not in names, names
    same_as_oracle(out, ["checks.csv"], "spec_options.json", summary_name="gogen")
    out = fresh_dir("gogen_suffix")
    t.check_rc(relief(["checks.csv"], "spec_options.json", out, exe=link, suffix="S"), 0)
    assert "gogen_S.json" in os.listdir(out), os.listdir(out)


@test
def gogen_dropin_error_file():
    link = gogen_link()
    out = fresh_dir("gogen_err")
    result = relief(["bad_fieldcount.csv"], "spec_options.json", out, exe=link)
    t.check_rc(result, 2)
    err_path = os.path.join(out, "gogen.err")
    assert os.path.exists(err_path), os.listdir(out)
    errors = json.load(open(err_path))
    assert len(errors) == 1, errors
    (path, entry), = errors.items()
    assert path.endswith("bad_fieldcount.csv"), path
    assert entry.get("errorType") == "PARSING", entry
    assert entry.get("errorMessage"), entry
    for name in ("All_Results.csv", "gogen.json"):
        assert name not in os.listdir(out), os.listdir(out)


def bundle_names(folder):
    """Bundle files in a folder; an error file (DESIGN.md: "plus an error
    file", e.g. errors.json or gogen.err) is allowed on failure."""
    return [n for n in os.listdir(folder)
            if n.startswith(("All_Results", "Prop64_Results", "summary")) or n == "gogen.json"]


def bad_input_case(name, line_pattern):
    out = fresh_dir("bad_" + name)
    rc, _, err = relief([name], "spec_options.json", out)
    assert rc == 2, "exit status %d, want 2; stderr %r" % (rc, err)
    assert re.search(re.escape(name) + ":" + line_pattern, err), "stderr lacks file:line: %r" % err
    leftover = bundle_names(out)
    assert not leftover, "bundle files written on bad input: %r" % leftover
    # An earlier bundle in the folder stays byte-identical.
    keep = fresh_dir("keep_" + name)
    t.check_rc(relief(["small_header.csv"], "spec_options.json", keep), 0)
    before = digest(keep)
    rc, _, _ = relief([name], "spec_options.json", keep)
    assert rc == 2, rc
    after = {k: v for k, v in digest(keep).items() if k in before}
    assert before == after and all(k in digest(keep) for k in before), "earlier bundle changed"


@test
def bad_field_count_names_line_4():
    bad_input_case("bad_fieldcount.csv", "4(:|\\b)")


@test
def bad_unterminated_quote():
    bad_input_case("bad_quote.csv", "[0-9]+")


@test
def bad_multi_file_writes_nothing():
    out = fresh_dir("bad_multi")
    rc, _, err = relief(["small_header.csv", "bad_fieldcount.csv"], "spec_options.json", out)
    assert rc == 2, (rc, err)
    assert not bundle_names(out), os.listdir(out)


def bad_option_case(name, options, option):
    """A bad options file exits 1 with a message that names the option."""
    out = fresh_dir(name)
    rc, o, err = relief(["small_header.csv"], options, out)
    assert rc == 1, (rc, err)
    assert option in err + o, "message does not name the option: %r" % err


@test
def bad_option_age_30():
    bad_option_case("badopt_age", "bad_age_options.json", "subjectAgeThreshold")


@test
def bad_option_dismiss_section():
    bad_option_case("badopt_section", "bad_section_options.json", "dismiss")


@test
def bad_compute_at():
    for value in ("2019-02-30", "2019/11/11", "20191111", "2019-11-1", ""):
        out = fresh_dir("badcompute")
        rc, _, err = relief(["small_header.csv"], "spec_options.json", out, compute=value)
        assert rc == 1, "--compute-at=%r: exit status %d, want 1 (%s)" % (value, rc, err)


@test
def compute_at_leap_day():
    out = fresh_dir("leap")
    t.check_rc(relief(["checks.csv"], "spec_options.json", out, compute="2020-02-29"), 0)
    same_as_oracle(out, ["checks.csv"], "spec_options.json", compute="2020-02-29")


def start(args, work):
    global RELIEF
    RELIEF = args.relief


def main():
    return H.main(H.parser(__doc__), "relief-e2e-", start)


if __name__ == "__main__":
    sys.exit(main())
