#!/usr/bin/env python3
"""The page of `relief serve` in headless Chromium (python3-selenium and
chromium-driver from Debian): the county list and code-section choices are
there; choose a file and a county, toggle an option, run with the progress
bar, read the numbers and check them against the API; change a choice and
read the what-if beside them.  Screenshots go to --artifacts.  Skips (and
says why) when chromedriver or selenium is missing."""
import json
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools  # noqa: E402
from serve_client import Server  # noqa: E402

H = e2etools.Harness()
S = {}


def find_driver():
    for p in ("/usr/bin/chromedriver", shutil.which("chromedriver") or ""):
        if p and os.access(p, os.X_OK):
            return p
    return None


def start(args, work):
    S["relief"], S["work"] = args.relief, work
    S["artifacts"] = args.artifacts or os.path.join(work, "artifacts")
    os.makedirs(S["artifacts"], exist_ok=True)
    data = os.path.join(work, "data")
    os.makedirs(data)
    rc, _, err, _ = e2etools.run([args.gen, "--people", "200", "--seed", "21", "--out", data,
                                  "--counties", "SACRAMENTO", "--shape", "reference"])
    assert rc == 0, err
    S["data"] = data
    S["server"] = Server(args.relief, [data], os.path.join(work, "ws"), os.path.join(work, "log"))
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", "--window-size=1400,1800",
              "--ignore-certificate-errors",  # the office case's self-signed certificate
              "--user-data-dir=" + tempfile.mkdtemp(prefix="chromium-", dir=work)):
        opts.add_argument(a)
    for b in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.path.exists(b):
            opts.binary_location = b
            break
    S["driver"] = webdriver.Chrome(service=Service(find_driver()), options=opts)
    S["driver"].set_page_load_timeout(30)


def wait_for(fn, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            v = fn()
            if v:
                return v
        except Exception:  # element not there yet
            pass
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def shot(name):
    path = os.path.join(S["artifacts"], "serve_" + name + ".png")
    S["driver"].save_screenshot(path)
    return path


def cell(key, column):
    d = S["driver"]
    from selenium.webdriver.common.by import By
    row = d.find_element(By.CSS_SELECTOR, 'tr[data-key="%s"]' % key)
    return row.find_elements(By.TAG_NAME, "td")[column].text


@H.case
def page_lists_counties_and_sections():
    from selenium.webdriver.common.by import By
    d, srv = S["driver"], S["server"]
    d.get("http://127.0.0.1:%d/?token=%s" % (srv.port, srv.token))
    counties = [o.get_attribute("value") for o in d.find_elements(By.CSS_SELECTOR, "#county option")]
    assert len(counties) == 58 and "LOS ANGELES" in counties and "SACRAMENTO" in counties, counties
    for s in ("11357", "11358", "11359", "11360"):
        for v in ("dismiss", "reduce"):
            assert d.find_element(By.ID, "s%s-%s" % (s, v)), (s, v)
    wait_for(lambda: d.find_elements(By.CSS_SELECTOR, ".input-file"), what="the input list")
    # upload an extract into the workspace: it joins the list
    src = os.path.join(S["data"], "SACRAMENTO.dat")
    d.find_element(By.ID, "upload").send_keys(src)
    wait_for(lambda: "uploaded" in d.find_element(By.ID, "uploadStatus").text, 60, "the upload")
    values = [b.get_attribute("value") for b in d.find_elements(By.CSS_SELECTOR, ".input-file")]
    assert any("/uploads/SACRAMENTO.dat" in v for v in values), values
    shot("page")
    return "%d counties" % len(counties)


@H.case
def run_from_the_page():
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    d, srv = S["driver"], S["server"]
    boxes = [b for b in d.find_elements(By.CSS_SELECTOR, ".input-file")
             if b.get_attribute("value").endswith(".dat")]
    boxes[0].click()
    Select(d.find_element(By.ID, "county")).select_by_value("SACRAMENTO")
    d.execute_script("document.getElementById('computeAt').value = '2019-11-11'")
    d.find_element(By.ID, "s11359-dismiss").click()  # toggle an option
    d.find_element(By.ID, "under21").click()
    d.find_element(By.ID, "run").click()
    wait_for(lambda: "done" in d.find_element(By.ID, "status").text, 300, "the run to finish")
    assert float(d.find_element(By.ID, "progress").get_attribute("value")) == 1.0
    runs = srv.json("GET", "/api/runs")
    summary = runs[-1]["summary"]
    got = int(cell("subjectsWithSomeReliefCount", 1))
    assert got == summary["subjectsWithSomeReliefCount"], (got, summary)
    got = int(cell("convictionDismissalCountByCodeSection › 11359", 1))
    assert got == summary["convictionDismissalCountByCodeSection"]["11359"], got
    assert "21 years or younger" in json.dumps(summary)
    links = [a.text for a in d.find_elements(By.CSS_SELECTOR, "#files a.file")]
    assert "All_Results.csv" in links and "report.pdf" in links, links
    frame = wait_for(lambda: d.find_element(By.ID, "reportFrame"), what="the report")
    d.switch_to.frame(frame)
    body = wait_for(lambda: d.find_element(By.TAG_NAME, "body").text, 30, "the report's text")
    d.switch_to.default_content()
    assert "SACRAMENTO" in body.upper(), body[:200]
    S["run"] = runs[-1]["id"]
    shot("run")
    return "%d people with relief" % summary["subjectsWithSomeReliefCount"]


@H.case
def whatif_beside_the_run():
    from selenium.webdriver.common.by import By
    d, srv = S["driver"], S["server"]
    d.find_element(By.ID, "s11358-none").click()
    wait_for(lambda: "what-if computed" in d.find_element(By.ID, "whatifNote").text, 30, "what-if")
    opts = {"baselineEligibility": {"dismiss": ["11357", "11359"], "reduce": ["11360"]},
            "additionalRelief": {"subjectUnder21AtConviction": True,
                                 "subjectHasOnlyProp64Charges": False, "subjectIsDeceased": False}}
    want = srv.json("POST", "/api/runs/%d/whatif" % S["run"], {"options": opts})["summary"]
    got = int(cell("subjectsWithSomeReliefCount", 2))
    assert got == want["subjectsWithSomeReliefCount"], (got, want)
    cnt = cell("convictionDismissalCountByCodeSection › 11357", 2)
    assert int(cnt) == want["convictionDismissalCountByCodeSection"]["11357"], cnt
    shot("whatif")
    return d.find_element(By.ID, "whatifNote").text


@H.case
def search_and_explain_from_the_page():
    from selenium.webdriver.common.by import By
    import csv
    d = S["driver"]
    run_dir = os.path.join(S["work"], "ws", "runs", str(S["run"]))
    with open(os.path.join(run_dir, "Prop64_Results.csv"), newline="", encoding="utf-8") as f:
        who = next(csv.DictReader(f))
    d.find_element(By.ID, "searchBox").send_keys(who["CII_NUMBER"])
    d.find_element(By.ID, "searchButton").click()
    rows = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr.person"), 30, "search results")
    rows[0].find_element(By.CSS_SELECTOR, "button.explain").click()
    table = wait_for(lambda: d.find_element(By.ID, "explainTable"), 60, "the explain view")
    assert who["CII_NUMBER"] in rows[0].text
    assert len(table.find_elements(By.TAG_NAME, "tr")) > 1
    shot("explain")


@H.case
def review_from_the_page():
    from selenium.webdriver.common.by import By
    d, srv = S["driver"], S["server"]
    d.find_element(By.ID, "reviewFiles").click()
    before = len(srv.json("GET", "/api/runs"))
    d.find_element(By.ID, "run").click()
    wait_for(lambda: "Run %d: done" % (before + 1) in d.find_element(By.ID, "status").text, 300,
             "the review run")
    wait_for(lambda: d.find_element(By.ID, "reviewStart").is_displayed(), 30, "Start the review")
    d.find_element(By.ID, "reviewStart").click()
    rows = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr.review-item"), 30, "the queue")
    item = rows[0].get_attribute("data-item")
    rows[0].find_element(By.CSS_SELECTOR, "input.notes").send_keys("checked in court index")
    rows[0].find_element(By.CSS_SELECTOR, "button.decide-approve").click()
    sel = 'tr.review-item[data-item="%s"] td.decision' % item
    wait_for(lambda: d.find_element(By.CSS_SELECTOR, sel).text == "Approve", 30, "the decision")
    S["review_run"] = before + 1
    items = srv.json("GET", "/api/runs/%d/review?limit=500" % (before + 1))["items"]
    got = [i for i in items if i["item"] == item][0]
    assert got["decision"] == "Approve" and got["notes"] == "checked in court index", got
    assert "1 approved" in d.find_element(By.ID, "reviewCounts").text
    shot("review")
    # motions for the approved item, filed by the office named on the page
    d.find_element(By.CSS_SELECTOR, "#motionsBlock summary").click()
    for field, value in (("filerOffice", "Sacramento County District Attorney"),
                         ("filerAttorney", "Dana Q. Reyes"), ("filerBar", "123456"),
                         ("filerAddress", "901 G Street\nSacramento, CA 95814"),
                         ("filerPhone", "(916) 555-0100"), ("filerSignature", "/s/ Dana Q. Reyes")):
        d.find_element(By.ID, field).send_keys(value)
    d.find_element(By.ID, "fileMotions").click()
    wait_for(lambda: "approved item(s)" in d.find_element(By.ID, "motionsStatus").text, 120,
             "the motions")
    note = d.find_element(By.ID, "motionsStatus").text
    assert note.startswith(("0 motion", "1 motion")) and "from 1 approved" in note, note
    run = srv.json("GET", "/api/runs/%d" % (before + 1))
    assert run["filings"]["status"] == "done", run
    links = [a.text for a in d.find_elements(By.CSS_SELECTOR, "#files a.file")]
    assert any(t.startswith("Court_Filings/") and t.endswith("court_list.csv") for t in links), links
    shot("motions")
    return "%d items, %s" % (len(items), note)


def review_rows():
    from selenium.webdriver.common.by import By
    return S["driver"].find_elements(By.CSS_SELECTOR, "tr.review-item")


def review_api(query=""):
    return S["server"].json("GET", "/api/runs/%d/review%s" % (S["review_run"], query))


def press(keys):
    from selenium.webdriver.common.action_chains import ActionChains
    S["driver"].execute_script("document.activeElement && document.activeElement.blur()")
    ActionChains(S["driver"]).send_keys(keys).perform()


def selected_item():
    from selenium.webdriver.common.by import By
    return S["driver"].find_element(By.CSS_SELECTOR, "tr.review-item.selected").get_attribute("data-item")


@H.case
def review_filter_sort_and_detail():
    """The review screen pages on the server, filters and sorts; the detail
    pane shows the person, each count, the reason, the explanation and the
    history; every per-row button names its item."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select
    d = S["driver"]
    total = review_api("?limit=0")["total"]
    wait_for(lambda: "of %d" % total in d.find_element(By.ID, "pageInfo").text, 30, "the pages")
    assert total > 50 and len(review_rows()) == 50, (total, len(review_rows()))

    def named():  # each per-row control's accessible name names its item
        labels = [(r.get_attribute("data-item"), [b.get_attribute("aria-label") for b in
                                                  r.find_elements(By.CSS_SELECTOR, "button, input")])
                  for r in review_rows()]
        assert all(len(ls) == 5 and all(item in x for x in ls) for item, ls in labels), labels[:2]
        return True
    wait_for(named, 30, "named controls")
    named()
    d.find_element(By.ID, "pageNext").click()
    wait_for(lambda: d.find_element(By.ID, "pageInfo").text.startswith("items 51–"), 30, "page 2")
    Select(d.find_element(By.ID, "fStatus")).select_by_value("pending")
    want = review_api("?status=pending&limit=0")["total"]
    wait_for(lambda: d.find_element(By.ID, "pageInfo").text.startswith("items 1–") and
             "of %d" % want in d.find_element(By.ID, "pageInfo").text, 30, "the pending filter")
    assert {r.find_element(By.CSS_SELECTOR, "td.decision").text for r in review_rows()} == {"pending"}
    target = review_api("?status=pending&limit=5")["items"][4]
    box = d.find_element(By.ID, "fText")
    box.send_keys(target["cii"], Keys.ENTER)
    want = [i["item"] for i in review_api("?status=pending&limit=500&q=" + target["cii"])["items"]]
    wait_for(lambda: [r.get_attribute("data-item") for r in review_rows()] == want, 30, "the CII filter")
    box.clear()
    box.send_keys(Keys.ENTER)
    pending = review_api("?status=pending&limit=0")["total"]
    wait_for(lambda: "of %d" % pending in d.find_element(By.ID, "pageInfo").text, 30, "unfiltered")
    sort_by_name = 'button.sort[data-sort="name"]'
    wait_for(lambda: d.find_element(By.CSS_SELECTOR, sort_by_name).click() or True, 30, "a sort")
    wait_for(lambda: d.find_element(By.CSS_SELECTOR, sort_by_name)
             .find_element(By.XPATH, "..").get_attribute("aria-sort") == "ascending", 30, "sorted")
    wait_for(lambda: d.find_element(By.CSS_SELECTOR, sort_by_name).click() or True, 30, "a sort")
    want = [i["item"] for i in review_api("?status=pending&sort=-name")["items"]]
    wait_for(lambda: [r.get_attribute("data-item") for r in review_rows()] == want, 30, "name, descending")
    # the detail pane of the first row
    wait_for(lambda: review_rows()[0].find_elements(By.TAG_NAME, "td")[3].click() or True, 30, "a row")
    item = S["server"].json("GET", "/api/runs/%d/review/%s" % (S["review_run"], want[0]))["item"]
    pane = lambda: d.find_element(By.ID, "reviewDetail")
    wait_for(lambda: pane().find_elements(By.CSS_SELECTOR, "#detailHistory li"), 60, "the detail pane")
    text = pane().text
    for v in (item["item"], item["name"], item["dob"], item["cii"], item["caseNumber"]):
        assert v in text, v
    counts = pane().find_elements(By.CSS_SELECTOR, "#detailCounts tr.count")
    assert len(counts) == len(item["counts"]), (len(counts), item["counts"])
    for tr, c in zip(counts, item["counts"]):
        cells = [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        assert cells[0] == c["section"] and cells[2] == c["date"] and cells[3] == c["level"], cells
        assert c["offense"].strip() and cells[1] == c["offense"].strip(), cells
    explain = [li.text for li in pane().find_elements(By.CSS_SELECTOR, ".rv-explain li")]
    assert any("decided by rule" in t or "no result" in t for t in explain), explain
    own = [t for t in explain if t.endswith("(a count of this item)")]
    assert own and all(any(c["section"] in t and c["date"] in t for c in item["counts"])
                       for t in own), (own, item["counts"])
    assert "Not decided yet." in pane().find_element(By.ID, "detailHistory").text
    assert item["reason"] in pane().find_element(By.CSS_SELECTOR, ".rv-reason").text
    shot("review_detail")
    return "%d items, %d pending" % (total, review_api("?status=pending&limit=0")["total"])


@H.case
def review_keyboard_decisions():
    """j and k move, a approves, d denies (asking first for the reason in
    the notes), h holds, n goes to the notes; the history shows each."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    d, srv, rid = S["driver"], S["server"], S["review_run"]
    decided = lambda item: srv.json("GET", "/api/runs/%d/review/%s" % (rid, item))
    press("j")
    wait_for(lambda: selected_item() == review_rows()[1].get_attribute("data-item"), 30, "j")
    press("k")
    wait_for(lambda: selected_item() == review_rows()[0].get_attribute("data-item"), 30, "k")
    one = selected_item()
    press("a")
    wait_for(lambda: decided(one)["item"]["decision"] == "Approve", 30, "a approves")
    wait_for(lambda: selected_item() != one, 30, "the next item after a decision")
    two = selected_item()
    press("d")
    wait_for(lambda: "needs its reason" in d.find_element(By.ID, "reviewMessage").text, 30, "the deny refused")
    assert decided(two)["item"]["decision"] == "", "a deny without its reason was recorded"
    active = d.switch_to.active_element
    assert "notes" in active.get_attribute("class"), active.get_attribute("outerHTML")[:80]
    active.send_keys("no record of the conviction in the court index", Keys.ESCAPE)
    press("d")
    wait_for(lambda: decided(two)["item"]["decision"] == "Deny", 30, "d denies")
    assert decided(two)["item"]["notes"] == "no record of the conviction in the court index"
    wait_for(lambda: selected_item() not in (one, two), 30, "the next item")
    three = selected_item()
    press("n")
    active = d.switch_to.active_element
    assert "notes" in active.get_attribute("class") and three in active.get_attribute("aria-label")
    active.send_keys("ask the court for the docket", Keys.ESCAPE)
    press("h")
    wait_for(lambda: decided(three)["item"]["decision"] == "Hold", 30, "h holds")
    h = decided(three)["history"]
    assert [(e["decision"], e["reviewer"]) for e in h] == [("Hold", "local")], h
    shot("review_keyboard")
    return "approve, deny with its reason, hold from the keyboard"


@H.case
def review_bulk_with_confirmation():
    """Bulk approve of a selection and bulk deny of a filtered set, each
    after a confirmation that states the count; cancel records nothing."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    d, srv, rid = S["driver"], S["server"], S["review_run"]
    confirm = lambda: d.find_element(By.ID, "bulkConfirmText").text
    wait_for(lambda: len(review_rows()) > 3, 30, "the rows")
    picked = [r.get_attribute("data-item") for r in review_rows()[:2]]
    for r in review_rows()[:2]:
        r.find_element(By.CSS_SELECTOR, "input.pick").click()
    d.find_element(By.ID, "bulkApproveSel").click()
    wait_for(lambda: d.find_element(By.ID, "bulkConfirm").is_displayed(), 10, "the confirmation")
    assert confirm().startswith("Approve 2 items"), confirm()
    shot("review_bulk_confirm")
    d.find_element(By.ID, "bulkYes").click()
    wait_for(lambda: "2 item(s): Approve recorded" in d.find_element(By.ID, "reviewMessage").text, 30, "bulk")
    for item in picked:
        assert srv.json("GET", "/api/runs/%d/review/%s" % (rid, item))["item"]["decision"] == "Approve"
    Select(d.find_element(By.ID, "fProposed")).select_by_value("Reduction")
    n = review_api("?status=pending&proposed=Reduction&limit=0")["total"]
    wait_for(lambda: "of %d" % n in d.find_element(By.ID, "pageInfo").text, 30, "the filter")
    before = review_api("?limit=0")["tally"]
    d.find_element(By.ID, "bulkApproveAll").click()
    wait_for(lambda: d.find_element(By.ID, "bulkConfirm").is_displayed(), 10, "the confirmation")
    assert confirm().startswith("Approve %d item" % n), confirm()
    d.find_element(By.ID, "bulkNo").click()
    assert review_api("?limit=0")["tally"] == before, "a cancelled bulk recorded something"
    d.find_element(By.ID, "bulkDenyAll").click()
    wait_for(lambda: "needs its reason" in d.find_element(By.ID, "reviewMessage").text, 10, "reason")
    d.find_element(By.ID, "bulkNotes").send_keys("prior conviction for sale to a minor")
    d.find_element(By.ID, "bulkDenyAll").click()
    wait_for(lambda: d.find_element(By.ID, "bulkConfirm").is_displayed(), 10, "the confirmation")
    assert confirm().startswith("Deny %d item" % n) and "sale to a minor" in confirm(), confirm()
    d.find_element(By.ID, "bulkYes").click()
    wait_for(lambda: "%d item(s): Deny recorded" % n in d.find_element(By.ID, "reviewMessage").text, 30, "deny")
    after = review_api("?limit=0")["tally"]
    assert after["denied"] == before["denied"] + n and after["pending"] == before["pending"] - n, after
    Select(d.find_element(By.ID, "fProposed")).select_by_value("")
    Select(d.find_element(By.ID, "fStatus")).select_by_value("")
    return "2 approved as a selection, %d denied as a filter" % n


@H.case
def routing_from_the_page():
    """Edit the routing on the page, see each route's count (as the API's
    preview gives it), start the review under it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    d, srv = S["driver"], S["server"]
    st = srv.run({"inputs": [os.path.join(S["data"], "SACRAMENTO.dat")], "county": "SACRAMENTO",
                  "computeAt": "2019-11-11", "reviewFiles": True})
    d.get("http://127.0.0.1:%d/?token=%s" % (srv.port, srv.token))
    wait_for(lambda: d.find_element(By.ID, "pastRunsLabel").is_displayed(), 30, "the run list")
    Select(d.find_element(By.ID, "pastRuns")).select_by_value(str(st["id"]))
    wait_for(lambda: d.find_element(By.ID, "routingBlock").is_displayed(), 60, "the routing")
    routing = {"default": "Misdemeanor Unit", "routes": [{"agency": "Felony Unit", "felony": True}]}
    box = d.find_element(By.ID, "routingText")
    box.clear()
    box.send_keys(json.dumps(routing))
    d.find_element(By.ID, "routingCheck").click()
    rows = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "#routingCounts tr.route"), 60, "counts")
    want = srv.json("POST", "/api/runs/%d/review/routes" % st["id"], {"routing": routing})
    cells = [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]
    assert cells[0][1:] == ["Felony Unit", str(want["routes"][0]["matched"])], cells
    assert cells[1][1:] == ["Misdemeanor Unit", str(want["defaultItems"])], cells
    shot("routing")
    d.find_element(By.ID, "reviewStart").click()
    wait_for(lambda: review_rows(), 60, "the queue")
    agencies = [o.text for o in Select(d.find_element(By.ID, "fAgency")).options][1:]
    assert agencies == ["Felony Unit", "Misdemeanor Unit"], agencies
    got = srv.json("GET", "/api/runs/%d/review?agency=Felony%%20Unit&limit=0" % st["id"])["total"]
    assert got == want["routes"][0]["matched"], (got, want)
    return "%d felony, %d default" % (want["routes"][0]["matched"], want["defaultItems"])


@H.case
def earlier_runs_on_reload():
    """A reloaded page (or a restarted server) opens an earlier run."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    d, srv = S["driver"], S["server"]
    d.get("http://127.0.0.1:%d/?token=%s" % (srv.port, srv.token))
    wait_for(lambda: d.find_element(By.ID, "pastRunsLabel").is_displayed(), 30, "the run list")
    Select(d.find_element(By.ID, "pastRuns")).select_by_value(str(S["run"]))
    wait_for(lambda: "Run %d: done" % S["run"] in d.find_element(By.ID, "status").text, 30,
             "the earlier run")
    summary = srv.json("GET", "/api/runs/%d" % S["run"])["summary"]
    got = int(cell("subjectsWithSomeReliefCount", 1))
    assert got == summary["subjectsWithSomeReliefCount"], (got, summary)
    links = [a.text for a in d.find_elements(By.CSS_SELECTOR, "#files a.file")]
    assert "All_Results.csv" in links, links
    return "run %d reopened" % S["run"]


def axe_source():
    """axe-core's script as scripts/setup.sh installs it from npm, or None."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    axe_dir = os.environ.get("RELIEF_AXE_DIR") or os.path.join(cache, "relief", "axe-core")
    for p in (os.environ.get("RELIEF_AXE"),
              os.path.join(axe_dir, "node_modules", "axe-core", "axe.min.js")):
        if p and os.path.isfile(p):
            with open(p, encoding="utf-8") as f:
                return f.read()
    return None


def axe_check(screen):
    """A screenshot of the screen, then axe-core injected into it: no serious
    or critical violation (all of them go to artifacts/axe_SCREEN.json).
    Returns the number of rules checked, or None without axe-core."""
    d = S["driver"]
    shot(screen)
    src = axe_source()
    if src is None:
        S["axe_missing"] = True
        return None
    d.set_script_timeout(120)
    if not d.execute_script("return !!window.axe"):
        d.execute_script(src)
    out = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {iframes: false, resultTypes: ['violations']})"
        ".then((r) => done(JSON.stringify({violations: r.violations, passes: r.passes.length})))"
        ".catch((e) => done(JSON.stringify({error: String(e)})));")
    res = json.loads(out)
    assert "error" not in res, res
    with open(os.path.join(S["artifacts"], "axe_" + screen + ".json"), "w") as f:
        json.dump(res["violations"], f, indent=1)
    bad = ["%s (%s): %s" % (v["id"], v["impact"], "; ".join(n["target"][0] for n in v["nodes"][:3]))
           for v in res["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, "%s: %s" % (screen, " | ".join(bad))
    return res["passes"]


def open_page(path="/"):
    """The page by its plain address: the session cookie from the first
    load (with ?token=) is what lets it in."""
    from selenium.webdriver.common.by import By
    d, srv = S["driver"], S["server"]
    d.get("http://127.0.0.1:%d%s" % (srv.port, path))
    wait_for(lambda: d.find_elements(By.CSS_SELECTOR, ".input-file"), 30, "the input list")


def reopen_run(rid):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    d = S["driver"]
    wait_for(lambda: d.find_element(By.ID, "pastRunsLabel").is_displayed(), 30, "the run list")
    Select(d.find_element(By.ID, "pastRuns")).select_by_value(str(rid))
    wait_for(lambda: "Run %d: done" % rid in d.find_element(By.ID, "status").text, 30, "the run")
    wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "#files a.file"), 30, "its files")


@H.case
def token_leaves_the_address_bar():
    """The token is in the address only for the first load: it is traded
    for an HttpOnly cookie, no link carries it, and the plain address then
    opens the page."""
    from selenium.webdriver.common.by import By
    d, srv = S["driver"], S["server"]
    d.get("http://127.0.0.1:%d/?token=%s" % (srv.port, srv.token))
    wait_for(lambda: d.find_elements(By.CSS_SELECTOR, ".input-file"), 30, "the input list")
    assert "token" not in d.current_url and srv.token not in d.current_url, d.current_url
    assert "relief_admin" not in d.execute_script("return document.cookie"), "cookie not HttpOnly"
    assert srv.token not in d.execute_script("return document.documentElement.outerHTML")
    open_page()  # no token at all
    reopen_run(S["run"])
    hrefs = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "a[href]")]
    hrefs.append(d.find_element(By.ID, "reportFrame").get_attribute("src"))
    assert hrefs and not any("token" in h for h in hrefs), [h for h in hrefs if "token" in h]
    zip_href = d.find_element(By.ID, "zipLink").get_attribute("href")
    assert zip_href.endswith("/bundle.zip"), zip_href  # review.sqlite only when asked
    frame = d.find_element(By.ID, "reportFrame")  # the report loads on the cookie too
    d.switch_to.frame(frame)
    body = wait_for(lambda: d.find_element(By.TAG_NAME, "body").text, 30, "the report's text")
    d.switch_to.default_content()
    assert "SACRAMENTO" in body.upper(), body[:200]
    return "%d links without a token" % len(hrefs)


@H.case
def reopened_run_restores_the_form():
    """Reopening a run puts its inputs, county, date, options and flow back
    in the form, and says so."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    d, srv = S["driver"], S["server"]
    open_page()
    Select(d.find_element(By.ID, "county")).select_by_value("ALAMEDA")  # not the run's
    d.find_element(By.ID, "s11359-none").click()
    d.find_element(By.ID, "ageOn").click()
    reopen_run(S["run"])
    run = srv.json("GET", "/api/runs/%d" % S["run"])
    assert Select(d.find_element(By.ID, "county")).first_selected_option.get_attribute("value") == \
        "SACRAMENTO"
    assert d.find_element(By.ID, "computeAt").get_attribute("value") == "2019-11-11"
    assert d.find_element(By.ID, "flow").get_attribute("value") == run["flow"]
    checked = [b.get_attribute("value") for b in d.find_elements(By.CSS_SELECTOR, ".input-file")
               if b.is_selected()]
    assert checked == run["inputs"], (checked, run["inputs"])
    be = run["options"]["baselineEligibility"]
    for sec in ("11357", "11358", "11359", "11360"):
        want = "dismiss" if sec in be["dismiss"] else "reduce" if sec in be["reduce"] else "none"
        assert d.find_element(By.ID, "s%s-%s" % (sec, want)).is_selected(), (sec, want)
    assert d.find_element(By.ID, "under21").is_selected() and not d.find_element(By.ID, "ageOn").is_selected()
    note = d.find_element(By.ID, "restoreNote")
    assert note.is_displayed() and "run %d" % S["run"] in note.text and "SACRAMENTO" in note.text, note.text
    assert "11/11/2019" in note.text, note.text
    shot("reopened")
    return note.text[:80]


RAW = re.compile(r"reliefWith|CountSubjects|ByCodeSection|T00:00:00Z|0001-01-01|›")
FLAGS = re.compile(r"\b(in_county|prop64|has_1135\d|has_11360|only_prop64|under_21_at_conviction|"
                   r"sentences_completed|felony_|pc290_registered)\b")


@H.case
def results_and_explain_in_plain_words():
    """The results panel speaks the impact report's words (dates as dates),
    and explain gives sentences: the verdict as `relief explain` words it,
    and the facts that held."""
    import csv
    from selenium.webdriver.common.by import By
    d, srv = S["driver"], S["server"]
    open_page()
    reopen_run(S["run"])
    table = d.find_element(By.ID, "summary").text
    assert not RAW.search(table), RAW.search(table).group(0)
    for words in ("People who will no longer have a felony conviction, with the county's current choices",
                  "People who get some relief (a dismissal or a reduction)",
                  "Dismissed: all HS 11359 convictions", "Dismissed: 21 years or younger",
                  "Earliest Prop 64 conviction"):
        assert words in table, words
    row = d.find_element(By.CSS_SELECTOR, 'tr[data-key="earliestConviction"]').text
    assert re.search(r"\d\d/\d\d/\d{4}|unknown \(a conviction with no known date\)|none", row), row
    # explain one person, and the CLI's explain of the same person
    run_dir = os.path.join(S["work"], "ws", "runs", str(S["run"]))
    with open(os.path.join(run_dir, "Prop64_Results.csv"), newline="", encoding="utf-8") as f:
        who = next(csv.DictReader(f))
    box = d.find_element(By.ID, "searchBox")
    box.clear()
    box.send_keys(who["CII_NUMBER"])
    d.find_element(By.ID, "searchButton").click()
    rows = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr.person"), 30, "search results")
    rows[0].find_element(By.CSS_SELECTOR, "button.explain").click()
    wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr.explain-conviction"), 60, "the explain view")
    text_all = d.find_element(By.ID, "explain").text
    assert not FLAGS.search(text_all), FLAGS.search(text_all).group(0)
    verdicts = [c.text for c in d.find_elements(By.CSS_SELECTOR, "td.verdict")]
    opts = os.path.join(S["work"], "explain-options.json")
    with open(opts, "w") as f:
        json.dump(srv.json("GET", "/api/runs/%d" % S["run"])["options"], f)
    rc, out, err, _ = e2etools.run([S["relief"], "explain", "--input-doj=" + os.path.join(S["data"], "SACRAMENTO.dat"),
                                    "--subject=" + who["CII_NUMBER"], "--county=SACRAMENTO",
                                    "--compute-at=2019-11-11", "--eligibility-options=" + opts])
    assert rc == 0, err
    cli = [line.strip() for line in out.splitlines()
           if line.startswith("    ") and not line.strip().startswith("features:")]
    assert len(cli) == len(verdicts) > 0, (cli, verdicts)
    for c, v in zip(cli, verdicts):
        assert v.lower() == (c + ".").lower(), (v, c)
    assert d.find_elements(By.CSS_SELECTOR, "tr.explain-conviction li"), "no facts"
    shot("explain_words")
    return "%d convictions explained" % len(verdicts)


BEAR = {"baselineEligibility": {"dismiss": ["11357", "11358", "11359", "11360"], "reduce": []},
        "additionalRelief": {"subjectUnder21AtConviction": False, "subjectHasOnlyProp64Charges": True,
                             "subjectIsDeceased": False, "yearsSinceConvictionThreshold": 5,
                             "yearsCrimeFreeThreshold": 5}}


@H.case
def bear_preset_and_help_texts():
    """A "BEAR defaults" preset sets BEAR's choices (its what-if follows);
    every eligibility choice carries a one-line help text."""
    from selenium.webdriver.common.by import By
    d, srv = S["driver"], S["server"]
    open_page()
    reopen_run(S["run"])
    d.find_element(By.ID, "presetBear").click()
    for sec in ("11357", "11358", "11359", "11360"):
        assert d.find_element(By.ID, "s%s-dismiss" % sec).is_selected(), sec
    on = {i: d.find_element(By.ID, i).is_selected()
          for i in ("under21", "ageOn", "yscOn", "cfOn", "onlyProp64", "deceased")}
    assert on == {"under21": False, "ageOn": False, "yscOn": True, "cfOn": True, "onlyProp64": True,
                  "deceased": False}, on
    assert d.find_element(By.ID, "ysc").get_attribute("value") == "5"
    want = srv.json("POST", "/api/runs/%d/whatif" % S["run"], {"options": BEAR})["summary"]
    wait_for(lambda: d.find_element(By.CSS_SELECTOR, 'tr[data-key="subjectsWithSomeReliefCount"]')
             .find_elements(By.TAG_NAME, "td")[2].text == str(want["subjectsWithSomeReliefCount"]),
             30, "the BEAR what-if")
    assert "BEAR" in d.find_element(By.ID, "presetHelp").text
    for i in ("under21", "ageOn", "yscOn", "cfOn", "onlyProp64", "deceased"):
        helper = d.find_element(By.ID, d.find_element(By.ID, i).get_attribute("aria-describedby"))
        assert len(helper.text) > 15, i
    helps = d.find_elements(By.CSS_SELECTOR, "#sections th .help")
    assert len(helps) == 4 and all(h.text for h in helps), [h.text for h in helps]
    shot("bear_preset")
    return "BEAR what-if: %d people with relief" % want["subjectsWithSomeReliefCount"]


def keys(*k):
    """Key presses to whatever has the focus, as a person types them."""
    from selenium.webdriver.common.action_chains import ActionChains
    ActionChains(S["driver"]).send_keys(*k).perform()


def tab_to(pred, what, limit=400):
    """Presses Tab until the focused element satisfies pred; returns it."""
    from selenium.webdriver.common.keys import Keys
    d = S["driver"]
    for _ in range(limit):
        el = d.switch_to.active_element
        if pred(el):
            return el
        keys(Keys.TAB)
    raise AssertionError("Tab never reached " + what)


def a_cii():
    """A CII number of the first run's people (a search finds it)."""
    import csv
    run_dir = os.path.join(S["work"], "ws", "runs", str(S["run"]))
    with open(os.path.join(run_dir, "Prop64_Results.csv"), newline="", encoding="utf-8") as f:
        return next(csv.DictReader(f))["CII_NUMBER"]


@H.case
def keyboard_alone_completes_the_flow():
    """Tab, Space, Enter and typing only: choose a file and a county, take
    the BEAR preset, run, find a person and explain them, reach the zip."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    d, srv = S["driver"], S["server"]
    open_page()
    before = len(srv.json("GET", "/api/runs"))
    d.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    box = tab_to(lambda e: "input-file" in (e.get_attribute("class") or "") and
                 e.get_attribute("value").endswith("SACRAMENTO.dat"), "the input file")
    if not box.is_selected():
        keys(Keys.SPACE)
    assert box.is_selected()
    county = tab_to(lambda e: e.get_attribute("id") == "county", "the county")
    keys("SACRAMENTO")
    assert county.get_attribute("value") == "SACRAMENTO", county.get_attribute("value")
    tab_to(lambda e: e.get_attribute("id") == "presetBear", "the BEAR preset")
    keys(Keys.ENTER)
    assert d.find_element(By.ID, "s11360-dismiss").is_selected()
    tab_to(lambda e: e.get_attribute("id") == "run", "Run")
    keys(Keys.ENTER)
    wait_for(lambda: "Run %d: done" % (before + 1) in d.find_element(By.ID, "status").text, 300,
             "the keyboard's run")
    st = srv.json("GET", "/api/runs/%d" % (before + 1))
    assert st["county"] == "SACRAMENTO" and st["options"]["baselineEligibility"]["dismiss"] == \
        BEAR["baselineEligibility"]["dismiss"], st
    wait_for(lambda: d.find_element(By.ID, "peopleSection").is_displayed(), 30, "people")
    tab_to(lambda e: e.get_attribute("id") == "searchBox", "the search box")
    keys(a_cii(), Keys.ENTER)
    wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr.person"), 30, "search results")
    tab_to(lambda e: "explain" in (e.get_attribute("class") or ""), "Explain")
    keys(Keys.ENTER)
    wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr.explain-conviction"), 60, "explain")
    d.execute_script("window.scrollTo(0, 0); document.activeElement.blur()")
    tab_to(lambda e: e.get_attribute("id") == "zipLink", "the zip link")
    shot("keyboard")
    return "run %d by keyboard" % (before + 1)


@H.case
def axe_finds_nothing_serious_on_each_screen():
    """axe-core (npm, installed by scripts/setup.sh) on each screen: the
    form, the results with a what-if, explain, the review queue."""
    from selenium.webdriver.common.by import By
    d, srv = S["driver"], S["server"]
    if axe_source() is None:
        return "skipped: axe-core is not installed (scripts/setup.sh installs it)"
    checked = []
    d.get("http://127.0.0.1:%d/?token=%s" % (srv.port, srv.token))
    wait_for(lambda: d.find_elements(By.CSS_SELECTOR, ".input-file"), 30, "the input list")
    checked.append(axe_check("form"))
    reopen_run(S["run"])
    d.find_element(By.ID, "s11358-none").click()
    wait_for(lambda: "what-if computed" in d.find_element(By.ID, "whatifNote").text, 30, "what-if")
    checked.append(axe_check("results"))
    d.find_element(By.ID, "searchBox").send_keys(a_cii())
    d.find_element(By.ID, "searchButton").click()
    rows = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr.person"), 30, "search results")
    rows[0].find_element(By.CSS_SELECTOR, "button.explain").click()
    wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr.explain-conviction"), 60, "explain")
    checked.append(axe_check("explain_sentences"))
    reviewed = [r["id"] for r in srv.json("GET", "/api/runs") if r.get("reviewFiles")
                and os.path.exists(os.path.join(S["work"], "ws", "runs", str(r["id"]), "review.sqlite"))]
    if reviewed:
        reopen_run(reviewed[-1])
        wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr.review-item"), 30, "the queue")
        checked.append(axe_check("review_queue"))
    frame = d.find_element(By.ID, "reportFrame")
    d.switch_to.frame(frame)
    try:
        wait_for(lambda: d.find_element(By.TAG_NAME, "body").text, 30, "the report")
        checked.append(axe_check("report"))
    finally:
        d.switch_to.default_content()
    return "%d screens, %s rules passed" % (len(checked), checked)


@H.case
def office_accounts_in_the_browser():
    import subprocess
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    if not shutil.which("openssl"):
        return "skipped: no openssl to make a certificate"
    work, d = S["work"], S["driver"]
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    rc, _, err, _ = e2etools.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                  "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"])
    assert rc == 0, err
    ws = os.path.join(work, "ws-office")
    for name, agency in (("alice", "Felony Unit"), ("bob", "Misdemeanor Unit")):
        p = subprocess.run([S["relief"], "serve", "users", "add", name, "--agency=" + agency,
                            "--workspace=" + ws], input=b"password-" + name.encode() + b"\n",
                           capture_output=True, timeout=60)
        assert p.returncode == 0, p.stderr
    srv = Server(S["relief"], [S["data"]], ws, os.path.join(work, "log-office"),
                 extra=["--office", "--tls-cert=" + cert, "--tls-key=" + key])
    try:
        st = srv.run({"inputs": [os.path.join(S["data"], "SACRAMENTO.dat")], "county": "SACRAMENTO",
                      "computeAt": "2019-11-11", "reviewFiles": True,
                      "options": {"baselineEligibility": {"dismiss": ["11357"], "reduce": ["11359"]}}})
        srv.json("POST", "/api/runs/%d/review" % st["id"],
                 {"routing": {"default": "Misdemeanor Unit",
                              "routes": [{"agency": "Felony Unit", "felony": True}]}})
        seen, filed = {}, {}
        for name in ("alice", "bob"):
            d.get("https://127.0.0.1:%d/" % srv.port)
            wait_for(lambda: d.find_element(By.ID, "loginSection").is_displayed(), 30, "sign-in")
            assert not d.find_element(By.ID, "run").is_displayed(), "the run form under the sign-in"
            assert not d.find_element(By.ID, "inputs").is_displayed(), "Loading files under the sign-in"
            if name == "alice":
                axe_check("sign_in")
            d.find_element(By.ID, "loginName").send_keys(name)
            d.find_element(By.ID, "loginPassword").send_keys("password-" + name)
            d.find_element(By.ID, "loginButton").click()
            rows = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr.review-item"), 60,
                            name + "'s queue")
            agencies = {r.find_elements(By.TAG_NAME, "td")[2].text for r in rows}
            seen[name] = {r.get_attribute("data-item") for r in rows}
            assert agencies == {"Felony Unit" if name == "alice" else "Misdemeanor Unit"}, agencies
            assert not d.find_element(By.ID, "run").is_displayed(), "an account sees the run form"
            assert "session" not in d.execute_script("return document.cookie"), "cookie not HttpOnly"
            if name == "alice":
                axe_check("account")
            # each agency approves one item, keeps its filer profile, files its own motions
            item = rows[0].get_attribute("data-item")
            rows[0].find_element(By.CSS_SELECTOR, "button.decide-approve").click()
            sel = 'tr.review-item[data-item="%s"] td.decision' % item
            wait_for(lambda: d.find_element(By.CSS_SELECTOR, sel).text == "Approve", 30, "approve")
            shot("office_" + name)
            agency = "Felony Unit" if name == "alice" else "Misdemeanor Unit"
            d.find_element(By.CSS_SELECTOR, "#motionsBlock summary").click()
            person = "Frances Felony" if name == "alice" else "Morgan Misdo"
            for field, value in (("filerOffice", agency + " Office"), ("filerAttorney", person),
                                 ("filerBar", "111111" if name == "alice" else "222222"),
                                 ("filerAddress", "901 G Street\nSacramento, CA 95814"),
                                 ("filerPhone", "(916) 555-0100"),
                                 ("filerSignature", "/s/ " + person)):
                d.find_element(By.ID, field).clear()
                d.find_element(By.ID, field).send_keys(value)
            d.find_element(By.ID, "filerSave").click()
            wait_for(lambda: "Saved for " + agency in d.find_element(By.ID, "filerStatus").text, 30,
                     name + "'s profile")
            kept = srv.json("GET", "/api/runs/%d/filer?agency=%s" % (st["id"], agency.replace(" ", "%20")))
            assert kept["filer"]["attorney"] == person, kept
            assert not d.find_element(By.ID, "filingsAgencyLabel").is_displayed()
            d.find_element(By.ID, "fileMotions").click()
            wait_for(lambda: "approved item(s)" in d.find_element(By.ID, "motionsStatus").text,
                     120, name + "'s motions")
            f = srv.json("GET", "/api/runs/%d" % st["id"])["filings"]
            assert f["status"] == "done" and f["agency"] == agency, f
            files = wait_for(lambda: [b.get_attribute("data-name") for b in
                                      d.find_elements(By.CSS_SELECTOR, "#agencyFiles button.agency-file")],
                             30, name + "'s files")
            assert any(n.endswith("court_list.csv") for n in files), files
            filed[name] = files
            shot("office_filed_" + name)
            # search and explain, her or his agency's people only
            cii = srv.json("GET", "/api/runs/%d/review/%s" % (st["id"], item))["item"]["cii"]
            d.find_element(By.ID, "searchBox").send_keys(cii, Keys.ENTER)
            found = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "#people tr.person"), 30, "search")
            assert len(found) == 1 and cii in found[0].text, [r.text for r in found]
            found[0].find_element(By.CSS_SELECTOR, "button.explain").click()
            wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "#explainTable tr"), 60, "explain")
            d.find_element(By.ID, "logout").click()
            wait_for(lambda: d.find_element(By.ID, "loginSection").is_displayed(), 30, "signed out")
        assert seen["alice"] and seen["bob"] and not (seen["alice"] & seen["bob"])
        assert filed["alice"] and filed["bob"], filed
        return "%d and %d items, both agencies filed" % (len(seen["alice"]), len(seen["bob"]))
    finally:
        srv.stop()


@H.case
def public_defender_searches_a_person():
    """Issue 25: the public defender signs in, searches a person by CII and
    reads each item's status and challenge reason, as POST /api/status
    gives them; the page shows it no queue, decide buttons or run form."""
    import subprocess
    from selenium.webdriver.common.by import By
    if not shutil.which("openssl"):
        return "skipped: no openssl to make a certificate"
    work, d = S["work"], S["driver"]
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    if not os.path.exists(cert):
        rc, _, err, _ = e2etools.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                      "-keyout", key, "-out", cert, "-days", "1", "-subj",
                                      "/CN=127.0.0.1"])
        assert rc == 0, err
    ws = os.path.join(work, "ws-defender")
    for args in (["alice", "--agency=Felony Unit"], ["quinn", "--role=public-defender"]):
        p = subprocess.run([S["relief"], "serve", "users", "add"] + args + ["--workspace=" + ws],
                           input=b"password-" + args[0].encode() + b"\n", capture_output=True,
                           timeout=60)
        assert p.returncode == 0, p.stderr
    srv = Server(S["relief"], [S["data"]], ws, os.path.join(work, "log-defender"),
                 extra=["--office", "--tls-cert=" + cert, "--tls-key=" + key])
    try:
        rid = srv.run({"inputs": [os.path.join(S["data"], "SACRAMENTO.dat")],
                       "county": "SACRAMENTO", "computeAt": "2019-11-11", "reviewFiles": True,
                       "options": {"baselineEligibility": {"dismiss": ["11357"],
                                                           "reduce": ["11359"]}}})["id"]
        srv.json("POST", "/api/runs/%d/review" % rid,
                 {"routing": {"default": "Misdemeanor Unit",
                              "routes": [{"agency": "Felony Unit", "felony": True}]}})
        items = srv.json("GET", "/api/runs/%d/review" % rid)["items"]
        denied = [i for i in items if i["kind"] == "relief" and i["cii"]][0]
        reason = "pending charge in another county"
        srv.json("POST", "/api/runs/%d/review/%s" % (rid, denied["item"]),
                 {"decision": "Deny", "notes": reason})
        want = srv.json("POST", "/api/status", {"cii": denied["cii"]})["items"]
        d.get("https://127.0.0.1:%d/" % srv.port)
        wait_for(lambda: d.find_element(By.ID, "loginSection").is_displayed(), 30, "sign-in")
        d.find_element(By.ID, "loginName").send_keys("quinn")
        d.find_element(By.ID, "loginPassword").send_keys("password-quinn")
        d.find_element(By.ID, "loginButton").click()
        wait_for(lambda: d.find_element(By.ID, "defenderSection").is_displayed(), 30,
                 "the public defender's search")
        box = d.find_element(By.ID, "defenderCii")
        label = box.find_element(By.XPATH, "ancestor::label").text
        assert "CII" in label, label
        box.send_keys(denied["cii"])
        d.find_element(By.ID, "defenderSearch").click()
        rows = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr.status-item"), 30,
                        "the person's status")
        assert sorted(r.get_attribute("data-item") for r in rows) == sorted(
            i["item"] for i in want), ([r.get_attribute("data-item") for r in rows], want)
        row = d.find_element(By.CSS_SELECTOR, 'tr.status-item[data-item="%s"]' % denied["item"])
        assert row.find_element(By.CSS_SELECTOR, "td.status-review").text.startswith("Deny on ")
        assert row.find_element(By.CSS_SELECTOR, "td.status-challenge").text == reason
        assert denied["agency"] in row.text and denied["sections"] in row.text, row.text
        shot("public_defender")
        # read-only: nothing on the page could decide, file or run
        for sel in ("button[class^=decide-]", "#fileMotions", "#reviewStart", "#run",
                    "tr.review-item", "input.notes"):
            shown = [e for e in d.find_elements(By.CSS_SELECTOR, sel) if e.is_displayed()]
            assert not shown, "the public defender sees %s" % sel
        assert not d.find_element(By.ID, "main").is_displayed()
        d.find_element(By.ID, "defenderLogout").click()
        wait_for(lambda: d.find_element(By.ID, "loginSection").is_displayed(), 30, "signed out")
        return "%d item(s), the challenge reason shown" % len(rows)
    finally:
        srv.stop()


@H.case
def statewide_from_the_page():
    """Issue 23 item 4: pick a folder of county files, run statewide, read
    the statewide totals and a county's figures, then a what-if for the
    whole state, each checked against the API."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    d, work = S["driver"], S["work"]
    gen = os.path.join(os.path.dirname(S["relief"]), "relief-gen")
    data = os.path.join(work, "data-statewide")
    folder = os.path.join(data, "state")
    rc, _, err, _ = e2etools.run([gen, "--people", "400", "--seed", "23", "--out", folder,
                                  "--counties", "LOS_ANGELES,SACRAMENTO,FRESNO,ALAMEDA"])
    assert rc == 0, err
    srv = Server(S["relief"], [data], os.path.join(work, "ws-statewide"),
                 os.path.join(work, "log-statewide"))
    try:
        d.get("http://127.0.0.1:%d/?token=%s" % (srv.port, srv.token))
        pick = wait_for(lambda: [o for o in d.find_elements(By.CSS_SELECTOR, "#swFolder option")
                                 if o.get_attribute("value") == folder], 30, "the folder list")
        assert "4 files" in pick[0].text, pick[0].text
        Select(d.find_element(By.ID, "swFolder")).select_by_value(folder)
        d.execute_script("document.getElementById('computeAt').value = '2019-11-11'")
        d.find_element(By.ID, "swPolicies").send_keys('{"LOS ANGELES": "los-angeles"}')
        d.find_element(By.ID, "swRun").click()
        wait_for(lambda: "done" in d.find_element(By.ID, "swStatus").text, 300, "the statewide run")
        run = [r for r in srv.json("GET", "/api/runs") if r.get("statewide")][-1]
        summary = run["summary"]
        assert sorted(summary["counties"]) == ["ALAMEDA", "FRESNO", "LOS ANGELES", "SACRAMENTO"], \
            sorted(summary["counties"])

        def sw_cell(table, key, column):
            row = d.find_element(By.CSS_SELECTOR, '#%s tr[data-key="%s"]' % (table, key))
            return row.find_elements(By.TAG_NAME, "td")[column].text

        assert int(sw_cell("swTotals", "people", 1)) == summary["people"]
        got = int(sw_cell("swTotals", "subjectsWithSomeReliefCount", 1))
        assert got == summary["totals"]["subjectsWithSomeReliefCount"], (got, summary["totals"])
        Select(d.find_element(By.ID, "swCounty")).select_by_value("FRESNO")
        fresno = summary["counties"]["FRESNO"]
        got = int(sw_cell("swCountyTable", "subjectsWithProp64ConvictionCountInCounty", 1))
        assert got == fresno["subjectsWithProp64ConvictionCountInCounty"], (got, fresno)
        shot("statewide")
        # a what-if for the whole state: 11358 and 11359 neither, the rest as they were
        d.find_element(By.ID, "s11358-none").click()
        d.find_element(By.ID, "s11359-none").click()
        wait_for(lambda: "what-if computed" in d.find_element(By.ID, "swWhatifNote").text and
                 sw_cell("swTotals", "subjectsWithSomeReliefCount", 2) not in ("", "—"), 30,
                 "the statewide what-if")
        opts = d.execute_script("return options()")
        assert opts["baselineEligibility"]["reduce"] == ["11360"], opts
        want = srv.json("POST", "/api/runs/%d/whatif" % run["id"], {"options": opts})["summary"]
        wait_for(lambda: int(sw_cell("swTotals", "subjectsWithSomeReliefCount", 2)) ==
                 want["totals"]["subjectsWithSomeReliefCount"], 30, "the what-if totals")
        got = sw_cell("swCountyTable", "reliefWithCurrentEligibilityChoices › CountSubjectsNoConviction", 2)
        assert int(got) == want["counties"]["FRESNO"]["reliefWithCurrentEligibilityChoices"][
            "CountSubjectsNoConviction"], got
        la = want["counties"]["LOS ANGELES"]
        assert la["reliefWithCurrentEligibilityChoices"] == \
            summary["counties"]["LOS ANGELES"]["reliefWithCurrentEligibilityChoices"], \
            "LOS ANGELES keeps its own policy in the what-if"
        shot("statewide_whatif")
        return "%d people, %d counties; %s" % (summary["people"], len(summary["counties"]),
                                               d.find_element(By.ID, "swWhatifNote").text)
    finally:
        srv.stop()
        d.get("http://127.0.0.1:%d/?token=%s" % (S["server"].port, S["server"].token))


def main():
    ap = H.parser(__doc__, tools=("relief", "gen"))
    ap.add_argument("--artifacts", help="folder for the screenshots")
    if not find_driver():
        print("SKIP: chromedriver is not installed (scripts/setup.sh installs chromium-driver)")
        print("0 passed, 0 failed")
        return 0
    try:
        import selenium  # noqa: F401
    except ImportError:
        # Debian's python3-selenium is in the system Python; CMake may have
        # found another interpreter first (pyenv, a venv)
        system = "/usr/bin/python3"
        if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system) \
                and not os.environ.get("RELIEF_REEXEC"):
            os.environ["RELIEF_REEXEC"] = "1"
            os.execv(system, [system] + sys.argv)
        print("SKIP: python3-selenium is not installed (scripts/setup.sh installs it)")
        print("0 passed, 0 failed")
        return 0
    try:
        return H.main(ap, "relief-serve-browser-", start)
    finally:
        if "driver" in S:
            S["driver"].quit()
        if "server" in S:
            S["server"].stop()


if __name__ == "__main__":
    sys.exit(main())
