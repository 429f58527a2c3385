#!/usr/bin/env python3
"""manifest.json, relief's record of how a bundle was made: checks that it
is written beside every successful run (mode 0600, with the file-name
suffix), that its input and output sizes and XXH3-128 hashes match the
files, that each flow's hash is the XXH3-64 of its canonical JSON (compact,
sorted keys, without "hash"), and that options, command line, compute date
and threads are what the run was given.  A failed run leaves an earlier
manifest as it was.

Usage: test_manifest.py --relief PATH --xxh PATH [--keep]
Ends with `N passed, M failed`; exit status 1 if M > 0.
"""

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


def xxh(path=None, data=None, bits64=False):
    argv = [A.xxh] + (["-64"] if bits64 else []) + ([path] if path else [])
    return subprocess.run(argv, input=data, stdout=subprocess.PIPE, check=True).stdout.decode().strip()


def run_two_inputs(out, extra=()):
    packed = os.path.join(WORK, "checks.csv.zst")
    if not os.path.exists(packed):
        subprocess.run(["zstd", "-q", "-o", packed, t.fixture("checks.csv")], check=True)
    inputs = [t.fixture("small_header.csv"), packed]
    argv = t.run_args(A.relief, inputs, out, extra=["--threads=2", "--file-name-suffix=S"] + list(extra))
    rc, _, err, _ = t.run(argv)
    assert rc == 0, err
    return argv, inputs


@case
def manifest_matches_the_files():
    out = os.path.join(WORK, "m")
    argv, inputs = run_two_inputs(out)
    path = os.path.join(out, "manifest_S.json")
    assert os.path.exists(path), os.listdir(out)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    m = json.load(open(path))
    assert m["engine"] == "relief" and m["version"], m
    assert m["commandLine"] == ["relief"] + argv[1:], m["commandLine"]
    assert m["computeDate"] == t.COMPUTE and m["county"] == t.COUNTY and m["threads"] == 2, m
    assert m["redacted"] is False
    want_opts = json.load(open(t.OPTIONS))
    assert m["options"]["baselineEligibility"] == want_opts["baselineEligibility"], m["options"]
    for k, v in want_opts["additionalRelief"].items():
        assert m["options"]["additionalRelief"][k] == v, (k, m["options"])
    # inputs: path, size and hash of the bytes as stored (the .zst, not its text)
    assert [i["path"] for i in m["inputs"]] == inputs
    for i in m["inputs"]:
        assert i["size"] == os.path.getsize(i["path"]), i
        assert i["xxh3_128"] == xxh(i["path"]), i
    # outputs: every other file in the folder, with its size and hash
    listed = sorted(o["path"] for o in m["outputs"])
    present = sorted(n for n in os.listdir(out) if n != "manifest_S.json")
    assert listed == present, (listed, present)
    for o in m["outputs"]:
        p = os.path.join(out, o["path"])
        assert o["size"] == os.path.getsize(p) and o["xxh3_128"] == xxh(p), o
    # flows: the tables, each with the hash of its canonical serialisation
    names = [f["name"] for f in m["flows"]]
    assert names[0] == "configurable" and len(names) == 2, names
    for f in m["flows"]:
        body = {k: v for k, v in f.items() if k != "hash"}
        canonical = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        assert f["hash"] == xxh(data=canonical, bits64=True), f["name"]
        assert f["rows"] and all({"mask", "value", "determination", "reason"} <= set(r) for r in f["rows"])
    assert m["timings"]["runSeconds"] >= 0 and m["counts"]["rows"] > 0
    return "%d inputs, %d outputs, %d flows" % (len(m["inputs"]), len(m["outputs"]), len(m["flows"]))


@case
def flow_hash_follows_the_options():
    a, b = os.path.join(WORK, "fa"), os.path.join(WORK, "fb")
    run_two_inputs(a)
    narrow = t.fixture("narrow_options.json")
    rc, _, err, _ = t.run(t.run_args(A.relief, [t.fixture("small_header.csv")], b, options=narrow,
                                     extra=["--file-name-suffix=S"]))
    assert rc == 0, err
    ma = json.load(open(os.path.join(a, "manifest_S.json")))
    mb = json.load(open(os.path.join(b, "manifest_S.json")))
    assert ma["flows"][0]["hash"] != mb["flows"][0]["hash"], "different options, same flow hash"
    assert ma["flows"][1]["hash"] == mb["flows"][1]["hash"], "the fixed impact flow's hash changed"


@case
def failed_run_keeps_the_earlier_manifest():
    out = os.path.join(WORK, "keep")
    run_two_inputs(out)
    before = open(os.path.join(out, "manifest_S.json"), "rb").read()
    rc, _, _, _ = t.run(t.run_args(A.relief, [t.fixture("bad_fieldcount.csv")], out,
                                   extra=["--file-name-suffix=S"]))
    assert rc == 2
    assert open(os.path.join(out, "manifest_S.json"), "rb").read() == before
    assert not t.temp_files(out), t.temp_files(out)


def start(args, work):
    global A, WORK
    A, WORK = args, work


def main():
    return H.main(H.parser(__doc__, ("relief", "xxh")), "relief-manifest-", start)


if __name__ == "__main__":
    sys.exit(main())
