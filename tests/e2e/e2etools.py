"""Shared pieces of the hardening end-to-end tests (bad inputs, faults,
privacy, manifest): running the CLI with its peak memory, writing DOJ rows
byte by byte, digests of output folders and a tiny test harness that prints
each case PASS/FAIL and ends with `N passed, M failed`.  Standard library only.
"""

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
OPTIONS = os.path.join(FIXTURES, "spec_options.json")
COUNTY = "SACRAMENTO"
COMPUTE = "2019-11-11"
# RELIEF_TEST_SCALE=small (the sanitizer build) shrinks the big inputs.
SMALL = os.environ.get("RELIEF_TEST_SCALE") == "small"


def fixture(name):
    return os.path.join(FIXTURES, name)


def run(argv, timeout=600, env=None):
    """Runs argv; returns (exit status, stdout, stderr, peak RSS of the child
    in KiB, from wait4).  Killed after timeout seconds."""
    with tempfile.TemporaryFile() as o, tempfile.TemporaryFile() as e:
        p = subprocess.Popen(argv, stdout=o, stderr=e, stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                _, status, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.01)
        p.returncode = os.waitstatus_to_exitcode(status)
        o.seek(0)
        e.seek(0)
        return (p.returncode, o.read().decode("utf-8", "replace"),
                e.read().decode("utf-8", "replace"), usage.ru_maxrss)


def run_args(relief, inputs, outputs, options=OPTIONS, county=COUNTY, compute=COMPUTE, extra=()):
    args = [relief, "run", "--input-doj=" + ",".join(inputs), "--county=" + county,
            "--eligibility-options=" + options, "--outputs=" + outputs]
    if compute is not None:
        args.append("--compute-at=" + compute)
    return args + list(extra)


def field_bytes(value):
    """One field as Go's csv writer would write it (value is bytes)."""
    if any(c in value for c in (b",", b'"', b"\n", b"\r")):
        return b'"' + value.replace(b'"', b'""') + b'"'
    return value


def row_bytes(fields):
    return b",".join(field_bytes(f) for f in fields) + b"\n"


def fixture_rows(name="small_header.csv"):
    """(header fields, [row fields]) of a clean fixture, as bytes."""
    with open(fixture(name), newline="", encoding="utf-8") as f:
        rows = [[c.encode() for c in r] for r in csv.reader(f)]
    return rows[0], rows[1:]


def digest(folder):
    return {n: hashlib.sha256(open(os.path.join(folder, n), "rb").read()).hexdigest()
            for n in sorted(os.listdir(folder)) if os.path.isfile(os.path.join(folder, n))}


VOLATILE_KEYS = {"processingTimeInSeconds", "timings", "commandLine"}


def _without_volatile(obj):
    if isinstance(obj, dict):
        return {k: _without_volatile(v) for k, v in obj.items() if k not in VOLATILE_KEYS}
    if isinstance(obj, list):
        return [_without_volatile(v) for v in obj]
    return obj


def stable_digest(path):
    """sha256 of a file; for a .json file, of its content without the
    timings that differ from run to run (and of files that hash those).
    A file that is not valid JSON gets a digest of its raw bytes, so a
    partial JSON file never matches a complete one."""
    data = open(path, "rb").read()
    if path.endswith(".json"):
        try:
            obj = _without_volatile(json.loads(data))
            if isinstance(obj, dict) and isinstance(obj.get("outputs"), list):
                obj["outputs"] = [o for o in obj["outputs"]  # these hold timings too
                                  if not str(o.get("path", "")).endswith((".json", ".html", ".pdf"))]
            data = json.dumps(obj, sort_keys=True).encode()
        except ValueError:
            pass
    return hashlib.sha256(data).hexdigest()


RELIEF_LEFTOVER = re.compile(r"^(\.relief-stage\.[0-9a-f]{12}|\.relief\.lock|\..+\.tmp)$")


def temp_files(folder):
    """What relief keeps while it runs and a SIGKILL can leave behind: its
    staging folder (.relief-stage.XXXXXXXXXXXX), its lock (.relief.lock), a
    single file's temporary (.NAME....tmp)."""
    return [n for n in os.listdir(folder) if RELIEF_LEFTOVER.match(n)]


def can_mount():
    """Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN)."""
    if os.geteuid() != 0:
        return False
    d = tempfile.mkdtemp(prefix="relief-mnt-")
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", d],
                        stderr=subprocess.DEVNULL).returncode == 0
    if ok:
        subprocess.run(["umount", d])
    os.rmdir(d)
    return ok


class Harness:
    """Registers cases; runs them in a fresh work folder; prints PASS/FAIL
    lines and the tally."""

    def __init__(self):
        self.cases = []
        self.tools = []

    def case(self, fn):
        self.cases.append(fn)
        return fn

    def parser(self, doc, tools=("relief",)):
        """Options every test has: a path per tool (made absolute), --keep
        and --only."""
        self.tools = list(tools)
        ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
        for tool in tools:
            ap.add_argument("--" + tool, required=True, help="path of %s" % tool)
        ap.add_argument("--keep", action="store_true", help="keep the work folder")
        ap.add_argument("--only", help="run only cases whose name matches this regex")
        return ap

    def main(self, ap, prefix, start):
        """Parses ap, makes the work folder (0755: cases may run as another
        user), calls start(args, work), runs the cases; returns the exit status."""
        args = ap.parse_args()
        for tool in self.tools:
            setattr(args, tool, os.path.abspath(getattr(args, tool)))
        work = tempfile.mkdtemp(prefix=prefix)
        os.chmod(work, 0o755)
        try:
            start(args, work)
            return self.run_cases(args.only)
        finally:
            if args.keep:
                print("work folder: %s" % work)
            else:
                shutil.rmtree(work, ignore_errors=True)

    def run_cases(self, only=None):
        passed = failed = 0
        for fn in self.cases:
            if only and not re.search(only, fn.__name__):
                continue
            try:
                note = fn()
                print("PASS %s%s" % (fn.__name__, " (%s)" % note if note else ""))
                passed += 1
            except Exception as e:  # an assertion or a crash: both fail the case
                print("FAIL %s: %s: %s" % (fn.__name__, type(e).__name__, e))
                failed += 1
            sys.stdout.flush()
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0


def run_env_cases(cases, env, what="files"):
    """Runs cases that each take env and return how many things they
    checked; prints a PASS or FAIL line per case, the count and the tally.
    Returns the exit status."""
    passed = failed = checked = 0
    for fn in cases:
        try:
            checked += fn(env) or 0
            print(f"PASS {fn.__name__}")
            passed += 1
        except Exception as e:  # report and go on
            print(f"FAIL {fn.__name__}: {e}")
            failed += 1
    print(f"{checked} {what} checked")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
