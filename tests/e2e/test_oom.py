#!/usr/bin/env python3
"""Out of memory through the CLI: `relief run` with RELIEF_FAIL_ALLOC_AFTER=N
(the N+1-th allocation fails) for N from 0 to past the allocations a whole
run makes, and under an address-space limit (ulimit -v).

Every run that fails must end like any failed run (DESIGN.md's exit codes):
  - exit status 3, never a signal;
  - "out of memory" on stderr;
  - errors.json in the output folder, and nothing else the run made: no
    bundle file, no staging folder (.relief-stage.*), no lock, no temporary;
  - an earlier bundle in the folder left byte for byte.
A run given more allocations than it makes ends 0 with the whole bundle.

Usage: test_oom.py --relief PATH [--keep] [--only REGEX] [--all] [--seed N]
  --all sweeps every N below the run's allocation count (slow: one run each).
Ends with `N passed, M failed`; exit status 1 if M > 0.
"""

import json
import os
import random
import resource
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools as t  # noqa: E402

H = t.Harness()
case = H.case
RELIEF = None
WORK = None
ARGS = None
ALLOCATIONS = None  # allocations a whole --threads=1 run of the fixture makes
BUNDLE = ["All_Results.csv", "All_Results_Condensed.csv", "Prop64_Results.csv", "summary.json",
          "manifest.json"]
_counter = [0]


def fresh(name):
    _counter[0] += 1
    out = os.path.join(WORK, "%s_%d" % (name, _counter[0]))
    shutil.rmtree(out, ignore_errors=True)
    return out


def env_with(n):
    env = dict(os.environ)
    env.pop("RELIEF_FAIL_ALLOC_AFTER", None)
    if n is not None:
        env["RELIEF_FAIL_ALLOC_AFTER"] = str(n)
    return env


def relief_run(out, n, threads=1, inputs=None, preexec=None):
    """Runs relief into out with RELIEF_FAIL_ALLOC_AFTER=n (None: unset)."""
    argv = t.run_args(RELIEF, inputs or [t.fixture("small_header.csv")], out,
                      extra=["--threads=%d" % threads])
    if preexec is None:
        return t.run(argv, timeout=120, env=env_with(n))[:3]
    import subprocess
    p = subprocess.run(argv, env=env_with(n), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, preexec_fn=preexec, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def listing(out):
    return sorted(os.listdir(out)) if os.path.isdir(out) else None


def check_failed(out, rc, err, what, before=None, message="out of memory"):
    """The invariants of a run that ran out of memory."""
    assert rc >= 0, "%s: killed by signal %d; stderr: %s" % (what, -rc, err.strip()[-300:])
    assert rc == 3, "%s: exit status %d, want 3; stderr: %s" % (what, rc, err.strip()[-300:])
    assert message in err, "%s: stderr lacks %r: %r" % (what, message, err[-300:])
    names = listing(out)
    assert names is not None, "%s: no output folder, so no errors.json" % what
    staging = [n for n in names if n.startswith(".relief-stage.")]
    assert not staging, "%s: staging folder left: %s" % (what, staging)
    assert "errors.json" in names, "%s: no errors.json (folder holds %s)" % (what, names)
    body = open(os.path.join(out, "errors.json"), "rb").read()
    try:
        json.loads(body)
    except ValueError:
        raise AssertionError("%s: errors.json is not JSON: %r" % (what, body[:200]))
    assert b"out of memory" in body or b"memory" in body, \
        "%s: errors.json does not say why: %r" % (what, body[:200])
    leftovers = t.temp_files(out)
    assert not leftovers, "%s: temporary files left: %s" % (what, leftovers)
    made = set(names) - {"errors.json"} - set(before or {})
    assert not made, "%s: files of the failed run published: %s" % (what, sorted(made))
    if before:
        after = t.digest(out)
        for name, h in before.items():
            assert after.get(name) == h, "%s: earlier %s changed or vanished" % (what, name)


def check_succeeded(out, rc, err, what):
    assert rc == 0, "%s: exit status %d, want 0; stderr: %s" % (what, rc, err.strip()[-300:])
    names = listing(out)
    for n in BUNDLE:
        assert n in names, "%s: %s missing" % (what, n)
    assert "errors.json" not in names, "%s: errors.json after a good run" % what
    assert not t.temp_files(out), "%s: temporary files left: %s" % (what, t.temp_files(out))


def check_n(n, threads=1, before_folder=None):
    """One run with RELIEF_FAIL_ALLOC_AFTER=n; returns its exit status."""
    if before_folder:
        out, before = before_folder
    else:
        out, before = fresh("n%d_t%d" % (n, threads)), None
    rc, _, err = relief_run(out, n, threads)
    what = "RELIEF_FAIL_ALLOC_AFTER=%d --threads=%d" % (n, threads)
    if rc == 0:
        assert threads > 1 or n >= ALLOCATIONS, \
            "%s: succeeded though the run makes %d allocations" % (what, ALLOCATIONS)
        check_succeeded(out, rc, err, what)
    else:
        check_failed(out, rc, err, what, before)
    return rc


def run_many(ns, threads=1):
    """Checks each n; collects every failure instead of stopping at the first."""
    problems = []
    for n in ns:
        try:
            check_n(n, threads)
        except AssertionError as e:
            problems.append(str(e))
    assert not problems, "%d of %d runs wrong:\n    %s" % (
        len(problems), len(ns), "\n    ".join(problems[:12] + (["..."] if len(problems) > 12 else [])))
    return "%d runs" % len(ns)


def count_allocations():
    """The smallest N with which a --threads=1 run succeeds: the number of
    allocations the run makes (runs are deterministic on one thread)."""
    hi = 64
    while relief_run(fresh("count"), hi)[0] != 0:
        hi *= 2
        assert hi < 1 << 26, "a run never succeeds with RELIEF_FAIL_ALLOC_AFTER set"
    lo = 0  # fails, or hi is the answer
    if relief_run(fresh("count"), 0)[0] == 0:
        return 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if relief_run(fresh("count"), mid)[0] == 0:
            hi = mid
        else:
            lo = mid
    return hi


# ------------------------------------------------------------ cases


@case
def without_the_hook_the_run_succeeds():
    out = fresh("plain")
    rc, _, err = relief_run(out, None)
    check_succeeded(out, rc, err, "no RELIEF_FAIL_ALLOC_AFTER")
    return "a whole run makes %d allocations" % ALLOCATIONS


@case
def fixed_points_fail_cleanly():
    return run_many([n for n in (0, 1, 5, 20, 100, 500, 2000) if n < ALLOCATIONS])


@case
def fixed_points_past_the_run_succeed():
    for n in (ALLOCATIONS, ALLOCATIONS + 1, 2000 if 2000 >= ALLOCATIONS else ALLOCATIONS * 2):
        assert check_n(n) == 0
    return "N = %d and above" % ALLOCATIONS


@case
def the_first_allocations_fail_cleanly():
    # argument parsing, options, the output folder: before the run's own work
    return run_many(range(0, min(60, ALLOCATIONS)))


@case
def random_points_fail_cleanly():
    rng = random.Random(ARGS.seed)
    ns = sorted(rng.sample(range(ALLOCATIONS), min(25, ALLOCATIONS)))
    return run_many(ns) + ", seed %d: %s" % (ARGS.seed, ns)


@case
def the_last_allocations_fail_cleanly():
    # writing, the report, the manifest and the commit
    return run_many(range(max(0, ALLOCATIONS - 40), ALLOCATIONS))


@case
def every_allocation_fails_cleanly():
    if not ARGS.all:
        return "skipped: --all sweeps every N"
    return run_many(range(ALLOCATIONS))


@case
def an_earlier_bundle_survives():
    out = fresh("earlier")
    rc, _, err = relief_run(out, None)
    check_succeeded(out, rc, err, "the earlier run")
    before = t.digest(out)
    problems = []
    for n in (60, ALLOCATIONS // 2, ALLOCATIONS - 5, ALLOCATIONS - 1):
        if n < 0 or n >= ALLOCATIONS:
            continue
        try:
            rc, _, err = relief_run(out, n)
            check_failed(out, rc, err, "RELIEF_FAIL_ALLOC_AFTER=%d over a bundle" % n, before)
        except AssertionError as e:
            problems.append(str(e))
        stale = os.path.join(out, "errors.json")
        if os.path.exists(stale):
            os.unlink(stale)
    assert not problems, "\n    ".join(problems)


@case
def several_threads_fail_cleanly():
    rng = random.Random(ARGS.seed + 1)
    ns = [0, 20] + sorted(rng.sample(range(ALLOCATIONS), min(10, ALLOCATIONS)))
    return run_many(ns, threads=4)


def asan_build():
    with open(RELIEF, "rb") as f:
        return b"__asan_" in f.read()  # the sanitizer runtime's symbols


def big_input():
    """About 13 MB of valid rows: too much for a small address space."""
    path = os.path.join(WORK, "big.csv")
    if not os.path.exists(path):
        head, rows = t.fixture_rows()
        # each fixture row with its SUBJECT_ID (field 2) cut out
        parts = [(t.row_bytes(r[:2])[:-1] + b",", b"," + t.row_bytes(r[3:])) for r in rows]
        with open(path, "wb") as f:
            f.write(t.row_bytes(head))
            f.write(b"".join(parts[i % len(parts)][0] + str(100000 + i // 3).encode()
                             + parts[i % len(parts)][1] for i in range(60000)))
    return path


def limit_as(mb):
    def preexec():
        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))
    return preexec


def address_space_sweep(threads):
    if asan_build():
        return None, "skipped: AddressSanitizer reserves more address space than any limit here"
    big = big_input()
    failed = succeeded = 0
    problems = []
    for mb in (16, 24, 32, 40, 48, 64, 128):  # MiB; a whole run fits in 128
        out = fresh("as%d_t%d" % (mb, threads))
        rc, _, err = relief_run(out, None, threads, inputs=[big], preexec=limit_as(mb))
        what = "ulimit -v %d MiB, --threads=%d" % (mb, threads)
        if rc == 127 and "shared librar" in err:
            continue  # the loader itself could not map the libraries
        try:
            if rc == 0:
                check_succeeded(out, rc, err, what)
                succeeded += 1
            else:
                failed += 1
                check_failed(out, rc, err, what, message="memory")
        except AssertionError as e:
            problems.append(str(e))
    return (failed, succeeded, problems), None


@case
def a_small_address_space_is_not_a_crash():
    res, skipped = address_space_sweep(1)
    if skipped:
        return skipped
    failed, succeeded, problems = res
    assert not problems, "\n    ".join(problems)
    assert failed, "no limit made the run fail: the case tests nothing"
    assert succeeded, "no limit let the run finish: the input or the limits are off"
    return "%d limits failed cleanly, %d succeeded" % (failed, succeeded)


@case
def a_small_address_space_with_threads_is_not_a_crash():
    # thread creation failing for lack of address space is running out of
    # memory too: the same exit status 3 and the same clean folder
    res, skipped = address_space_sweep(4)
    if skipped:
        return skipped
    failed, succeeded, problems = res
    assert not problems, "\n    ".join(problems)
    return "%d limits failed cleanly, %d succeeded" % (failed, succeeded)


def start(args, work):
    global RELIEF, WORK, ARGS, ALLOCATIONS
    RELIEF, WORK, ARGS = args.relief, work, args
    ALLOCATIONS = count_allocations()


if __name__ == "__main__":
    ap = H.parser(__doc__)
    ap.add_argument("--all", action="store_true", help="sweep every N below the allocation count")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("RELIEF_OOM_SEED", "1")),
                    help="seed of the random points (default 1, or $RELIEF_OOM_SEED)")
    sys.exit(H.main(ap, "relief-oom-", start))
