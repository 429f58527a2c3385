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
import sqlite3
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools  # noqa: E402

csv.field_size_limit(1 << 30)
TESTS = []
# the sanitizer build (RELIEF_TEST_SCALE=small) files for fewer people: still
# Pasadena's cases, unknown charges and convictions after 2016 among them
PEOPLE = "700" if e2etools.SMALL else "1500"


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
        # after 11/08/2016 (Prop 64) is filed only once a reviewer checked it
        return not (len(d) == 8 and d.isdigit()) or d > "20161108"
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
                                     "Conviction Dates", "Filed", "Granted", "Reported to DOJ",
                                     "Order", "Order Date"], court[0].keys()
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
        sh([gen, "--people", PEOPLE, "--seed", "5", "--out", self.data])
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


# ---- filing by agency, from a review (issue 21) ----

DA = {"office": "Los Angeles County District Attorney", "agency": "district-attorney",
      "attorney": "Sam T. Ochoa", "barNumber": "654321", "address": ["211 W Temple St", "Los Angeles, CA 90012"],
      "phone": "(213) 555-0199", "email": "", "signature": "/s/ Sam T. Ochoa"}
PASADENA = {"office": "Pasadena City Prosecutor", "agency": "city-prosecutor", "attorney": "Dana Q. Reyes",
            "barNumber": "123456", "address": ["100 N Garfield Ave", "Pasadena, CA 91101"],
            "phone": "(626) 555-0100", "email": "", "signature": "/s/ Dana Q. Reyes"}
AGENCIES = {"District Attorney": ("District_Attorney", DA), "Pasadena City Prosecutor": ("Pasadena_City_Prosecutor", PASADENA)}


def relief_ok(env, *args):
    rc, out, err, _ = e2etools.run([env.relief, *args])
    assert rc == 0, f"{args[:2]} exited {rc}: {err[-1500:]}"
    return out, err


def review_bundle(env):
    """A Los Angeles bundle with --review-files, reviewed by two agencies
    (Pasadena's court to the city prosecutor): every item approved but the
    convictions dated after 11/08/2016, which stay pending."""
    if getattr(env, "reviewed", None):
        return env.reviewed
    out = os.path.join(env.tmp, "reviewed")
    relief_ok(env, "run", f"--input-doj={os.path.join(env.data, 'LOS_ANGELES.dat')}", "--county=LOS ANGELES",
              "--compute-at=2019-11-11", f"--eligibility-options={env.options}", f"--outputs={out}", "--review-files")
    routing = os.path.join(env.tmp, "routing.json")
    json.dump({"default": "District Attorney", "routes": [{"agency": "Pasadena City Prosecutor",
                                                           "court": "PASADENA"}]}, open(routing, "w"))
    relief_ok(env, "review", "init", f"--outputs={out}", f"--routing={routing}")
    sheets = os.path.join(env.tmp, "sheets")
    relief_ok(env, "review", "export", f"--outputs={out}", f"--to={sheets}")
    names = sorted(os.listdir(sheets))
    assert names == ["District_Attorney.csv", "Pasadena_City_Prosecutor.csv"], names
    for name in names:
        path = os.path.join(sheets, name)
        table = list(csv.reader(open(path, newline="", encoding="utf-8")))
        for r in table[1:]:
            if not r[9].startswith("conviction after"):
                r[10] = "Approve"
        csv.writer(open(path, "w", newline="", encoding="utf-8")).writerows(table)
    relief_ok(env, "review", "import", f"--outputs={out}", "--reviewer=tester",
              *[os.path.join(sheets, n) for n in names])
    for agency, (_, profile) in AGENCIES.items():
        path = os.path.join(env.tmp, agency.replace(" ", "_") + ".json")
        json.dump(profile, open(path, "w"))
    env.reviewed = out
    return out


def approved_items(out):
    with sqlite3.connect(os.path.join(out, "review.sqlite")) as c:
        return c.execute("SELECT i.id, i.kind, i.agency, i.reason, i.court FROM items i WHERE (SELECT decision FROM"
                         " decisions WHERE item = i.id ORDER BY id DESC LIMIT 1) = 'Approve'").fetchall()


def filer_set(env, out, agency):
    relief_ok(env, "review", "filer", "set", f"--outputs={out}", f"--agency={agency}",
              os.path.join(env.tmp, agency.replace(" ", "_") + ".json"))


def filed_counts(err):
    m = re.search(r"of (\d+) approved item\(s\): (\d+) in a motion, (\d+) listed in not_filed.csv", err)
    assert m, err
    return tuple(int(g) for g in m.groups())


@test
def an_agency_without_a_filer_profile_is_refused_while_the_other_files(env):
    out = review_bundle(env)
    filer_set(env, out, "Pasadena City Prosecutor")
    rc, _, err, _ = e2etools.run([env.relief, "filings", f"--outputs={out}"])
    assert rc == 1 and "'District Attorney'" in err and "no filer profile" in err, (rc, err)
    assert os.path.isdir(os.path.join(out, "Court_Filings", "Pasadena_City_Prosecutor", "LOS_ANGELES"))
    assert not os.path.exists(os.path.join(out, "Court_Filings", "District_Attorney", "LOS_ANGELES"))
    refused = rows(os.path.join(out, "Court_Filings", "District_Attorney", "not_filed.csv"))
    n_da = sum(1 for i in approved_items(out) if i[2] == "District Attorney")
    assert len(refused) == n_da > 0 and all("no filer profile" in r["Reason"] for r in refused)
    # --filer signs for one agency: with two, it names which
    rc, _, err, _ = e2etools.run([env.relief, "filings", f"--outputs={out}",
                                  f"--filer={os.path.join(env.tmp, 'District_Attorney.json')}"])
    assert rc == 1 and "--agency" in err, (rc, err)
    return len(refused)


@test
def two_agencies_file_at_once_each_under_its_own_filer(env):
    out = review_bundle(env)
    for agency in AGENCIES:
        filer_set(env, out, agency)
    # a motion of an earlier, one-folder filing must not linger beside the agencies'
    stale = os.path.join(out, "Court_Filings", "LOS_ANGELES")
    os.makedirs(stale, exist_ok=True)
    open(os.path.join(stale, "stale.pdf"), "w").write("x")
    rc, _, err, _ = e2etools.run([env.relief, "filings", f"--outputs={out}"])
    assert rc == 0, err
    # --agency files one agency and leaves the other's folder as it was
    da_list = os.path.join(out, "Court_Filings", "District_Attorney", "LOS_ANGELES", "court_list.csv")
    before = open(da_list, "rb").read()
    _, err1 = relief_ok(env, "filings", f"--outputs={out}", "--agency=Pasadena City Prosecutor")
    assert "1 agency" in err1 and open(da_list, "rb").read() == before
    checked = 0
    for agency, (folder, profile) in AGENCIES.items():
        county = os.path.join(out, "Court_Filings", folder, "LOS_ANGELES")
        court = rows(os.path.join(county, "court_list.csv"))
        assert court, agency
        if agency == "Pasadena City Prosecutor":  # routed by court: only Pasadena's cases
            assert {r["Court"] for r in court} == {"CASC PASADENA"}, {r["Court"] for r in court}
        else:
            assert "CASC PASADENA" not in {r["Court"] for r in court}
        other = next(p for a, (_, p) in AGENCIES.items() if a != agency)
        for r in court[:: max(1, len(court) // 4)]:
            text = sh(["pdftotext", "-layout", os.path.join(county, r["File"]), "-"]).stdout
            assert profile["office"] in text and f"{profile['attorney']}, State Bar No. {profile['barNumber']}" in text
            assert other["office"] not in text and other["attorney"] not in text, r["File"]
            checked += 1
    # nothing of the old one-folder layout, and names never printed
    assert sorted(os.listdir(os.path.join(out, "Court_Filings"))) == sorted(f for f, _ in AGENCIES.values())
    names = {r["PRI_NAME"] for r in rows(os.path.join(out, "Prop64_Results.csv"))}
    assert not any(n and n in err for n in names), "a name was printed"
    return checked


@test
def every_approved_item_is_in_a_motion_or_in_not_filed(env):
    out = review_bundle(env)
    for agency in AGENCIES:
        filer_set(env, out, agency)
    rc, _, err, _ = e2etools.run([env.relief, "filings", f"--outputs={out}"])
    assert rc == 0, err
    approved = approved_items(out)
    total, filed, not_filed = filed_counts(err)
    assert total == len(approved) == filed + not_filed, (total, filed, not_filed, len(approved))
    listed = []
    for agency, (folder, _) in AGENCIES.items():
        nf = rows(os.path.join(out, "Court_Filings", folder, "not_filed.csv"))
        assert all(r["Agency"] == agency for r in nf)
        listed += nf
    assert len(listed) == not_filed
    assert list(listed[0].keys()) == ["Item", "Agency", "Case Number", "Reason"], listed[0].keys()
    # an approved hand-review item (unknown charge) is named, with its reason in words
    unknown = [i for i in approved if i[1] == "hand_review" and i[3].startswith("charge unknown")]
    assert unknown, "the data set has no unknown charge to approve"
    by_item = {r["Item"]: r["Reason"] for r in listed}
    for i in unknown:
        assert by_item.get(i[0]) == "charge unknown: enter the charge before filing", i[0]
    # the motions hold the other approved items, one motion per approved relief item here
    motions = sum(len(rows(os.path.join(out, "Court_Filings", f, "LOS_ANGELES", "court_list.csv")))
                  for f, _ in AGENCIES.values())
    assert motions == filed == sum(1 for i in approved if i[1] == "relief" and i[0] not in by_item)
    return total


@test
def a_conviction_after_2016_is_never_filed_silently(env):
    out = review_bundle(env)
    for agency in AGENCIES:
        filer_set(env, out, agency)
    relief_ok(env, "filings", f"--outputs={out}")

    def count_dates():
        dates = []
        for f, _ in AGENCIES.values():
            for c in rows(os.path.join(out, "Court_Filings", f, "LOS_ANGELES", "court_counts.csv")):
                m, d, y = c["Conviction Date"].split("/")
                dates.append((y + m + d, c["Case Number"]))
        return dates
    late = [d for d in count_dates() if d[0] > "20161108"]
    assert not late, late[:3]
    # the review item and the Extended file say why
    with sqlite3.connect(os.path.join(out, "review.sqlite")) as c:
        held = c.execute("SELECT id, case_number FROM items WHERE kind='hand_review' AND reason LIKE"
                         " 'conviction after 11/08/2016%'").fetchall()
    assert held
    ext = rows(os.path.join(out, "Prop64_Results_Extended.csv"))
    flagged = [r for r in ext if r["Filing Check"].startswith("conviction after")]
    assert flagged and all(r["Date of Conviction"][-4:] + r["Date of Conviction"][:2] + r["Date of Conviction"][3:5]
                           > "20161108" for r in flagged)
    # approved with the facts checked, it is filed
    item, case = held[0]
    sheets = os.path.join(env.tmp, "sheets")
    for name in os.listdir(sheets):
        path = os.path.join(sheets, name)
        table = list(csv.reader(open(path, newline="", encoding="utf-8")))
        keep = [table[0]] + [r for r in table[1:] if r[0] == item]
        if len(keep) == 2:
            keep[1][10] = "Approve"
            one = os.path.join(env.tmp, "one.csv")
            csv.writer(open(one, "w", newline="", encoding="utf-8")).writerows(keep)
    relief_ok(env, "review", "import", f"--outputs={out}", "--reviewer=tester", one)
    relief_ok(env, "filings", f"--outputs={out}")
    late = [d for d in count_dates() if d[0] > "20161108"]
    assert late and all(d[1] == case or case in d[1].split("; ") for d in late), (late, case)
    return len(flagged)


@test
def caption_names_the_courthouse_and_the_defendant_last_first(env):
    out = review_bundle(env)
    for agency in AGENCIES:
        filer_set(env, out, agency)
    relief_ok(env, "filings", f"--outputs={out}")
    county = os.path.join(out, "Court_Filings", "Pasadena_City_Prosecutor", "LOS_ANGELES")
    checked = 0
    for r in rows(os.path.join(county, "court_list.csv"))[:5]:
        text = sh(["pdftotext", "-layout", os.path.join(county, r["File"]), "-"]).stdout
        assert "COURTHOUSE: CASC PASADENA" in text, r["File"]
        last, first = r["PRI_NAME"].split(",", 1)  # the record's "LAST,FIRST MIDDLE"
        assert f"DEFENDANT: {last.strip()}, {first.strip()}" in text, r["File"]
        assert r["PRI_NAME"] not in text or ", " in r["PRI_NAME"], r["File"]
        checked += 1
    return checked


@test
def a_redacted_bundle_is_refused(env):
    out = os.path.join(env.tmp, "redacted")
    key = os.path.join(env.tmp, "redact.key")
    with open(key, "wb") as f:
        f.write(os.urandom(32))
    relief_ok(env, "run", f"--input-doj={os.path.join(env.data, 'ALPINE.dat')}", "--county=ALPINE",
              "--compute-at=2019-11-11", f"--eligibility-options={env.options}", f"--outputs={out}", "--redact",
              f"--redact-key={key}")
    filer = os.path.join(env.tmp, "District_Attorney.json")
    json.dump(DA, open(filer, "w"))
    rc, _, err, _ = e2etools.run([env.relief, "filings", f"--outputs={out}", f"--filer={filer}"])
    assert rc == 1 and "--redact" in err, (rc, err)
    assert not os.path.exists(os.path.join(out, "Court_Filings"))
    return 1


@test
def agencies_sharing_a_folder_are_refused(env):
    """Two agencies whose names make one Court_Filings/ folder would file into
    it together, and --agency for one would replace the other's motions."""
    out = os.path.join(env.tmp, "shared-folder")
    relief_ok(env, "run", f"--input-doj={os.path.join(env.data, 'LOS_ANGELES.dat')}", "--county=LOS ANGELES",
              "--compute-at=2019-11-11", f"--eligibility-options={env.options}", f"--outputs={out}", "--review-files")
    routing = os.path.join(env.tmp, "routing-shared.json")
    json.dump({"default": "Pasadena City Prosecutor", "routes": [{"agency": "Pasadena City/Prosecutor",
                                                                  "court": "PASADENA"}]}, open(routing, "w"))
    relief_ok(env, "review", "init", f"--outputs={out}", f"--routing={routing}")
    rc, _, err, _ = e2etools.run([env.relief, "filings", f"--outputs={out}"])
    assert rc == 1 and "would file into the same folder" in err, (rc, err[-500:])
    assert not os.path.exists(os.path.join(out, "Court_Filings")), os.listdir(out)
    return 1


@test
def a_filer_profile_is_read_once(env):
    """review filer set keeps the bytes it checked: a FIFO (a file that could
    change between a check and a second read) is refused, nothing stored."""
    out = review_bundle(env)
    fifo = os.path.join(env.tmp, "filer.fifo")
    os.mkfifo(fifo)
    rc, _, err, _ = e2etools.run([env.relief, "review", "filer", "set", f"--outputs={out}",
                                  "--agency=District Attorney", fifo], timeout=30)
    assert rc != 0 and "regular file" in err, (rc, err)
    return 1


def main():
    sys.exit(e2etools.env_main(TESTS, Env, "values"))


if __name__ == "__main__":
    main()
