#!/usr/bin/env python3
"""End-to-end tests of `relief review`: a Los Angeles set from relief-gen,
a run with --review-files, routing by felony to two agencies, init, export
as CSV and XLSX, import of edited sheets (CSV, XLSX with inline and shared
strings), exact status counts, refused tampered sheets that record nothing,
the audit trail's previous values, the store's integrity and privacy of
messages.  Standard library only."""
import csv
import datetime
import io
import json
import os
import shutil
import re
import sqlite3
import subprocess
import sys
import zipfile
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools  # noqa: E402

csv.field_size_limit(1 << 30)
H = e2etools.Harness()
S = {}  # state shared by the cases, in order

COLUMNS = ["Item", "Agency", "Name", "Date of Birth", "CII", "Subject ID", "Case Number", "Counts",
           "Proposed Relief", "Reason", "Decision", "Notes", "Revision"]


def relief(*args):
    rc, out, err, _ = e2etools.run([S["relief"], "review", *args])
    return rc, out, err


def ok(*args):
    rc, out, err = relief(*args)
    assert rc == 0, f"review {args[0]} exited {rc}: {err[-800:]}"
    return out


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def col_letter(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def write_xlsx(path, rows, shared):
    """A minimal workbook: inline strings, or shared strings when shared."""
    strings, index = [], {}
    body = []
    for r, row in enumerate(rows, 1):
        cells = []
        for c, v in enumerate(row):
            if v == "":
                continue
            ref = f"{col_letter(c)}{r}"
            if shared:
                if v not in index:
                    index[v] = len(strings)
                    strings.append(v)
                cells.append(f'<c r="{ref}" t="s"><v>{index[v]}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(v)}</t></is></c>')
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", f"<workbook {ns}><sheets/></workbook>")
        z.writestr("xl/worksheets/sheet1.xml",
                   f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'
                   + "".join(body) + "</sheetData></worksheet>")
        if shared:
            z.writestr("xl/sharedStrings.xml",
                       f'<sst {ns} count="{len(strings)}">'
                       + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")


def db():
    return sqlite3.connect(os.path.join(S["out"], "review.sqlite"))


def n_decisions():
    with db() as c:
        return c.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]


def status():
    return json.loads(ok("status", "--outputs=" + S["out"], "--json"))


def is_felony(r):
    stat = r["CONV_STAT_DESCR"]
    return stat == "FELONY" or (stat == "" and r["OFFENSE_TOC"] == "F")


def charge_or_date_unknown(r):
    """What never reaches a motion: OFFENSE_DESCR blank, "-" or SEE COMMENT
    FOR CHARGE, or a conviction date (STP_EVENT_DATE) that is not a date."""
    offense = r["OFFENSE_DESCR"].strip()
    if offense in ("", "-", "SEE COMMENT FOR CHARGE"):
        return True
    d = r["STP_EVENT_DATE"]
    try:
        datetime.datetime.strptime(d, "%Y%m%d")
        # after 11/08/2016 (Prop 64) is filed only once a reviewer checked it
        return not (len(d) == 8 and d.isdigit()) or d > "20161108"
    except ValueError:
        return True


def start(args, work):
    S["relief"], S["work"] = args.relief, work
    data = os.path.join(work, "data")
    rc, _, err, _ = e2etools.run([args.gen, "--people", "600", "--seed", "11", "--counties",
                                  "LOS ANGELES", "--out", data])
    assert rc == 0, err
    S["input"] = os.path.join(data, "LOS_ANGELES.dat")
    S["options"] = os.path.join(work, "options.json")
    json.dump({"baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
               "additionalRelief": {"subjectUnder21AtConviction": True, "subjectAgeThreshold": 57,
                                    "yearsSinceConvictionThreshold": 10}}, open(S["options"], "w"))
    S["out"] = os.path.join(work, "out")
    rc, _, err, _ = e2etools.run(e2etools.run_args(args.relief, [S["input"]], S["out"], S["options"],
                                                   "LOS ANGELES", extra=["--review-files"]))
    assert rc == 0, err
    S["routing"] = os.path.join(work, "routing.json")
    json.dump({"default": "Misdemeanor Unit", "routes": [{"agency": "Felony Unit", "felony": True}]},
              open(S["routing"], "w"))


@H.case
def init_refuses_a_bundle_without_hand_review_and_bad_routing():
    plain = os.path.join(S["work"], "plain")
    rc, _, err, _ = e2etools.run(e2etools.run_args(S["relief"], [S["input"]], plain, S["options"],
                                                   "LOS ANGELES"))
    assert rc == 0, err
    rc, _, err = relief("init", "--outputs=" + plain)
    assert rc == 2 and "Hand_Review.csv" in err, (rc, err)
    assert not os.path.exists(os.path.join(plain, "review.sqlite"))
    for bad, key in ((
            {"default": "X", "routes": [{"agency": "A", "courts": "P"}]}, "courts"),
            ({"routes": [{"felony": True}]}, "agency"),
            ({"routes": [{"agency": "A", "felony": "yes"}]}, "felony"),
            ({"default": ["X"]}, "default")):
        path = os.path.join(S["work"], "bad_routing.json")
        json.dump(bad, open(path, "w"))
        rc, _, err = relief("init", "--outputs=" + S["out"], "--routing=" + path)
        assert rc == 1 and key in err, (bad, rc, err)
    assert not os.path.exists(os.path.join(S["out"], "review.sqlite"))


@H.case
def init_makes_one_item_per_case_and_hand_review_row_routed_by_felony():
    ok("init", "--outputs=" + S["out"], "--routing=" + S["routing"])
    store = os.path.join(S["out"], "review.sqlite")
    assert os.stat(store).st_mode & 0o777 == 0o600
    with open(os.path.join(S["out"], "Prop64_Results.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    groups = {}
    withheld = []  # relief a motion cannot carry (charge or date unknown): reviewed by hand
    for r in rows:
        if r["Eligibility Determination"] in ("Eligible for Dismissal", "Eligible for Reduction"):
            if charge_or_date_unknown(r):
                withheld.append(r)
                continue
            key = (r["CII_NUMBER"] or r["SUBJECT_ID"], r["CNT_ORDER"][:6])
            groups[key] = groups.get(key, False) or is_felony(r)
    with open(os.path.join(S["out"], "Hand_Review.csv"), newline="", encoding="utf-8") as f:
        hand = list(csv.DictReader(f)) + withheld
    felonies = sum(groups.values()) + sum(is_felony(r) for r in hand)
    total = len(groups) + len(hand)
    s = status()
    assert list(s.keys()) == ["items", "pending", "approved", "denied", "held", "byAgency"], s.keys()
    assert s["items"] == s["pending"] == total, (s, total)
    assert s["approved"] == s["denied"] == s["held"] == 0
    assert s["byAgency"]["Felony Unit"]["items"] == felonies, (s, felonies)
    assert s["byAgency"]["Misdemeanor Unit"]["items"] == total - felonies
    assert felonies > 3 and total - felonies > 3, (felonies, total)
    with db() as c:
        ids = [r[0] for r in c.execute("SELECT id FROM items ORDER BY seq")]
    assert ids == ["I%06d" % i for i in range(1, total + 1)]
    S["total"], S["felonies"] = total, felonies
    return f"{total} items, {felonies} felony"


def report_figure(text, label):
    """The figure shown beside label in the run's HTML report (tags stripped)."""
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).replace("&#39;", "'")
    m = re.search(re.escape(label) + r"[^0-9]*?\s([0-9][0-9,]*|some[^0-9]*?)\s", plain)
    assert m, (label, plain[:2000])
    return m.group(1)


@H.case
def report_agrees_with_the_store():
    text = open(os.path.join(S["out"], "report.html"), encoding="utf-8").read()
    with db() as c:
        hand = c.execute("SELECT COUNT(*) FROM items WHERE kind='hand_review'").fetchone()[0]
    shown = report_figure(text, "Convictions that need a hand review")
    assert shown == f"{hand:,}", (shown, hand)
    unknown = report_figure(text, "Convictions without a known date")
    assert re.fullmatch(r"[0-9,]+", unknown), unknown
    assert "Office: not given. Preparer: not given." in text, "no office line"
    return f"{hand} hand-review items, {unknown} convictions without a date"


@H.case
def export_csv_one_sheet_per_agency():
    to = os.path.join(S["work"], "sheets")
    ok("export", "--outputs=" + S["out"], "--to=" + to, "--format=csv")
    assert sorted(os.listdir(to)) == ["Felony_Unit.csv", "Misdemeanor_Unit.csv"], os.listdir(to)
    for name, agency in (("Felony_Unit.csv", "Felony Unit"), ("Misdemeanor_Unit.csv", "Misdemeanor Unit")):
        path = os.path.join(to, name)
        assert os.stat(path).st_mode & 0o777 == 0o600
        rows = read_csv(path)
        assert rows[0] == COLUMNS, rows[0]
        assert all(r[1] == agency and r[10] == "" for r in rows[1:])
        assert all(re.fullmatch(r"I\d{6}", r[0]) for r in rows[1:])
    S["fel"] = read_csv(os.path.join(to, "Felony_Unit.csv"))
    S["mis"] = read_csv(os.path.join(to, "Misdemeanor_Unit.csv"))
    assert len(S["fel"]) - 1 == S["felonies"] and len(S["mis"]) - 1 == S["total"] - S["felonies"]
    only = os.path.join(S["work"], "only")
    ok("export", "--outputs=" + S["out"], "--to=" + only, "--format=csv", "--agency=Felony Unit")
    assert os.listdir(only) == ["Felony_Unit.csv"]


@H.case
def export_xlsx_is_a_workbook_with_text_ids():
    to = os.path.join(S["work"], "xlsx")
    ok("export", "--outputs=" + S["out"], "--to=" + to, "--format=xlsx")
    assert sorted(os.listdir(to)) == ["Felony_Unit.xlsx", "Misdemeanor_Unit.xlsx"]
    path = os.path.join(to, "Felony_Unit.xlsx")
    assert os.stat(path).st_mode & 0o777 == 0o600
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert "xl/workbook.xml" in names and "xl/worksheets/sheet1.xml" in names
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<pane" in sheet and 'state="frozen"' in sheet, "header row not frozen"
    assert "<autoFilter" in sheet
    cii_cells = re.findall(r'<c r="E(\d+)"([^>]*)>', sheet)
    assert len(cii_cells) >= 2
    for row, attrs in cii_cells:
        assert 't="s"' in attrs or 't="inlineStr"' in attrs, (row, attrs)
    # the workbook reads back (through import) as the CSV sheet: nothing to record
    out = ok("import", "--outputs=" + S["out"], "--reviewer=xlsx-check", path)
    assert "recorded 0 decision" in out, out
    assert n_decisions() == 0


def revision():
    with db() as c:
        return int(c.execute("SELECT value FROM meta WHERE key='revision'").fetchone()[0])


def fresh(rows):
    """rows as a sheet exported now: the Revision column at the store's revision."""
    rev = str(revision())
    return [list(rows[0])] + [list(r[:12]) + [rev] for r in rows[1:]]


def decide(rows, plan):
    """A copy of rows with Decision/Notes set: plan maps data-row index to
    (decision, notes)."""
    rows = [list(r) for r in rows]
    for i, (d, n) in plan.items():
        rows[i + 1][10], rows[i + 1][11] = d, n
    return rows


@H.case
def import_edited_sheets_and_status_counts_exactly():
    fel = decide(S["fel"], {0: ("Approve", "ok"), 1: ("approve", ""), 2: ("DENY", "prior record"),
                            3: ("Hold", "=HYPERLINK(\"http://x\")")})
    mis = decide(S["mis"], {0: ("Approve", ""), 1: ("Deny", "not our case"), 2: (" hold ", "check DOB")})
    a = os.path.join(S["work"], "fel_edit.csv")
    write_csv(a, fel)
    b = os.path.join(S["work"], "mis_edit.xlsx")
    write_xlsx(b, mis, shared=False)
    out = ok("import", "--outputs=" + S["out"], "--reviewer=alice", a, b)
    assert "recorded 7 decision" in out, out
    s = status()
    want = {"items": S["total"], "pending": S["total"] - 7, "approved": 3, "denied": 2, "held": 2}
    assert {k: s[k] for k in want} == want, s
    assert s["byAgency"]["Felony Unit"] == {"items": S["felonies"], "pending": S["felonies"] - 4,
                                            "approved": 2, "denied": 1, "held": 1}, s
    assert s["byAgency"]["Misdemeanor Unit"]["approved"] == 1
    assert s["byAgency"]["Misdemeanor Unit"]["held"] == 1
    # the same sheets again add nothing
    out = ok("import", "--outputs=" + S["out"], "--reviewer=alice", a, b)
    assert "recorded 0 decision" in out and n_decisions() == 7, out
    with db() as c:
        rows = c.execute("SELECT decision, reviewer, decided_at, previous_decision FROM decisions").fetchall()
    assert all(r[1] == "alice" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r[2]) and r[3] is None
               for r in rows), rows
    S["fel_edit"] = fel


@H.case
def formula_cells_are_neutralised_in_csv_and_round_trip():
    to = os.path.join(S["work"], "sheets2")
    ok("export", "--outputs=" + S["out"], "--to=" + to, "--format=csv", "--agency=Felony Unit")
    rows = read_csv(os.path.join(to, "Felony_Unit.csv"))
    assert rows[4][11] == "'=HYPERLINK(\"http://x\")", rows[4]
    assert rows[1][10] == "Approve" and rows[3][10] == "Deny" and rows[4][10] == "Hold"
    assert all(not r[4].startswith("'") for r in rows[1:])  # ids never prefixed
    out = ok("import", "--outputs=" + S["out"], "--reviewer=bob", os.path.join(to, "Felony_Unit.csv"))
    assert "recorded 0 decision" in out, out


@H.case
def changes_keep_previous_values():
    fel = decide(fresh(S["fel_edit"]), {0: ("Deny", "changed my mind"), 2: ("", "")})
    path = os.path.join(S["work"], "fel_change.xlsx")
    write_xlsx(path, fel, shared=True)
    out = ok("import", "--outputs=" + S["out"], "--reviewer=carol", path)
    assert "recorded 1 decision" in out, out  # a blank Decision records nothing
    item = fel[1][0]
    with db() as c:
        trail = c.execute("SELECT decision, notes, previous_decision, previous_notes, reviewer"
                          " FROM decisions WHERE item=? ORDER BY id", (item,)).fetchall()
    assert trail == [("Approve", "ok", None, None, "alice"),
                     ("Deny", "changed my mind", "Approve", "ok", "carol")], trail
    s = status()
    assert (s["approved"], s["denied"], s["held"]) == (2, 3, 2), s


@H.case
def tampered_sheets_are_refused_whole():
    before = n_decisions()
    good = decide(S["fel"], {5: ("Approve", "")})
    cases = []
    t = decide(good, {6: ("Approve", "")})
    t[7][2] = "SOMEONE,ELSE"
    cases.append(("changed_name.csv", t, "Name", 8))
    t = decide(good, {6: ("Hold", "")})
    t[7][6] = "999"
    cases.append(("changed_case.csv", t, "Case Number", 8))
    t = decide(good, {})
    t[3][0] = "I999999"
    cases.append(("unknown_item.csv", t, "Item", 4))
    t = decide(good, {6: ("Maybe", "")})
    cases.append(("bad_decision.csv", t, "Decision", 8))
    t = decide(good, {})
    t[2][4] = "1"
    cases.append(("changed_cii.csv", t, "CII", 3))
    good_path = os.path.join(S["work"], "good.csv")
    write_csv(good_path, good[:1] + good[6:7])  # item 5 only: the bad sheets name it not
    for _, rows, _, _ in cases:
        rows[6] = [""] * len(rows[6])
    names = {r[2] for r in S["fel"][1:] + S["mis"][1:]}
    for name, rows, column, line in cases:
        path = os.path.join(S["work"], name)
        write_csv(path, rows)
        # a good sheet first: the bad one still refuses everything
        rc, out, err = relief("import", "--outputs=" + S["out"], "--reviewer=mallory", good_path, path)
        assert rc == 2, (name, rc, err)
        assert name in err and f"row {line}" in err and column in err, (name, err)
        assert not any(n and n in err + out for n in names), "a name was printed"
        assert n_decisions() == before, name
    xl = os.path.join(S["work"], "changed_name.xlsx")
    write_xlsx(xl, cases[0][1], shared=True)
    rc, _, err = relief("import", "--outputs=" + S["out"], "--reviewer=mallory", xl)
    assert rc == 2 and "changed_name.xlsx" in err and "row 8" in err, err
    assert n_decisions() == before
    return f"{len(cases) + 1} sheets refused"


def export_sheet(name, agency="Felony Unit", fmt="csv", outputs=None):
    to = os.path.join(S["work"], name)
    ok("export", "--outputs=" + (outputs or S["out"]), "--to=" + to, "--format=" + fmt,
       "--agency=" + agency)
    return os.path.join(to, agency.replace(" ", "_") + "." + fmt)


@H.case
def stale_sheet_is_refused_and_force_is_recorded():
    rows = read_csv(export_sheet("stale_export"))
    rev = revision()
    assert rows[0][12] == "Revision" and all(r[12] == str(rev) for r in rows[1:]), rows[1]
    k = next(i for i in range(12, len(rows) - 1) if rows[i + 1][10] == "")
    item = rows[k + 1][0]
    first, second = (os.path.join(S["work"], n) for n in ("stale_a.csv", "stale_b.csv"))
    write_csv(first, decide(rows, {k: ("Deny", "denied first")}))
    write_csv(second, decide(rows, {k: ("Approve", "from an old copy")}))
    assert "recorded 1 decision" in ok("import", "--outputs=" + S["out"], "--reviewer=erin", first)
    before = n_decisions()
    rc, out, err = relief("import", "--outputs=" + S["out"], "--reviewer=frank", second)
    assert rc == 2 and "stale" in err and item in err and "stale_b.csv" in err, (rc, err)
    assert "--force" in err and n_decisions() == before, err
    out = ok("import", "--outputs=" + S["out"], "--reviewer=frank", "--force", second)
    assert "recorded 1 decision" in out, out
    with db() as c:
        last = c.execute("SELECT item, decision, previous_decision, override FROM decisions"
                         " ORDER BY id DESC LIMIT 1").fetchone()
    assert last[:3] == (item, "Approve", "Deny") and last[3].startswith("--force: stale sheet"), last
    assert f"revision {rev}" in last[3], last
    assert revision() == before + 1
    return f"{item} refused, then forced"


@H.case
def an_item_named_twice_is_refused():
    rows = read_csv(export_sheet("dup_export"))
    before = n_decisions()
    k = next(i for i in range(20, len(rows) - 1) if rows[i + 1][10] == "")
    item = rows[k + 1][0]
    twice = decide(rows, {k: ("Approve", "")})
    twice.append(list(twice[k + 1]))
    twice[-1][10] = "Deny"
    path = os.path.join(S["work"], "twice.csv")
    write_csv(path, twice)
    rc, _, err = relief("import", "--outputs=" + S["out"], "--reviewer=gina", path)
    assert rc == 2 and item in err and "twice" in err, (rc, err)
    assert f"row {k + 2}" in err and f"row {len(twice)}" in err, err
    # the same item in two sheets of one import
    one = os.path.join(S["work"], "once_a.csv")
    other = os.path.join(S["work"], "once_b.xlsx")
    write_csv(one, [rows[0], twice[k + 1]])
    write_xlsx(other, [rows[0], twice[-1]], shared=True)
    rc, _, err = relief("import", "--outputs=" + S["out"], "--reviewer=gina", one, other)
    assert rc == 2 and item in err and "once_a.csv, row 2" in err and "once_b.xlsx, row 2" in err, err
    assert n_decisions() == before


@H.case
def an_old_store_is_migrated():
    old = os.path.join(S["work"], "old_store")
    os.makedirs(old)
    shutil.copy(os.path.join(S["out"], "review.sqlite"), old)
    with sqlite3.connect(os.path.join(old, "review.sqlite")) as c:  # back to format 1
        c.executescript("DROP TRIGGER decisions_revision; DELETE FROM meta WHERE key='revision';"
                        "UPDATE meta SET value='relief-review 1' WHERE key='format';"
                        "ALTER TABLE decisions DROP COLUMN override;")
        n = c.execute("SELECT MAX(id) FROM decisions").fetchone()[0]
    assert status()["items"] == json.loads(ok("status", "--outputs=" + old, "--json"))["items"]
    with sqlite3.connect(os.path.join(old, "review.sqlite")) as c:
        meta = dict(c.execute("SELECT key, value FROM meta"))
        cols = [r[1] for r in c.execute("PRAGMA table_info(decisions)")]
    assert meta["format"] == "relief-review 2" and int(meta["revision"]) == n and "override" in cols, meta


@H.case
def init_refuses_a_redacted_bundle():
    red = os.path.join(S["work"], "redacted")
    key = os.path.join(S["work"], "redact.key")
    open(key, "wb").write(b"k" * 32)
    rc, _, err, _ = e2etools.run(e2etools.run_args(S["relief"], [S["input"]], red, S["options"],
                                                   "LOS ANGELES", extra=["--review-files", "--redact",
                                                                         "--redact-key=" + key]))
    assert rc == 0, err
    assert json.load(open(os.path.join(red, "manifest.json")))["redacted"] is True
    rc, _, err = relief("init", "--outputs=" + red)
    assert rc == 1 and "--redact" in err, (rc, err)
    assert not os.path.exists(os.path.join(red, "review.sqlite"))


@H.case
def init_prints_route_counts_and_warns_on_a_route_that_matched_nothing():
    folder = os.path.join(S["work"], "routes")
    os.makedirs(folder)
    for name in ("Prop64_Results.csv", "Hand_Review.csv", "manifest.json"):
        shutil.copy(os.path.join(S["out"], name), folder)
    routing = os.path.join(S["work"], "routes.json")
    json.dump({"default": "District Attorney",
               "routes": [{"agency": "Pasadena City Prosecutor", "court": "Pasadena"},
                          {"agency": "Felony Unit", "felony": True}]}, open(routing, "w"))
    rc, out, err = relief("init", "--outputs=" + folder, "--routing=" + routing)
    assert rc == 0, err
    assert 'route 1 (agency "Pasadena City Prosecutor", court "Pasadena"): 0 items' in out, out
    assert f'route 2 (agency "Felony Unit", felony true): {S["felonies"]} items' in out, out
    assert f'default (agency "District Attorney"): {S["total"] - S["felonies"]} items' in out, out
    assert "warning" in err and "route 1" in err and '"CASC PASADENA"' in err, err
    assert "route 2" not in err, err
    json.dump({"routes": [{"agency": "Pasadena City Prosecutor", "court": "CASC PASADENA"}]},
              open(routing, "w"))
    rc, out, err = relief("init", "--outputs=" + folder, "--routing=" + routing)
    n = json.loads(ok("status", "--outputs=" + folder, "--json"))["byAgency"]["Pasadena City Prosecutor"]
    assert rc == 0 and "warning" not in err and f'court "CASC PASADENA"): {n["items"]} items' in out, out
    rc, out, err = relief("init", "--help")
    assert "STP_ORI_DESCR" in out + err and "prefix of the code section" in out + err, out + err


@H.case
def serve_users_add_catches_an_agency_no_store_names():
    ws = os.path.join(S["work"], "ws")
    os.makedirs(os.path.join(ws, "runs", "1"))
    shutil.copy(os.path.join(S["out"], "review.sqlite"), os.path.join(ws, "runs", "1"))

    def add(agency, *extra):
        p = subprocess.run([S["relief"], "serve", "users", "add", "ann", "--agency=" + agency,
                            "--workspace=" + ws, *extra], input=b"pass phrase 1\n",
                           capture_output=True, timeout=60)
        return p.returncode, p.stderr.decode()
    rc, err = add("Felony Unti")
    assert rc == 1 and "warning" in err and '"Felony Unti"' in err and "Felony Unit" in err, (rc, err)
    assert "--new-agency" in err, err
    rc, err = add("Felony Unti", "--new-agency")
    assert rc == 0 and "warning" not in err, (rc, err)
    rc, err = add("Misdemeanor Unit")
    assert rc == 0 and "warning" not in err, (rc, err)


@H.case
def a_run_of_another_countys_rows_warns():
    other = os.path.join(S["work"], "san_diego")
    rc, _, err, _ = e2etools.run(e2etools.run_args(S["relief"], [S["input"]], other, S["options"],
                                                   "SAN DIEGO", extra=["--office=Test Office"]))
    assert rc == 0, err
    report = open(os.path.join(other, "report.html"), encoding="utf-8").read()
    assert "Office: Test Office. Preparer: not given." in report, "--office not on the report"
    line = next((l for l in err.splitlines() if "warning" in l and "STP_ORI_CNTY_NAME" in l), "")
    assert '"SAN DIEGO"' in line and 'most' in line and '"LOS ANGELES"' in line, err
    warnings = json.load(open(os.path.join(other, "manifest.json")))["warnings"]
    assert any('"LOS ANGELES"' in w and "STP_ORI_CNTY_NAME" in w for w in warnings), warnings
    mine = json.load(open(os.path.join(S["out"], "manifest.json")))["warnings"]
    assert not any("STP_ORI_CNTY_NAME" in w for w in mine), mine


def calc(src, fmt, to, infilter=None):
    """src converted by LibreOffice Calc (headless, a private profile) into to/."""
    profile = "file://" + os.path.join(S["work"], "calc_profile")
    args = ["soffice", "-env:UserInstallation=" + profile, "--headless"]
    if infilter:
        args.append("--infilter=" + infilter)
    rc, out, err, _ = e2etools.run(args + ["--convert-to", fmt, "--outdir", to, src])
    base = os.path.splitext(os.path.basename(src))[0]
    path = os.path.join(to, base + "." + fmt)
    assert rc == 0 and os.path.exists(path), (rc, out, err)
    return path


def spreadsheet_ids(r):
    """The input with IDs a spreadsheet changes: case numbers with a leading
    zero, and CII numbers either with a leading zero or 16 digits long."""
    if r["OFN"]:
        r["OFN"] = "0" + r["OFN"]
    cii = r["CII_NUMBER"]
    if cii:
        r["CII_NUMBER"] = "0" + cii if int(cii[-1]) % 2 else "9" + cii + "12345"


@H.case
def sheets_survive_a_round_trip_through_calc():
    if not shutil.which("soffice"):
        return "skipped: LibreOffice Calc (soffice) is not installed; scripts/setup.sh installs it"
    data = os.path.join(S["work"], "calc_input.dat")
    with open(S["input"], newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
        names = list(rows[0].keys())
    for r in rows:
        spreadsheet_ids(r)
    with open(data, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, names, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    out = os.path.join(S["work"], "calc_out")
    rc, _, err, _ = e2etools.run(e2etools.run_args(S["relief"], [data], out, S["options"],
                                                   "LOS ANGELES", extra=["--review-files"]))
    assert rc == 0, err
    ok("init", "--outputs=" + out)
    sheet = read_csv(export_sheet("calc_csv", "District Attorney", outputs=out))
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", sheet[1][3]), sheet[1][3]  # MM/DD/YYYY
    assert any(r[6].startswith("0") for r in sheet[1:]) and any(len(r[4]) == 16 for r in sheet[1:])
    plan = {0: ("Approve", "checked"), 1: ("Deny", "prior conviction pending"), 2: ("Hold", "ask the court")}
    decided = os.path.join(S["work"], "calc_decided.csv")
    write_csv(decided, decide(sheet, plan))
    to = os.path.join(S["work"], "calc_rt")
    # CSV -> Calc -> CSV: zeros dropped, 16 digits as 9.12345678901235E+015
    back = calc(decided, "csv", os.path.join(to, "csv"))
    text = open(back, encoding="utf-8").read()
    assert "E+0" in text and not re.search(r",0\d+,", text), "Calc changed nothing: the test is vacuous"
    out_msg = ok("import", "--outputs=" + out, "--reviewer=calc", back)
    assert "recorded 3 decision" in out_msg, out_msg
    # the same with dates recognised (05/19/55) and as XLSX (numbers, date serials)
    dates = calc(decided, "csv", os.path.join(to, "dates"), "CSV:44,34,76,1,,1033,false,true")
    assert re.search(r",\d\d/\d\d/\d\d,", open(dates, encoding="utf-8").read()), "dates not reformatted"
    xlsx = calc(decided, "xlsx", os.path.join(to, "xlsx"), "CSV:44,34,76,1,,1033,false,true")
    exported = export_sheet("calc_xlsx", "District Attorney", "xlsx", outputs=out)
    again = calc(exported, "xlsx", os.path.join(to, "xlsx2"))
    for path in (dates, xlsx, again):
        rc, o, err = relief("import", "--outputs=" + out, "--reviewer=calc", path)
        assert rc == 0 and "recorded 0 decision" in o, (path, rc, err)
    # a real change is still refused, and the message says what to do
    rows = read_csv(back)
    rows[2][4] = str(int(float(rows[2][4])) + 1) if "E" not in rows[2][4] else "1.5E+015"
    bad = os.path.join(S["work"], "calc_bad.csv")
    write_csv(bad, rows)
    rc, _, err = relief("import", "--outputs=" + out, "--reviewer=calc", bad)
    assert rc == 2 and "'CII'" in err and "spreadsheet" in err and "XLSX" in err and "as text" in err, err
    return "CSV->CSV, CSV->CSV with dates, CSV->XLSX, XLSX->XLSX"


FILER = {"office": "Pasadena City Prosecutor", "agency": "city-prosecutor", "attorney": "Dana Q. Reyes",
         "barNumber": "123456", "address": ["100 N. Garfield Ave.", "Pasadena, CA 91101"],
         "phone": "(626) 555-0100", "email": "prosecutor@example.gov", "signature": "/s/ Dana Q. Reyes"}


def latest_relief_decisions():
    """{item: (decision, cii, case numbers)} for relief items, latest decision."""
    with db() as c:
        rows = c.execute("SELECT i.id, d.decision, i.cii, i.case_number FROM items i JOIN decisions d"
                         " ON d.item = i.id WHERE i.kind = 'relief' AND d.id = (SELECT MAX(id) FROM"
                         " decisions WHERE item = i.id)").fetchall()
    return {r[0]: (r[1], r[2], tuple(sorted(x for x in r[3].split("; ") if x))) for r in rows}


def filings(out, filer_path):
    rc, _, err, _ = e2etools.run([S["relief"], "filings", "--outputs=" + out] +
                                 (["--filer=" + filer_path] if filer_path else []))
    return rc, err


def court_cases(folder):
    with open(os.path.join(folder, "court_list.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return rows, {(r["CII_NUMBER"], tuple(sorted(x for x in r["Case Number"].split("; ") if x))) for r in rows}


@H.case
def filings_file_only_approved_cases_signed_by_the_filer():
    # more decisions: approve and deny relief items of the misdemeanor sheet
    relief_rows = [i for i, r in enumerate(S["mis"][1:]) if r[8]][4:24]
    plan = {i: ("Approve", "") if k % 2 == 0 else ("Deny", "challenged: pending charge") for k, i in enumerate(relief_rows)}
    path = os.path.join(S["work"], "mis_more.csv")
    write_csv(path, decide(S["mis"], plan))
    ok("import", "--outputs=" + S["out"], "--reviewer=dave", path)
    latest = latest_relief_decisions()
    approved = {(c, k) for d, c, k in latest.values() if d == "Approve"}
    latest_of = "IFNULL((SELECT decision FROM decisions WHERE item = {0}.id ORDER BY id DESC LIMIT 1), '')"
    with db() as c:  # counts dated after 11/08/2016 are filed once every one of the case is approved
        checked = c.execute("SELECT i.cii, i.case_number FROM items i WHERE i.kind = 'hand_review'"
                            " AND i.reason LIKE 'conviction after %' AND " + latest_of.format("i") +
                            " = 'Approve' AND NOT EXISTS (SELECT 1 FROM items j WHERE j.person = i.person"
                            " AND j.case_key = i.case_key AND j.reason LIKE 'conviction after %' AND " +
                            latest_of.format("j") + " <> 'Approve')").fetchall()
    approved |= {(r[0], tuple(sorted(x for x in r[1].split("; ") if x))) for r in checked}
    denied = {(c, k) for d, c, k in latest.values() if d == "Deny"}
    assert len(approved) >= 4 and len(denied) >= 4, (len(approved), len(denied))
    filer = os.path.join(S["work"], "filer.json")
    json.dump(FILER, open(filer, "w"))
    for agency in ("Felony Unit", "Misdemeanor Unit"):  # each agency files under its own profile
        ok("filer", "set", "--outputs=" + S["out"], "--agency=" + agency, filer)
    rc, err = filings(S["out"], None)
    assert rc == 0, err
    folder = os.path.join(S["out"], "Court_Filings", "Misdemeanor_Unit", "LOS_ANGELES")
    rows, cases = court_cases(folder)
    fel = os.path.join(S["out"], "Court_Filings", "Felony_Unit", "LOS_ANGELES")
    for r in rows:
        r["_dir"] = folder
    if os.path.exists(fel):
        rows_fel, cases_fel = court_cases(fel)
        for r in rows_fel:
            r["_dir"] = fel
        rows, cases = rows_fel + rows, cases | cases_fel
        rows.sort(key=lambda r: r["Case Number"])
    assert cases == approved, (sorted(cases ^ approved))
    assert not cases & denied
    assert [r["Case Number"] for r in rows] == sorted(r["Case Number"] for r in rows), "not by case number"
    for r in rows:
        assert re.fullmatch(r"[A-Za-z0-9-]+(_\d+)?(-x)*\.pdf", r["File"]), r["File"]
        assert r["CII_NUMBER"] not in r["File"] or r["CII_NUMBER"] in r["Case Number"]
        text = subprocess.run(["pdftotext", "-layout", os.path.join(r["_dir"], r["File"]), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "Dana Q. Reyes, State Bar No. 123456" in text, r["File"]
        assert "Pasadena City Prosecutor" in text and "(626) 555-0100" in text
        assert "NOTICE TO THE PUBLIC DEFENDER" in text and "Department of" in text
    assert {"Court", "Sections", "Conviction Dates", "Filed", "Granted", "Reported to DOJ"} <= set(rows[0])
    rows = [r for r in rows if r["_dir"] == folder]
    with open(os.path.join(folder, "court_counts.csv"), newline="", encoding="utf-8") as f:
        counts = list(csv.DictReader(f))
    assert sum(int(r["Counts"]) for r in rows) == len(counts)
    for c in counts:  # an unknown charge or date never reaches a motion
        assert c["Offense"].strip() not in ("", "-", "SEE COMMENT FOR CHARGE"), c["Motion"]
        assert c["Conviction Date"] != "unknown", c["Motion"]
    combined = os.path.join(folder, "all_motions.pdf")
    assert b"/Outlines" in open(combined, "rb").read(), "no bookmarks"
    fonts = subprocess.run(["pdffonts", combined], capture_output=True, text=True, check=True).stdout
    emb = [line.split()[-5] for line in fonts.splitlines()[2:]]
    assert emb and all(e == "yes" for e in emb), fonts
    # a decision changed to Deny: its motion is gone on the next filing
    item = next(i for i, (d, c, k) in latest.items() if d == "Approve")
    gone = latest[item][1:]
    sheet = [COLUMNS, [""] * len(COLUMNS)]
    with db() as c:
        row = c.execute("SELECT id, agency, name, dob, cii, subject_id, case_number, counts, proposed, reason"
                        " FROM items WHERE id=?", (item,)).fetchone()
    agency_sheet = S["fel"] if row[1] == "Felony Unit" else S["mis"]
    sheet = fresh([r for r in agency_sheet if r[0] in ("Item", item)])
    sheet[1][10], sheet[1][11] = "Deny", "changed on appeal of the facts"
    path = os.path.join(S["work"], "deny_one.csv")
    write_csv(path, sheet)
    ok("import", "--outputs=" + S["out"], "--reviewer=dave", path)
    before = set(os.listdir(folder))
    rc, err = filings(S["out"], None)
    assert rc == 0, err
    folder = os.path.join(S["out"], "Court_Filings", row[1].replace(" ", "_"), "LOS_ANGELES")
    rows2, cases2 = court_cases(folder)
    other = os.path.join(S["out"], "Court_Filings", ("Felony Unit" if row[1] != "Felony Unit" else
                                                      "Misdemeanor Unit").replace(" ", "_"), "LOS_ANGELES")
    if os.path.exists(other):
        cases2 |= court_cases(other)[1]
    assert cases2 == approved - {gone}, "the denied case is still filed"
    # beside the motions: the challenges (denied items) noticed to the public defender
    assert set(os.listdir(folder)) == {r["File"] for r in rows2} | {"court_list.csv", "court_counts.csv",
                                                                     "all_motions.pdf", "Challenges"}, before
    # the store's unknown-charge rows are review items saying why, never relief
    with db() as c:
        kinds = {k for (k,) in c.execute("SELECT kind FROM items WHERE reason LIKE 'Charge unknown%'"
                                         " OR reason LIKE 'Conviction date unknown%'")}
    assert kinds <= {"hand_review"}, kinds
    return f"{len(rows)} motions filed, {len(denied)} denied cases not filed"


@H.case
def filings_without_a_store_and_a_strict_filer():
    plain = os.path.join(S["work"], "plain")
    filer = os.path.join(S["work"], "filer_bad.json")
    json.dump(dict(FILER, barNumbr="1"), open(filer, "w"))
    rc, err = filings(plain, filer)
    assert rc == 1 and "barNumbr" in err, (rc, err)
    assert not os.path.exists(os.path.join(plain, "Court_Filings"))
    good = os.path.join(S["work"], "filer.json")
    rc, err = filings(plain, good)
    assert rc == 0 and "no review store" in err, err
    with open(os.path.join(plain, "Prop64_Results.csv"), newline="", encoding="utf-8") as f:
        results = list(csv.DictReader(f))
    want = {(r["CII_NUMBER"] or r["SUBJECT_ID"], r["CNT_ORDER"][:6]) for r in results
            if r["Eligibility Determination"] in ("Eligible for Dismissal", "Eligible for Reduction")
            and not charge_or_date_unknown(r)}
    rows, _ = court_cases(os.path.join(plain, "Court_Filings", "LOS_ANGELES"))
    assert len(rows) == len(want) > 0, (len(rows), len(want))
    FILER_NAMES = {r["PRI_NAME"] for r in results}
    assert not any(n and n in err for n in FILER_NAMES), "a name was printed"
    rc, _, err, _ = e2etools.run([S["relief"], "filings", "--outputs=" + os.path.join(S["work"], "nowhere"),
                                  "--filer=" + good])
    assert rc == 1 and "manifest.json" in err, (rc, err)
    return f"{len(rows)} motions"


@H.case
def filings_refuse_an_input_changed_since_the_bundle():
    """A motion names a person: re-deciding from a file that is no longer the
    one the bundle was made from could file for someone else."""
    work = os.path.join(S["work"], "changed")
    os.makedirs(work, exist_ok=True)
    copy = os.path.join(work, "LOS_ANGELES.dat")
    shutil.copyfile(S["input"], copy)
    out = os.path.join(work, "out")
    rc, _, err, _ = e2etools.run(e2etools.run_args(S["relief"], [copy], out, S["options"],
                                                   "LOS ANGELES"))
    assert rc == 0, err
    with open(copy, "r+b") as f:  # the same size, one byte different
        f.seek(-2, os.SEEK_END)
        last = f.read(1)
        f.seek(-2, os.SEEK_END)
        f.write(b"X" if last != b"X" else b"Y")
    rc, err = filings(out, os.path.join(S["work"], "filer.json"))
    assert rc == 2 and "changed since the bundle was made" in err, (rc, err)
    assert not os.path.exists(os.path.join(out, "Court_Filings")), "nothing is filed"


@H.case
def store_integrity_and_reinit_rules():
    with db() as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        try:
            c.execute("UPDATE decisions SET decision='Approve'")
            raise AssertionError("decisions were updatable")
        except sqlite3.DatabaseError:
            pass
    rc, _, err = relief("init", "--outputs=" + S["out"], "--routing=" + S["routing"])
    assert rc == 1 and "--force" in err, (rc, err)
    assert n_decisions() > 0
    ok("init", "--outputs=" + S["out"], "--force")
    s = status()
    assert s["items"] == s["pending"] == S["total"] and list(s["byAgency"]) == ["District Attorney"], s
    assert os.stat(os.path.join(S["out"], "review.sqlite")).st_mode & 0o777 == 0o600


@H.case
def missing_store_and_usage():
    rc, _, err = relief("status", "--outputs=" + os.path.join(S["work"], "nowhere"))
    assert rc == 1 and "review init" in err, (rc, err)
    rc, _, _ = relief("export", "--outputs=" + S["out"], "--to=" + S["work"], "--format=ods")
    assert rc == 1
    rc, _, _ = relief("import", "--outputs=" + S["out"], "--reviewer=x")
    assert rc == 1
    rc, _, _ = relief("frobnicate")
    assert rc == 1


def main():
    ap = H.parser(__doc__, tools=("relief", "gen"))
    return H.main(ap, "relief-review-", start)


if __name__ == "__main__":
    sys.exit(main())
