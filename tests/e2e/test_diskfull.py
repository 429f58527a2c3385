#!/usr/bin/env python3
"""Writes that fail: a full standard output (/dev/full), a full disk while
publishing (RELIEF_FAIL_WRITE_AFTER=N, the test hook in io/publish.c: every
output write after N bytes fails with ENOSPC) and, as root, a small real
tmpfs filled to the last block, for publishing and for the review store.

Every failed write ends as DESIGN.md says of I/O: exit status 3, never a
signal; nothing published (no bundle file, no staging folder, no lock, no
temporary); an earlier bundle and the review store left byte for byte.

Usage: test_diskfull.py --relief PATH [--keep] [--only REGEX]
Ends with `N passed, M failed`; exit status 1 if M > 0.
"""

import csv
import hashlib
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools as t  # noqa: E402

H = t.Harness()
case = H.case
S = {}
BUNDLE = ["All_Results.csv", "All_Results_Condensed.csv", "Prop64_Results.csv", "summary.json",
          "manifest.json", "report.html", "report.pdf"]


def env_with(n=None):
    env = dict(os.environ)
    env.pop("RELIEF_FAIL_WRITE_AFTER", None)
    if n is not None:
        env["RELIEF_FAIL_WRITE_AFTER"] = str(n)
    return env


def run_into(out, n=None, extra=()):
    argv = t.run_args(S["relief"], [t.fixture("small_header.csv")], out,
                      extra=["--threads=1", *extra])
    return t.run(argv, timeout=120, env=env_with(n))[:3]


def relief(*args, stdout=None, env=None):
    """Runs relief with stdout to the file stdout (a path) or a pipe;
    returns (exit status, stdout, stderr)."""
    if stdout is None:
        p = subprocess.run([S["relief"], *args], stdin=subprocess.DEVNULL, capture_output=True,
                           env=env or env_with(), timeout=120)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    with open(stdout, "wb") as o:
        p = subprocess.run([S["relief"], *args], stdin=subprocess.DEVNULL, stdout=o,
                           stderr=subprocess.PIPE, env=env or env_with(), timeout=120)
    return p.returncode, "", p.stderr.decode("utf-8", "replace")


def tree_digest(folder):
    """name -> sha256 of every file under folder (links and all)."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, folder)
            if os.path.islink(path):
                out[rel] = "link:" + os.readlink(path)
            else:
                with open(path, "rb") as f:
                    out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


def check_failed(out, rc, err, what, before=None):
    assert rc >= 0, "%s: killed by signal %d" % (what, -rc)
    assert rc == 3, "%s: exit status %d, want 3; stderr: %s" % (what, rc, err.strip()[-300:])
    names = sorted(os.listdir(out)) if os.path.isdir(out) else []
    left = t.temp_files(out) if names else []
    assert not left, "%s: left %s" % (what, left)
    if before is None:
        made = [n for n in names if n in BUNDLE]
        assert not made, "%s: published %s" % (what, made)
    else:
        now = tree_digest(out)
        now.pop("errors.json", None)
        assert now == before, "%s: the earlier bundle changed" % what


def review_bundle(name):
    out = H.fresh_dir(name)
    rc, _, err = run_into(out, extra=["--review-files"])
    assert rc == 0, err
    rc, _, err = relief("review", "init", "--outputs=" + out)
    assert rc == 0, err
    return out


@case
def printing_commands_check_their_writes():
    """Each command's results to /dev/full: exit 3 and a message, not 0."""
    if not os.path.exists("/dev/full"):
        return "skipped: no /dev/full"
    rv = review_bundle("printing")
    sheets = os.path.join(H.work, "printing_sheets")
    explain = ["explain", "--input-doj=" + t.fixture("small_header.csv"), "--county=SACRAMENTO",
               "--eligibility-options=" + t.OPTIONS, "--compute-at=2019-11-11", "--subject=2001"]
    commands = [["version"], ["--help"], explain,
                ["review", "status", "--outputs=" + rv, "--json"],
                ["review", "status", "--outputs=" + rv],
                ["review", "export", "--outputs=" + rv, "--to=" + sheets, "--format=csv"]]
    problems = []
    for argv in commands:
        rc, _, err = relief(*argv, stdout="/dev/null")
        if rc != 0:
            problems.append("%s to /dev/null: exit %d: %s" % (argv[:2], rc, err[-200:]))
            continue
        rc, _, err = relief(*argv, stdout="/dev/full")
        if rc != 3 or "standard output" not in err:
            problems.append("%s to /dev/full: exit %d, want 3: %r" % (argv[:2], rc, err[-200:]))
    assert not problems, "\n    ".join(problems)
    return "%d commands" % len(commands)


@case
def a_full_disk_while_publishing_publishes_nothing():
    good = H.fresh_dir("good")
    rc, _, err = run_into(good)
    assert rc == 0, err
    total = sum(os.path.getsize(os.path.join(good, n)) for n in os.listdir(good))
    points = sorted({0, 1, 100, 4095, 4096, total // 3, total // 2, total - 5000, total - 1})
    points = [n for n in points if 0 <= n < total]
    reached = 0
    for n in points:
        out = os.path.join(H.work, "full_%d" % n)
        rc, _, err = run_into(out, n)
        if rc == 0:  # only right when this run wrote no more than its budget
            wrote = {k: os.path.getsize(os.path.join(out, k)) for k in os.listdir(out)}
            assert sum(wrote.values()) <= n, "N=%d: exit 0 after writing %s (the first run: %s)" % (
                n, wrote, {k: os.path.getsize(os.path.join(good, k)) for k in os.listdir(good)})
            continue
        check_failed(out, rc, err, "N=%d" % n)
        assert "No space left" in err, "N=%d: %r" % (n, err[-300:])
        reached += 1
    assert reached >= len(points) - 2, "%d of %d points reached" % (reached, len(points))
    rc, _, err = run_into(os.path.join(H.work, "enough"), total * 4)
    assert rc == 0, "a budget past what the run writes failed: %s" % err[-300:]
    return "%d of %d points under %d bytes" % (reached, len(points), total)


@case
def a_full_disk_over_an_earlier_bundle_keeps_it():
    out = H.fresh_dir("earlier")
    rc, _, err = run_into(out)
    assert rc == 0, err
    before = tree_digest(out)
    for n in (0, 2000, 9000):
        rc, _, err = run_into(out, n, extra=["--file-name-suffix=x"] if n == 2000 else [])
        check_failed(out, rc, err, "over a bundle, N=%d" % n, before)


@case
def a_full_disk_while_exporting_sheets_writes_none():
    rv = review_bundle("export")
    store = tree_digest(rv)
    for fmt in ("csv", "xlsx"):
        to = os.path.join(H.work, "export_" + fmt)
        rc, _, err = relief("review", "export", "--outputs=" + rv, "--to=" + to, "--format=" + fmt,
                            env=env_with(10))
        assert rc == 3, "%s export: exit %d: %s" % (fmt, rc, err[-300:])
        left = os.listdir(to) if os.path.isdir(to) else []
        assert not left, "%s export left %s" % (fmt, left)
    assert tree_digest(rv) == store, "the review store changed"


class Tmpfs:
    def __init__(self, size):
        self.dir = tempfile.mkdtemp(prefix="relief-full-", dir=H.work)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", self.dir],
                           capture_output=True)
        self.ok = p.returncode == 0
        self.why = p.stderr.decode(errors="replace").strip()

    def fill(self):
        """Fills the file system to its last byte."""
        with open(os.path.join(self.dir, "filler"), "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass
            try:
                while True:
                    f.write(b"\0")
            except OSError:
                pass

    def close(self):
        subprocess.run(["umount", self.dir])
        os.rmdir(self.dir)


def mounted(fn):
    """Runs fn(tmpfs) on a 2 MiB tmpfs, or says why it is skipped."""
    if os.geteuid() != 0:
        return "skipped: not root, cannot mount a tmpfs"
    fs = Tmpfs("2m")
    if not fs.ok:
        os.rmdir(fs.dir)
        return "skipped: mount failed: %s" % fs.why
    try:
        fn(fs)
        return "on a full 2 MiB tmpfs"
    finally:
        fs.close()


@case
def a_real_full_file_system_publishes_nothing():
    def body(fs):
        earlier = os.path.join(fs.dir, "earlier")
        rc, _, err = run_into(earlier)
        assert rc == 0, err
        before = tree_digest(earlier)
        fresh = os.path.join(fs.dir, "fresh")
        os.mkdir(fresh)
        fs.fill()
        rc, _, err = run_into(fresh)
        check_failed(fresh, rc, err, "a fresh folder on a full tmpfs")
        rc, _, err = run_into(earlier)
        check_failed(earlier, rc, err, "over a bundle on a full tmpfs", before)
    return mounted(body)


@case
def a_real_full_file_system_leaves_the_review_store():
    def body(fs):
        out = os.path.join(fs.dir, "rv")
        rc, _, err = run_into(out, extra=["--review-files"])
        assert rc == 0, err
        # init on a full disk: no store, nothing half made
        bundle = tree_digest(out)
        fs.fill()
        rc, _, err = relief("review", "init", "--outputs=" + out)
        assert rc == 3, "init on a full disk: exit %d: %s" % (rc, err[-300:])
        assert tree_digest(out) == bundle, "init on a full disk left %s" % sorted(
            set(tree_digest(out)) - set(bundle))
        os.unlink(os.path.join(fs.dir, "filler"))
        rc, _, err = relief("review", "init", "--outputs=" + out)
        assert rc == 0, err
        sheets = os.path.join(H.work, "tmpfs_sheets")
        rc, _, err = relief("review", "export", "--outputs=" + out, "--to=" + sheets,
                            "--format=csv")
        assert rc == 0, err
        sheet = os.path.join(sheets, os.listdir(sheets)[0])
        with open(sheet, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        d = rows[0].index("Decision")
        for r in rows[1:]:
            r[d] = "Approve"
        with open(sheet, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
        before = tree_digest(out)
        fs.fill()
        rc, _, err = relief("review", "import", "--outputs=" + out, "--reviewer=full", sheet)
        assert rc == 3, "import on a full disk: exit %d: %s" % (rc, err[-300:])
        assert tree_digest(out) == before, "the review store changed"
        os.unlink(os.path.join(fs.dir, "filler"))
        rc, _, err = relief("review", "import", "--outputs=" + out, "--reviewer=full", sheet)
        assert rc == 0, "import once there is room: exit %d: %s" % (rc, err[-300:])
    return mounted(body)


def start(args, work):
    S["relief"] = args.relief


if __name__ == "__main__":
    sys.exit(H.main(H.parser(__doc__), "relief-diskfull-", start))
