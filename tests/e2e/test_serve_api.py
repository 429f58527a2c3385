#!/usr/bin/env python3
"""End-to-end tests of `relief serve`'s JSON API: the printed line, the
token (401), foreign origins (403), inputs outside --data, body limits,
refusing a non-loopback address without TLS, a county run through the API
compared byte for byte with the CLI, what-if summaries compared with CLI
runs of those options (and timed), bundle files without path traversal,
workspace modes, and SIGTERM (idle and mid-run) with a log free of names.
Standard library only.  --big DIR (or RELIEF_SERVE_BIG) adds the timed
Los Angeles what-if on the extracts in DIR."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools  # noqa: E402
from serve_client import Server, options_json  # noqa: E402

csv.field_size_limit(1 << 30)
H = e2etools.Harness()
S = {}
COMPUTE = "2019-11-11"
OPTION_SETS = [
    options_json(["11357", "11358"], ["11359", "11360"], subjectUnder21AtConviction=True,
                 subjectAgeThreshold=57, yearsSinceConvictionThreshold=10,
                 subjectIsDeceased=True, subjectHasOnlyProp64Charges=True),
    options_json(["11359"], ["11357"], subjectAgeThreshold=45, yearsCrimeFreeThreshold=3,
                 subjectHasOnlyProp64Charges=True),
    options_json([], [], yearsSinceConvictionThreshold=1, yearsCrimeFreeThreshold=15),
    options_json(["11360", "11357", "11358", "11359"], []),
    options_json([], ["11358"], subjectAgeThreshold=65, subjectIsDeceased=True),
]


def cli_run(inputs, county, options, flow=None, tag="cli", compute=COMPUTE):
    out = os.path.join(S["work"], "%s-%d" % (tag, len(os.listdir(S["work"]))))
    opt = out + ".options.json"
    with open(opt, "w") as f:
        json.dump(options, f)
    extra = ["--flow=" + flow] if flow else []
    rc, _, err, _ = e2etools.run(e2etools.run_args(S["relief"], inputs, out, options=opt,
                                                   county=county, compute=compute, extra=extra))
    assert rc == 0, err[-500:]
    return out


def cli_options_file(options):
    path = os.path.join(S["work"], "options-%d.json" % abs(hash(json.dumps(options, sort_keys=True))))
    with open(path, "w") as f:
        json.dump(options, f)
    return path


def summary_of(path_or_obj):
    d = json.load(open(path_or_obj)) if isinstance(path_or_obj, str) else dict(path_or_obj)
    d.pop("processingTimeInSeconds", None)
    if not d.get("earliestConviction", "").endswith("T00:00:00Z"):  # none: the time of the run
        d["earliestConviction"] = "(now)"
    return d


def start(args, work):
    S["relief"], S["work"] = args.relief, work
    data = os.path.join(work, "data")
    os.makedirs(data)
    for county, seed in (("SACRAMENTO", "14"), ("LOS ANGELES", "15")):
        rc, _, err, _ = e2etools.run([args.gen, "--people", "300", "--seed", seed, "--out", data,
                                      "--counties", county, "--shape", "reference"])
        assert rc == 0, err
    S["data"] = data
    S["inputs"] = sorted(os.path.join(data, n) for n in os.listdir(data) if n.endswith(".dat"))
    os.symlink("/etc/passwd", os.path.join(data, "escape.dat"))
    outside = os.path.join(work, "outside")
    os.makedirs(outside)
    with open(os.path.join(outside, "secret.csv"), "w") as f:
        f.write("x\n")
    S["outside"] = os.path.join(outside, "secret.csv")
    S["ws"] = os.path.join(work, "ws")
    S["log"] = os.path.join(work, "serve.log")
    S["big"] = args.big or os.environ.get("RELIEF_SERVE_BIG")


@H.case
def printed_line_and_page():
    S["server"] = srv = Server(S["relief"], [S["data"]], S["ws"], S["log"])
    assert len(srv.token) >= 32, "token under 128 bits"
    status, page = srv.request("GET", "/", token=False)
    assert status == 401, status
    status, page = srv.request("GET", "/?token=" + srv.token, token=False)
    assert status == 200, status
    text = page.decode()
    for needle in ("LOS ANGELES", "SACRAMENTO", "YUBA", "11357", "11358", "11359", "11360"):
        assert needle in text, needle
    return "port %d" % srv.port


def set_cookies():
    return [v for k, v in S["server"].last_headers if k.lower() == "set-cookie"]


@H.case
def page_token_becomes_session_cookie():
    """The token rides in the page's address once: GET /?token= answers an
    HttpOnly SameSite=Strict cookie (not the token) that then does what the
    token does; ?token= on any other address is refused, so no download
    link can carry it; the bearer token still works for API clients."""
    srv = S["server"]
    status, _ = srv.request("GET", "/?token=" + srv.token, token=False)
    assert status == 200, status
    cookies = set_cookies()
    assert len(cookies) == 1 and cookies[0].startswith("relief_admin="), cookies
    attrs = [a.strip() for a in cookies[0].split(";")]
    assert "HttpOnly" in attrs and "SameSite=Strict" in attrs and "Path=/" in attrs, attrs
    value = attrs[0].split("=", 1)[1]
    assert len(value) >= 32 and srv.token not in cookies[0], "the cookie is not the token"
    jar = {"Cookie": "relief_admin=" + value}
    for path in ("/", "/api/inputs", "/api/runs", "/api/me"):
        status, out = srv.request("GET", path, token=False, headers=jar)
        assert status == 200, (path, status)
    assert json.loads(srv.request("GET", "/api/me", token=False, headers=jar)[1])["admin"] is True
    # a state-changing request on the cookie alone needs a browser's Origin
    status, _ = srv.request("POST", "/api/runs", {}, token=False, headers=jar)
    assert status == 403, status
    status, _ = srv.request("POST", "/api/runs", {}, token=False,
                            headers=dict(jar, Origin=srv.origin))
    assert status == 400, status  # past the checks: the empty body is refused
    for bad in ("0" * len(value), value[:-1], ""):
        status, _ = srv.request("GET", "/api/inputs", token=False,
                                headers={"Cookie": "relief_admin=" + bad})
        assert status == 401, (bad, status)
    for path in ("/api/inputs", "/api/runs", "/api/runs/1/files/summary.json",
                 "/api/runs/1/bundle.zip"):
        status, _ = srv.request("GET", "%s?token=%s" % (path, srv.token), token=False)
        assert status == 401, (path, status)
    status, _ = srv.request("GET", "/api/inputs")  # Authorization: Bearer
    assert status == 200, status
    status, _ = srv.request("GET", "/api/inputs", token=False)
    assert status == 401 and not set_cookies(), status
    return "cookie of %d hex digits" % len(value)


@H.case
def no_token_is_401():
    srv = S["server"]
    for method, path in (("GET", "/api/inputs"), ("GET", "/api/runs"), ("POST", "/api/runs"),
                         ("GET", "/api/runs/1/files/summary.json")):
        status, _ = srv.request(method, path, body={} if method == "POST" else None, token=False)
        assert status == 401, (method, path, status)
        status, _ = srv.request(method, path, body={} if method == "POST" else None,
                                token="0" * len(srv.token))
        assert status == 401, (method, path, status)


@H.case
def foreign_origin_is_403():
    srv = S["server"]
    body = {"inputs": S["inputs"][:1], "county": "SACRAMENTO", "computeAt": COMPUTE,
            "options": OPTION_SETS[0]}
    status, _ = srv.request("POST", "/api/runs", body, headers={"Origin": "http://evil.example"})
    assert status == 403, status
    status, _ = srv.request("POST", "/api/runs", body,
                            headers={"Origin": "http://127.0.0.1:%d" % (srv.port + 1)})
    assert status == 403, status
    status, _ = srv.request("GET", "/api/inputs", headers={"Host": "evil.example:%d" % srv.port})
    assert status == 403, "a foreign Host header (DNS rebinding) got %d" % status


@H.case
def inputs_under_data_only():
    srv = S["server"]
    listed = srv.json("GET", "/api/inputs")
    paths = {i["path"] for i in listed}
    for p in S["inputs"]:
        assert p in paths, p
    assert all(os.path.realpath(p).startswith(os.path.realpath(S["data"]) + "/") for p in paths)
    for bad in ("/etc/passwd", S["outside"], os.path.join(S["data"], "escape.dat"),
                os.path.join(S["data"], "..", "outside", "secret.csv"), S["data"]):
        status, out = srv.request("POST", "/api/runs", {"inputs": [bad], "county": "SACRAMENTO",
                                                       "options": {}})
        assert 400 <= status < 500, (bad, status, out)
    status, _ = srv.request("POST", "/api/runs", {"inputs": S["inputs"][:1], "county": "SACRAMENTO",
                                                 "options": {}, "flow": "/etc/passwd"})
    assert 400 <= status < 500, status


@H.case
def bad_requests_refused():
    srv = S["server"]
    status, _ = srv.request("POST", "/api/runs", raw=b"{" + b" " * (2 << 20) + b"}")
    assert status == 413, status
    status, _ = srv.request("POST", "/api/runs", raw=b"not json")
    assert status == 400, status
    status, out = srv.request("POST", "/api/runs", {"inputs": S["inputs"][:1], "county": "SACRAMENTO",
                                                   "options": {"additionalRelief": {"subjectAgeThreshold": 30}}})
    assert status == 400 and b"subjectAgeThreshold" in out, (status, out)
    status, _ = srv.request("GET", "/api/runs/999")
    assert status == 404, status


@H.case
def non_loopback_needs_tls():
    rc, out, err, _ = e2etools.run([S["relief"], "serve", "--listen=0.0.0.0:0",
                                    "--workspace=" + os.path.join(S["work"], "ws2")], timeout=20)
    assert rc == 1, (rc, err)
    assert "TLS" in err or "tls" in err, err
    assert "token" not in out


def compare_run(county, options, flow=None):
    srv = S["server"]
    body = {"inputs": S["inputs"], "county": county, "computeAt": COMPUTE, "options": options}
    if flow:
        body["flow"] = flow
    st = srv.run(body)
    assert st["status"] == "done", st
    cli = cli_run(S["inputs"], county, options, flow)
    run_dir = os.path.join(S["ws"], "runs", str(st["id"]))
    for name in ("All_Results.csv", "All_Results_Condensed.csv", "Prop64_Results.csv"):
        for n in sorted(os.listdir(cli)):
            if n.startswith(name[:-4]) and n.endswith(".csv"):
                status, got = srv.request("GET", "/api/runs/%d/files/%s" % (st["id"], n))
                assert status == 200, (n, status)
                assert got == open(os.path.join(cli, n), "rb").read(), "%s differs from the CLI's" % n
    assert summary_of(st["summary"]) == summary_of(os.path.join(cli, "summary.json"))
    status, got = srv.request("GET", "/api/runs/%d/files/summary.json" % st["id"])
    assert summary_of(json.loads(got)) == summary_of(os.path.join(cli, "summary.json"))
    return st, run_dir


@H.case
def run_matches_cli():
    st, run_dir = compare_run("SACRAMENTO", OPTION_SETS[0])
    S["run"] = st["id"]
    S["run_dir"] = run_dir
    return "%d inputs" % len(S["inputs"])


@H.case
def los_angeles_flow_matches_cli():
    st, _ = compare_run("LOS ANGELES", OPTION_SETS[1], flow="los-angeles")
    S["la_run"] = st["id"]


@H.case
def whatif_matches_cli():
    srv = S["server"]
    worst = 0
    for opt in OPTION_SETS:
        t0 = time.monotonic()
        got = srv.json("POST", "/api/runs/%d/whatif" % S["run"], {"options": opt})
        worst = max(worst, time.monotonic() - t0)
        cli = cli_run(S["inputs"], "SACRAMENTO", opt)
        assert summary_of(got["summary"]) == summary_of(os.path.join(cli, "summary.json")), opt
    for opt in OPTION_SETS[:2]:  # a fixed flow: only the section lists follow the options
        got = srv.json("POST", "/api/runs/%d/whatif" % S["la_run"], {"options": opt})
        cli = cli_run(S["inputs"], "LOS ANGELES", opt, flow="los-angeles")
        assert summary_of(got["summary"]) == summary_of(os.path.join(cli, "summary.json")), opt
    assert worst < 1.0, worst
    return "slowest %.1f ms" % (worst * 1e3)


def cells(obj, path=""):
    """Every leaf of a JSON object as {path: value}; the run times left out."""
    out = {}
    for k, v in obj.items():
        if k == "processingTimeInSeconds":
            continue
        if isinstance(v, dict):
            out.update(cells(v, path + k + "/"))
        else:
            out[path + k] = v
    return out


def same_cells(got, want, what):
    g, w = cells(got), cells(want)
    diff = sorted(k for k in set(g) | set(w) if g.get(k, "(none)") != w.get(k, "(none)"))
    assert not diff, "%s: %d cells differ, e.g. %s" % (
        what, len(diff), [(k, g.get(k, "(none)"), w.get(k, "(none)")) for k in diff[:5]])
    return len(g)


def cli_statewide(inputs, options, policies_file, tag="sw"):
    out = os.path.join(S["work"], "%s-%d" % (tag, len(os.listdir(S["work"]))))
    args = [S["relief"], "statewide", "--inputs=" + ",".join(inputs), "--outputs=" + out,
            "--eligibility-options=" + cli_options_file(options), "--compute-at=" + COMPUTE]
    if policies_file:
        args.append("--county-policies=" + policies_file)
    rc, _, err, _ = e2etools.run(args)
    assert rc == 0, err[-500:]
    return json.load(open(os.path.join(out, "statewide_summary.json")))


@H.case
def statewide_and_its_whatif_match_cli():
    """Issue 23 items 4 and 8: a statewide run through the API (county
    policies as an object: inline options, los-angeles, a file) is the CLI's
    statewide_summary.json, and its what-if under each option set is, cell
    by cell, the CLI's statewide run with those options and policies; after
    a restart the table is rebuilt and answers the same."""
    gen = os.path.join(os.path.dirname(S["relief"]), "relief-gen")
    data = os.path.join(S["work"], "sw-data")
    rc, _, err, _ = e2etools.run([gen, "--people", "3000", "--seed", "23", "--out", data])
    assert rc == 0, err
    inputs = sorted(os.path.join(data, n) for n in os.listdir(data) if n.endswith(".dat"))
    assert len(inputs) > 5, inputs
    sac = options_json(["11357"], ["11358", "11359"], subjectAgeThreshold=50)
    sac_file = os.path.join(data, "sacramento_policy.json")
    with open(sac_file, "w") as f:
        json.dump(sac, f)
    fresno = options_json(["11357", "11358", "11359", "11360"], [], yearsCrimeFreeThreshold=5)
    policies = {"LOS ANGELES": "los-angeles", "sacramento": sac_file, "Fresno": fresno}
    pfile = os.path.join(S["work"], "sw-policies.json")
    with open(os.path.join(S["work"], "fresno_policy.json"), "w") as f:
        json.dump(fresno, f)
    with open(pfile, "w") as f:
        json.dump({"LOS ANGELES": "los-angeles", "sacramento": sac_file,
                   "Fresno": "fresno_policy.json"}, f)
    ws = os.path.join(S["work"], "ws-sw")
    srv = Server(S["relief"], [data], ws, S["log"] + ".sw")
    n = 0
    try:
        body = {"statewide": True, "inputs": inputs, "computeAt": COMPUTE,
                "options": OPTION_SETS[0], "countyPolicies": policies}
        st = srv.run(body)
        assert st["status"] == "done" and st.get("statewide") is True, st
        n += same_cells(st["summary"], cli_statewide(inputs, OPTION_SETS[0], pfile), "the run")
        assert len(st["summary"]["counties"]) > 5, st["summary"]["counties"].keys()
        rid = st["id"]
        worst = 0
        for opt in OPTION_SETS:
            got = srv.json("POST", "/api/runs/%d/whatif" % rid, {"options": opt})
            worst = max(worst, got["milliseconds"])
            n += same_cells(got["summary"], cli_statewide(inputs, opt, pfile), "what-if %s" % opt)
        # without policies every county follows the options
        st2 = srv.run({"statewide": True, "inputs": inputs, "computeAt": COMPUTE,
                       "options": OPTION_SETS[1]})
        got = srv.json("POST", "/api/runs/%d/whatif" % st2["id"], {"options": OPTION_SETS[3]})
        n += same_cells(got["summary"], cli_statewide(inputs, OPTION_SETS[3], None), "no policies")
        for bad, code in (({"countyPolicies": {"Smith": {}}}, 400),
                          ({"countyPolicies": {"FRESNO": "/etc/passwd"}}, 403),
                          ({"countyPolicies": {"FRESNO": {"bogus": 1}}}, 400),
                          ({"county": "FRESNO"}, 400), ({"flow": "los-angeles"}, 400)):
            status, out = srv.request("POST", "/api/runs", dict(body, **bad))
            assert status == code, (bad, status, out)
        status, out = srv.request("POST", "/api/runs", {"inputs": inputs[:1], "county": "FRESNO",
                                                       "countyPolicies": {"FRESNO": {}}})
        assert status == 400 and b"statewide" in out, (status, out)
        # what works on one county's bundle names the statewide run's folders instead
        sid = st2["id"]
        for method, path, body in (("POST", "/api/runs/%d/review" % sid, {}),
                                   ("GET", "/api/runs/%d/review" % sid, None),
                                   ("GET", "/api/runs/%d/people?q=SMITH" % sid, None),
                                   ("POST", "/api/runs/%d/filings" % sid, {})):
            status, out = srv.request(method, path, body)
            assert status == 409 and b"bundle per county" in out, (path, status, out)
    finally:
        srv.stop()
    srv = Server(S["relief"], [data], ws, S["log"] + ".sw2")
    try:
        status, out = whatif_after_rebuild(srv, rid)
        assert status == 200, (status, out)
        got = json.loads(out)["summary"]
        n += same_cells(got, cli_statewide(inputs, OPTION_SETS[1], pfile), "after a restart")
    finally:
        srv.stop()
    return "%d inputs, %d cells equal, slowest what-if %.1f ms" % (len(inputs), n, worst)


# (county as typed, compute date, option set): each request decides what the
# same `relief run` command decides
GRID = [("sacramento", "2019-11-11", 0), (" Los Angeles ", "2021-06-30", 1),
        ("SaCrAmEnTo\t", "2015-01-02", 2), ("los angeles", "2024-02-29", 4),
        ("SACRAMENTO", "2010-07-01", 3)]


@H.case
def request_decides_as_cli():
    """Issue 22 item 1: counties in any case and spacing, compute dates and
    option sets decide through the API what the CLI decides from the same
    words (summary.json compared)."""
    srv = S["server"]
    for county, compute, k in GRID:
        st = srv.run({"inputs": S["inputs"], "county": county, "computeAt": compute,
                      "options": OPTION_SETS[k]})
        assert st["status"] == "done", (county, st)
        cli = cli_run(S["inputs"], county, OPTION_SETS[k], tag="grid", compute=compute)
        status, got = srv.request("GET", "/api/runs/%d/files/summary.json" % st["id"])
        assert status == 200, status
        assert summary_of(json.loads(got)) == summary_of(os.path.join(cli, "summary.json")), \
            (county, compute, k)
        assert json.loads(got)["subjectsWithProp64ConvictionCountInCounty"] > 0, (county, compute)
    return "%d requests" % len(GRID)


@H.case
def unknown_county_and_keys_are_400():
    """Issue 22 item 1: an unknown county is a 400 naming the nearest (not
    echoing what was sent); an unknown key anywhere in a body is a 400
    naming it."""
    srv = S["server"]
    base = {"inputs": S["inputs"][:1], "county": "SACRAMENTO", "computeAt": COMPUTE,
            "options": OPTION_SETS[0]}
    before = len(srv.json("GET", "/api/runs"))
    for county, nearest in (("sacrmento", "SACRAMENTO"), ("LOS ANGELES COUNTY", "LOS ANGELES"),
                            ("SMITH JOHN", None), ("", None)):
        status, out = srv.request("POST", "/api/runs", dict(base, county=county))
        assert status == 400, (county, status, out)
        msg = json.loads(out)["error"]
        assert "58 counties" in msg, msg
        if nearest:
            assert nearest in msg, msg
        if county:
            assert county not in msg, "the reply echoes the county sent: %s" % msg
    for key in ("computeat", "option", "bogus"):
        body = dict(base)
        body[key] = body.pop("computeAt") if key == "computeat" else 1
        status, out = srv.request("POST", "/api/runs", body)
        assert status == 400 and key.encode() in out, (key, status, out)
    nested = dict(base, options=dict(OPTION_SETS[0], bogus=True))
    status, out = srv.request("POST", "/api/runs", nested)
    assert status == 400 and b"bogus" in out, (status, out)
    deeper = dict(base, options={"baselineEligibility": {"dismiss": [], "reduce": [], "bogus": 1}})
    status, out = srv.request("POST", "/api/runs", deeper)
    assert status == 400 and b"bogus" in out, (status, out)
    assert len(srv.json("GET", "/api/runs")) == before, "a refused request made a run"
    status, out = srv.request("POST", "/api/runs/%d/whatif" % S["run"],
                              {"options": OPTION_SETS[1], "optoins": {}})
    assert status == 400 and b"optoins" in out, (status, out)


@H.case
def nul_in_address_is_400():
    """Issue 22 item 5: a NUL anywhere in a URL or an upload's name."""
    srv = S["server"]
    for path in ("/api/runs/%d/files/summary.json%%00.txt" % S["run"],
                 "/api/runs/%d/files/summary.json%%00" % S["run"],
                 "/api/runs/%d%%00/files/summary.json" % S["run"],
                 "/api/runs/%d/people?q=abc%%00def" % S["run"]):
        status, out = srv.request("GET", path)
        assert status == 400, (path, status, out[:100])
    uploads = os.path.join(S["ws"], "uploads")
    before = sorted(os.listdir(uploads))
    status, out = srv.request("PUT", "/api/uploads/a%00b", raw=b"x")
    assert status == 400, (status, out)
    import socket
    for line in (b"PUT /api/uploads/a\x00b", b"GET /api/runs/%d/files/summary.json\x00.txt" % S["run"]):
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as c:
            c.sendall(line + (" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
                              "Content-Length: 1\r\nConnection: close\r\n\r\nx"
                              % (srv.port, srv.token)).encode())
            head = c.recv(4096)
        assert head.startswith(b"HTTP/1.1 400"), (line, head[:40])
    assert sorted(os.listdir(uploads)) == before, os.listdir(uploads)


@H.case
def origin_host_and_error_text():
    """Issue 22 item 8: two Host headers are a 400; error replies carry no
    absolute path and no submitted value."""
    import socket
    srv = S["server"]
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as c:
        c.sendall(("GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nHost: evil.example\r\n"
                   "Authorization: Bearer %s\r\nConnection: close\r\n\r\n"
                   % (srv.port, srv.token)).encode())
        head = c.recv(4096)
    assert head.startswith(b"HTTP/1.1 400"), head[:60]
    secret = "SECRET1357"
    status, out = srv.request("POST", "/api/runs", {
        "inputs": S["inputs"][:1], "county": "SACRAMENTO", "computeAt": COMPUTE,
        "options": {"baselineEligibility": {"dismiss": [secret], "reduce": []}}})
    assert status == 400 and secret.encode() not in out, (status, out)
    assert b"dismiss" in out, out
    bad = os.path.join(S["data"], "broken-extract.dat")
    with open(S["inputs"][0], "rb") as f:
        head_line = f.readline()
    with open(bad, "wb") as f:
        f.write(head_line + b"not,a,row\n")
    try:
        st = srv.run({"inputs": [bad], "county": "SACRAMENTO", "computeAt": COMPUTE,
                      "options": OPTION_SETS[0]})
    finally:
        os.unlink(bad)
    assert st["status"] == "failed", st
    shown = json.dumps({k: v for k, v in st.items() if k != "inputs"})  # the inputs it was asked
    for path in (S["data"], S["work"], S["ws"]):
        assert path not in shown, "the reply names a path: %s" % st["error"]
    return st["error"][:60]


def review_items(srv, rid, query=""):
    """Every item of run rid's review (under the filter of query), page by page."""
    out, offset = [], 0
    while True:
        page = srv.json("GET", "/api/runs/%d/review?limit=500&offset=%d%s" % (rid, offset, query))
        out += page["items"]
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            assert len(out) == page["total"], (len(out), page["total"])
            return out


@H.case
def review_queue():
    srv = S["server"]
    sac = [p for p in S["inputs"] if "SACRAMENTO" in p]
    st = srv.run({"inputs": sac, "county": "SACRAMENTO", "computeAt": COMPUTE,
                  "options": OPTION_SETS[0], "reviewFiles": True})
    assert st["status"] == "done", st
    rid = st["id"]
    run_dir = os.path.join(S["ws"], "runs", str(rid))
    status, _ = srv.request("GET", "/api/runs/%d/review" % rid)
    assert status in (404, 409, 500) and status != 200, status  # no store yet
    made = srv.json("POST", "/api/runs/%d/review" % rid, {})["items"]
    items = review_items(srv, rid)
    assert made == len(items) > 2, (made, len(items))
    assert all(i["decision"] == "" for i in items)
    first, second = items[0]["item"], items[1]["item"]
    srv.json("POST", "/api/runs/%d/review/%s" % (rid, first), {"decision": "Approve", "notes": "ok"})
    srv.json("POST", "/api/runs/%d/review/%s" % (rid, second), {"decision": "Hold", "notes": "ask"})
    # a Deny is a challenge: without its grounds it is refused, as at import
    for notes in ("", "  \t"):
        status, _ = srv.request("POST", "/api/runs/%d/review/%s" % (rid, second),
                                {"decision": "Deny", "notes": notes})
        assert status == 400, status
    srv.json("POST", "/api/runs/%d/review/%s" % (rid, second), {"decision": "Deny", "notes": "pending case"})
    status, _ = srv.request("POST", "/api/runs/%d/review/%s" % (rid, first), {"decision": "Maybe"})
    assert status == 400, status
    status, _ = srv.request("POST", "/api/runs/%d/review/NOSUCH" % rid, {"decision": "Hold"})
    assert status == 404, status
    status, _ = srv.request("POST", "/api/runs/%d/review/%s" % (rid, first), {"decision": "Hold"},
                            headers={"Origin": "http://evil.example"})
    assert status == 403, status
    by = {i["item"]: i for i in review_items(srv, rid)}
    assert by[first]["decision"] == "Approve" and by[first]["notes"] == "ok", by[first]
    assert by[second]["decision"] == "Deny", by[second]
    # the same store `relief review` reads
    rc, out, err, _ = e2etools.run([S["relief"], "review", "status", "--outputs=" + run_dir, "--json"])
    assert rc == 0, err
    total = json.loads(out)
    text = json.dumps(total)
    assert '"approved": 1' in text and '"denied": 1' in text, text
    S["review_run"] = rid
    return "%d items" % len(items)


@H.case
def zip_leaves_out_the_review_store():
    """ "Everything, as one zip" holds the bundle without review.sqlite (its
    decisions and notes); ?review=1 asks for it."""
    import io
    import zipfile
    srv, rid = S["server"], S["review_run"]
    names = {f["name"] for f in srv.json("GET", "/api/runs/%d/files" % rid)}
    assert "review.sqlite" in names and "Hand_Review.csv" in names, names
    status, data = srv.request("GET", "/api/runs/%d/bundle.zip" % rid)
    assert status == 200, status
    got = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert got == {n for n in names if not n.startswith("review.sqlite")}, got ^ names
    status, data = srv.request("GET", "/api/runs/%d/bundle.zip?review=1" % rid)
    assert status == 200, status
    z = zipfile.ZipFile(io.BytesIO(data))
    assert "review.sqlite" in z.namelist(), z.namelist()
    return "%d files, %d with the store" % (len(got), len(z.namelist()))


@H.case
def run_tells_what_it_was_asked():
    """GET /api/runs/{id} gives the administrator the run's inputs, compute
    date, options and review choice (the page puts them back in its form);
    an office account never sees the input paths (office_mode_... below)."""
    srv = S["server"]
    st = srv.json("GET", "/api/runs/%d" % S["review_run"])
    sac = [os.path.realpath(p) for p in S["inputs"] if "SACRAMENTO" in p]
    assert st["inputs"] == sac, st["inputs"]
    assert st["computeAt"] == COMPUTE and st["reviewFiles"] is True, st
    assert st["options"] == OPTION_SETS[0], st["options"]
    assert st["county"] == "SACRAMENTO" and st["flow"] == "configurable", st
    listed = [r for r in srv.json("GET", "/api/runs") if r["id"] == S["review_run"]]
    assert listed[0]["computeAt"] == COMPUTE, listed


def reviewed_run(srv, routing=None):
    """A SACRAMENTO run with its review started (routing given): its id."""
    sac = [p for p in S["inputs"] if "SACRAMENTO" in p]
    rid = srv.run({"inputs": sac, "county": "SACRAMENTO", "computeAt": COMPUTE,
                   "options": OPTION_SETS[0], "reviewFiles": True})["id"]
    srv.json("POST", "/api/runs/%d/review" % rid, {"routing": routing} if routing else {})
    return rid


TWO_AGENCIES = {"default": "Misdemeanor Unit", "routes": [{"agency": "Felony Unit", "felony": True}]}


@H.case
def review_list_pages_filters_and_sorts():
    """GET .../review pages (50 by default, 500 at most), filters by agency,
    status, court, proposed relief and text, and sorts by a column, as the
    whole list read page by page says; each item carries its counts."""
    from urllib.parse import quote
    srv = S["server"]
    rid = reviewed_run(srv, TWO_AGENCIES)
    first = srv.json("GET", "/api/runs/%d/review" % rid)
    assert first["limit"] == 50 and len(first["items"]) == min(50, first["total"]), first["limit"]
    assert srv.json("GET", "/api/runs/%d/review?limit=9999" % rid)["limit"] == 500
    every = review_items(srv, rid)
    assert len(every) == first["total"] == first["tally"]["items"] > 500, len(every)
    assert len({i["item"] for i in every}) == len(every), "an item on two pages"
    assert [i["item"] for i in every] == sorted(i["item"] for i in every)  # item order
    for it in every[:200]:
        assert it["counts"] and all(set(c) >= {"section", "offense", "date", "level", "court"}
                                    for c in it["counts"]), it
        assert all(c["section"] in it["sections"] for c in it["counts"]), it
    assert sum(len(i["counts"]) for i in every) > len(every), "no item with several counts"
    srv.json("POST", "/api/runs/%d/review/%s" % (rid, every[3]["item"]), {"decision": "Hold",
                                                                          "notes": "ask"})
    every[3]["decision"] = "Hold"
    court = every[0]["court"]
    cases = [("agency=Felony%20Unit", lambda i: i["agency"] == "Felony Unit"),
             ("status=pending", lambda i: i["decision"] == ""),
             ("status=held", lambda i: i["decision"] == "Hold"),
             ("court=" + quote(court), lambda i: i["court"] == court),
             ("proposed=Reduction", lambda i: "Reduction" in i["proposed"]),
             ("q=" + every[5]["cii"], lambda i: i["cii"] == every[5]["cii"]),
             ("q=" + quote(every[7]["name"].split(",")[0].lower()),
              lambda i: every[7]["name"].split(",")[0] in i["name"].upper()),
             ("agency=Felony%20Unit&status=pending&proposed=Dismissal",
              lambda i: i["agency"] == "Felony Unit" and not i["decision"] and
              "Dismissal" in i["proposed"])]
    for query, keep in cases:
        want = [i["item"] for i in every if keep(i)]
        got = review_items(srv, rid, "&" + query)
        assert [i["item"] for i in got] == want, (query, len(got), len(want))
        assert want, query
    for col, key in (("name", "name"), ("case", "caseNumber"), ("agency", "agency")):
        up = [i[key] for i in review_items(srv, rid, "&sort=" + col)]
        assert up == sorted(up), col
        down = [i[key] for i in review_items(srv, rid, "&sort=-" + col)]
        assert down == sorted(up, reverse=True), col
    held = srv.json("GET", "/api/runs/%d/review?sort=-status&limit=1" % rid)["items"][0]
    assert held["decision"] == "Hold", held
    for wild in ("%25", "_", "%5C"):  # LIKE's wildcards are searched for as themselves
        assert review_items(srv, rid, "&q=" + wild) == [], wild
    for bad in ("status=maybe", "sort=salary", "offset=-1", "limit=x"):
        status, _ = srv.request("GET", "/api/runs/%d/review?%s" % (rid, bad))
        assert status == 400, (bad, status)
    page = srv.json("GET", "/api/runs/%d/review?offset=%d&limit=7" % (rid, len(every) - 3))
    assert [i["item"] for i in page["items"]] == [i["item"] for i in every[-3:]], page["offset"]
    return "%d items, %d filters, 3 sorts" % (len(every), len(cases))


@H.case
def review_bulk_and_history():
    """POST .../review/bulk decides a list of items, or every item of a
    filter, all or none; a Deny needs its reason; GET .../review/{item}
    shows the item's history."""
    srv = S["server"]
    rid = reviewed_run(srv, TWO_AGENCIES)
    every = review_items(srv, rid)
    picked = [i["item"] for i in every[:3]]
    path = "/api/runs/%d/review/bulk" % rid
    assert srv.json("POST", path, {"decision": "Approve", "notes": "ok", "items": picked}) == \
        {"decided": 3}
    for body in ({"decision": "Deny", "items": picked}, {"decision": "Deny", "notes": "  ",
                                                         "items": picked},
                 {"decision": "Maybe", "notes": "x", "items": picked},
                 {"decision": "Hold", "items": picked, "filter": {}},
                 {"decision": "Hold"}, {"decision": "Hold", "filter": {"colour": "red"}},
                 {"decision": "Hold", "filter": {"status": "maybe"}}):
        status, out = srv.request("POST", path, body)
        assert status == 400, (body, status, out)
    status, _ = srv.request("POST", path, {"decision": "Hold", "notes": "x",
                                           "items": [picked[0], "I999999"]})
    assert status == 404, status
    assert srv.json("GET", "/api/runs/%d/review/%s" % (rid, picked[0]))["item"]["decision"] == \
        "Approve", "a refused bulk recorded something"
    fel = srv.json("GET", "/api/runs/%d/review?agency=Felony%%20Unit&status=pending&limit=0" % rid)
    got = srv.json("POST", path, {"decision": "Deny", "notes": "prior serious felony",
                                  "filter": {"agency": "Felony Unit", "status": "pending"}})
    assert got["decided"] == fel["total"] > 0, (got, fel["total"])
    after = srv.json("GET", "/api/runs/%d/review?limit=0" % rid)["tally"]
    assert after["denied"] == fel["total"] and after["approved"] == 3, after
    status, _ = srv.request("POST", path, {"decision": "Hold", "notes": "x", "items": picked},
                            headers={"Origin": "http://evil.example"})
    assert status == 403, status
    srv.json("POST", path, {"decision": "Hold", "notes": "call the court", "items": picked[:1]})
    d = srv.json("GET", "/api/runs/%d/review/%s" % (rid, picked[0]))
    assert [(h["decision"], h["notes"], h["previousDecision"], h["reviewer"], h["source"])
            for h in d["history"]] == [("Approve", "ok", "", "local", "web"),
                                       ("Hold", "call the court", "Approve", "local", "web")], d
    assert d["item"]["item"] == picked[0] and d["item"]["counts"], d["item"]
    status, _ = srv.request("GET", "/api/runs/%d/review/I999999" % rid)
    assert status == 404, status
    run_dir = os.path.join(S["ws"], "runs", str(rid))
    rc, out, err, _ = e2etools.run([S["relief"], "review", "status", "--outputs=" + run_dir,
                                    "--json"])
    assert rc == 0, err
    assert '"denied": %d' % fel["total"] in out and '"held": 1' in out, out[:400]
    return "%d denied by filter" % fel["total"]


@H.case
def routing_counted_before_the_review():
    """POST .../review/routes counts each route's items as `relief review
    init` would route them, keeping nothing; the review then routes so."""
    srv = S["server"]
    sac = [p for p in S["inputs"] if "SACRAMENTO" in p]
    rid = srv.run({"inputs": sac, "county": "SACRAMENTO", "computeAt": COMPUTE,
                   "options": OPTION_SETS[0], "reviewFiles": True})["id"]
    run_dir = os.path.join(S["ws"], "runs", str(rid))
    before = os.listdir(run_dir)
    routing = {"default": "Misdemeanor Unit",
               "routes": [{"agency": "Felony Unit", "felony": True},
                          {"agency": "Gordon Court", "court": "GORDON SCHABR"}]}
    r = srv.json("POST", "/api/runs/%d/review/routes" % rid, {"routing": routing})
    left = set(os.listdir(run_dir)) - set(before)
    assert not [n for n in left if "review" in n or n.endswith(".tmp")], left
    assert not [n for n in os.listdir(S["ws"]) if n.startswith("routing-preview")]
    assert r["items"] == r["defaultItems"] + sum(x["matched"] for x in r["routes"]), r
    assert r["routes"][1]["matched"] == 0 and r["routes"][1]["nearestCourts"], r
    status, out = srv.request("POST", "/api/runs/%d/review/routes" % rid,
                              {"routing": {"default": "X", "routes": [{"agency": "Y", "felon": 1}]}})
    assert status == 400 and b"felon" in out, (status, out)
    srv.json("POST", "/api/runs/%d/review" % rid, {"routing": routing})
    tally = {a: srv.json("GET", "/api/runs/%d/review?limit=0&agency=%s" % (rid, a.replace(" ", "%20")))["total"]
             for a in ("Felony Unit", "Misdemeanor Unit", "Gordon Court")}
    assert tally == {"Felony Unit": r["routes"][0]["matched"], "Gordon Court": 0,
                     "Misdemeanor Unit": r["defaultItems"]}, (tally, r)
    # `relief review init` prints the same counts for the same bundle
    copy = os.path.join(S["work"], "routes-cli-%d" % rid)
    shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("review.sqlite", "Court_Filings"))
    path = os.path.join(S["work"], "routing-%d.json" % rid)
    with open(path, "w") as f:
        json.dump(routing, f)
    rc, out, err, _ = e2etools.run([S["relief"], "review", "init", "--outputs=" + copy,
                                    "--routing=" + path])
    assert rc == 0, err
    assert 'route 1 (agency "Felony Unit", felony true): %d items' % r["routes"][0]["matched"] in out, out
    assert 'default (agency "Misdemeanor Unit"): %d items' % r["defaultItems"] in out, out
    return "%d items: %d felony, %d default" % (r["items"], r["routes"][0]["matched"],
                                                r["defaultItems"])


FILER = {"office": "Sacramento County District Attorney", "agency": "district-attorney",
         "attorney": "Dana Q. Reyes", "barNumber": "123456",
         "address": ["901 G Street", "Sacramento, CA 95814"], "phone": "(916) 555-0100",
         "email": "", "signature": "/s/ Dana Q. Reyes"}


def filings_done(srv, rid, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        f = srv.json("GET", "/api/runs/%d" % rid).get("filings", {})
        if f.get("status") in ("done", "failed"):
            return f
        time.sleep(0.1)
    raise AssertionError("filings did not finish")


def whatif_after_rebuild(srv, rid, timeout=60):
    """A what-if on run rid once the table is no longer being rebuilt (or
    the time is up): its status and body."""
    deadline = time.monotonic() + timeout
    while True:
        status, out = srv.request("POST", "/api/runs/%d/whatif" % rid, {"options": OPTION_SETS[1]})
        if b"rebuilt" not in out or time.monotonic() > deadline:
            return status, out
        time.sleep(0.2)


def court_list(folder):
    with open(os.path.join(folder, "court_list.csv"), newline="", encoding="utf-8") as f:
        return f.read()


@H.case
def motions_for_approved_items():
    """The review queue's approved items become motions of the agency's
    folder under its stored filer profile (as `relief filings` makes them
    from the same store); a denial removes its motion."""
    srv = S["server"]
    sac = [p for p in S["inputs"] if "SACRAMENTO" in p]
    body = {"inputs": sac, "county": "SACRAMENTO", "computeAt": COMPUTE,
            "options": OPTION_SETS[0], "reviewFiles": True}
    st = srv.run(body)
    rid = st["id"]
    status, _ = srv.request("POST", "/api/runs/%d/filings" % rid, {})
    assert status == 409, status  # no review yet
    srv.json("POST", "/api/runs/%d/review" % rid, {})
    items = srv.json("GET", "/api/runs/%d/review?limit=500" % rid)["items"]
    relief = [i for i in items if i["proposed"] not in ("", "-")] or items
    for it in relief[:6]:
        srv.json("POST", "/api/runs/%d/review/%s" % (rid, it["item"]), {"decision": "Approve"})
    # no filer profile yet: the agency is refused by name, nothing filed
    status, reply = srv.request("POST", "/api/runs/%d/filings" % rid,
                                {"agency": "District Attorney"})
    assert status == 409 and b"District Attorney" in reply and b"filer" in reply, (status, reply)
    status, reply = srv.request("POST", "/api/runs/%d/filings" % rid, {"agency": "Nobody"})
    assert status == 400 and b"Nobody" in reply, (status, reply)
    srv.json("POST", "/api/runs/%d/filings" % rid, {}, expect=202)
    f = filings_done(srv, rid)
    assert f["status"] == "done" and f["motions"] == 0, f
    assert "District Attorney" in f["error"] and "filer profile" in f["error"], f
    assert f["agencies"][0]["notFiled"] == len(relief[:6]), f
    bad = dict(FILER, barNumber="12x")
    status, reply = srv.request("POST", "/api/runs/%d/filings" % rid, {"filer": bad})
    assert status == 400 and b"barNumber" in reply, (status, reply)
    status, _ = srv.request("POST", "/api/runs/%d/filings" % rid, {"filer": FILER},
                            headers={"Origin": "http://evil.example"})
    assert status == 403, status
    status, _ = srv.request("POST", "/api/runs/%d/filings" % rid, {"filer": FILER}, token=False)
    assert status == 401, status
    # one agency: the filer is its profile, kept in the store
    status, reply = srv.request("POST", "/api/runs/%d/filings" % rid, {"filer": FILER})
    assert status == 202, (status, reply)
    f = filings_done(srv, rid)
    assert f["status"] == "done" and f["approved"] == len(relief[:6]), f
    assert f["motions"] >= 1 and "error" not in f, f
    [agency] = f["agencies"]
    assert agency["agency"] == "District Attorney" and agency["motions"] == f["motions"], f
    run_dir = os.path.join(S["ws"], "runs", str(rid))
    folder = os.path.join(run_dir, "Court_Filings", "District_Attorney", "SACRAMENTO")
    served = court_list(folder)
    assert len(served.splitlines()) == f["motions"] + 1, served
    names = {x["name"] for x in srv.json("GET", "/api/runs/%d/files" % rid)}
    assert "Court_Filings/District_Attorney/SACRAMENTO/court_list.csv" in names, sorted(names)
    assert "Court_Filings/District_Attorney/not_filed.csv" in names, sorted(names)
    # the CLI: the same bundle, the same store (its filer profile), `relief filings`
    cli = cli_bundle(sac, run_dir)
    rc, _, err, _ = e2etools.run([S["relief"], "filings", "--outputs=" + cli])
    assert rc == 0, err
    cli_folder = os.path.join(cli, "Court_Filings", "District_Attorney", "SACRAMENTO")
    assert court_list(cli_folder) == served
    pdfs = sorted(n for n in os.listdir(folder) if n.endswith(".pdf"))
    assert pdfs == sorted(n for n in os.listdir(cli_folder)
                          if n.endswith(".pdf"))
    # the stored profile files again with {}
    srv.json("POST", "/api/runs/%d/filings" % rid, {}, expect=202)
    assert court_list(folder) == served and "error" not in filings_done(srv, rid)
    # every approval denied: the next filing leaves no motion behind
    for it in relief[:6]:
        srv.json("POST", "/api/runs/%d/review/%s" % (rid, it["item"]),
                 {"decision": "Deny", "notes": "challenged"})
    srv.json("POST", "/api/runs/%d/filings" % rid, {}, expect=202)
    f = filings_done(srv, rid)
    assert f["status"] == "done" and f["motions"] == 0 and f["approved"] == 0, f
    left = os.listdir(folder) if os.path.isdir(folder) else []
    assert not [n for n in left if n.endswith(".pdf") and n != "all_motions.pdf"], left
    listed = os.path.join(folder, "court_list.csv")
    assert not os.path.exists(listed) or len(court_list(folder).splitlines()) == 1
    # the denials are challenges noticed to the public defender, as relief filings writes them
    assert os.path.exists(os.path.join(folder, "Challenges", "challenges.csv")), left
    return "%d motions from %d approved items, same as relief filings" % (
        len(served.splitlines()) - 1, len(relief[:6]))


def cli_bundle(inputs, run_dir):
    """The CLI's bundle of a served SACRAMENTO run, with the run's review
    store (decisions and filer profiles) copied in."""
    cli = cli_run(inputs, "SACRAMENTO", OPTION_SETS[0], tag="filings")
    rc, _, err, _ = e2etools.run([S["relief"], "run", "--input-doj=" + ",".join(inputs),
                                  "--county=SACRAMENTO", "--compute-at=" + COMPUTE,
                                  "--eligibility-options=" + cli + ".options.json",
                                  "--review-files", "--outputs=" + cli])
    assert rc == 0, err
    shutil.copy(os.path.join(run_dir, "review.sqlite"), os.path.join(cli, "review.sqlite"))
    return cli


def pdf_text(path):
    p = subprocess.run(["pdftotext", path, "-"], capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.decode("utf-8", "replace")


FELONY_FILER = dict(FILER, office="Felony Unit Office", attorney="Frances Felony",
                    barNumber="111111", signature="/s/ Frances Felony")
MISDEMEANOR_FILER = dict(FILER, office="Misdemeanor Unit Office", attorney="Morgan Misdo",
                         barNumber="222222", signature="/s/ Morgan Misdo")


@H.case
def filings_per_agency_under_own_filer():
    """Two agencies: each files its approved items under its own filer
    profile, in its own folder (as `relief filings` files them); {} files
    both; an office account files, and sets the profile of, its own agency
    only (403 for the other's)."""
    if not shutil.which("openssl") or not shutil.which("pdftotext"):
        return "skipped: no openssl or pdftotext"
    cert, key = make_cert()
    ws = os.path.join(S["work"], "ws-agencies")
    add_user(ws, "fran", "Felony Unit", "felony pass 1")
    srv = Server(S["relief"], [S["data"]], ws, S["log"] + ".agencies",
                 extra=["--office", "--tls-cert=" + cert, "--tls-key=" + key])
    try:
        sac = [p for p in S["inputs"] if "SACRAMENTO" in p]
        rid = srv.run({"inputs": sac, "county": "SACRAMENTO", "computeAt": COMPUTE,
                       "options": OPTION_SETS[0], "reviewFiles": True})["id"]
        routing = {"default": "Misdemeanor Unit",
                   "routes": [{"agency": "Felony Unit", "felony": True}]}
        srv.json("POST", "/api/runs/%d/review" % rid, {"routing": routing})
        items = review_items(srv, rid)
        relief = [i for i in items if i["proposed"] not in ("", "-")]
        by = {a: [i for i in relief if i["agency"] == a][:4]
              for a in ("Felony Unit", "Misdemeanor Unit")}
        assert all(by.values()), {a: len(v) for a, v in by.items()}
        for its in by.values():
            for it in its:
                srv.json("POST", "/api/runs/%d/review/%s" % (rid, it["item"]),
                         {"decision": "Approve"})
        status, _ = srv.request("POST", "/api/login", {"name": "fran", "password": "felony pass 1"},
                                token=False, headers={"Origin": srv.origin})
        assert status == 200, status
        cookie = [v for k, v in srv.last_headers if k.lower() == "set-cookie"][0].split(";")[0]
        fran = {"Cookie": cookie, "Origin": srv.origin}
        # fran may neither file nor set the profile of the other agency
        for body in ({"agency": "Misdemeanor Unit"},
                     {"agency": "Misdemeanor Unit", "filer": MISDEMEANOR_FILER}):
            status, _ = srv.request("POST", "/api/runs/%d/filings" % rid, body, token=False,
                                    headers=fran)
            assert status == 403, (body, status)
        # her own: the profile she sends is kept; only her agency is filed
        status, reply = srv.request("POST", "/api/runs/%d/filings" % rid,
                                    {"filer": FELONY_FILER}, token=False, headers=fran)
        assert status == 202, (status, reply)
        f = filings_done(srv, rid)
        assert f["status"] == "done" and f["agency"] == "Felony Unit", f
        assert [a["agency"] for a in f["agencies"]] == ["Felony Unit"], f
        run_dir = os.path.join(ws, "runs", str(rid))
        assert not os.path.isdir(os.path.join(run_dir, "Court_Filings", "Misdemeanor_Unit"))
        # {} with one profile: the felony unit files, the other is named
        srv.json("POST", "/api/runs/%d/filings" % rid, {}, expect=202)
        f = filings_done(srv, rid)
        assert f["status"] == "done" and "Misdemeanor Unit" in f.get("error", ""), f
        assert "Felony Unit" not in f["error"], f
        per = {a["agency"]: a for a in f["agencies"]}
        assert per["Felony Unit"]["motions"] >= 1 and "error" not in per["Felony Unit"], f
        assert per["Misdemeanor Unit"]["motions"] == 0, f
        assert per["Misdemeanor Unit"]["notFiled"] == len(by["Misdemeanor Unit"]), f
        srv.json("POST", "/api/runs/%d/filings" % rid,
                 {"agency": "Misdemeanor Unit", "filer": MISDEMEANOR_FILER}, expect=202)
        assert filings_done(srv, rid)["status"] == "done"
        srv.json("POST", "/api/runs/%d/filings" % rid, {}, expect=202)
        f = filings_done(srv, rid)
        assert f["status"] == "done" and "error" not in f, f
        per = {a["agency"]: a for a in f["agencies"]}
        assert f["motions"] == sum(a["motions"] for a in per.values()), f
        own = {"Felony_Unit": ("Frances Felony", "Morgan Misdo"),
               "Misdemeanor_Unit": ("Morgan Misdo", "Frances Felony")}
        cli = cli_bundle(sac, run_dir)
        rc, _, err, _ = e2etools.run([S["relief"], "filings", "--outputs=" + cli])
        assert rc == 0, err
        signed = 0
        for folder, (mine, theirs) in own.items():
            served = os.path.join(run_dir, "Court_Filings", folder, "SACRAMENTO")
            assert court_list(served) == court_list(
                os.path.join(cli, "Court_Filings", folder, "SACRAMENTO")), folder
            pdfs = [n for n in os.listdir(served) if n.endswith(".pdf")]
            assert pdfs, folder
            for n in pdfs:
                text = pdf_text(os.path.join(served, n))
                assert mine in text and theirs not in text, (folder, n)
                signed += 1
        # as relief filings: the store knows what was filed (court orders are
        # recorded against filed items), the same count as the CLI's
        counts = []
        for folder in (run_dir, cli):
            rc, out, err, _ = e2etools.run([S["relief"], "court", "status", "--outputs=" + folder, "--json"])
            assert rc == 0, err
            counts.append(json.loads(out)["filed"])
        assert counts[0] == counts[1] == f["motions"], (counts, f["motions"])
    finally:
        srv.stop()
    return "%d PDFs, each signed by its own agency's filer" % signed


@H.case
def latin1_name_in_people_and_explain():
    """Issue 22 item 5: an extract's Windows-1252 name (MU\\xD1OZ) is found by
    its UTF-8 spelling and shows in the people and explain JSON (the key was
    missing: jansson refuses a string that is not UTF-8)."""
    import urllib.parse
    srv = S["server"]
    with open(os.path.join(S["run_dir"], [n for n in os.listdir(S["run_dir"])
                                          if n.startswith("Prop64_Results")][0]),
              newline="", encoding="utf-8") as f:
        who = next(csv.DictReader(f))["SUBJECT_ID"]
    for src in S["inputs"]:  # the input that holds who
        with open(src, newline="", encoding="latin-1") as f:
            table = list(csv.reader(f))
        name, subject = table[0].index("PRI_NAME"), table[0].index("SUBJECT_ID")
        if any(r[subject] == who for r in table[1:]):
            break
    latin = os.path.join(S["data"], "latin1_" + os.path.basename(src))
    for r in table[1:]:
        if r[subject] == who:
            r[name] = "MU\u00d1OZ,JUAN"
    with open(latin, "w", newline="", encoding="latin-1") as f:
        csv.writer(f, lineterminator="\n").writerows(table)
    try:
        st = srv.run({"inputs": [latin], "county": "SACRAMENTO", "computeAt": COMPUTE,
                      "options": OPTION_SETS[0]})
        got = srv.json("GET", "/api/runs/%d/people?q=%s" % (st["id"], urllib.parse.quote("muñoz")))
        names = [p.get("name") for p in got["people"]]
        assert names == ["MU\u00d1OZ,JUAN"], names
        ex = srv.json("GET", "/api/runs/%d/explain?subject=%s" % (st["id"], who))
        assert ex.get("name") == "MU\u00d1OZ,JUAN", ex.get("name")
    finally:
        os.unlink(latin)
    return 2


@H.case
def people_search_and_explain():
    srv = S["server"]
    with open(os.path.join(S["run_dir"], [n for n in os.listdir(S["run_dir"])
                                          if n.startswith("Prop64_Results")][0]),
              newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    who = rows[0]
    last = who["PRI_NAME"].split(",")[0]
    got = srv.json("GET", "/api/runs/%d/people?q=%s" % (S["run"], last.lower()))["people"]
    assert any(p["subjectId"] == who["SUBJECT_ID"] for p in got), (last, len(got))
    status, _ = srv.request("GET", "/api/runs/%d/people?q=x" % S["run"])
    assert status == 400, status
    ex = srv.json("GET", "/api/runs/%d/explain?subject=%s" % (S["run"], who["SUBJECT_ID"]))
    assert ex["subjectId"] == who["SUBJECT_ID"] and ex["convictions"], ex
    rc, out, err, _ = e2etools.run([S["relief"], "explain", "--input-doj=" + S["inputs"][-1],
                                    "--subject=" + who["SUBJECT_ID"], "--county=SACRAMENTO",
                                    "--compute-at=" + COMPUTE, "--eligibility-options=" +
                                    cli_options_file(OPTION_SETS[0])])
    dets = [c.get("determination") for c in ex["convictions"] if c.get("determination")]
    for d in dets:
        assert d in out, (d, out[-400:])
    status, _ = srv.request("GET", "/api/runs/%d/explain?subject=NOSUCHPERSON" % S["run"])
    assert status == 404, status
    log = open(S["log"], encoding="utf-8", errors="replace").read()
    assert last not in log and who["SUBJECT_ID"] not in log, "a search term reached the log"
    return "%d convictions explained" % len(ex["convictions"])


@H.case
def uploads_become_inputs():
    srv = S["server"]
    data = open(S["inputs"][0], "rb").read()
    # refused before the body is read (a small body: the server closes early)
    status, out = srv.request("PUT", "/api/uploads/extract.csv", raw=b"x", token=False)
    assert status == 401, status
    status, out = srv.request("PUT", "/api/uploads/extract.csv", raw=b"x",
                              headers={"Origin": "http://evil.example"})
    assert status == 403, status
    for bad in ("..", ".hidden", "a%2fb", "x%20y", "a/b"):
        status, _ = srv.request("PUT", "/api/uploads/" + bad, raw=b"x")
        assert status in (400, 404), (bad, status)
    status, out = srv.request("PUT", "/api/uploads/extract.csv", raw=data)
    assert status == 201, (status, out)
    info = json.loads(out)
    assert info["size"] == len(data), info
    assert os.stat(info["path"]).st_mode & 0o777 == 0o600
    assert open(info["path"], "rb").read() == data
    listed = {i["path"] for i in srv.json("GET", "/api/inputs")}
    assert info["path"] in listed, listed
    st = srv.run({"inputs": [info["path"]], "county": "SACRAMENTO", "computeAt": COMPUTE,
                  "options": OPTION_SETS[0]})
    assert st["status"] == "done", st
    return "%d bytes" % len(data)


@H.case
def files_stay_in_the_bundle():
    srv = S["server"]
    names = {f["name"] for f in srv.json("GET", "/api/runs/%d/files" % S["run"])}
    for n in ("summary.json", "manifest.json", "report.html"):
        assert n in names, n
    assert any(n.startswith("All_Results") for n in names), names
    for bad in ("../../../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%2e%2e/1/summary.json",
                ".relief.lock", "/etc/passwd", "nonexistent.csv", "a//b"):
        status, _ = srv.request("GET", "/api/runs/%d/files/%s" % (S["run"], bad))
        assert status in (400, 403, 404), (bad, status)
    status, _ = srv.request("GET", "/api/runs/%d/files/summary.json?token=%s" % (S["run"], srv.token),
                            token=False)
    assert status == 401, status  # the page's links carry no token: its cookie serves them
    import io
    import zipfile
    status, data = srv.request("GET", "/api/runs/%d/bundle.zip" % S["run"])
    assert status == 200, status
    z = zipfile.ZipFile(io.BytesIO(data))
    assert set(z.namelist()) == names, (z.namelist(), names)
    for n in names:
        assert z.read(n) == open(os.path.join(S["run_dir"], n), "rb").read(), n
    assert os.stat(os.path.join(S["ws"], "runs", "bundle-%d.zip" % S["run"])).st_mode & 0o777 == 0o600


@H.case
def workspace_is_private():
    for root, dirs, files in os.walk(S["ws"]):
        for d in dirs:
            mode = os.stat(os.path.join(root, d)).st_mode & 0o777
            assert mode == 0o700, (d, oct(mode))
        for f in files:
            mode = os.stat(os.path.join(root, f)).st_mode & 0o777
            assert mode == 0o600, (f, oct(mode))


def personal_values():
    """Names, birth dates and CII numbers of the inputs (a sample)."""
    values = set()
    for path in S["inputs"]:
        with open(path, newline="", encoding="utf-8") as f:
            r = csv.reader(f)
            head = next(r)
            cols = [head.index(c) for c in ("PRI_NAME", "PRI_DOB", "CII_NUMBER")]
            for i, row in enumerate(r):
                if i > 20000:
                    break
                for c in cols:
                    if len(row[c]) >= 6:
                        values.add(row[c])
    return values


@H.case
def sigterm_idle_and_log_clean():
    srv = S["server"]
    seconds, rc = srv.stop()
    assert seconds < 5, seconds
    assert rc == 0, rc
    log = open(S["log"], encoding="utf-8", errors="replace").read()
    assert "stopped" in log, log[-300:]
    leaks = [v for v in personal_values() if v in log]
    assert not leaks, "the log carries %d personal values" % len(leaks)
    assert srv.token not in log, "the log carries the token"
    return "%.2f s, %d log lines" % (seconds, log.count("\n"))


@H.case
def runs_listed_after_restart():
    """A server started again on the same workspace lists the earlier runs
    (summaries, files, review queue, what-if rebuilt in the background),
    numbers new runs after them, and refuses a what-if or filing from an
    input whose bytes changed since."""
    old = S["server"]
    assert old.proc.poll() is not None, "sigterm_idle_and_log_clean stops the first server"
    srv = Server(S["relief"], [S["data"]], S["ws"], S["log"] + ".restart")
    try:
        runs = srv.json("GET", "/api/runs")
        done = [r for r in runs if r["status"] == "done"]
        assert len(done) >= 2, [(r["id"], r["status"]) for r in runs]
        ids = [r["id"] for r in runs]
        assert ids == sorted(ids), ids
        for r in done:
            cli_summary = os.path.join(S["ws"], "runs", str(r["id"]), "summary.json")
            assert summary_of(r["summary"]) == summary_of(cli_summary), r["id"]
        first = S["run"]  # run_matches_cli: every input, SACRAMENTO, configurable
        status, body = srv.request("GET", "/api/runs/%d/files/All_Results_1.csv" % first)
        assert status == 200 and body == open(os.path.join(S["run_dir"], "All_Results_1.csv"),
                                              "rb").read(), status
        reviewed = [r["id"] for r in done
                    if os.path.exists(os.path.join(S["ws"], "runs", str(r["id"]), "review.sqlite"))]
        assert reviewed, "no reviewed run"
        assert srv.json("GET", "/api/runs/%d/review" % reviewed[0])["items"]
        # the what-if table comes back once the worker has rebuilt it
        deadline = time.monotonic() + 120
        while True:
            status, out = srv.request("POST", "/api/runs/%d/whatif" % first,
                                      {"options": OPTION_SETS[1]})
            if status == 200 or time.monotonic() > deadline:
                break
            assert status == 409 and b"rebuilt" in out, (status, out)
            time.sleep(0.2)
        assert status == 200, (status, out)
        cli = cli_run(S["inputs"], "SACRAMENTO", OPTION_SETS[1])
        assert summary_of(json.loads(out)["summary"]) == summary_of(os.path.join(cli, "summary.json"))
        # a new run is numbered after every earlier folder
        new = srv.run({"inputs": S["inputs"][:1], "county": "SACRAMENTO", "computeAt": COMPUTE,
                       "options": OPTION_SETS[0]})
        assert new["status"] == "done" and new["id"] == max(ids) + 1, (new["id"], ids)
    finally:
        srv.stop()
    # an input changed while the server was down: no what-if, no motions from it
    work = os.path.join(S["work"], "changed")
    data = os.path.join(work, "data")
    os.makedirs(data)
    shutil.copy(S["inputs"][0], os.path.join(data, "in.dat"))
    srv = Server(S["relief"], [data], os.path.join(work, "ws"), S["log"] + ".changed")
    try:
        rid = srv.run({"inputs": [os.path.join(data, "in.dat")], "county": "SACRAMENTO",
                       "computeAt": COMPUTE, "options": OPTION_SETS[0], "reviewFiles": True})["id"]
        srv.json("POST", "/api/runs/%d/review" % rid, {})
    finally:
        srv.stop()
    with open(os.path.join(data, "in.dat"), "r+b") as f:
        f.seek(-3, os.SEEK_END)
        f.write(b"X\n\n"[:3])
    srv = Server(S["relief"], [data], os.path.join(work, "ws"), S["log"] + ".changed2")
    try:
        status, out = whatif_after_rebuild(srv, rid)
        assert status == 409 and b"changed since the bundle was made" in out, (status, out)
        srv.json("POST", "/api/runs/%d/filings" % rid, {}, expect=202)
        f = filings_done(srv, rid)
        assert f["status"] == "failed" and "changed since" in f["error"], f
    finally:
        srv.stop()
    # started on other --data folders: the run's inputs are read no more
    elsewhere = os.path.join(work, "elsewhere")
    os.makedirs(elsewhere)
    srv = Server(S["relief"], [elsewhere], os.path.join(work, "ws"), S["log"] + ".elsewhere")
    try:
        status, out = whatif_after_rebuild(srv, rid)
        assert status == 409 and b"no longer a file under a --data folder" in out, (status, out)
        srv.json("POST", "/api/runs/%d/filings" % rid, {}, expect=202)
        f = filings_done(srv, rid)
        assert f["status"] == "failed" and "--data" in f["error"], f
    finally:
        srv.stop()
    return "%d runs listed again; new run %d" % (len(runs), new["id"])


@H.case
def killed_run_leaves_nothing_after_restart():
    """A run killed as by kill -9 left its staging folder and no record:
    the next server on the workspace removes the staging folder, lists no
    such run and numbers new runs after it."""
    ws = os.path.join(S["work"], "ws-killed")
    stage = os.path.join(ws, "runs", "3", ".relief-stage.AbCdEf123456")
    os.makedirs(stage)
    with open(os.path.join(stage, "All_Results.csv"), "w") as f:
        f.write("half written\n")
    srv = Server(S["relief"], [S["data"]], ws, S["log"] + ".killed")
    try:
        assert srv.json("GET", "/api/runs") == []
        left = os.listdir(os.path.join(ws, "runs", "3"))
        assert left == [], left
        st = srv.run({"inputs": S["inputs"][:1], "county": "SACRAMENTO", "computeAt": COMPUTE,
                      "options": OPTION_SETS[0]})
        assert st["status"] == "done" and st["id"] == 4, st
    finally:
        srv.stop()
    return "staging folder removed; next run 4"


@H.case
def one_server_per_workspace():
    """Issue 22 item 2: a second server on a workspace is refused at start
    (exit 1, naming the holder's pid); run ids are folders made with mkdir,
    so a folder made by another writer is never reused."""
    ws = os.path.join(S["work"], "ws-owner")
    srv = Server(S["relief"], [S["data"]], ws, S["log"] + ".owner")
    try:
        rc, out, err, _ = e2etools.run([S["relief"], "serve", "--listen=127.0.0.1:0",
                                        "--workspace=" + ws, "--data=" + S["data"]], timeout=15)
        assert rc == 1, (rc, out, err)
        assert str(srv.proc.pid) in err, err
        assert "relief serve:" not in out, out
        # another writer (the lock bypassed) made folders 1 and 2 meanwhile
        for n in ("1", "2"):
            os.makedirs(os.path.join(ws, "runs", n))
            with open(os.path.join(ws, "runs", n, "theirs.txt"), "w") as f:
                f.write(n)
        st = srv.run({"inputs": S["inputs"][:1], "county": "SACRAMENTO", "computeAt": COMPUTE,
                      "options": OPTION_SETS[0]})
        assert st["status"] == "done" and st["id"] == 3, (st["id"], st["status"])
        for n in ("1", "2"):
            assert os.listdir(os.path.join(ws, "runs", n)) == ["theirs.txt"], n
    finally:
        srv.stop()
    # the lock goes with the server: a new one starts
    srv = Server(S["relief"], [S["data"]], ws, S["log"] + ".owner2")
    srv.stop()
    return "refused naming pid %d" % srv.proc.pid


def attack(port, n, trickle):
    """n connections to port from 127.0.0.2: idle ones, and ones that send
    a request line then one header byte now and then."""
    import socket
    held = []
    for i in range(n):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.settimeout(0.05)
        try:
            c.bind(("127.0.0.2", 0))
            c.connect(("127.0.0.1", port))
            if trickle and i % 2:
                c.send(b"GET /api/runs HTTP/1.1\r\n")
        except OSError:
            pass  # refused or queued: held all the same
        held.append(c)
    return held


@H.case
def connections_bounded():
    """Issue 22 item 4: a signed-in user gets an answer in < 1 s while 500
    idle or trickling connections are held from one other address, and a
    connection that sends no full request is closed within seconds."""
    import socket
    srv = Server(S["relief"], [S["data"]], os.path.join(S["work"], "ws-conn"), S["log"] + ".conn")
    held = []
    try:
        held = attack(srv.port, 500, trickle=True)
        worst = 0
        end = time.monotonic() + 8
        while time.monotonic() < end:
            for c in held[1::2]:
                try:
                    c.send(b"X")
                except OSError:
                    pass
            t0 = time.monotonic()
            status, _ = srv.request("GET", "/api/runs", timeout=5)
            worst = max(worst, time.monotonic() - t0)
            assert status == 200, status
            time.sleep(0.5)
        # < 1 s is the target (measured: milliseconds); the sanitizer suite runs
        # beside the normal one on two cores, so there a starved scheduler gets
        # 3 s: a server blocked by the held connections answers after 4 s or never
        bound = 3.0 if os.environ.get("RELIEF_TEST_SCALE") == "small" else 1.0
        assert worst < bound, "the user waited %.2f s" % worst
        one = socket.create_connection(("127.0.0.1", srv.port), timeout=15)
        t0 = time.monotonic()
        one.send(b"GET /api/runs HTTP/1.1\r\n")
        try:
            got = one.recv(100)
        except OSError:
            got = b""
        waited = time.monotonic() - t0
        one.close()
        assert waited < 10 and not got.startswith(b"HTTP/1.1 2"), (waited, got[:40])
    finally:
        for c in held:
            c.close()
        srv.stop()
    return "slowest answer %.0f ms; headers cut after %.1f s" % (worst * 1e3, waited)


@H.case
def stopped_run_is_recorded():
    """Issue 22 item 6: a run stopped by a signal (SIGTERM to the server
    mid-run, or SIGKILL), and one still queued, is recorded as failed,
    "stopped", and lists after a restart; no staging folder or record
    temporary is left."""
    ws = os.path.join(S["work"], "ws-stop")
    stopped = []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        srv = Server(S["relief"], [S["data"]], ws, S["log"] + ".stop")
        try:
            rid = srv.json("POST", "/api/runs", {"inputs": S["inputs"] * 32, "county": "SACRAMENTO",
                                                 "computeAt": COMPUTE, "options": OPTION_SETS[0]},
                           expect=202)["id"]
            deadline = time.monotonic() + 30
            while srv.json("GET", "/api/runs/%d" % rid)["status"] == "queued":
                assert time.monotonic() < deadline
                time.sleep(0.05)
            waiting = srv.json("POST", "/api/runs", {"inputs": S["inputs"][:1],
                                                     "county": "SACRAMENTO", "computeAt": COMPUTE,
                                                     "options": OPTION_SETS[0]}, expect=202)["id"]
            time.sleep(0.2)
            assert srv.json("GET", "/api/runs/%d" % rid)["status"] == "running", "too short a run"
            assert srv.json("GET", "/api/runs/%d" % waiting)["status"] == "queued"
            srv.stop(sig)
        finally:
            srv.kill()
        stopped += [rid, waiting]
    # a record's temporary that a stop left unrenamed goes at the restart
    temp = os.path.join(ws, "runs", str(stopped[0]), "..serve-run.json.99999.0.tmp")
    with open(temp, "w") as f:
        f.write("{")
    srv = Server(S["relief"], [S["data"]], ws, S["log"] + ".stop2")
    try:
        runs = {r["id"]: r for r in srv.json("GET", "/api/runs")}
    finally:
        srv.stop()
    for rid in stopped:
        assert rid in runs, "stopped run %d is not listed: %s" % (rid, sorted(runs))
        assert runs[rid]["status"] == "failed" and runs[rid]["error"] == "stopped", runs[rid]
        left = e2etools.temp_files(os.path.join(ws, "runs", str(rid)))
        assert not [p for p in left if ".relief-stage" in p or p.endswith(".tmp")], left
    return "runs %s listed as stopped (running and queued)" % stopped


@H.case
def sigterm_mid_run():
    srv = Server(S["relief"], [S["data"]], S["ws"] + "-mid", S["log"] + ".mid")
    try:
        rid = srv.json("POST", "/api/runs", {"inputs": S["inputs"] * 8, "county": "SACRAMENTO",
                                             "computeAt": COMPUTE, "options": OPTION_SETS[0]},
                       expect=202)["id"]
        time.sleep(0.3)
        seconds, rc = srv.stop()
    finally:
        srv.kill()
    assert seconds < 5, seconds
    run_dir = os.path.join(S["ws"] + "-mid", "runs", str(rid))
    if os.path.isdir(run_dir):
        left = e2etools.temp_files(run_dir)
        assert not left, left
        names = [n for n in os.listdir(run_dir) if n != ".serve-run.json"]
        assert not names or "summary.json" in names, names  # all or nothing
    return "%.2f s, exit %d" % (seconds, rc)


@H.case
def tls_serves_https():
    import shutil
    if not shutil.which("openssl"):
        return "skipped: no openssl to make a certificate"
    cert, key = make_cert()
    srv = Server(S["relief"], [S["data"]], S["ws"] + "-tls", S["log"] + ".tls",
                 extra=["--tls-cert=" + cert, "--tls-key=" + key])
    try:
        assert srv.line.startswith("relief serve: https://"), srv.line
        status, _ = srv.request("GET", "/api/inputs", token=False)
        assert status == 401, status
        assert len(srv.json("GET", "/api/inputs")) >= 2
        status, _ = srv.request("POST", "/api/runs", {}, headers={"Origin": "http://127.0.0.1:%d" % srv.port})
        assert status == 403, "an http:// origin on an https server got %d" % status
    finally:
        seconds, rc = srv.stop()
    assert rc == 0 and seconds < 5, (rc, seconds)


def make_cert():
    cert, key = os.path.join(S["work"], "cert.pem"), os.path.join(S["work"], "key.pem")
    if not os.path.exists(cert):
        rc, _, err, _ = e2etools.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                      "-keyout", key, "-out", cert, "-days", "1", "-subj",
                                      "/CN=127.0.0.1"])
        assert rc == 0, err
    return cert, key


def add_user(ws, name, agency, password):
    p = subprocess.run([S["relief"], "serve", "users", "add", name, "--agency=" + agency,
                        "--workspace=" + ws], input=password.encode() + b"\n",
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert password.encode() not in p.stderr + p.stdout


@H.case
def office_mode_separates_agencies():
    import shutil
    import sqlite3
    if not shutil.which("openssl"):
        return "skipped: no openssl to make a certificate"
    cert, key = make_cert()
    ws = os.path.join(S["work"], "ws-office")
    rc, _, err, _ = e2etools.run([S["relief"], "serve", "--listen=127.0.0.1:0", "--office",
                                  "--workspace=" + ws], timeout=20)
    assert rc == 1 and "TLS" in err, (rc, err)
    add_user(ws, "alice", "Felony Unit", "correct horse 1")
    add_user(ws, "bob", "Misdemeanor Unit", "battery staple 2")
    store = os.path.join(ws, "accounts.sqlite")
    hashes = [h for (h,) in sqlite3.connect(store).execute("SELECT hash FROM accounts")]
    assert len(hashes) == 2 and all(h.startswith("$y$") for h in hashes), "yescrypt hashes"
    assert b"correct horse" not in open(store, "rb").read()
    assert os.stat(store).st_mode & 0o777 == 0o600
    srv = Server(S["relief"], [S["data"]], ws, S["log"] + ".office",
                 extra=["--office", "--tls-cert=" + cert, "--tls-key=" + key])
    try:
        sac = [p for p in S["inputs"] if "SACRAMENTO" in p]
        st = srv.run({"inputs": sac, "county": "SACRAMENTO", "computeAt": COMPUTE,
                      "options": OPTION_SETS[0], "reviewFiles": True})
        rid = st["id"]
        routing = {"default": "Misdemeanor Unit", "routes": [{"agency": "Felony Unit", "felony": True}]}
        srv.json("POST", "/api/runs/%d/review" % rid, {"routing": routing})
        status, page = srv.request("GET", "/", token=False)
        assert status == 200 and b"loginForm" in page, status
        status, _ = srv.request("POST", "/api/login", {"name": "alice", "password": "wrong"},
                                token=False)
        assert status == 401, status
        status, _ = srv.request("POST", "/api/login", {"name": "nobody", "password": "x" * 10},
                                token=False)
        assert status == 401, status
        cookies = {}
        for name, password in (("alice", "correct horse 1"), ("bob", "battery staple 2")):
            status, _ = srv.request("POST", "/api/login", {"name": name, "password": password},
                                    token=False, headers={"Origin": srv.origin})
            assert status == 200, status
            set_cookie = [v for k, v in srv.last_headers if k.lower() == "set-cookie"][0]
            for attr in ("HttpOnly", "Secure", "SameSite=Strict"):
                assert attr in set_cookie, set_cookie
            cookies[name] = set_cookie.split(";")[0]

        def as_user(name, method, path, body=None, origin=True):
            headers = {"Cookie": cookies[name]}
            if origin and method != "GET":  # as the page's own requests carry it
                headers["Origin"] = srv.origin
            status, out = srv.request(method, path, body, token=False, headers=headers)
            return status, (json.loads(out) if out[:1] in (b"{", b"[") else out)

        status, alice = as_user("alice", "GET", "/api/runs/%d/review" % rid)
        assert status == 200, status
        status, runs = as_user("alice", "GET", "/api/runs")
        assert status == 200 and runs and not any("inputs" in r for r in runs), "input paths shown"
        status, bob = as_user("bob", "GET", "/api/runs/%d/review" % rid)
        assert status == 200, status
        a_items = {i["item"] for i in alice["items"]}
        b_items = {i["item"] for i in bob["items"]}
        assert a_items and b_items and not (a_items & b_items), (len(a_items), len(b_items))
        assert all(i["agency"] == "Felony Unit" for i in alice["items"])
        assert all(i["agency"] == "Misdemeanor Unit" for i in bob["items"])
        a_names = {i["name"] for i in alice["items"]} - {i["name"] for i in bob["items"]}
        assert not any(n in json.dumps(bob) for n in a_names if len(n) > 5), "bob sees alice's people"
        first = sorted(a_items)[0]
        status, _ = as_user("bob", "POST", "/api/runs/%d/review/%s" % (rid, first),
                            {"decision": "Deny", "notes": "not ours"})
        assert status == 404, "bob decided another agency's item: %d" % status
        # issue 22 item 8: a POST without Origin needs the bearer token
        status, _ = as_user("alice", "POST", "/api/runs/%d/review/%s" % (rid, first),
                            {"decision": "Deny", "notes": "no origin"}, origin=False)
        assert status == 403, "a cookie POST without Origin got %d" % status
        status, _ = as_user("alice", "POST", "/api/runs/%d/review/%s" % (rid, first),
                            {"decision": "Approve", "notes": "seen"})
        assert status == 200, status
        for path, method in (("/api/inputs", "GET"), ("/api/runs", "POST"),
                             ("/api/runs/%d/files/All_Results.csv" % rid, "GET"),
                             ("/api/runs/%d/whatif" % rid, "POST"), ("/api/runs/%d/review" % rid, "POST")):
            status, _ = as_user("alice", method, path, {} if method == "POST" else None)
            assert status == 403, (path, status)
        status, _ = srv.request("GET", "/api/runs/%d/review" % rid, token=False,
                                headers={"Cookie": "relief_session=" + "0" * 64})
        assert status == 401, status
        as_user("alice", "POST", "/api/logout", {})
        status, _ = as_user("alice", "GET", "/api/runs/%d/review" % rid)
        assert status == 401, status
        db = sqlite3.connect(os.path.join(ws, "runs", str(rid), "review.sqlite"))
        who = db.execute("SELECT reviewer FROM decisions WHERE item=?", (first,)).fetchall()
        assert who == [("alice",)], who
    finally:
        srv.stop()
    log = open(S["log"] + ".office", encoding="utf-8", errors="replace").read()
    assert "alice" not in log and "correct horse" not in log, "the log names accounts or passwords"
    return "%d and %d items" % (len(a_items), len(b_items))


@H.case
def office_accounts_reach_only_their_own():
    """In office mode an agency's account pages, filters, bulk-decides,
    searches, explains, exports its sheet, keeps its filer profile and
    downloads its filings' files: all of its own agency only."""
    import shutil as sh
    from urllib.parse import quote
    if not sh.which("openssl"):
        return "skipped: no openssl to make a certificate"
    cert, key = make_cert()
    ws = os.path.join(S["work"], "ws-office-own")
    add_user(ws, "fay", "Felony Unit", "felony pass 77")
    add_user(ws, "mo", "Misdemeanor Unit", "misdo pass 88")
    srv = Server(S["relief"], [S["data"]], ws, S["log"] + ".office-own",
                 extra=["--office", "--tls-cert=" + cert, "--tls-key=" + key])
    try:
        rid = reviewed_run(srv, TWO_AGENCIES)
        hdr = {}
        for name, pw in (("fay", "felony pass 77"), ("mo", "misdo pass 88")):
            status, cookie = sign_in(srv, name, pw)
            assert status == 200 and cookie, status
            hdr[name] = {"Cookie": cookie, "Origin": srv.origin}

        def as_(name, method, path, body=None):
            status, out = srv.request(method, path, body, token=False, headers=hdr[name])
            return status, (json.loads(out) if out[:1] in (b"{", b"[") else out)

        base = "/api/runs/%d" % rid
        _, fay = as_("fay", "GET", base + "/review?limit=500")
        assert fay["agencies"] == ["Felony Unit"] and fay["total"] == fay["tally"]["items"] > 0, fay["agencies"]
        assert all(i["agency"] == "Felony Unit" for i in fay["items"])
        _, other = as_("fay", "GET", base + "/review?agency=Misdemeanor%20Unit")
        assert other["total"] == 0 and not other["items"], other["total"]
        _, mo = as_("mo", "GET", base + "/review?limit=500")
        mine, theirs = fay["items"][0], mo["items"][0]
        status, _ = as_("fay", "GET", base + "/review/" + theirs["item"])
        assert status == 404, status
        status, _ = as_("fay", "POST", base + "/review/bulk",
                        {"decision": "Approve", "items": [mine["item"], theirs["item"]]})
        assert status == 404, status
        status, got = as_("fay", "POST", base + "/review/bulk",
                          {"decision": "Hold", "notes": "ask", "filter": {"status": "pending"}})
        assert status == 200 and got["decided"] == fay["total"], got
        tally = srv.json("GET", base + "/review?limit=0")["tally"]
        assert tally["held"] == fay["total"] and tally["pending"] == mo["total"], tally
        status, _ = as_("fay", "POST", base + "/review/bulk",
                        {"decision": "Approve", "items": [i["item"] for i in fay["items"][:2]]})
        assert status == 200, status
        _, hist = as_("fay", "GET", base + "/review/" + mine["item"])
        assert hist["history"][0]["reviewer"] == "fay", hist["history"]
        # search and explain: her agency's people only
        only_mo = [i for i in mo["items"] if i["cii"] and i["cii"] not in {x["cii"] for x in fay["items"]}]
        status, found = as_("fay", "GET", base + "/people?q=" + quote(mine["cii"]))
        assert status == 200 and [p["cii"] for p in found["people"]] == [mine["cii"]], found
        if only_mo:
            status, found = as_("fay", "GET", base + "/people?q=" + quote(only_mo[0]["cii"]))
            assert status == 200 and not found["people"], found
            status, _ = as_("fay", "GET", base + "/explain?subject=" + quote(only_mo[0]["cii"]))
            assert status == 404, status
        status, ex = as_("fay", "GET", base + "/explain?subject=" + quote(mine["subjectId"]))
        assert status == 200 and ex["convictions"], status
        # her sheet: her items only
        status, sheet = as_("fay", "GET", base + "/review/sheet?format=csv")
        assert status == 200, status
        rows = list(csv.reader(sheet.decode("utf-8").splitlines()))
        assert {r[1] for r in rows[1:]} == {"Felony Unit"} and len(rows) - 1 == fay["total"], rows[:2]
        status, _ = as_("fay", "GET", base + "/review/sheet?agency=Misdemeanor%20Unit")
        assert status == 403, status
        status, _ = as_("fay", "GET", base + "/review/sheet?format=ods")
        assert status == 400, status
        # each keeps its filer profile, then files; neither reaches the other's
        status, _ = as_("fay", "POST", base + "/filer", {"agency": "Misdemeanor Unit",
                                                          "filer": MISDEMEANOR_FILER})
        assert status == 403, status
        status, _ = as_("fay", "POST", base + "/filer", {"filer": dict(FELONY_FILER, barNumber="x1")})
        assert status == 400, status
        for name, filer in (("fay", FELONY_FILER), ("mo", MISDEMEANOR_FILER)):
            status, _ = as_(name, "POST", base + "/filer", {"filer": filer})
            assert status == 200, status
            status, kept = as_(name, "GET", base + "/filer")
            assert status == 200 and kept["filer"]["office"] == filer["office"], kept
        _, first = as_("mo", "GET", base + "/review?limit=2&proposed=Eligible")
        status, _ = as_("mo", "POST", base + "/review/bulk",
                        {"decision": "Approve", "items": [i["item"] for i in first["items"]]})
        assert status == 200, status
        for name, agency in (("fay", "Felony Unit"), ("mo", "Misdemeanor Unit")):
            status, _ = as_(name, "POST", base + "/filings", {})
            assert status == 202, status
            f = filings_done(srv, rid)
            assert f["status"] == "done" and f["agency"] == agency, f
            status, files = as_(name, "GET", base + "/filings/files")
            names = [x["name"] for x in files["files"]]
            assert status == 200 and files["agency"] == agency, files
            assert any(n.endswith("court_list.csv") for n in names), names
            court = [n for n in names if n.endswith("court_list.csv")][0]
            status, body = as_(name, "GET", base + "/filings/files/" + quote(court))
            assert status == 200 and body.startswith(b"Case Number") or b"," in body[:200], body[:80]
            other = "Misdemeanor%20Unit" if name == "fay" else "Felony%20Unit"
            status, _ = as_(name, "GET", base + "/filings/files?agency=" + other)
            assert status == 403, status
            status, _ = as_(name, "GET", base + "/filings/files/..%2F..%2Freview.sqlite")
            assert status == 404, status
        # the administrator names the agency
        listed = srv.json("GET", base + "/filings/files?agency=Felony%20Unit")
        assert listed["agency"] == "Felony Unit" and listed["files"], listed
        status, _ = srv.request("GET", base + "/filings/files")
        assert status == 400, status  # two agencies: which?
        return "%d and %d items, each filed its own" % (fay["total"], mo["total"])
    finally:
        srv.stop()


def users(ws, *args, password=None):
    """`relief serve users ARGS --workspace=WS`, the password on stdin."""
    p = subprocess.run([S["relief"], "serve", "users"] + list(args) + ["--workspace=" + ws],
                       input=(password + "\n").encode() if password else b"",
                       capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def sign_in(srv, name, password):
    """POST /api/login: (status, the session cookie or None)."""
    status, _ = srv.request("POST", "/api/login", {"name": name, "password": password},
                            token=False, headers={"Origin": srv.origin})
    cookies = [v for k, v in srv.last_headers if k.lower() == "set-cookie"]
    return status, (cookies[0].split(";")[0] if status == 200 and cookies else None)


def me(srv, cookie):
    status, out = srv.request("GET", "/api/me", token=False, headers={"Cookie": cookie})
    return status, (json.loads(out) if status == 200 else None)


@H.case
def accounts_are_live():
    """`relief serve users passwd | add | disable | remove` reach the running
    server at its next request: the old password is refused and its
    sessions end, a new agency applies to a live session, a disabled or
    removed account's sessions end; list shows them."""
    if not shutil.which("openssl"):
        return "skipped: no openssl to make a certificate"
    cert, key = make_cert()
    ws = os.path.join(S["work"], "ws-live")
    for name, agency in (("ann", "Felony Unit"), ("ben", "Felony Unit"), ("cat", "Felony Unit")):
        add_user(ws, name, agency, name + " password 1")
    srv = Server(S["relief"], [S["data"]], ws, S["log"] + ".live",
                 extra=["--office", "--tls-cert=" + cert, "--tls-key=" + key])
    try:
        cookie = {}
        for name in ("ann", "ben", "cat"):
            status, cookie[name] = sign_in(srv, name, name + " password 1")
            assert status == 200, (name, status)
        # the same password with a new agency: the session goes on, as the new agency's
        rc, _, err = users(ws, "add", "ann", "--agency=Misdemeanor Unit", "--new-agency",
                           password="ann password 1")
        assert rc == 0, err
        status, who = me(srv, cookie["ann"])
        assert status == 200 and who["agency"] == "Misdemeanor Unit", (status, who)
        # a new password: the old one is refused, the old sessions end
        rc, _, err = users(ws, "passwd", "ann", password="ann password 2")
        assert rc == 0, err
        assert me(srv, cookie["ann"])[0] == 401, "a session outlived a password change"
        assert sign_in(srv, "ann", "ann password 1")[0] == 401, "the old password still signs in"
        status, cookie["ann"] = sign_in(srv, "ann", "ann password 2")
        assert status == 200, status
        assert me(srv, cookie["ann"])[1]["agency"] == "Misdemeanor Unit"
        # disabled, removed: sessions end, no sign-in
        assert users(ws, "disable", "ben")[0] == 0
        assert users(ws, "remove", "cat")[0] == 0
        for name in ("ben", "cat"):
            assert me(srv, cookie[name])[0] == 401, "%s's session outlived its account" % name
            assert sign_in(srv, name, name + " password 1")[0] == 401, name
        assert me(srv, cookie["ann"])[0] == 200
        rc, out, _ = users(ws, "list")
        assert rc == 0 and out.splitlines() == ["ann\tMisdemeanor Unit\tenabled",
                                                "ben\tFelony Unit\tdisabled"], out
        assert users(ws, "remove", "cat")[0] == 1, "removing no account"
        assert users(ws, "passwd", "nobody", password="whatever 123")[0] == 1
        # an agency the workspace does not name is refused unless --new-agency
        with open(os.path.join(ws, "routing-1.json"), "w") as f:  # as POST .../review keeps it
            json.dump({"default": "Misdemeanor Unit",
                       "routes": [{"agency": "Felony Unit", "felony": True}]}, f)
        assert users(ws, "add", "dan", "--agency=Felony Unit", password="dan password 1")[0] == 0
        rc, _, err = users(ws, "add", "eve", "--agency=Felonny Unit", password="eve password 1")
        assert rc == 1 and "--new-agency" in err, (rc, err)
        assert users(ws, "add", "eve", "--agency=Felonny Unit", "--new-agency",
                     password="eve password 1")[0] == 0
    finally:
        srv.stop()
    return "passwd, agency, disable and remove applied within one request"


@H.case
def sessions_expire_and_sign_ins_slow_down():
    """A session ends after --session-minutes; failed sign-ins hold the name
    back (then the address), longer each time, even for the right password;
    an old users file moves into accounts.sqlite on first start."""
    if not shutil.which("openssl"):
        return "skipped: no openssl to make a certificate"
    import sqlite3
    cert, key = make_cert()
    made = os.path.join(S["work"], "ws-made")
    add_user(made, "fay", "Felony Unit", "fay password 1")
    add_user(made, "gus", "Felony Unit", "gus password 1")
    rows = sqlite3.connect(os.path.join(made, "accounts.sqlite")).execute(
        "SELECT name, agency, hash FROM accounts ORDER BY name").fetchall()
    ws = os.path.join(S["work"], "ws-slow")
    os.makedirs(ws, mode=0o700)
    with open(os.path.join(ws, "users"), "w") as f:  # as an earlier version kept accounts
        f.write("".join("%s\t%s\t%s\n" % r for r in rows))
    srv = Server(S["relief"], [S["data"]], ws, S["log"] + ".slow",
                 extra=["--office", "--tls-cert=" + cert, "--tls-key=" + key,
                        "--session-minutes=0.05"])
    try:
        assert not os.path.exists(os.path.join(ws, "users")), "the users file stayed"
        assert os.stat(os.path.join(ws, "accounts.sqlite")).st_mode & 0o777 == 0o600
        status, cookie = sign_in(srv, "fay", "fay password 1")
        assert status == 200, status
        assert me(srv, cookie)[0] == 200
        time.sleep(3.5)
        assert me(srv, cookie)[0] == 401, "a session outlived --session-minutes"
        # the name: three failures free, then 1 s, then 2 s
        for _ in range(4):
            assert sign_in(srv, "fay", "wrong password")[0] == 401
        status, _ = srv.request("POST", "/api/login", {"name": "fay", "password": "fay password 1"},
                                token=False, headers={"Origin": srv.origin})
        assert status == 429, "no delay after failed sign-ins: %d" % status
        time.sleep(1.2)
        assert sign_in(srv, "fay", "wrong password")[0] == 401
        time.sleep(1.2)
        assert sign_in(srv, "fay", "fay password 1")[0] == 429, "the delay did not grow"
        time.sleep(1.2)
        assert sign_in(srv, "fay", "fay password 1")[0] == 200
        # the address: names tried one after another (5 failures so far)
        for i in range(6):
            assert sign_in(srv, "guess%d" % i, "wrong password")[0] == 401
        assert sign_in(srv, "gus", "gus password 1")[0] == 429, "the address was not held back"
    finally:
        srv.stop()
    log = open(S["log"] + ".slow", encoding="utf-8", errors="replace").read()
    assert "held back" in log and "guess" not in log
    return "expired after 3 s; 429 after 4 failures of a name and 11 of an address"


def us_day(iso):
    """YYYY-MM-DD as `relief status` prints a date, MM/DD/YYYY."""
    return "%s/%s/%s" % (iso[5:7], iso[8:10], iso[:4]) if iso else "-"


def cli_status_blocks(text):
    """`relief status` output: its first line, and each case's lines by item."""
    head, *cases = text.split("\ncase ")
    blocks = {}
    for c in cases:
        first, *rest = c.strip("\n").splitlines()
        item = first.split("(item ", 1)[1].split(",", 1)[0]
        block = {"case": first}
        for line in rest:
            key, _, value = line.strip().partition(":")
            block[key] = value.strip()
        blocks[item] = block
    return head.strip(), blocks


def api_status_block(it):
    """An item of POST /api/status as `relief status` prints it."""
    kind = "relief" if it["kind"] == "relief" else "hand review"
    block = {"case": "%s (item %s, %s, agency %s)" % (it["caseNumber"] or "-", it["item"], kind,
                                                     it["agency"]),
             "counts": it["counts"],
             "determination": "%s (%s)" % (it["determination"], it["reason"]),
             "motion": us_day(it["filedOn"]) if it["filedOn"] else "not filed",
             "court order": ("%s on %s" % (it["order"], us_day(it["orderDate"])) if it["order"]
                             else "pending" if it["filedOn"] else "-"),
             "DOJ": "reported on " + us_day(it["reportedOn"]) if it["reportedOn"] else "not reported"}
    notes = it["notes"] or it["challenge"]
    if it["decision"]:
        block["review"] = ("%s on %s%s" % (it["decision"], us_day(it["decidedOn"]),
                                           ": " + it["notes"] if notes else "")).strip()
    else:
        block["review"] = "pending"
    if it["decision"] == "Deny":
        block["challenged"] = it["challenge"]
    if it["filedOn"]:
        block["filed in"] = it["filedIn"]
    return block


@H.case
def public_defender_searches_read_only():
    """Issue 25 item 4: a public defender's account (`users add NAME
    --role=public-defender`) searches every agency's people across the
    runs by CII or name and date of birth, and sees what `relief status`
    prints for them (challenge reasons, motions, court orders); every route
    that changes or reads anything else is 403 to it; each search is in the
    run's audit trail and nowhere in the server log. An accounts store made
    before roles keeps working."""
    import sqlite3
    if not shutil.which("openssl"):
        return "skipped: no openssl to make a certificate"
    cert, key = make_cert()
    ws = os.path.join(S["work"], "ws-defender")
    add_user(ws, "fran", "Felony Unit", "fran password 1")
    rc, _, err = users(ws, "add", "quinn", "--role=public-defender", password="quinn password 1")
    assert rc == 0, err
    assert users(ws, "add", "max", "--role=judge", password="max password 1")[0] == 1
    rc, out, _ = users(ws, "list")
    assert "quinn\tPublic Defender\tenabled\tpublic-defender" in out.splitlines(), out
    # a store of before roles: read as it was, its accounts an agency's
    old = os.path.join(S["work"], "ws-defender-old")
    os.makedirs(old, mode=0o700)
    fran_hash = sqlite3.connect(os.path.join(ws, "accounts.sqlite")).execute(
        "SELECT hash FROM accounts WHERE name='fran'").fetchone()[0]
    with sqlite3.connect(os.path.join(old, "accounts.sqlite")) as c:
        c.execute("CREATE TABLE accounts(name TEXT PRIMARY KEY, agency TEXT NOT NULL, "
                  "hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0)")
        c.execute("INSERT INTO accounts VALUES('fran', 'Felony Unit', ?, 0)", (fran_hash,))
    rc, out, err = users(old, "list")
    assert rc == 0 and out == "fran\tFelony Unit\tenabled\n", (rc, out, err)
    roles = sqlite3.connect(os.path.join(old, "accounts.sqlite")).execute(
        "SELECT role FROM accounts").fetchall()
    assert roles == [("agency",)], roles
    log_path = S["log"] + ".defender"
    srv = Server(S["relief"], [S["data"]], ws, log_path,
                 extra=["--office", "--tls-cert=" + cert, "--tls-key=" + key])
    try:
        sac = [p for p in S["inputs"] if "SACRAMENTO" in p]
        rid = srv.run({"inputs": sac, "county": "SACRAMENTO", "computeAt": COMPUTE,
                       "options": OPTION_SETS[0], "reviewFiles": True})["id"]
        run_dir = os.path.join(ws, "runs", str(rid))
        srv.json("POST", "/api/runs/%d/review" % rid,
                 {"routing": {"default": "Misdemeanor Unit",
                              "routes": [{"agency": "Felony Unit", "felony": True}]}})
        items = srv.json("GET", "/api/runs/%d/review" % rid)["items"]
        relief = [i for i in items if i["kind"] == "relief" and i["cii"]]
        denied = [i for i in relief if i["agency"] == "Felony Unit"][0]
        approved = [i for i in relief if i["agency"] == "Misdemeanor Unit"][:3]
        reason = "prior serious felony, PC 667(e)(2)(C)"
        srv.json("POST", "/api/runs/%d/review/%s" % (rid, denied["item"]),
                 {"decision": "Deny", "notes": reason})
        for it in approved:
            srv.json("POST", "/api/runs/%d/review/%s" % (rid, it["item"]), {"decision": "Approve"})
        srv.json("POST", "/api/runs/%d/filings" % rid,
                 {"agency": "Misdemeanor Unit", "filer": MISDEMEANOR_FILER}, expect=202)
        assert filings_done(srv, rid)["status"] == "done"
        # the court grants the first motion
        listed = os.path.join(run_dir, "Court_Filings", "Misdemeanor_Unit", "SACRAMENTO",
                              "court_list.csv")
        with open(listed, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        o, d = rows[0].index("Order"), rows[0].index("Order Date")
        rows[1][o], rows[1][d] = "Granted", "01/15/2027"
        granted_cii = rows[1][rows[0].index("CII_NUMBER")]
        back = os.path.join(S["work"], "court_return_defender.csv")
        with open(back, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows[:2])
        rc, _, err, _ = e2etools.run([S["relief"], "court", "import", "--outputs=" + run_dir, back])
        assert rc == 0, err
        status, pd = sign_in(srv, "quinn", "quinn password 1")
        assert status == 200, status
        status, who = me(srv, pd)
        assert status == 200 and who["role"] == "public-defender", who
        status, fran = sign_in(srv, "fran", "fran password 1")
        assert status == 200 and me(srv, fran)[1]["role"] == "agency"

        def as_(cookie, method, path, body=None):
            headers = {"Cookie": cookie}
            if method != "GET":
                headers["Origin"] = srv.origin
            status, out = srv.request(method, path, body, token=False, headers=headers)
            return status, (json.loads(out) if out[:1] == b"{" else out)

        # read-only: every route that changes, files or reads a run is 403 to it
        one = denied["item"]
        for method, path, body in (
                ("POST", "/api/runs", {"inputs": sac, "county": "SACRAMENTO", "options": {}}),
                ("POST", "/api/runs/%d/review" % rid, {}),
                ("POST", "/api/runs/%d/review/%s" % (rid, one), {"decision": "Approve"}),
                ("POST", "/api/runs/%d/filings" % rid, {}),
                ("POST", "/api/runs/%d/whatif" % rid, {"options": OPTION_SETS[1]}),
                ("GET", "/api/runs", None), ("GET", "/api/runs/%d" % rid, None),
                ("GET", "/api/runs/%d/review" % rid, None), ("GET", "/api/inputs", None),
                ("GET", "/api/runs/%d/files" % rid, None),
                ("GET", "/api/runs/%d/files/review.sqlite" % rid, None),
                ("GET", "/api/runs/%d/bundle.zip" % rid, None),
                ("GET", "/api/runs/%d/people?q=%s" % (rid, denied["cii"]), None),
                ("GET", "/api/runs/%d/explain?subject=%s" % (rid, denied["cii"]), None)):
            status, _ = as_(pd, method, path, body)
            assert status == 403, (method, path, status)
        status, _ = srv.request("PUT", "/api/uploads/x.dat", token=False, raw=b"x",
                                headers={"Cookie": pd, "Origin": srv.origin})
        assert status in (401, 403), status
        db = sqlite3.connect(os.path.join(run_dir, "review.sqlite"))
        latest = db.execute("SELECT decision FROM decisions WHERE item=? ORDER BY id DESC",
                            (one,)).fetchone()
        assert latest == ("Deny",), latest
        # an agency's account may not search everyone's people
        status, _ = as_(fran, "POST", "/api/status", {"cii": denied["cii"]})
        assert status == 403, status
        status, _ = as_(pd, "POST", "/api/status", {"cii": denied["cii"], "name": "X"})
        assert status == 400, status
        status, _ = as_(pd, "POST", "/api/status", {"name": denied["name"]})
        assert status == 400, status
        # by CII, and by name and date of birth (another agency's person): what relief status prints
        searches = [{"cii": denied["cii"]}, {"cii": granted_cii},
                    {"name": approved[0]["name"].lower(),
                     "dob": approved[0]["dob"]}]  # the review list's MM/DD/YYYY
        seen = []
        for ask in searches:
            status, got = as_(pd, "POST", "/api/status", ask)
            assert status == 200 and got["runs"] == [rid] and got["items"], (status, got)
            assert all(i["run"] == rid for i in got["items"])
            seen.append(got["items"])
        assert any(i["challenge"] == reason and i["decision"] == "Deny" for i in seen[0]), seen[0]
        assert any(i["order"] == "Granted" and i["orderDate"] == "2027-01-15" and i["filedOn"]
                   for i in seen[1]), seen[1]
        assert {i["agency"] for i in seen[0] + seen[2]} >= {"Felony Unit", "Misdemeanor Unit"}
        for got in seen:
            cii = got[0]["cii"]
            rc, out, err, _ = e2etools.run([S["relief"], "status", "--outputs=" + run_dir,
                                            "--cii=" + cii, "--by=cli-check"])
            assert rc == 0, err
            head, blocks = cli_status_blocks(out)
            assert head == "%s, born %s, CII %s" % (got[0]["name"], us_day(got[0]["dob"]), cii), head
            assert blocks == {i["item"]: api_status_block(i) for i in got}, (blocks, got)
        # each search is in the store's audit trail: who, for what, when
        trail = db.execute("SELECT actor, value, source, at FROM events WHERE event='search' "
                           "AND actor='quinn' ORDER BY id").fetchall()
        assert [(a, v, s) for a, v, s, _ in trail] == [
            ("quinn", "CII " + denied["cii"], "relief serve"),
            ("quinn", "CII " + granted_cii, "relief serve"),
            ("quinn", "name %s, date of birth %s" % (searches[2]["name"], searches[2]["dob"]),
             "relief serve")], trail
        assert all(t[3].startswith(time.strftime("%Y-", time.gmtime())) for t in trail), trail
    finally:
        srv.stop()
    log = open(log_path, encoding="utf-8", errors="replace").read()
    assert "POST /api/status -> 200" in log, "the searches never reached the log's request lines"
    for it in [denied] + approved:
        dob = it["dob"]  # MM/DD/YYYY
        for value in (it["cii"], it["name"], it["name"].lower(), dob,
                      "%s%s%s" % (dob[6:], dob[:2], dob[3:5])):
            assert value not in log, "the server log holds a searched person's data"
    assert "quinn" not in log and reason not in log
    return "%d searches, each in the audit trail, read-only elsewhere" % len(searches)


@H.case
def big_whatif_timed():
    if not S["big"]:
        return "skipped: no --big folder"
    srv = Server(S["relief"], [S["big"]], os.path.join(S["work"], "ws-big"), S["log"] + ".big")
    try:
        inputs = sorted(i["path"] for i in srv.json("GET", "/api/inputs")
                        if ".dat" in i["path"])
        t0 = time.monotonic()
        st = srv.run({"inputs": inputs, "county": "LOS ANGELES", "computeAt": COMPUTE,
                      "options": OPTION_SETS[0]}, timeout=1800)
        run_s = time.monotonic() - t0
        assert st["status"] == "done", st
        worst = 0
        for opt in OPTION_SETS[1:3]:
            t0 = time.monotonic()
            got = srv.json("POST", "/api/runs/%d/whatif" % st["id"], {"options": opt})
            worst = max(worst, time.monotonic() - t0)
            cli = cli_run(inputs, "LOS ANGELES", opt, tag="big")
            assert summary_of(got["summary"]) == summary_of(os.path.join(cli, "summary.json"))
        assert worst < 1.0, worst
        return "%d lines, run %.1f s, slowest what-if %.1f ms" % (
            st["summary"]["lineCount"], run_s, worst * 1e3)
    finally:
        srv.stop()


if __name__ == "__main__":
    ap = H.parser(__doc__, tools=("relief", "gen"))
    ap.add_argument("--big", help="a folder of large extracts for the timed what-if")
    try:
        sys.exit(H.main(ap, "relief-serve-api-", start))
    finally:
        if "server" in S:
            S["server"].kill()
