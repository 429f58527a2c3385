"""Shared pieces of the end-to-end tests: running the CLI (with its peak
memory, or to the end), writing DOJ rows byte by byte, digests of output
folders, running the oracle (tests/oracle) beside relief and comparing their
bundles, and a tiny test harness that prints each case PASS/FAIL and ends with
`N passed, M failed`.  Standard library only (and the oracle's own modules).
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
ORACLE_DIR = os.path.join(ROOT, "tests", "oracle")
OPTIONS = os.path.join(FIXTURES, "spec_options.json")
COUNTY = "SACRAMENTO"
COMPUTE = "2019-11-11"
# The spec's example options with every additional relief on, as the
# statewide and relief-mpi tests write them (write_json).
ALL_RELIEF_OPTIONS = {
    "baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
    "additionalRelief": {"subjectUnder21AtConviction": True, "subjectAgeThreshold": 57,
                         "yearsSinceConvictionThreshold": 10, "subjectIsDeceased": True,
                         "subjectHasOnlyProp64Charges": True}}
# RELIEF_TEST_SCALE=small (the sanitizer build) shrinks the big inputs.
SMALL = os.environ.get("RELIEF_TEST_SCALE") == "small"


def fixture(name):
    return os.path.join(FIXTURES, name)


def write_json(path, obj):
    """Writes obj to path as JSON; returns path."""
    with open(path, "w") as f:
        json.dump(obj, f)
    return path


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


def run_cmd(argv, timeout=120):
    """Runs argv to the end; (exit status, stdout, stderr) as text.  Raises
    subprocess.TimeoutExpired after timeout seconds."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check_rc(result, want):
    """Asserts that a run_cmd result exited want, showing its stderr if not."""
    rc, _out, err = result
    assert rc == want, "exit status %d, want %d; stderr: %s" % (rc, want, err.strip()[-500:])


def oracle_cmd(args):
    """The command line of the oracle (tests/oracle/oracle.py) with args."""
    return [sys.executable, os.path.join(ORACLE_DIR, "oracle.py")] + list(args)


def use_oracle_modules():
    """Makes the oracle's modules (compare, gocompat, randomdoj, oracle)
    importable."""
    if ORACLE_DIR not in sys.path:
        sys.path.insert(0, ORACLE_DIR)


def random_inputs(case, seeds, people, county, compute, la=False):
    """Writes a random DOJ file (tests/oracle/randomdoj.py) per seed into the
    folder case, drawn for the compute date (YYYY-MM-DD); returns their paths."""
    use_oracle_modules()
    import gocompat
    import randomdoj
    y, m, d = (int(x) for x in compute.split("-"))
    inputs = []
    for seed in seeds:
        path = os.path.join(case, "doj_%d.csv" % seed)
        with open(path, "wb") as f:
            f.write(randomdoj.generate(seed, people, county, gocompat.days_from_civil(y, m, d), la=la))
        inputs.append(path)
    return inputs


def against_oracle(case, relief, common, files_of=None):
    """Runs the oracle and `relief run` with the same arguments common, into
    case/oracle and case/relief, and compares what they wrote cell by cell
    (files_of(oracle folder): the files to compare; default all of both).
    Returns (problems, the comparison or None when a side failed)."""
    use_oracle_modules()
    import compare
    want, got = os.path.join(case, "oracle"), os.path.join(case, "relief")
    rc_o, _, err_o = run_cmd(oracle_cmd(["--outputs=" + want] + common))
    rc_r, _, err_r = run_cmd([relief, "run", "--outputs=" + got] + common)
    problems = []
    if rc_o != 0:
        problems.append("oracle exit %d: %s" % (rc_o, err_o.strip()[-300:]))
    if rc_r != 0:
        problems.append("relief exit %d: %s" % (rc_r, err_r.strip()[-300:]))
    if problems:
        return problems, None
    cmp = compare.compare_dirs(want, got, max_report=8, files=files_of(want) if files_of else None)
    if cmp.differences:
        problems.append("%d differences (A=oracle, B=relief):\n    %s" % (
            cmp.differences, "\n    ".join(cmp.lines)))
    return problems, cmp


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

    def __init__(self, counted=None):
        """counted, if given, names what the cases add to self.checked (for
        the line `N <counted> checked` before the tally)."""
        self.cases = []
        self.tools = []
        self.counted = counted
        self.checked = 0
        self.work = None

    def case(self, fn):
        self.cases.append(fn)
        return fn

    def fresh_dir(self, name):
        """An empty folder name in the work folder (emptied if it was there)."""
        path = os.path.join(self.work, name)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

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

    def main(self, ap, prefix, start, keep_failed=False):
        """Parses ap, makes the work folder (0755: cases may run as another
        user), calls start(args, work), runs the cases; returns the exit status.
        The work folder stays with --keep (or, with keep_failed, when a case
        failed)."""
        args = ap.parse_args()
        for tool in self.tools:
            setattr(args, tool, os.path.abspath(getattr(args, tool)))
        work = self.work = tempfile.mkdtemp(prefix=prefix)
        os.chmod(work, 0o755)
        status = 1
        try:
            start(args, work)
            status = self.run_cases(args.only)
            return status
        finally:
            if args.keep or (keep_failed and status):
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
        if self.counted:
            print("%d %s checked" % (self.checked, self.counted))
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0


def finish(passed, failed, work, keep, checked_line=None):
    """The end of a test that tallies its own cases: prints checked_line,
    removes the work folder (kept with keep or when a case failed), prints
    the tally; returns the exit status."""
    if checked_line:
        print(checked_line)
    if keep or failed:
        print("work folder: %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def env_main(cases, make_env, what):
    """main() of a test whose cases share one env: parses --relief and --gen,
    makes env = make_env(relief, gen, scratch folder) (absolute paths), runs
    the cases (run_env_cases); returns the exit status."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--relief", required=True)
    ap.add_argument("--gen", required=True)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = make_env(os.path.abspath(args.relief), os.path.abspath(args.gen), tmp)
        return run_env_cases(cases, env, what)


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
