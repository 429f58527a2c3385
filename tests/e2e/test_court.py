#!/usr/bin/env python3
"""End-to-end test of what follows the review (HS 11361.9): a Los Angeles
set from relief-gen routed to two agencies, some items denied with reasons
(a deny without one refused), filings with a challenge notice to the public
defender per agency, a generated court return granting some motions and
denying others, `relief court status`, DOJ told twice (the second time only
what is new), and one person's status.  Standard library only."""
import csv
import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools  # noqa: E402

csv.field_size_limit(1 << 30)
H = e2etools.Harness()
S = {}
AGENCIES = {"Felony Unit": "Felony_Unit", "Misdemeanor Unit": "Misdemeanor_Unit"}
FILERS = {
    "Felony Unit": {"office": "Los Angeles County District Attorney", "agency": "district-attorney",
                    "attorney": "Ada R. Quill", "barNumber": "234567",
                    "address": ["211 W. Temple St.", "Los Angeles, CA 90012"],
                    "phone": "(213) 555-0100", "email": "", "signature": "/s/ Ada R. Quill"},
    "Misdemeanor Unit": {"office": "Los Angeles City Attorney", "agency": "city-attorney",
                         "attorney": "Ben T. Okafor", "barNumber": "345678",
                         "address": ["200 N. Main St.", "Los Angeles, CA 90012"],
                         "phone": "(213) 555-0200", "email": "", "signature": "/s/ Ben T. Okafor"}}
GRANT1, GRANT2, DENY_DATE = "03/01/2027", "04/02/2027", "03/15/2027"


def relief(*args):
    rc, out, err, _ = e2etools.run([S["relief"], *args])
    return rc, out, err


def ok(*args):
    rc, out, err = relief(*args)
    assert rc == 0, f"{args[:2]} exited {rc}: {err[-800:]}"
    return out, err


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def dicts(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def db():
    return sqlite3.connect(os.path.join(S["out"], "review.sqlite"))


def folder(agency):
    return os.path.join(S["out"], "Court_Filings", AGENCIES[agency], "LOS_ANGELES")


def start(args, work):
    S["relief"], S["work"] = args.relief, work
    data = os.path.join(work, "data")
    # the sanitizer build (RELIEF_TEST_SCALE=small) files for fewer people: still
    # denied items, convictions after 2016 and cases with two of them
    people = "300" if e2etools.SMALL else "500"
    rc, _, err, _ = e2etools.run([args.gen, "--people", people, "--seed", "23", "--counties",
                                  "LOS ANGELES", "--out", data])
    assert rc == 0, err
    options = e2etools.write_json(os.path.join(work, "options.json"), {
        "baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]}})
    S["out"] = os.path.join(work, "out")
    rc, _, err, _ = e2etools.run(e2etools.run_args(args.relief, [os.path.join(data, "LOS_ANGELES.dat")],
                                                   S["out"], options, "LOS ANGELES",
                                                   extra=["--review-files"]))
    assert rc == 0, err
    routing = e2etools.write_json(os.path.join(work, "routing.json"), {
        "default": "Misdemeanor Unit", "routes": [{"agency": "Felony Unit", "felony": True}]})
    ok("review", "init", "--outputs=" + S["out"], "--routing=" + routing)
    to = os.path.join(work, "sheets")
    ok("review", "export", "--outputs=" + S["out"], "--to=" + to, "--format=csv")
    S["sheets"] = {a: read_csv(os.path.join(to, f + ".csv")) for a, f in AGENCIES.items()}
    for agency, profile in FILERS.items():
        path = e2etools.write_json(os.path.join(work, AGENCIES[agency] + "_filer.json"), profile)
        ok("review", "filer", "set", "--outputs=" + S["out"], "--agency=" + agency, path)


def relief_rows(sheet):
    with db() as c:
        relief_ids = {r[0] for r in c.execute("SELECT id FROM items WHERE kind='relief'")}
    return [i for i, r in enumerate(sheet[1:], 1) if r[0] in relief_ids]


REFERENCE = ("All_Results.csv", "All_Results_Condensed.csv", "Prop64_Results.csv",
             "Prop64_Results_Extended.csv", "Hand_Review.csv", "summary.json")


def digests():
    return {n: hashlib.sha256(open(os.path.join(S["out"], n), "rb").read()).hexdigest()
            for n in REFERENCE if os.path.exists(os.path.join(S["out"], n))}


def standing_figures(html):
    """The where-relief-stands figures of a page: JSON pointer -> number."""
    got = {}
    for key, text in re.findall(r'data-key="(/standing/[^"]+)"[^>]*>([^<]*)<', html):
        got[key.replace("&amp;", "&").replace("~1", "/").replace("~0", "~")] = int(text.replace(",", ""))
    return got


def read(name):
    return open(os.path.join(S["out"], name), encoding="utf-8").read()


@H.case
def the_runs_report_leaves_where_relief_stands_out():
    """Before the review's figures exist the report leaves the section out
    (a run knows nothing of a review), but carries its own source so that
    the section can be added later."""
    html = read("report.html")
    assert "where-relief-stands" not in html and not standing_figures(html), "a section before the review"
    assert "<!-- relief-report-source:" in html, "the report carries no source"
    S["digests"] = digests()
    assert "summary.json" in S["digests"] and "All_Results.csv" in S["digests"], S["digests"]
    return f"{len(S['digests'])} reference files kept"


@H.case
def a_deny_without_a_reason_is_refused():
    sheet = [list(r) for r in S["sheets"]["Felony Unit"]]
    k = relief_rows(sheet)[0]
    sheet[k][10], sheet[k][11] = "Deny", "  "
    path = os.path.join(S["work"], "no_reason.csv")
    write_csv(path, sheet)
    rc, _, err = relief("review", "import", "--outputs=" + S["out"], "--reviewer=ann", path)
    assert rc == 2 and "no_reason.csv" in err and f"row {k + 1}" in err and "Notes" in err, (rc, err)
    with db() as c:
        assert c.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 0


@H.case
def decisions_with_reasons_are_recorded():
    S["denied"] = {}
    paths = []
    for agency, sheet in S["sheets"].items():
        sheet = [list(r) for r in sheet]
        rows = relief_rows(sheet)
        assert len(rows) >= 12, (agency, len(rows))
        for n, k in enumerate(rows):
            if n % 5 == 1:
                reason = f"pending case in another county ({agency} {n})"
                sheet[k][10], sheet[k][11] = "Deny", reason
                S["denied"][sheet[k][0]] = (agency, reason)
            else:
                sheet[k][10] = "Approve"
        paths.append(os.path.join(S["work"], AGENCIES[agency] + "_decided.csv"))
        write_csv(paths[-1], sheet)
    out, _ = ok("review", "import", "--outputs=" + S["out"], "--reviewer=ann", *paths)
    assert "recorded" in out, out
    return f"{len(S['denied'])} denied"


def pdf_text(path):
    return subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                          check=True).stdout


@H.case
def filings_notice_challenges_to_the_public_defender():
    _, err = ok("filings", "--outputs=" + S["out"])
    assert f"{len(S['denied'])} challenge(s)" in err, err
    with db() as c:
        items = {r[0]: r[1:] for r in c.execute(
            "SELECT id, person, name, cii, case_number, agency FROM items")}
    for agency in AGENCIES:
        ch = os.path.join(folder(agency), "Challenges")
        rows = dicts(os.path.join(ch, "challenges.csv"))
        want = {i: r for i, (a, r) in S["denied"].items() if a == agency}
        assert {r["Item"]: r["Challenge Reason"] for r in rows} == want, (agency, rows[:2])
        assert all(r["Agency"] == agency and r["County"] == "LOS ANGELES" for r in rows)
        assert all(r["CII_NUMBER"] == items[r["Item"]][2] for r in rows)
        text = pdf_text(os.path.join(ch, "notice_to_public_defender.pdf"))
        pages = text.count("\f")
        people = {items[i][0] for i in want}
        assert pages == len(people), (agency, pages, len(people))
        assert text.count("NOTICE TO THE PUBLIC DEFENDER") == len(people)
        flat = re.sub(r"\s+", " ", text)
        for i, reason in want.items():
            assert reason in flat, (agency, reason)
            assert items[i][3].split("; ")[0] in flat, items[i][3]
        assert FILERS[agency]["office"] in flat and FILERS[agency]["signature"] in flat
        court = dicts(os.path.join(folder(agency), "court_list.csv"))
        assert list(court[0])[-2:] == ["Order", "Order Date"], list(court[0])
    S["court"] = {a: read_csv(os.path.join(folder(a), "court_list.csv")) for a in AGENCIES}
    motions = sum(len(r) - 1 for r in S["court"].values())
    with db() as c:
        filed = c.execute("SELECT COUNT(DISTINCT agency||cii||case_number) FROM filed").fetchone()[0]
        events = c.execute("SELECT COUNT(*) FROM events WHERE event='filed'").fetchone()[0]
        n_filed = c.execute("SELECT COUNT(*) FROM filed").fetchone()[0]
    assert filed == motions and events == n_filed >= motions, (filed, motions, events, n_filed)
    return f"{motions} motions, {len(S['denied'])} challenges"


@H.case
def filings_put_where_relief_stands_in_the_report():
    """`relief filings` republishes report.html and report.pdf whole, with the
    section's figures those of `relief court status --json` (read after the
    page, which court status would itself write again)."""
    html = read("report.html")
    shown = standing_figures(html)
    assert shown.get("/standing/total/filed", 0) > 0, "filings left the report without the section"
    s = json.loads(relief("court", "status", "--outputs=" + S["out"], "--json")[1])
    assert shown["/standing/total/filed"] == s["filed"] and shown["/standing/total/pending"] == s["filed"], (shown, s)
    for agency in AGENCIES:
        assert shown[f"/standing/byAgency/{agency}/filed"] == s["byAgency"][agency]["filed"], agency
    text = pdf_text(os.path.join(S["out"], "report.pdf"))
    assert "Where relief stands" in text and f'{s["filed"]:,}' in text, "report.pdf lacks the section"
    manifest = json.load(open(os.path.join(S["out"], "manifest.json")))
    sizes = {o["path"]: o["size"] for o in manifest["outputs"]}
    for name in ("report.html", "report.pdf"):
        assert sizes[name] == os.path.getsize(os.path.join(S["out"], name)), (name, "manifest not followed")
    assert digests() == S["digests"], "a reference file changed"
    return f'{s["filed"]} motions filed in the report'


def court_status():
    out, _ = ok("court", "status", "--outputs=" + S["out"], "--json")
    return json.loads(out)


@H.case
def a_court_return_naming_unknown_or_unfiled_items_is_refused():
    hdr = S["court"]["Felony Unit"][0]
    ci, cn, o, d = (hdr.index(x) for x in ("CII_NUMBER", "Case Number", "Order", "Order Date"))
    good = list(S["court"]["Felony Unit"][1])
    good[o], good[d] = "Granted", GRANT1
    bogus = list(good)
    bogus[ci] = "999999999"
    path = os.path.join(S["work"], "bogus.csv")
    write_csv(path, [hdr, good, bogus])
    rc, _, err = relief("court", "import", "--outputs=" + S["out"], path)
    assert rc == 2 and "bogus.csv" in err and "row 3" in err and "no item" in err, (rc, err)
    with db() as c:
        item, cii, cases = next(c.execute(
            "SELECT id, cii, case_number FROM items WHERE id IN (%s) AND cii<>''"
            % ",".join("'%s'" % i for i in S["denied"])))
    path = os.path.join(S["work"], "unfiled.csv")
    write_csv(path, [["Case Number", "CII_NUMBER", "Order", "Order Date"], [good[cn], good[ci], "Granted", GRANT1],
                     [cases, cii, "Granted", GRANT1]])
    rc, _, err = relief("court", "import", "--outputs=" + S["out"], path)
    assert rc == 2 and "row 3" in err and "never filed" in err, (rc, err)
    bad_date = os.path.join(S["work"], "bad_date.csv")
    write_csv(bad_date, [hdr, good[:d] + ["13/45/2027"] + good[d + 1:]])
    rc, _, err = relief("court", "import", "--outputs=" + S["out"], bad_date)
    assert rc == 2 and "Order Date" in err, (rc, err)
    with db() as c:
        assert c.execute("SELECT COUNT(*) FROM events WHERE event='order'").fetchone()[0] == 0
    for text in (err,):
        assert cii not in text and good[ci] not in text, "personal data in a message"
    s = court_status()
    assert s["filed"] == s["pending"] and s["granted"] == s["denied"] == 0, s


def court_return(agency, plan, name):
    """The agency's court list filled in: plan maps data-row index to (order, date)."""
    rows = [list(r) for r in S["court"][agency]]
    o, d = rows[0].index("Order"), rows[0].index("Order Date")
    for k, (order, date) in plan.items():
        rows[k + 1][o], rows[k + 1][d] = order, date
    path = os.path.join(S["work"], name)
    write_csv(path, rows)
    return path


def court_csv(agency, plan, name):
    """Any CSV with the four columns, in another order: the CII without its
    leading zeros and only the first of a motion's case numbers."""
    rows = S["court"][agency]
    out = [["Order Date", "Order", "CII_NUMBER", "Case Number", "Judge"]]
    for k, (order, date) in plan.items():
        r = dict(zip(rows[0], rows[k + 1]))
        out.append([date, order, r["CII_NUMBER"].lstrip("0") or r["CII_NUMBER"],
                    r["Case Number"].split("; ")[0], "Dept. 5"])
    S["trimmed"] = sum(r[2] != dict(zip(rows[0], rows[k + 1]))["CII_NUMBER"]
                       for r, k in zip(out[1:], plan))
    path = os.path.join(S["work"], name)
    write_csv(path, out)
    return path


@H.case
def the_court_grants_some_and_denies_others():
    S["plan"], paths = {}, []
    for agency in AGENCIES:
        n = len(S["court"][agency]) - 1
        plan = {k: ("Granted", GRANT1) if k % 3 == 0 else ("Denied", DENY_DATE)
                for k in range(n) if k % 3 != 2}
        S["plan"][agency] = plan
        paths.append(court_return(agency, plan, AGENCIES[agency] + "_return1.csv"))
    out, _ = ok("court", "import", "--outputs=" + S["out"], *paths)
    again, _ = ok("court", "import", "--outputs=" + S["out"], *paths)
    assert "recorded 0 order" in again, again  # the same orders twice: recorded once
    s = court_status()
    assert list(s)[:4] == ["filed", "granted", "denied", "pending"], list(s)
    for agency in AGENCIES:
        n = len(S["court"][agency]) - 1
        plan = S["plan"][agency]
        a = s["byAgency"][agency]
        want = (n, sum(v[0] == "Granted" for v in plan.values()),
                sum(v[0] == "Denied" for v in plan.values()), n - len(plan))
        assert (a["filed"], a["granted"], a["denied"], a["pending"]) == want, (agency, a, want)
    assert s["filed"] == sum(a["filed"] for a in s["byAgency"].values())
    assert s["granted"] + s["denied"] + s["pending"] == s["filed"]
    assert sum(c["filed"] for c in s["byCourt"].values()) == s["filed"], s["byCourt"]
    assert s["oldestPendingFiled"] == datetime.datetime.utcnow().strftime("%m/%d/%Y"), s
    text, _ = ok("court", "status", "--outputs=" + S["out"])
    assert "Felony Unit" in text and "total" in text
    return f"{s['granted']} granted, {s['denied']} denied, {s['pending']} pending"


def granted_counts(granted_keys):
    """The relieved counts of the bundle for (CII, case number) motions."""
    want = set()
    for r in dicts(os.path.join(S["out"], "Prop64_Results.csv")):
        if r["Eligibility Determination"] not in ("Eligible for Dismissal", "Eligible for Reduction"):
            continue
        for cii, cases in granted_keys:
            if r["CII_NUMBER"] == cii and r["Case Number"] in cases.split("; "):
                want.add((r["CII_NUMBER"], r["CNT_ORDER"]))
    return want


def motions_with(order):
    keys = set()
    for agency in AGENCIES:
        rows = S["court"][agency]
        for k, v in S["plan"][agency].items():
            if v[0] == order:
                r = dict(zip(rows[0], rows[k + 1]))
                keys.add((r["CII_NUMBER"], r["Case Number"]))
    return keys


@H.case
def doj_is_told_once_of_each_grant():
    to1 = os.path.join(S["work"], "doj1")
    ok("court", "report-doj", "--outputs=" + S["out"], "--to=" + to1)
    rows = dicts(os.path.join(to1, "doj_update.csv"))
    assert list(rows[0]) == ["CII_NUMBER", "Case Number", "CNT_ORDER", "Code Section", "Relief Granted",
                             "Order Date"], list(rows[0])
    want = granted_counts(motions_with("Granted"))
    got = {(r["CII_NUMBER"], r["CNT_ORDER"]) for r in rows}
    assert got == want and len(rows) == len(want), (len(got), len(want))
    assert all(r["Order Date"] == GRANT1 and r["Relief Granted"] in ("Dismissed", "Reduced to misdemeanor")
               and r["Code Section"] for r in rows)
    assert os.stat(os.path.join(to1, "doj_update.csv")).st_mode & 0o777 == 0o600
    # the court rules on the pending motions: granted; the second report carries only those
    paths = []
    for agency in AGENCIES:
        n = len(S["court"][agency]) - 1
        late = {k: ("Granted", GRANT2) for k in range(n) if k not in S["plan"][agency]}
        S["plan"][agency].update(late)
        if agency == "Felony Unit":  # the court's own CSV: four columns, as a spreadsheet keeps them
            paths.append(court_csv(agency, late, "felony_court_export.csv"))
        else:
            paths.append(court_return(agency, dict(S["plan"][agency]), AGENCIES[agency] + "_return2.csv"))
    ok("court", "import", "--outputs=" + S["out"], *paths)
    to2 = os.path.join(S["work"], "doj2")
    ok("court", "report-doj", "--outputs=" + S["out"], "--to=" + to2)
    rows2 = dicts(os.path.join(to2, "doj_update.csv"))
    got2 = {(r["CII_NUMBER"], r["CNT_ORDER"]) for r in rows2}
    assert got2 and not got2 & got, "reported twice"
    assert got2 | got == granted_counts(motions_with("Granted")), "a grant was never reported"
    assert all(r["Order Date"] == GRANT2 for r in rows2)
    to3 = os.path.join(S["work"], "doj3")
    out, _ = ok("court", "report-doj", "--outputs=" + S["out"], "--to=" + to3)
    assert len(read_csv(os.path.join(to3, "doj_update.csv"))) == 1, "nothing new, yet rows"
    s = court_status()
    assert s["pending"] == 0 and s["reported"] == s["granted"], s
    check_standing()
    return f"{len(rows)} then {len(rows2)} counts; {S['trimmed']} CII without leading zeros"


def check_standing():
    """where_relief_stands.html (written by court status) and the report's
    section: cases per agency and in all as the store says, motions as
    `relief court status --json` says."""
    check_report_stands(read("where_relief_stands.html"))
    assert check_report_stands(read("report.html"))["/standing/total/granted"] > 0


def cases_in_the_store():
    """(agency or None) -> (cases before the review, cases with an item approved)."""
    latest = "(SELECT decision FROM decisions WHERE item=i.id ORDER BY id DESC LIMIT 1)"
    with db() as c:
        rows = c.execute(f"SELECT agency, court, person, case_key, {latest} FROM items i").fetchall()
    want = {}
    for key in [None] + sorted({r[0] for r in rows}) + sorted({"court:" + r[1] for r in rows}):
        mine = [r for r in rows if key is None or r[0] == key or "court:" + r[1] == key]
        want[key] = (len({(r[2], r[3]) for r in mine}), len({(r[2], r[3]) for r in mine if r[4] == "Approve"}))
    return want


def check_report_stands(html):
    """The section's figures: every motion figure equal to `relief court
    status --json`, by agency, by court and in all; the cases as the store
    says. Returns the figures."""
    shown = standing_figures(html)
    assert "Where relief stands" in html and shown, "no where-relief-stands section"
    s = court_status()
    cases = cases_in_the_store()
    for part, by in (("total", {"": s}), ("byAgency", s["byAgency"]), ("byCourt", s["byCourt"])):
        for name, counts in by.items():
            base = f"/standing/{part}" + (f"/{name}" if name else "")
            for k in ("filed", "granted", "denied", "pending", "reported"):
                assert shown[f"{base}/{k}"] == counts[k], (base, k, shown[f"{base}/{k}"], counts[k])
    for key, (determined, approved) in cases.items():
        base = ("/standing/total" if key is None else f"/standing/byCourt/{key[6:]}" if key.startswith("court:")
                else f"/standing/byAgency/{key}")
        assert (shown[f"{base}/determined"], shown[f"{base}/approved"]) == (determined, approved), \
            (base, shown[f"{base}/determined"], shown[f"{base}/approved"], determined, approved)
    return shown


@H.case
def a_persons_status_is_one_search_away():
    with db() as c:
        denied_item = next(iter(S["denied"]))
        name, dob, cii, cases = c.execute("SELECT name, dob, cii, case_number FROM items WHERE id=?",
                                          (denied_item,)).fetchone()
        granted = c.execute("SELECT i.cii, i.case_number FROM filed f JOIN items i ON i.id=f.item JOIN"
                            " events e ON e.item=f.item AND e.event='order' AND e.value='Granted'"
                            " AND i.cii<>'' LIMIT 1").fetchone()
        searches = c.execute("SELECT COUNT(*) FROM events WHERE event='search'").fetchone()[0]
    rc, out, err = relief("status", "--outputs=" + S["out"], "--cii=" + cii, "--by=pd-clerk")
    assert rc == 0, err
    assert cases in out and S["denied"][denied_item][1] in out and "challenged:" in out, out
    assert cii not in err and name not in err, "personal data on stderr"
    dob_us = f"{dob[4:6]}/{dob[6:]}/{dob[:4]}"
    rc, out2, _ = relief("status", "--outputs=" + S["out"], "--name=" + name.replace(",", ", ").lower(),
                         "--dob=" + dob_us)
    assert rc == 0 and out2 == out, (out2, out)
    rc, out3, _ = relief("status", "--outputs=" + S["out"], "--cii=" + granted[0])
    assert rc == 0 and "Granted on" in out3 and "reported on" in out3, out3
    with db() as c:
        rows = c.execute("SELECT actor, value FROM events WHERE event='search' ORDER BY id").fetchall()
    assert len(rows) == searches + 3 and rows[searches] == ("pd-clerk", "CII " + cii), rows[-3:]
    rc, _, err = relief("status", "--outputs=" + S["out"], "--name=X")
    assert rc == 1, (rc, err)


@H.case
def every_approved_item_in_a_motion_is_recorded_filed():
    """A hand-review item approved with its facts checked (a conviction after
    11/08/2016) is filed in a motion: the store records it filed too, or the
    court's order for that motion could not be recorded. Every approved item
    is filed or listed in not_filed.csv, never neither."""
    paths = []
    for agency, sheet in S["sheets"].items():
        sheet = [list(r) for r in sheet]
        for r in sheet[1:]:
            if r[9].startswith("conviction after"):
                r[10] = "Approve"
        paths.append(os.path.join(S["work"], AGENCIES[agency] + "_checked.csv"))
        write_csv(paths[-1], [sheet[0]] + [r for r in sheet[1:] if r[10] == "Approve"])
    ok("review", "import", "--outputs=" + S["out"], "--reviewer=ann", *paths)
    latest = "(SELECT decision FROM decisions WHERE item=i.id ORDER BY id DESC LIMIT 1)"
    with db() as c:  # a case with a relief item and a count approved with its facts checked
        pair = c.execute(
            f"SELECT i.id FROM items i JOIN items j ON j.person=i.person AND j.case_key=i.case_key"
            f" WHERE i.kind='relief' AND {latest}='Approve' AND j.kind='hand_review' AND"
            f" j.reason LIKE 'conviction after%' ORDER BY i.id LIMIT 1").fetchone()
    for agency, sheet in S["sheets"].items():  # its relief item denied after all
        rows = [list(r) for r in sheet[1:] if pair and r[0] == pair[0]]
        if rows:
            rows[0][10], rows[0][11] = "Deny", "the count after 2016 is the only relief sought"
            path = os.path.join(S["work"], "deny_relief.csv")
            write_csv(path, [sheet[0]] + rows)
            ok("review", "import", "--outputs=" + S["out"], "--reviewer=ann", "--force", path)
    ok("filings", "--outputs=" + S["out"])
    with db() as c:
        approved = {r[0] for r in c.execute(f"SELECT i.id FROM items i WHERE {latest}='Approve'")}
        checked = {r[0] for r in c.execute(
            "SELECT id FROM items WHERE kind='hand_review' AND reason LIKE 'conviction after%'")}
        # a case whose relief item is not approved (here: denied) makes no motion
        held = {r[0] for r in c.execute(
            f"SELECT j.id FROM items i JOIN items j ON j.person=i.person AND j.case_key=i.case_key"
            f" WHERE i.kind='relief' AND IFNULL({latest}, '') <> 'Approve'")}
        filed = {r[0] for r in c.execute("SELECT item FROM filed")}
    listed = {}
    for agency in AGENCIES:
        path = os.path.join(S["out"], "Court_Filings", AGENCIES[agency], "not_filed.csv")
        listed.update({r["Item"]: r["Reason"] for r in dicts(path)} if os.path.exists(path) else {})
    ok_checked = (checked & approved) - held
    assert ok_checked, "no item approved with its facts checked"
    assert ok_checked <= filed, sorted(ok_checked - filed)[:5]
    held_approved = checked & approved & held  # none where the set has no such case
    assert bool(held_approved) == bool(pair), (pair, held_approved)
    assert not held_approved & filed, sorted(held_approved & filed)[:5]
    assert all("not approved" in listed.get(i, "") for i in held_approved), \
        [(i, listed.get(i)) for i in sorted(held_approved)[:3]]
    missing = approved - filed - set(listed)
    assert not missing, sorted(missing)[:5]
    assert not filed & set(listed), sorted(filed & set(listed))[:5]
    return f"{len(ok_checked)} checked items filed, {len(held_approved)} held with their denied case"


@H.case
def a_later_count_not_approved_keeps_its_case_later_counts_out():
    """Two counts of a case dated after 11/08/2016, one approved with its facts
    checked and one held: the motion may carry neither (it would carry the held
    one), and the approved one is listed in not_filed.csv saying why."""
    latest = "(SELECT decision FROM decisions WHERE item=i.id ORDER BY id DESC LIMIT 1)"
    with db() as c:
        pair = c.execute(
            f"SELECT i.id, j.id, i.case_number FROM items i JOIN items j ON j.person=i.person AND"
            f" j.case_key=i.case_key AND j.id > i.id WHERE i.reason LIKE 'conviction after%' AND"
            f" j.reason LIKE 'conviction after%' AND {latest}='Approve' AND NOT EXISTS (SELECT 1"
            f" FROM items r WHERE r.person=i.person AND r.case_key=i.case_key AND"
            f" r.kind='relief') ORDER BY i.id LIMIT 1").fetchone()
    assert pair, "no case with two counts withheld for their date"
    held, other, case_number = pair
    for agency, sheet in S["sheets"].items():
        rows = [list(r) for r in sheet[1:] if r[0] == held]
        if rows:
            rows[0][10] = "Hold"
            path = os.path.join(S["work"], "hold_one.csv")
            write_csv(path, [sheet[0]] + rows)
            ok("review", "import", "--outputs=" + S["out"], "--reviewer=ann", "--force", path)
    ok("filings", "--outputs=" + S["out"])
    listed = {}
    for agency in AGENCIES:
        path = os.path.join(S["out"], "Court_Filings", AGENCIES[agency], "not_filed.csv")
        listed.update({r["Item"]: r["Reason"] for r in dicts(path)} if os.path.exists(path) else {})
    assert "not approved" in listed.get(other, ""), (other, listed.get(other))
    for agency in AGENCIES:
        court = dicts(os.path.join(folder(agency), "court_list.csv"))
        assert not [r for r in court if r["Case Number"] == case_number], (agency, case_number)
    return 1


@H.case
def every_command_that_changes_the_figures_republishes_the_report():
    """court import, court report-doj and filings each publish report.html
    anew (a new file renamed into place) with the figures of `relief court
    status --json`; the reference CSVs and summary.json stay byte for byte."""
    path = os.path.join(S["out"], "report.html")
    returns = [court_return(a, dict(S["plan"][a]), AGENCIES[a] + "_again.csv") for a in AGENCIES]
    commands = [("court", "import", "--outputs=" + S["out"], *returns),
                ("court", "report-doj", "--outputs=" + S["out"], "--to=" + os.path.join(S["work"], "doj4")),
                ("filings", "--outputs=" + S["out"])]
    for args in commands:
        before = os.stat(path).st_ino
        _, err = ok(*args)
        assert "warning" not in err, (args[:2], err)
        assert os.stat(path).st_ino != before, f"{args[:2]} left report.html as it was"
        check_report_stands(read("report.html"))
    assert digests() == S["digests"], "a reference file changed"
    assert "relief-report-source" in read("report.html")
    return f"{len(commands)} commands"


@H.case
def a_report_relief_did_not_write_is_left_alone():
    """A report.html put there by hand, or a symbolic link in its place, is
    never written through or replaced: court status warns and leaves it."""
    copy = os.path.join(S["work"], "copy")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(S["out"], copy, symlinks=True)
    report = os.path.join(copy, "report.html")
    with open(report, "w") as f:
        f.write("<p>the board's own notes</p>\n")
    rc, _, err = relief("court", "status", "--outputs=" + copy)
    assert rc == 0 and "warning" in err and "report.html" in err, (rc, err)
    assert open(report).read() == "<p>the board's own notes</p>\n", "a hand-made report.html replaced"
    assert "Where relief stands" in open(os.path.join(copy, "where_relief_stands.html")).read()
    outside = os.path.join(S["work"], "outside.html")
    with open(outside, "w") as f:
        f.write("outside\n")
    os.unlink(report)
    os.symlink(outside, report)
    rc, _, err = relief("court", "status", "--outputs=" + copy)
    assert rc == 0 and "symbolic link" in err, (rc, err)
    assert os.path.islink(report) and open(outside).read() == "outside\n", "written through a link"
    return "left alone twice"


def main():
    ap = H.parser(__doc__, tools=("relief", "gen"))
    return H.main(ap, "relief-court-", start)


if __name__ == "__main__":
    sys.exit(main())
