#!/usr/bin/env python3
"""Privacy of `relief run` (DESIGN.md "Private by default"):

  - every file it writes (bundle, summary, manifest, error file) is mode
    0600, and a folder it creates is 0700;
  - stdout and stderr never carry a name, CII number or date of birth, in
    successful and in failing runs (bad rows holding those values, bad
    options, missing files), and neither does the error file;
  - `--redact --redact-key=FILE` writes a bundle where names, birth dates,
    SSNs, licence/ID/FBI numbers are empty and CII numbers are the hex
    XXH3-128 of key||value: no original value is left anywhere in the
    folder, one person keeps one hashed CII, and every determination is
    the same as in the unredacted run.

Usage: test_privacy.py --relief PATH --xxh PATH [--keep]
Ends with `N passed, M failed`; exit status 1 if M > 0.
"""

import csv
import json
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools as t  # noqa: E402

H = t.Harness()
case = H.case
A = None
WORK = None
INPUTS = ["checks.csv", "small_header.csv", "crlf_quoted.csv"]
NAME_COLS = ["PRI_NAME", "REQ_NAME"]
DOB_COLS = ["PRI_DOB", "REQ_DOB"]
CII_COLS = ["CII_NUMBER", "REQ_CII_NUMBER"]
REDACTED = ["REQ_NAME", "REQ_DOB", "REQ_CDL", "REQ_SSN", "PRI_NAME", "PRI_DOB", "PRI_SSN", "PRI_CDL",
            "PRI_IDN", "PRI_INN", "FBI_NUMBER"]


def read_csv(path):
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def sensitive_values():
    """Names (whole and each part of 4+ letters), CIIs and DOBs of the
    fixtures: the strings that must never be printed.  A value that also
    stands in a column nobody redacts (a date of birth equal to an event
    date, say) is left out: finding it proves nothing."""
    values, public = set(), []
    for name in INPUTS:
        header, rows = read_csv(t.fixture(name))
        if header[0] != "RECORD_ID":
            continue
        idx = {h: i for i, h in enumerate(header)}
        for r in rows:
            if len(r) < len(idx):
                continue  # an empty line
            for col in NAME_COLS:
                v = r[idx[col]].strip()
                if v:
                    values.add(v)
                    values.update(p for p in v.replace(",", " ").split() if len(p) >= 4)
            for col in DOB_COLS + CII_COLS:
                v = r[idx[col]].strip()
                if len(v) >= 6:
                    values.add(v)
            public.append(",".join(c for i, c in enumerate(r)
                                   if header[i] not in REDACTED + CII_COLS))
    public_text = "\n".join(public)
    return sorted(v for v in values if v not in public_text)


def leaks(text, values):
    return [v for v in values if v in text]


def run(args, **kw):
    return t.run(t.run_args(A.relief, *args, **kw))


def modes_ok(folder):
    bad = []
    for n in os.listdir(folder):
        m = stat.S_IMODE(os.stat(os.path.join(folder, n)).st_mode)
        if m != 0o600:
            bad.append("%s %o" % (n, m))
    return bad


@case
def outputs_are_mode_0600():
    old = os.umask(0o022)  # a permissive umask must not widen anything
    try:
        out = os.path.join(WORK, "modes")
        rc, _, err, _ = run(([t.fixture("checks.csv")], out))
        assert rc == 0, err
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o700, "output folder %o" % os.stat(out).st_mode
        names = sorted(os.listdir(out))
        for n in ("All_Results.csv", "All_Results_Condensed.csv", "Prop64_Results.csv", "summary.json",
                  "manifest.json"):
            assert n in names, (n, names)
        assert not modes_ok(out), modes_ok(out)
        # a failing run's error file, and the gogen drop-in's
        bad = os.path.join(WORK, "modes_bad")
        rc, _, _, _ = run(([t.fixture("bad_fieldcount.csv")], bad))
        assert rc == 2
        assert "errors.json" in os.listdir(bad), os.listdir(bad)
        assert not modes_ok(bad), modes_ok(bad)
        link = os.path.join(WORK, "gogen")
        if not os.path.exists(link):
            os.symlink(A.relief, link)
        rc, _, _, _ = t.run([link, "run", "--input-doj=" + t.fixture("bad_fieldcount.csv"),
                             "--county=SACRAMENTO", "--eligibility-options=" + t.OPTIONS,
                             "--outputs=" + bad])
        assert rc == 2 and "gogen.err" in os.listdir(bad), os.listdir(bad)
        assert not modes_ok(bad), modes_ok(bad)
    finally:
        os.umask(old)
    return "%d files checked" % (len(names) + 2)


def bad_row_files():
    """Inputs whose broken line holds a name, a CII and a DOB."""
    header, rows = read_csv(t.fixture("checks.csv"))
    data = [",".join(header)]
    good = [t.row_bytes([c.encode() for c in r]).decode() for r in rows]
    files = {}
    # wrong field count: the sensitive row itself is short
    short = t.row_bytes([c.encode() for c in rows[0][:90]]).decode()
    files["short.csv"] = "\n".join(data) + "\n" + short + "".join(good[:2])
    # bare quote right after the name
    r = list(rows[0])
    r[12] = "PLAIN" + r[12].replace(",", " ")
    line = t.row_bytes([c.encode() for c in r]).decode().replace("PLAIN", 'PL"AIN', 1)
    files["barequote.csv"] = "\n".join(data) + "\n" + line
    # unterminated quote holding the rest of the file
    files["unterminated.csv"] = "\n".join(data) + "\n" + good[0] + '1,2,"' + good[1]
    paths = []
    for n, text in files.items():
        p = os.path.join(WORK, n)
        open(p, "w").write(text)
        paths.append(p)
    return paths


@case
def terminal_never_shows_personal_data():
    values = sensitive_values()
    assert len(values) > 20, "too few sensitive values found: %r" % values
    runs = []
    out = os.path.join(WORK, "quiet")
    inputs = [t.fixture(n) for n in INPUTS]
    runs.append(("good", run((inputs, out))))
    runs.append(("good_county_typo", run((inputs, out), county="SACRAMNTO")))
    for p in bad_row_files():
        runs.append((os.path.basename(p), run(([p], out))))
    runs.append(("missing", run(([os.path.join(WORK, "nope.csv")], out))))
    runs.append(("bad_options", run((inputs, out), options=t.fixture("bad_age_options.json"))))
    runs.append(("redact_no_key", run((inputs, out), extra=["--redact"])))
    for label, (rc, o, e, _) in runs:
        found = leaks(o + e, values)
        assert not found, "%s run printed %r" % (label, found[:5])
    for n in os.listdir(out):  # the error file too
        if n.startswith("errors"):
            found = leaks(open(os.path.join(out, n), errors="replace").read(), values)
            assert not found, "%s holds %r" % (n, found[:5])
    codes = sorted({r[1][0] for r in runs})
    assert codes == [0, 1, 2, 3], "expected runs ending 0, 1, 2 and 3, got %r" % codes
    return "%d runs, %d values searched" % (len(runs), len(values))


def xxh128(data):
    return subprocess.run([A.xxh], input=data, stdout=subprocess.PIPE, check=True).stdout.decode().strip()


@case
def redacted_bundle():
    key = b"a county's secret key\n"
    key_path = os.path.join(WORK, "key")
    open(key_path, "wb").write(key)
    os.chmod(key_path, 0o600)
    inputs = [t.fixture(n) for n in INPUTS]
    plain, red = os.path.join(WORK, "plain"), os.path.join(WORK, "redacted")
    rc, _, err, _ = run((inputs, plain))
    assert rc == 0, err
    rc, o, err, _ = run((inputs, red), extra=["--redact", "--redact-key=" + key_path])
    assert rc == 0, err
    # nothing original anywhere in the folder
    values = sensitive_values()
    for n in os.listdir(red):
        text = open(os.path.join(red, n), "rb").read().decode("utf-8", "replace")
        found = leaks(text, values)
        assert not found, "%s holds %r" % (n, found[:5])
    assert not modes_ok(red), modes_ok(red)
    checked = 0
    for n in sorted(os.listdir(plain)):
        if not n.endswith(".csv"):
            continue
        h1, rows1 = read_csv(os.path.join(plain, n))
        h2, rows2 = read_csv(os.path.join(red, n))
        assert h1 == h2 and len(rows1) == len(rows2), n
        idx = {h: i for i, h in enumerate(h1)}
        cii_of_subject = {}
        for r1, r2 in zip(rows1, rows2):
            for i, col in enumerate(h1):
                if col in REDACTED:
                    assert r2[i] == "", "%s %s not blanked" % (n, col)
                elif col in CII_COLS:
                    want = xxh128(key + r1[i].encode()) if r1[i] else ""
                    assert r2[i] == want, "%s %s: %r, want %r" % (n, col, r2[i], want)
                else:  # every other cell, determinations included, unchanged
                    assert r1[i] == r2[i], "%s %s changed: %r -> %r" % (n, col, r1[i], r2[i])
                checked += 1
            if "SUBJECT_ID" in idx and r2[idx["CII_NUMBER"]]:
                s = (n.split("_")[-1], r2[idx["SUBJECT_ID"]])
                assert cii_of_subject.setdefault(s, r2[idx["CII_NUMBER"]]) == r2[idx["CII_NUMBER"]], \
                    "subject %s has two hashed CIIs" % (s,)
    s1 = json.load(open(os.path.join(plain, "summary.json")))
    s2 = json.load(open(os.path.join(red, "summary.json")))
    s1.pop("processingTimeInSeconds")
    s2.pop("processingTimeInSeconds")
    assert s1 == s2, "summaries differ"
    m = json.load(open(os.path.join(red, "manifest.json")))
    assert m["redacted"] is True
    assert not leaks(json.dumps(m), [key.decode().strip()]), "the manifest holds the key"
    return "%d cells compared" % checked


@case
def redact_key_rules():
    inputs = [t.fixture("small_header.csv")]
    out = os.path.join(WORK, "keyrules")
    empty = os.path.join(WORK, "empty_key")
    open(empty, "wb").close()
    for extra, message in ((["--redact"], "--redact needs --redact-key"),
                           (["--redact", "--redact-key=" + empty], "--redact-key: the key file is empty"),
                           (["--redact", "--redact-key=" + os.path.join(WORK, "nokey")],
                            "cannot read --redact-key"),
                           (["--redact-key=" + empty], "--redact-key is only used with --redact"),
                           (["--redact", "--redact", "--redact-key=" + empty], "--redact given twice")):
        rc, _, err, _ = run((inputs, out), extra=extra)
        assert rc == 1 and message in err, "%s: exit %d, stderr %r" % (extra, rc, err)
    return "5 misuses"


def start(args, work):
    global A, WORK
    A, WORK = args, work


def main():
    return H.main(H.parser(__doc__, ("relief", "xxh")), "relief-privacy-", start)


if __name__ == "__main__":
    sys.exit(main())
