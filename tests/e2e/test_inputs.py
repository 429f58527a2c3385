#!/usr/bin/env python3
"""What relief takes as input, and that nothing is taken or left out without
a word (issue 11, "no silent wrong answer" and "never a signal"):

  - statewide --inputs=DIR takes the regular files named *.dat, *.csv, *.zst
    in any case, and names every other entry (stderr and
    statewide_summary.json "notTaken");
  - a FIFO as input or as a file read whole does not block: exit 3 / 1;
  - a CR-only file is bad data (exit 2, FILE:1), not an empty county;
  - --county and --county-policies keys match the 58 counties whatever the
    case, or the run stops naming the nearest; the gogen drop-in keeps the
    reference's exact comparison and warning;
  - options that neither dismiss nor reduce a section warn, and the manifest
    lists the warning (summary.json stays the reference's);
  - the manifest accounts for every row (read = decided + refused) and
    hashes the bytes as read, even when the file is replaced afterwards;
  - an input that shrinks while mapped ends in exit 3 and errors.json, not
    SIGBUS, and publishes nothing;
  - a zstd file led by a skippable frame (pzstd) is read;
  - files read whole are capped.

Usage: test_inputs.py --relief PATH [--keep] [--only REGEX]
Ends with `N passed, M failed`; exit status 1 if M > 0.
"""

import json
import os
import re
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools as t  # noqa: E402

H = t.Harness()
case = H.case
RELIEF = None
WORK = None
SMALL = t.fixture("small_header.csv")


def path(*parts):
    return os.path.join(WORK, *parts)


def fresh(name):
    p = path(name)
    shutil.rmtree(p, ignore_errors=True)
    return p


def write(name, data):
    p = path(name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data)
    return p


def small_bytes():
    return open(SMALL, "rb").read()


def run(inputs, out, county=t.COUNTY, options=t.OPTIONS, extra=(), env=None, relief=None):
    return t.run(t.run_args(relief or RELIEF, inputs, out, options=options, county=county,
                            extra=extra), timeout=60, env=env)


def statewide(inputs, out, extra=(), options=t.OPTIONS):
    return t.run([RELIEF, "statewide", "--inputs=" + inputs, "--eligibility-options=" + options,
                  "--outputs=" + out, "--compute-at=" + t.COMPUTE] + list(extra), timeout=60)


def good_bundle(name):
    out = fresh(name)
    rc, _, err, _ = run([SMALL], out)
    assert rc == 0, err
    return out, t.digest(out)


def assert_untouched(out, before):
    after = t.digest(out)
    for name, h in before.items():
        assert after.get(name) == h, "earlier %s changed or vanished" % name
    extra = set(after) - set(before) - {"errors.json"}
    assert not extra, "new files after a failed run: %s" % sorted(extra)
    assert not t.temp_files(out), "temporary files left: %s" % t.temp_files(out)


def zstd_frame(data):
    """One zstd frame of data, by the zstd tool."""
    p = subprocess.run(["zstd", "-q", "-c", "-"], input=data, capture_output=True, check=True)
    return p.stdout


def skippable(payload, low=0):
    return struct.pack("<II", 0x184D2A50 | low, len(payload)) + payload


# ------------------------------------------------------------ statewide's rule


@case
def statewide_takes_by_a_documented_rule_and_names_the_rest():
    folder = fresh("extracts")
    os.makedirs(os.path.join(folder, "sub"))
    data = small_bytes()
    write("extracts/UPPER.CSV", data)
    write("extracts/mixed.Dat", data)
    write("extracts/packed.csv.ZST", zstd_frame(data))
    write("extracts/notes.txt", data)
    write("extracts/.hidden.csv", data)
    write("extracts/sub/inner.csv", data)
    os.symlink("UPPER.CSV", os.path.join(folder, "link.csv"))
    os.mkfifo(os.path.join(folder, "pipe.csv"))
    out = fresh("statewide_rule")
    rc, o, err, _ = statewide(folder, out)
    assert rc == 0, err[-600:]
    want = {"notes.txt": "name does not end", ".hidden.csv": "hidden", "sub": "folder",
            "link.csv": "symbolic link", "pipe.csv": "not a regular file"}
    for name, reason in want.items():
        assert re.search(r"statewide: not taken: .*%s \(.*%s" % (re.escape(name), reason), err), \
            "%s not named on stderr: %s" % (name, err[-800:])
    s = json.load(open(os.path.join(out, "statewide_summary.json")))
    listed = {os.path.basename(e["path"]): e["reason"] for e in s["notTaken"]}
    assert set(listed) == set(want), listed
    m = json.load(open(os.path.join(out, "manifest.json")))
    taken = sorted(os.path.basename(i["path"]) for i in m["inputs"])
    assert taken == ["UPPER.CSV", "mixed.Dat", "packed.csv.ZST"], taken
    # every row accounted for: the two copies are refused as duplicates
    rows = [i["rows"] for i in m["inputs"]]
    for r in rows:
        assert r["read"] == r["decided"] + sum(r["refused"].values()), r
    assert sum(r["read"] for r in rows) == s["rows"], (rows, s["rows"])
    assert sum(r["refused"].get("duplicate of an earlier file's row", 0) for r in rows) == \
        s["duplicateRows"] == 2 * rows[0]["read"], (rows, s["duplicateRows"])


@case
def statewide_fifo_named_explicitly_is_an_error():
    fifo = path("explicit.fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    out = fresh("statewide_fifo")
    rc, _, err, _ = statewide(SMALL + "," + fifo, out)
    assert rc == 3, (rc, err[-400:])
    assert re.search(r"explicit\.fifo: not a regular file", err), err[-400:]
    assert not os.path.exists(os.path.join(out, "statewide_summary.json"))


@case
def statewide_policy_keys_fold_case_and_unknown_ones_stop():
    pol = write("policies/ok.json", json.dumps({" sacramento": t.OPTIONS}).encode())
    out = fresh("policy_ok")
    rc, _, err, _ = statewide(SMALL, out, extra=["--county-policies=" + pol])
    assert rc == 0, err[-400:]
    bad = write("policies/bad.json", json.dumps({"Sacremento": t.OPTIONS}).encode())
    out = fresh("policy_bad")
    rc, _, err, _ = statewide(SMALL, out, extra=["--county-policies=" + bad])
    assert rc == 1, (rc, err[-400:])
    assert re.search(r"bad\.json: county policies: \"Sacremento\" is not one of California's 58 "
                     r"counties; did you mean 'SACRAMENTO'\?", err), err[-400:]
    twice = write("policies/twice.json",
                  b'{"YOLO": "%s", "yolo": "%s"}' % (t.OPTIONS.encode(), t.OPTIONS.encode()))
    rc, _, err, _ = statewide(SMALL, fresh("policy_twice"), extra=["--county-policies=" + twice])
    assert rc == 1 and "has a policy already" in err, (rc, err[-400:])


# ------------------------------------------------------------ files that are not data


@case
def fifo_input_does_not_block():
    fifo = path("input.fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    out, before = good_bundle("fifo_input")
    rc, _, err, _ = run([fifo], out)
    assert rc == 3, (rc, err[-400:])
    assert re.search(r"input\.fifo: not a regular file", err), err[-400:]
    assert_untouched(out, before)


@case
def fifo_as_a_file_read_whole_does_not_block():
    fifo = path("options.fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    cases = [("options", [], fifo, r"options\.fifo: eligibility options is not a regular file"),
             ("flow", ["--flow=" + fifo], t.OPTIONS, r"options\.fifo: flow file is not a regular file"),
             ("redact_key", ["--redact", "--redact-key=" + fifo], t.OPTIONS,
              r"options\.fifo: --redact-key is not a regular file")]
    for name, extra, options, message in cases:
        out, before = good_bundle("fifo_" + name)
        rc, _, err, _ = run([SMALL], out, options=options, extra=extra)
        assert rc == 1, (name, rc, err[-400:])
        assert re.search(message, err), (name, err[-400:])
        assert_untouched(out, before)
    pol = path("policies.fifo")
    if not os.path.exists(pol):
        os.mkfifo(pol)
    rc, _, err, _ = statewide(SMALL, fresh("fifo_policies"), extra=["--county-policies=" + pol])
    assert rc == 1 and "county policies is not a regular file" in err, (rc, err[-400:])
    return "%d option-like files" % (len(cases) + 1)


@case
def review_files_that_are_fifos_do_not_block():
    out = fresh("review_fifo")
    rc, _, err, _ = run([SMALL], out, extra=["--review-files"])
    assert rc == 0, err[-400:]
    routing, sheet = path("routing.fifo"), path("sheet.xlsx")
    for p in (routing, sheet):
        if not os.path.exists(p):
            os.mkfifo(p)
    rc, _, err, _ = t.run([RELIEF, "review", "init", "--outputs=" + out, "--routing=" + routing],
                          timeout=60)
    assert rc == 1 and "routing file is not a regular file" in err, (rc, err[-400:])
    rc, _, err, _ = t.run([RELIEF, "review", "init", "--outputs=" + out], timeout=60)
    assert rc == 0, err[-400:]
    rc, _, err, _ = t.run([RELIEF, "review", "import", "--outputs=" + out, "--reviewer=tester",
                           sheet], timeout=60)
    assert rc == 2 and "sheet.xlsx: not a regular file" in err, (rc, err[-400:])


@case
def files_read_whole_are_capped():
    big = write("big_flow.json", b"{" + b" " * (1 << 20) + b"}")
    out, before = good_bundle("big_flow")
    rc, _, err, _ = run([SMALL], out, extra=["--flow=" + big])
    assert rc == 1, (rc, err[-400:])
    assert re.search(r"big_flow\.json: flow file file is over 1048576 bytes", err), err[-400:]
    assert_untouched(out, before)
    pol = write("big_policies.json", b"{" + b" " * (1 << 20) + b"}")
    rc, _, err, _ = statewide(SMALL, fresh("big_policies"), extra=["--county-policies=" + pol])
    assert rc == 1 and "is over 1048576 bytes" in err, (rc, err[-400:])


@case
def cr_only_line_endings_are_bad_data():
    data = small_bytes().replace(b"\n", b"\r")
    for name, blob in (("cr_only.csv", data), ("cr_only.csv.zst", zstd_frame(data))):
        f = write(name, blob)
        out, before = good_bundle("cr_" + name.replace(".", "_"))
        rc, _, err, _ = run([f], out)
        assert rc == 2, (name, rc, err[-400:])
        assert re.search(re.escape(name) + r":1: line endings are CR-only", err), (name, err[-400:])
        assert_untouched(out, before)
    # CRLF stays fine
    f = write("crlf.csv", small_bytes().replace(b"\n", b"\r\n"))
    rc, _, err, _ = run([f], fresh("crlf"))
    assert rc == 0, err[-400:]


@case
def zstd_led_by_a_skippable_frame_is_read():
    data = small_bytes()
    blob = skippable(b"\x00\x01\x02\x03") + zstd_frame(data) + skippable(b"pzstd", 0xF)
    f = write("skippable.csv.zst", blob)
    out = fresh("skippable")
    rc, _, err, _ = run([f], out)
    assert rc == 0, err[-400:]
    ref = fresh("skippable_ref")
    rc, _, err, _ = run([SMALL], ref)
    assert rc == 0, err[-400:]
    for n in ("All_Results.csv", "Prop64_Results.csv"):
        assert open(os.path.join(out, n), "rb").read() == open(os.path.join(ref, n), "rb").read(), n
    if shutil.which("pzstd"):  # the real thing, when installed
        plain = write("pz.csv", data)
        subprocess.run(["pzstd", "-q", "-f", plain, "-o", plain + ".zst"], check=True)
        rc, _, err, _ = run([plain + ".zst"], fresh("pzstd"))
        assert rc == 0, err[-400:]


# ------------------------------------------------------------ counties


@case
def county_matches_whatever_the_case_or_stops():
    out = fresh("county_case")
    rc, _, err, _ = run([SMALL], out, county=" sacramento ")
    assert rc == 0, err[-400:]
    ref = fresh("county_ref")
    rc, _, _, _ = run([SMALL], ref)
    for n in ("All_Results.csv", "Prop64_Results.csv", "All_Results_Condensed.csv"):
        assert open(os.path.join(out, n), "rb").read() == open(os.path.join(ref, n), "rb").read(), n
    assert json.load(open(os.path.join(out, "summary.json")))["county"] == "SACRAMENTO"
    out, before = good_bundle("county_unknown")
    rc, _, err, _ = run([SMALL], out, county="Los Angelos")
    assert rc == 1, (rc, err[-400:])
    assert re.search(r"--county 'Los Angelos' is not one of California's 58 counties; "
                     r"did you mean 'LOS ANGELES'\?", err), err[-400:]
    assert_untouched(out, before)


@case
def gogen_keeps_the_exact_comparison_and_its_warning():
    bin_dir = fresh("gogen_bin")
    os.makedirs(bin_dir)
    link = os.path.join(bin_dir, "gogen")
    os.symlink(RELIEF, link)
    out = fresh("gogen_county")
    rc, _, err, _ = run([SMALL], out, county="Sacramento", relief=link)
    assert rc == 0, err[-400:]
    assert re.search(r"warning: --county 'Sacramento' .* did you mean 'SACRAMENTO'\?", err), err
    assert json.load(open(os.path.join(out, "gogen.json")))["county"] == "Sacramento"


# ------------------------------------------------------------ options and the manifest


@case
def undecided_section_warns_and_the_manifest_says_so():
    opts = write("partial_options.json",
                 b'{"baselineEligibility": {"dismiss": ["11357"], "reduce": ["11358", "11359"]}}')
    out = fresh("undecided")
    rc, _, err, _ = run([SMALL], out, options=opts)
    assert rc == 0, err[-400:]
    assert re.search(r"warning: options: 11360 is neither dismissed nor reduced", err), err[-400:]
    assert "11359 is neither" not in err, err[-400:]
    m = json.load(open(os.path.join(out, "manifest.json")))
    assert len(m["warnings"]) == 1 and m["warnings"][0].startswith("options: 11360"), m["warnings"]
    out = fresh("decided")
    rc, _, err, _ = run([SMALL], out)
    assert rc == 0 and "neither dismissed" not in err, err[-400:]
    assert json.load(open(os.path.join(out, "manifest.json")))["warnings"] == []


@case
def manifest_accounts_for_every_row_of_every_input():
    a = write("acct_a.csv", small_bytes())
    head, rows = t.fixture_rows()
    b = write("acct_b.csv", t.row_bytes(head) + b"".join(t.row_bytes(r) for r in rows[:2]))
    out = fresh("accounted")
    rc, _, err, _ = run([a, b], out)
    assert rc == 0, err[-400:]
    m = json.load(open(os.path.join(out, "manifest.json")))
    got = [(os.path.basename(i["path"]), i["rows"]["read"], i["rows"]["decided"]) for i in m["inputs"]]
    assert got == [("acct_a.csv", len(rows), len(rows)), ("acct_b.csv", 2, 2)], got
    assert sum(i["rows"]["read"] for i in m["inputs"]) == m["counts"]["rows"]
    for i in m["inputs"]:
        assert i["rows"]["read"] == i["rows"]["decided"] + sum(i["rows"]["refused"].values()), i


@case
def input_changed_during_the_run_publishes_nothing():
    """The manifest describes the bytes read (hashed when mapped; see
    test_output's manifest tests); an input whose size, time or identity
    changed before the end of the run fails it: exit 3, nothing published."""
    for command in ("run", "statewide"):
        f = write("changes.csv", small_bytes())  # a fresh time: the hook sets it long ago
        if command == "run":
            out, before = good_bundle("changes")
            rc, _, err, _ = run([f], out, env=dict(os.environ, RELIEF_TEST_AFTER_MAP="touch"))
        else:
            out, before = fresh("changes_sw"), {}
            rc, _, err, _ = t.run([RELIEF, "statewide", "--inputs=" + f,
                                   "--eligibility-options=" + t.OPTIONS, "--outputs=" + out],
                                  timeout=60, env=dict(os.environ, RELIEF_TEST_AFTER_MAP="touch"))
        assert rc == 3, (command, rc, err[-400:])
        assert re.search(r"changes\.csv: input changed while it was read", err), (command, err[-400:])
        assert_untouched(out, before)
    # untouched, the same input is fine, and the manifest hash is of its bytes
    out = fresh("unchanged")
    rc, _, err, _ = run([f], out)
    assert rc == 0, err[-400:]
    m = json.load(open(os.path.join(out, "manifest.json")))
    assert m["inputs"][0]["size"] == len(small_bytes())


# ------------------------------------------------------------ never a signal


@case
def shrinking_input_is_exit_3_not_sigbus():
    f = write("shrinks.csv", small_bytes())
    out, before = good_bundle("shrinks")
    env = dict(os.environ, RELIEF_TEST_AFTER_MAP="shrink")
    rc, o, err, _ = run([f], out, env=env)
    assert rc == 3, "exit status %d (negative: killed by a signal); stderr: %s" % (rc, err[-400:])
    assert "input changed while it was read (it shrank)" in err, err[-400:]
    e = json.load(open(os.path.join(out, "errors.json")))
    assert "it shrank" in e[""]["errorMessage"], e
    assert_untouched(out, before)


def start(args, work):
    global RELIEF, WORK
    RELIEF, WORK = args.relief, work


def main():
    return H.main(H.parser(__doc__), "relief-inputs-", start)


if __name__ == "__main__":
    sys.exit(main())
