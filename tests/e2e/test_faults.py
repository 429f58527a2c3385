#!/usr/bin/env python3
"""Fault injection for `relief run`: SIGKILL at random moments, and a full
disk.  DESIGN.md promises that outputs are never half-written: a killed run
leaves each final file either as the complete earlier version, as the
complete new version, or absent (if it was absent before) — never partial.
Only relief's staging folder (.relief-stage.XXXXXXXXXXXX, which holds the
run's unpublished files, court motions with personal data included) and its
lock may be left by a SIGKILL; the next run into the folder, even a failed
one, removes them, and nothing that is not relief's.

Input: relief-gen's reference shape for LOS ANGELES (--people, default 1500;
RELIEF_TEST_SCALE=small uses 300), killed --kills times (default 8) at
seeded random moments spread over one full run's duration.

Usage: test_faults.py --relief PATH --gen PATH [--people N] [--kills N] [--seed N] [--keep]
Ends with `N passed, M failed`; exit status 1 if M > 0.
"""

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools as t  # noqa: E402

H = t.Harness()
case = H.case
A = None
WORK = None
COUNTY = "LOS ANGELES"
BIG = SMALL_INPUT = None
OLD = NEW = None  # digests of the complete earlier and new bundles
FULL_SECONDS = None
TEMP_NAME = t.RELIEF_LEFTOVER


def is_motion(path):
    """A motion PDF (named by its case number): any PDF but the combined one
    and the report."""
    name = os.path.basename(path)
    return name.endswith(".pdf") and name != "all_motions.pdf" and not name.startswith("report")


def gen(people, seed, name):
    out = os.path.join(WORK, name)
    subprocess.run([A.gen, "--people", str(people), "--seed", str(seed), "--out", out,
                    "--shape", "reference", "--counties", COUNTY], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return os.path.join(out, "LOS_ANGELES.dat")


def argv(inp, out):
    return t.run_args(A.relief, [inp], out, county=COUNTY, extra=["--threads=2"])


def report_digest(path):
    """The impact report shows the run's timing, so two runs never match byte
    for byte: digest only that it is complete."""
    data = open(path, "rb").read()
    complete = data.rstrip().endswith(b"</html>") if path.endswith(".html") else b"%%EOF" in data[-64:]
    return "complete report" if complete else "INCOMPLETE report"


def final_files(folder):
    """name -> digest of each final file; JSON files digested without their
    timings (the summary's processingTimeInSeconds differs run to run)."""
    return {n: report_digest(os.path.join(folder, n)) if n.startswith("report.")
            else t.stable_digest(os.path.join(folder, n))
            for n in sorted(os.listdir(folder)) if not n.startswith(".")}


def setup():
    global BIG, SMALL_INPUT, OLD, NEW, FULL_SECONDS
    BIG = gen(A.people, 11, "gen_big")
    SMALL_INPUT = gen(20, 12, "gen_small")
    old_dir, new_dir = os.path.join(WORK, "old"), os.path.join(WORK, "new")
    rc, _, err, _ = t.run(argv(SMALL_INPUT, old_dir))
    assert rc == 0, err
    start = time.monotonic()
    rc, _, err, _ = t.run(argv(BIG, new_dir))
    FULL_SECONDS = time.monotonic() - start
    assert rc == 0, err
    OLD, NEW = final_files(old_dir), final_files(new_dir)
    assert set(OLD) == set(NEW), (sorted(OLD), sorted(NEW))


def folder_with_old(name):
    if SMALL_INPUT is None:  # a case run alone (--only)
        setup()
    out = os.path.join(WORK, name)
    shutil.rmtree(out, ignore_errors=True)
    rc, _, err, _ = t.run(argv(SMALL_INPUT, out))
    assert rc == 0, err
    assert final_files(out) == OLD
    return out


def check_consistent(out):
    """Each final file is the complete old or new version; only hidden
    temporaries besides."""
    names = os.listdir(out)
    for n in names:
        if n.startswith("."):
            assert TEMP_NAME.match(n), "unexpected hidden file %s" % n
            continue
        assert n in OLD, "unexpected file %s" % n
    mix = {"old": 0, "new": 0}
    for n, h in final_files(out).items():
        if h == OLD[n]:
            mix["old"] += 1
        elif h == NEW[n]:
            mix["new"] += 1
        else:
            raise AssertionError("%s is neither the earlier nor the new complete file" % n)
    missing = set(OLD) - set(final_files(out))
    assert not missing, "final files vanished: %s" % sorted(missing)
    return mix


@case
def sigkill_at_random_moments():
    setup()
    rng = random.Random(A.seed)
    out = folder_with_old("killed")
    notes = []
    for k in range(A.kills):
        # spread over the run, the last three late, near the commit
        frac = rng.uniform(0.9, 1.3) if k >= A.kills - 3 else rng.uniform(0.0, 1.0)
        delay = frac * FULL_SECONDS
        p = subprocess.Popen(argv(BIG, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        rc = p.wait()
        mix = check_consistent(out)
        temps = len(t.temp_files(out))
        notes.append("%.2fs:%s%s" % (delay, "done" if rc == 0 else "killed",
                                     "/%dnew" % mix["new"] if mix["new"] else ""))
        if temps:
            notes[-1] += "/%dtmp" % temps
    # a later successful run leaves the new bundle and no temporaries
    rc, _, err, _ = t.run(argv(BIG, out))
    assert rc == 0, err
    assert final_files(out) == NEW, "the run after the kills did not give the new bundle"
    assert not t.temp_files(out), "stale temporaries remain: %s" % t.temp_files(out)
    return "full run %.2fs; kills %s" % (FULL_SECONDS, " ".join(notes))


def bundle_tree(folder):
    """Relative path -> sha256 of every file under folder but hidden ones."""
    out = {}
    for d, dirs, files in os.walk(folder):
        dirs[:] = [x for x in dirs if not x.startswith(".")]
        for n in files:
            if not n.startswith("."):
                path = os.path.join(d, n)
                out[os.path.relpath(path, folder)] = t.stable_digest(path)
    return out


@case
def sigkill_while_motions_are_staged():
    """Motions hold names and CII numbers: killed while they are staged, the
    run leaves them only in its staging folder, and the next run into the
    folder, even one that fails, removes it."""
    out = os.path.join(WORK, "killed_forms")
    shutil.rmtree(out, ignore_errors=True)
    rc, _, err, _ = t.run(argv(SMALL_INPUT, out) + ["--forms"])
    assert rc == 0, err
    old = bundle_tree(out)
    assert [n for n in old if is_motion(n)], "the earlier bundle should have motions"
    p = subprocess.Popen(argv(BIG, out) + ["--forms"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    staged, deadline = [], time.monotonic() + 600
    while not staged and p.poll() is None and time.monotonic() < deadline:
        for stage in [n for n in os.listdir(out) if n.startswith(".relief-stage.")]:
            filings = os.path.join(out, stage, "Court_Filings", "LOS_ANGELES")
            staged = os.path.isdir(filings) and [n for n in os.listdir(filings) if is_motion(n)]
            if staged:
                break
        time.sleep(0.002)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert staged, "the run ended before a motion was staged"
    hidden = [n for n in os.listdir(out) if n.startswith(".")]
    assert hidden and all(re.match(r"^(\.relief-stage\.[0-9a-f]{12}|\.relief\.lock)$", n) for n in hidden), hidden
    assert bundle_tree(out) == old, "the killed run changed the earlier bundle"
    # a later run that fails on its input still clears the killed run's staging
    bad = os.path.join(t.FIXTURES, "bad_quote.csv")
    rc, _, err, _ = t.run(t.run_args(A.relief, [bad], out, county=COUNTY, extra=["--forms"]))
    assert rc == 2, "exit %d, want 2: %s" % (rc, err[-300:])
    hidden = [n for n in os.listdir(out) if n.startswith(".")]
    assert not hidden, "left after a later run: %s" % hidden
    after = bundle_tree(out)
    assert set(after) == set(old) | {"errors.json"}, sorted(set(after) ^ set(old))[:5]
    assert {n: h for n, h in after.items() if n in old} == old
    return "%d motions staged when killed" % len(staged)


@case
def stale_temporaries_of_other_names_are_kept():
    out = folder_with_old("stale")
    keep = os.path.join(out, ".notes.txt.AbCdEf.tmp")
    open(keep, "w").write("not ours")
    stale = os.path.join(out, ".relief-stage.0123456789ab")
    os.makedirs(os.path.join(stale, "Court_Filings", "LOS_ANGELES"))
    open(os.path.join(stale, "Court_Filings", "LOS_ANGELES", "motion_000001.pdf"), "w").write("x")
    rc, _, err, _ = t.run(argv(SMALL_INPUT, out))
    assert rc == 0, err
    assert os.path.exists(keep), "a file relief did not make was removed"
    assert not os.path.exists(stale), "a killed run's staging folder was kept"


@case
def a_failing_run_removes_a_killed_runs_staging_folder():
    """A run that fails on a misspelt option (run, statewide, filings) still
    removes what a killed run left, as relief makes it (a real folder,
    0700, .relief-stage. and 12 hex digits), before any check; a link named
    like one is neither followed nor removed, nor is a folder relief would
    not have named so."""
    out = folder_with_old("leftover")
    target = os.path.join(WORK, "leftover_target")
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    open(os.path.join(target, "keep.csv"), "w").write("not relief's\n")
    link = os.path.join(out, ".relief-stage.abcdefabcdef")
    os.symlink(target, link)
    other = os.path.join(out, ".relief-stage.notrelief")
    os.makedirs(other)
    runs = [["run", "--outptus=x", "--outputs=" + out],
            ["statewide", "--outputs=" + out, "--bogus"],
            ["filings", "-o", out, "--agnecy=X"]]
    for args in runs:
        stale = os.path.join(out, ".relief-stage.0123456789ab")
        os.makedirs(os.path.join(stale, "spill"), mode=0o700)
        open(os.path.join(stale, "spill", "part_0001.bin"), "wb").write(b"x" * 4096)
        rc, _, err, _ = t.run([A.relief, *args])
        assert rc == 1, "%s: exit %d, want 1 (a misspelt option): %s" % (args[0], rc, err[-300:])
        assert not os.path.exists(stale), "%s: the killed run's staging folder was kept" % args[0]
        assert os.path.islink(link), "%s: a link named like a staging folder was removed" % args[0]
        assert os.listdir(target) == ["keep.csv"], "%s: the link was followed" % args[0]
        assert os.path.isdir(other), "%s: a folder relief did not name was removed" % args[0]
        assert ".relief.lock" not in os.listdir(out), "%s: the lock was left" % args[0]
    assert final_files(out) == OLD, "the bundle changed"


@case
def disk_full_midway():
    new_bytes = sum(os.path.getsize(os.path.join(WORK, "new", n)) for n in NEW)
    if t.can_mount():
        mnt = os.path.join(WORK, "full")
        os.makedirs(mnt)
        size = sum(os.path.getsize(os.path.join(WORK, "old", n)) for n in OLD) + new_bytes // 2
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % size, "tmpfs", mnt], check=True)
        wrapper, how = [], "tmpfs of %d MiB" % (size >> 20)
        out = os.path.join(mnt, "out")
    else:
        mnt = None
        # no mount: a file size limit half way through the largest output
        limit_kib = max(os.path.getsize(os.path.join(WORK, "new", n)) for n in NEW) // 2048
        wrapper = ["bash", "-c", 'trap "" XFSZ; ulimit -f %d; exec "$@"' % limit_kib, "bash"]
        how = "ulimit -f %d KiB" % limit_kib
        out = os.path.join(WORK, "full_out")
    try:
        shutil.rmtree(out, ignore_errors=True)
        rc, _, err, _ = t.run(argv(SMALL_INPUT, out))
        assert rc == 0, err
        rc, _, err, _ = t.run(wrapper + argv(BIG, out))
        assert rc == 3, "exit %d, want 3: %s" % (rc, err[-300:])
        assert re.search(r"write failed: (No space left on device|File too large)", err), err
        assert final_files(out) == OLD or set(final_files(out)) == set(OLD) | {"errors.json"}
        assert {n: h for n, h in final_files(out).items() if n in OLD} == OLD, "earlier bundle changed"
        assert not t.temp_files(out), "temporaries left: %s" % t.temp_files(out)
    finally:
        if mnt:
            subprocess.run(["umount", mnt])
    return how


def start(args, work):
    global A, WORK
    A, WORK = args, work


def main():
    ap = H.parser(__doc__, ("relief", "gen"))
    ap.add_argument("--people", type=int, default=300 if t.SMALL else 1500)
    ap.add_argument("--kills", type=int, default=8)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("RELIEF_FAULT_SEED", "64")))
    return H.main(ap, "relief-faults-", start)


if __name__ == "__main__":
    sys.exit(main())
