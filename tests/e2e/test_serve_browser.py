#!/usr/bin/env python3
"""The page of `relief serve` in headless Chromium (python3-selenium and
chromium-driver from Debian): the county list and code-section choices are
there; choose a file and a county, toggle an option, run with the progress
bar, read the numbers and check them against the API; change a choice and
read the what-if beside them.  Screenshots go to --artifacts.  Skips (and
says why) when chromedriver or selenium is missing."""
import json
import os
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
    items = srv.json("GET", "/api/runs/%d/review" % (before + 1))["items"]
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


@H.case
def office_accounts_in_the_browser():
    import subprocess
    from selenium.webdriver.common.by import By
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
        seen = {}
        for name in ("alice", "bob"):
            d.get("https://127.0.0.1:%d/" % srv.port)
            wait_for(lambda: d.find_element(By.ID, "loginSection").is_displayed(), 30, "sign-in")
            d.find_element(By.ID, "loginName").send_keys(name)
            d.find_element(By.ID, "loginPassword").send_keys("password-" + name)
            d.find_element(By.ID, "loginButton").click()
            rows = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "tr.review-item"), 60,
                            name + "'s queue")
            agencies = {r.find_elements(By.TAG_NAME, "td")[1].text for r in rows}
            seen[name] = {r.get_attribute("data-item") for r in rows}
            assert agencies == {"Felony Unit" if name == "alice" else "Misdemeanor Unit"}, agencies
            assert not d.find_element(By.ID, "run").is_displayed(), "an account sees the run form"
            assert "session" not in d.execute_script("return document.cookie"), "cookie not HttpOnly"
            if name == "alice":
                item = rows[0].get_attribute("data-item")
                rows[0].find_element(By.CSS_SELECTOR, "button.decide-approve").click()
                sel = 'tr.review-item[data-item="%s"] td.decision' % item
                wait_for(lambda: d.find_element(By.CSS_SELECTOR, sel).text == "Approve", 30, "approve")
                shot("office_alice")
                # her agency's motions, under the profile she gives (one agency: no picker)
                d.find_element(By.CSS_SELECTOR, "#motionsBlock summary").click()
                for field, value in (("filerOffice", "Felony Unit Office"),
                                     ("filerAttorney", "Frances Felony"), ("filerBar", "111111"),
                                     ("filerAddress", "901 G Street\nSacramento, CA 95814"),
                                     ("filerPhone", "(916) 555-0100"),
                                     ("filerSignature", "/s/ Frances Felony")):
                    d.find_element(By.ID, field).send_keys(value)
                assert not d.find_element(By.ID, "filingsAgencyLabel").is_displayed()
                d.find_element(By.ID, "fileMotions").click()
                wait_for(lambda: "approved item(s)" in d.find_element(By.ID, "motionsStatus").text,
                         120, "alice's motions")
                f = srv.json("GET", "/api/runs/%d" % st["id"])["filings"]
                assert f["status"] == "done" and f["agency"] == "Felony Unit", f
            d.find_element(By.ID, "logout").click()
            wait_for(lambda: d.find_element(By.ID, "loginSection").is_displayed(), 30, "signed out")
        assert seen["alice"] and seen["bob"] and not (seen["alice"] & seen["bob"])
        return "%d and %d items" % (len(seen["alice"]), len(seen["bob"]))
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
