#!/usr/bin/env python3
"""End-to-end tests of the court filings and impact report of a run and a
statewide run: one motion per person per court case with relief, the court
list matching the result files, pdftotext finding each sampled motion's case
number, CII number and surname, and every number in report.html equal to the
summary's."""
import csv
import datetime
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools  # noqa: E402

csv.field_size_limit(1 << 30)
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def sh(args):
    p = subprocess.run(args, capture_output=True, text=True)
    assert p.returncode == 0, f"{args[:2]} exited {p.returncode}: {p.stderr[-1500:]}"
    return p


def rows(path):
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        r = list(csv.DictReader(f))
    return r


def charge_or_date_unknown(r):
    """A count no motion carries: OFFENSE_DESCR blank, "-" or SEE COMMENT FOR
    CHARGE, or a conviction date (STP_EVENT_DATE) that is not a date."""
    if r["OFFENSE_DESCR"].strip() in ("", "-", "SEE COMMENT FOR CHARGE"):
        return True
    d = r["STP_EVENT_DATE"]
    try:
        datetime.datetime.strptime(d, "%Y%m%d")
        return not (len(d) == 8 and d.isdigit())
    except ValueError:
        return True


def expected_motions(prop64_rows):
    """(CII, step) pairs with a conviction eligible for dismissal or reduction
    whose charge and date are known."""
    keys = []
    for r in prop64_rows:
        if (r["Eligibility Determination"] in ("Eligible for Dismissal", "Eligible for Reduction")
                and not charge_or_date_unknown(r)):
            key = (r["CII_NUMBER"], r["SUBJECT_ID"], r["CNT_ORDER"][:6])
            if key not in keys:
                keys.append(key)
    return keys


def check_filings(folder, prop64_rows, sample=5):
    court = rows(os.path.join(folder, "court_list.csv"))
    assert list(court[0].keys()) == ["Motion", "County", "Case Number", "CII_NUMBER", "PRI_NAME",
                                     "PRI_DOB", "Counts", "Relief", "File", "Court", "Sections",
                                     "Conviction Dates", "Filed", "Granted", "Reported to DOJ"], court[0].keys()
    want = expected_motions(prop64_rows)
    assert len(court) == len(want), (len(court), len(want))
    pdfs = sorted(n for n in os.listdir(folder) if n.endswith(".pdf") and n != "all_motions.pdf")
    assert pdfs == sorted(r["File"] for r in court), "one PDF per motion, each named once"
    assert [r["Case Number"] for r in court] == sorted(r["Case Number"] for r in court), "not by case number"
    assert os.path.exists(os.path.join(folder, "all_motions.pdf"))
    for name in os.listdir(folder):
        assert os.stat(os.path.join(folder, name)).st_mode & 0o777 == 0o600, name
        assert re.fullmatch(r"[A-Za-z0-9-]+(_\d+)?(-x)*\.pdf|all_motions\.pdf|court_list\.csv|court_counts\.csv", name), name
    step = max(1, len(court) // sample)
    checked = 0
    for row in court[::step][:sample]:
        text = sh(["pdftotext", "-layout", os.path.join(folder, row["File"]), "-"]).stdout
        surname = row["PRI_NAME"].split(",")[0].strip()
        for needle in (row["CII_NUMBER"], surname, *[c.strip() for c in row["Case Number"].split(";")]):
            if needle:
                assert needle in text, f"{needle!r} not in {row['File']}"
                checked += 1
    combined = sh(["pdftotext", os.path.join(folder, "all_motions.pdf"), "-"]).stdout
    for row in court[:3]:
        assert row["PRI_NAME"].split(",")[0] in combined
    return checked + len(court)


def check_report(folder, summary):
    html = open(os.path.join(folder, "report.html"), encoding="utf-8").read()
    assert "http://" not in html and "https://" not in html
    shown = dict(re.findall(r'data-key="([^"]+)"[^>]*>([^<]*)<', html))
    checked = 0
    for pointer, text in shown.items():
        if not pointer.startswith("/summary/"):
            continue
        value = summary
        for part in pointer.split("/")[2:]:
            part = part.replace("~1", "/").replace("~0", "~")
            value = value[part]
        if isinstance(value, int):
            assert text.strip().replace(",", "") == str(value), (pointer, text, value)
            checked += 1
    for key in ("CountSubjectsNoFelony", "CountSubjectsNoConviction", "CountSubjectsNoConvictionLast7Years"):
        assert f'{summary["reliefWithCurrentEligibilityChoices"][key]:,}' in html, key
    assert checked >= 5, checked
    text = sh(["pdftotext", os.path.join(folder, "report.pdf"), "-"]).stdout
    assert f'{summary["subjectsWithSomeReliefCount"]:,}' in text, "headline figure not in report.pdf"
    return checked


class Env:
    def __init__(self, relief, gen, tmp):
        self.relief, self.tmp = relief, tmp
        self.data = os.path.join(tmp, "data")
        sh([gen, "--people", "1500", "--seed", "5", "--out", self.data])
        self.options = os.path.join(tmp, "options.json")
        json.dump({"baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
                   "additionalRelief": {"subjectUnder21AtConviction": True, "subjectAgeThreshold": 57,
                                        "yearsSinceConvictionThreshold": 10}}, open(self.options, "w"))


@test
def county_run_filings_and_report(env):
    out = os.path.join(env.tmp, "run")
    sh([env.relief, "run", f"--input-doj={os.path.join(env.data, 'LOS_ANGELES.dat')}", "--county=LOS ANGELES",
        "--compute-at=2019-11-11", f"--eligibility-options={env.options}", f"--outputs={out}", "--forms"])
    n = check_filings(os.path.join(out, "Court_Filings", "LOS_ANGELES"),
                      rows(os.path.join(out, "Prop64_Results.csv")))
    return n + check_report(out, json.load(open(os.path.join(out, "summary.json"))))


@test
def statewide_filings_and_report(env):
    out = os.path.join(env.tmp, "statewide")
    sh([env.relief, "statewide", f"--inputs={env.data}", "--compute-at=2019-11-11",
        f"--eligibility-options={env.options}", f"--outputs={out}", "--forms"])
    n = 0
    for county in ("LOS_ANGELES", "ALAMEDA", "SAN_DIEGO"):
        n += check_filings(os.path.join(out, "Court_Filings", county),
                           rows(os.path.join(out, county, "Prop64_Results.csv")), sample=2)
        # each county has its own report, with its own figures
        n += check_report(os.path.join(out, county), json.load(open(os.path.join(out, county, "summary.json"))))
    s = json.load(open(os.path.join(out, "statewide_summary.json")))
    s.update(s["totals"])  # the report's headline figures are the statewide totals
    html = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    for county, cs in list(s["counties"].items())[:10]:
        assert county.replace("&", "&amp;") in html, county
        assert f'{cs["subjectsWithProp64ConvictionCountInCounty"]:,}' in html, county  # 1,234
    return n + check_report(out, s)


@test
def gogen_drop_in_writes_no_extra_files(env):
    link = os.path.join(env.tmp, "gogen")
    if not os.path.exists(link):
        os.symlink(env.relief, link)
    out = os.path.join(env.tmp, "gogen_out")
    sh([link, "run", f"--input-doj={os.path.join(env.data, 'ALPINE.dat')}", "--county=ALPINE",
        "--compute-at=2019-11-11", f"--eligibility-options={env.options}", f"--outputs={out}"])
    assert sorted(os.listdir(out)) == ["All_Results.csv", "All_Results_Condensed.csv", "Prop64_Results.csv",
                                       "gogen.json"], os.listdir(out)
    return 1


def main():
    sys.exit(e2etools.env_main(TESTS, Env, "values"))


if __name__ == "__main__":
    main()
