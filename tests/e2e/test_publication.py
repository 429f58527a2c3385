#!/usr/bin/env python3
"""Publication integrity through the CLI (issue 11): a re-run replaces the
whole bundle (the previous manifest's files the new one does not replace are
removed, and nothing outside the folder or not a regular file), statewide
county folders are distinct and never a top-level output's name, statewide
person totals count each person once, `--redact` is refused with `--forms`,
relief's own CSVs neutralise formula-leading cells while the reference-format
files keep the input's bytes, and a second run into a folder another run is
writing is refused while the first publishes its whole bundle.

Usage: test_publication.py --relief PATH --gen PATH [--keep] [--only REGEX]
Ends with `N passed, M failed`; exit status 1 if M > 0.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools as t  # noqa: E402

csv.field_size_limit(1 << 30)
H = t.Harness()
case = H.case
A = None
WORK = None
LA = "LOS ANGELES"
NARROW = t.fixture("narrow_options.json")
COL_SUBJECT, COL_CII, COL_NAME, COL_RACE, COL_ORI_DESCR, COL_COUNTY, COL_COMMENT = 2, 11, 12, 22, 46, 48, 93
FORMULA = ("=", "+", "-", "@", "\t", "\r")
# (people, seed) of the two Los Angeles inputs the rerun cases share; the
# sanitizer build (RELIEF_TEST_SCALE=small) writes half as many motions
LA_A, LA_B = ((30, 21), (20, 22)) if t.SMALL else ((60, 21), (40, 22))


def gen(people, seed, name, counties=LA, extra=()):
    out = os.path.join(WORK, name)
    if not os.path.isdir(out):
        subprocess.run([A.gen, "--people", str(people), "--seed", str(seed), "--out", out,
                        "--counties", counties] + list(extra), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def la_input(people, seed):
    return os.path.join(gen(people, seed, "la_%d_%d" % (people, seed), extra=["--shape", "reference"]),
                        "LOS_ANGELES.dat")


def tree(folder):
    """Every file under folder (relative paths), hidden ones included."""
    return {os.path.relpath(os.path.join(d, n), folder) for d, _, fs in os.walk(folder) for n in fs}


def manifest_outputs(folder, name="manifest.json"):
    return {o["path"] for o in json.load(open(os.path.join(folder, name)))["outputs"]}


def ok(argv):
    rc, _, err, _ = t.run(argv)
    assert rc == 0, "exit %d: %s" % (rc, err[-500:])
    return err


def la_run(inputs, out, options=t.OPTIONS, extra=()):
    return t.run_args(A.relief, inputs, out, options=options, county=LA, extra=list(extra))


@case
def rerun_leaves_exactly_the_new_bundle():
    a, b = la_input(*LA_A), la_input(*LA_B)
    out = os.path.join(WORK, "rerun")
    ok(la_run([a, b], out, extra=["--forms", "--review-files"]))
    first = manifest_outputs(out)
    assert "All_Results_2.csv" in first and any(p.startswith("Court_Filings/") for p in first), sorted(first)[:8]
    ok(la_run([a], out, options=NARROW, extra=["--forms"]))
    second = manifest_outputs(out)
    gone = first - second
    assert "All_Results_2.csv" in gone and "Hand_Review_1.csv" in gone, sorted(gone)[:8]
    motions = lambda names: {p for p in names if p.startswith("Court_Filings/") and p.endswith(".pdf")
                             and not p.endswith("/all_motions.pdf")}
    assert motions(first) - motions(second), "the narrow policy should grant fewer motions"
    on_disk = tree(out)
    assert on_disk == second | {"manifest.json"}, sorted(on_disk ^ (second | {"manifest.json"}))[:8]
    # a run that writes no filings leaves no Court_Filings folder behind
    ok(la_run([a], out, options=NARROW))
    assert not os.path.exists(os.path.join(out, "Court_Filings")), os.listdir(out)
    assert tree(out) == manifest_outputs(out) | {"manifest.json"}
    return "%d files of the first run removed" % len(gone)


@case
def rerun_removes_only_regular_files_inside_the_folder():
    a = la_input(*LA_A)
    out = os.path.join(WORK, "planted")
    ok(la_run([a], out))
    outside = os.path.join(WORK, "outside.txt")
    open(outside, "w").write("not relief's")
    os.makedirs(os.path.join(out, "sub"))
    open(os.path.join(out, "sub", "keep.txt"), "w").write("x")
    os.symlink(outside, os.path.join(out, "link.csv"))
    open(os.path.join(out, "mine.txt"), "w").write("the user's")
    m = json.load(open(os.path.join(out, "manifest.json")))
    for p in ("../outside.txt", outside, "sub", "link.csv", "link.csv/../mine.txt", "./mine.txt"):
        m["outputs"].append({"path": p, "size": 1, "xxh3_128": "0" * 32})
    json.dump(m, open(os.path.join(out, "manifest.json"), "w"))
    ok(la_run([a], out))
    assert open(outside).read() == "not relief's"
    assert os.path.islink(os.path.join(out, "link.csv")), "a link listed in the manifest was removed"
    assert os.path.exists(os.path.join(out, "sub", "keep.txt")) and os.path.exists(os.path.join(out, "mine.txt"))


@case
def rerun_with_a_suffix_reads_its_own_manifest():
    a, b = la_input(*LA_A), la_input(*LA_B)
    out = os.path.join(WORK, "suffixed")
    ok(la_run([a, b], out, extra=["--file-name-suffix=S"]))
    ok(la_run([a, b], out))  # another suffix: a bundle of its own, kept
    ok(la_run([a], out, extra=["--file-name-suffix=S"]))
    names = set(os.listdir(out))
    assert "All_Results_2_S.csv" not in names and "All_Results_S.csv" in names, sorted(names)
    assert {"All_Results_1.csv", "All_Results_2.csv", "manifest.json", "report.html"} <= names, sorted(names)
    assert {"report_S.html", "report_S.pdf"} <= names and "report_1_S.html" not in names, sorted(names)


@case
def gogen_drop_in_keeps_earlier_files():
    a, b = la_input(*LA_A), la_input(*LA_B)
    out = os.path.join(WORK, "gogen")
    os.makedirs(os.path.join(WORK, "bin"), exist_ok=True)
    gogen = os.path.join(WORK, "bin", "gogen")  # the drop-in is relief called gogen
    if not os.path.exists(gogen):
        os.symlink(A.relief, gogen)
    ok(t.run_args(gogen, [a, b], out, county=LA))
    ok(t.run_args(gogen, [a], out, county=LA))
    assert "gogen.json" in os.listdir(out) and "manifest.json" not in os.listdir(out), os.listdir(out)
    assert "All_Results_2.csv" in os.listdir(out), "the drop-in should keep the reference's behaviour"


def crafted_rows(county_of_copy):
    """The fixture's rows once per county, each copy its own people."""
    header, rows = t.fixture_rows()
    lines = [t.row_bytes(header)]
    for k, county in enumerate(county_of_copy):
        for r in rows:
            r = list(r)
            r[COL_SUBJECT] = r[COL_SUBJECT] + b"%d" % k
            r[COL_CII] = r[COL_CII] + b"%d" % k
            r[COL_COUNTY] = county.encode()
            lines.append(t.row_bytes(r))
    return b"".join(lines)


@case
def statewide_county_folders_are_distinct():
    counties = ["SAN DIEGO", "SAN_DIEGO", "san diego", "manifest.json", "Court_Filings", ".relief.lock",
                "statewide_summary.json", "SAN_DIEGO_2"]
    inputs = os.path.join(WORK, "colliding")
    os.makedirs(inputs, exist_ok=True)
    open(os.path.join(inputs, "ALL.dat"), "wb").write(crafted_rows(counties))
    out = os.path.join(WORK, "colliding_out")
    ok([A.relief, "statewide", "--inputs=" + inputs, "--compute-at=" + t.COMPUTE,
        "--eligibility-options=" + t.OPTIONS, "--outputs=" + out, "--forms"])
    s = json.load(open(os.path.join(out, "statewide_summary.json")))
    folders = s["folders"]
    assert set(folders) == set(counties), sorted(folders)
    lowered = [f.lower() for f in folders.values()]
    assert len(set(lowered)) == len(counties), folders
    top = {"statewide_summary.json", "manifest.json", "report.html", "report.pdf", "Court_Filings", "errors.json"}
    assert not set(folders.values()) & top, folders
    assert not [f for f in folders.values() if f.startswith(".")], folders
    assert folders["SAN DIEGO"] == "SAN_DIEGO" and folders["SAN_DIEGO"] == "SAN_DIEGO_2", folders
    m = json.load(open(os.path.join(out, "manifest.json")))
    assert m["folders"] == folders
    for county, folder in folders.items():
        with open(os.path.join(out, folder, "Prop64_Results.csv"), newline="", encoding="latin-1") as f:
            rows = list(csv.reader(f))[1:]
        assert rows and {r[COL_COUNTY] for r in rows} == {county}, (county, folder)
        assert json.load(open(os.path.join(out, folder, "summary.json")))["county"] == county
        assert os.path.isfile(os.path.join(out, "Court_Filings", folder, "court_list.csv")), folder
    assert tree(out) == manifest_outputs(out) | {"manifest.json"}, sorted(tree(out) ^ manifest_outputs(out))[:6]
    return "%d counties" % len(folders)


@case
def statewide_totals_count_each_person_once():
    data = gen(2000, 11, "statewide_2000", counties="all", extra=["--second-county-rate", "0.3"])
    out = os.path.join(WORK, "statewide_out")
    ok([A.relief, "statewide", "--inputs=" + data, "--compute-at=" + t.COMPUTE,
        "--eligibility-options=" + t.OPTIONS, "--outputs=" + out])
    s = json.load(open(os.path.join(out, "statewide_summary.json")))
    totals = s["totals"]
    prop64, relieved = set(), set()
    for county, folder in s["folders"].items():
        with open(os.path.join(out, folder, "Prop64_Results.csv"), newline="", encoding="latin-1") as f:
            rows = csv.reader(f)
            head = next(rows)
            det = head.index("Eligibility Determination")
            for r in rows:
                prop64.add(r[COL_CII].strip())
                if r[det] in ("Eligible for Dismissal", "Eligible for Reduction"):
                    relieved.add(r[COL_CII].strip())
    summed = sum(c["subjectsWithProp64ConvictionCountInCounty"] for c in s["counties"].values())
    assert summed > len(prop64), "the data set should have people convicted in two counties"
    assert totals["subjectsWithProp64ConvictionCountInCounty"] == len(prop64), (totals, len(prop64))
    assert totals["subjectsWithSomeReliefCount"] == len(relieved), (totals["subjectsWithSomeReliefCount"], len(relieved))
    for key in ("reliefWithCurrentEligibilityChoices", "reliefWithDismissAllProp64"):
        for count, n in totals[key].items():
            assert 0 <= n <= totals["subjectsWithProp64ConvictionCountInCounty"] <= s["people"], (key, count, n)
    # conviction counts still add up over counties
    felonies = sum(c["prop64FelonyConvictionsCountInCounty"] for c in s["counties"].values())
    assert totals["prop64FelonyConvictionsCountInCounty"] == felonies
    return "%d people, %d with a Prop 64 conviction (counties add up to %d)" % (s["people"], len(prop64), summed)


@case
def redact_with_forms_is_refused():
    out = os.path.join(WORK, "redact_forms")
    key = os.path.join(WORK, "key")
    open(key, "wb").write(b"k" * 32)
    rc, _, err, _ = t.run(t.run_args(A.relief, [t.fixture("small_header.csv")], out,
                                     extra=["--forms", "--redact", "--redact-key=" + key]))
    assert rc == 1, (rc, err)
    assert "--redact cannot be combined with --forms: court motions must name the person" in err, err
    assert not [n for n in os.listdir(out) if n != "errors.json"] if os.path.isdir(out) else True
    rc, help_text, _, _ = t.run([A.relief, "run", "--help"])
    assert "--forms" in help_text and "must name the person" in help_text, help_text[-800:]


@case
def own_csvs_neutralise_formulas():
    header, rows = t.fixture_rows()
    cells = {COL_NAME: b'=HYPERLINK("http://example.invalid","x")', COL_COMMENT: b"+1",
             COL_ORI_DESCR: b"-2", COL_RACE: b"@SUM(A1)"}
    crafted = []
    for r in rows:
        r = list(r)
        for col, v in cells.items():
            r[col] = v
        crafted.append(r)
    inp = os.path.join(WORK, "formula.csv")
    open(inp, "wb").write(t.row_bytes(header) + b"".join(t.row_bytes(r) for r in crafted))
    out = os.path.join(WORK, "formula_out")
    ok(t.run_args(A.relief, [inp], out, extra=["--forms", "--review-files"]))

    def read(path):
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.reader(f))
    # the reference-format files keep the input's bytes
    for name in ("All_Results.csv", "Prop64_Results.csv"):
        body = read(os.path.join(out, name))[1:]
        assert body and all(r[COL_NAME] == cells[COL_NAME].decode() for r in body), name
    checked = 0
    own = ["Prop64_Results_Extended.csv", "Hand_Review.csv"]
    own += [os.path.join("Court_Filings", "SACRAMENTO", "court_list.csv")]
    for name in own:
        table = read(os.path.join(out, name))
        for r in table:
            for c in r:
                assert not c.startswith(FORMULA), "%s: a cell starts with %r" % (name, c[:1])
                checked += 1
        if name != "Hand_Review.csv":
            assert len(table) > 1, name
            flat = {c for r in table for c in r}
            assert "'" + cells[COL_NAME].decode() in flat, name
    ext = read(os.path.join(out, "Prop64_Results_Extended.csv"))[1]
    assert [ext[c] for c in (COL_COMMENT, COL_ORI_DESCR, COL_RACE)] == ["'+1", "'-2", "'@SUM(A1)"], ext[:30]
    return "%d cells" % checked


@case
def second_run_into_a_busy_folder_is_refused():
    big = os.path.join(gen(4000, 31, "la_slow", extra=["--shape", "reference"]), "LOS_ANGELES.dat")
    small = la_input(*LA_B)
    out = os.path.join(WORK, "busy")
    os.makedirs(out, exist_ok=True)
    first = subprocess.Popen(la_run([big], out, extra=["--threads=1"]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not os.path.exists(os.path.join(out, ".relief.lock")) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert first.poll() is None, "the first run ended before the test could race it"
    rc, _, err, _ = t.run(la_run([small], out))
    still_running = first.poll() is None
    _, first_err = first.communicate(timeout=600)
    assert still_running, "the first run ended before the second was refused"
    assert rc == 3, (rc, err)
    assert "another relief run" in err, err
    assert first.returncode == 0, first_err.decode()[-500:]
    listed = manifest_outputs(out)
    m = json.load(open(os.path.join(out, "manifest.json")))
    for o in m["outputs"]:
        assert os.path.getsize(os.path.join(out, o["path"])) == o["size"], o["path"]
    left = tree(out) - listed - {"manifest.json"}
    assert not left, sorted(left)
    assert json.load(open(os.path.join(out, "summary.json")))["lineCount"] > 0
    return "%d files published" % len(listed)


def start(args, work):
    global A, WORK
    A, WORK = args, work


def main():
    ap = H.parser(__doc__, ("relief", "gen"))
    return H.main(ap, "relief-publication-", start)


if __name__ == "__main__":
    sys.exit(main())
