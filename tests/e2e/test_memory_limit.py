#!/usr/bin/env python3
"""End-to-end tests of `relief statewide --memory-limit`: a limit far below
what the input needs makes the run spill its rows to scratch files (it says
"spilled N partitions"), and every output byte is the same as an unbounded
run's (timing fields aside), full bundle and --summary-only, 1 and 2
threads, plain and zstd inputs; a limit the rows nearly fit keeps the
partitions that fit in memory and spills only the rest, with the same
bytes; a limit above the estimate spills nothing; no scratch file survives
the run, scratch files are mode 0600 while they exist, and a run stopped by
a signal leaves the folder clean. The progress lines name each phase the
time went to, a spilled run's included."""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools  # noqa: E402
from test_statewide import tree_bytes  # noqa: E402  (same comparison as test_statewide)

RESULTS = []


def test(fn):
    RESULTS.append(fn)
    return fn


class Env:
    def __init__(self, relief, gen, tmp):
        self.relief, self.tmp, self.gen = relief, tmp, gen
        self.plain = os.path.join(tmp, "plain")
        self.packed = os.path.join(tmp, "zst")
        for out, extra in ((self.plain, []), (self.packed, ["--zstd", "--frame-size", "64K"])):
            p = subprocess.run([gen, "--people", "3000", "--seed", "23", "--out", out,
                                "--dirty-rate", "0.02", *extra], capture_output=True, text=True)
            assert p.returncode == 0, p.stderr
        self.options = os.path.join(tmp, "options.json")
        with open(self.options, "w") as f:
            f.write('{"baselineEligibility": {"dismiss": ["11357", "11358"],'
                    ' "reduce": ["11359", "11360"]}}')
        self.n = 0
        self.stderr = ""
        self.bigger = None

    def bigger_set(self, gen):
        """A set whose rows need more than the base a run holds anyway, so
        that a limit can keep some partitions in memory and spill others."""
        if not self.bigger:
            self.bigger = os.path.join(self.tmp, "bigger")
            # (not smaller under RELIEF_TEST_SCALE=small: below ~20000 people
            # the base a run holds leaves no partition room at a limit under
            # the estimate)
            p = subprocess.run([gen, "--people", "24000",
                                "--seed", "24", "--out", self.bigger, "--zstd"],
                               capture_output=True, text=True)
            assert p.returncode == 0, p.stderr
        return self.bigger

    def args(self, inputs, out, extra):
        return [self.relief, "statewide", f"--inputs={inputs}", "--compute-at=2019-11-11",
                f"--eligibility-options={self.options}", f"--outputs={out}", *extra]

    def statewide(self, inputs, *extra):
        """Runs statewide; returns (output folder, partitions spilled)."""
        self.n += 1
        out = os.path.join(self.tmp, f"out{self.n}")
        p = subprocess.run(self.args(inputs, out, extra), capture_output=True, text=True)
        if p.returncode != 0:
            raise AssertionError(f"relief exited {p.returncode}: {p.stderr[-2000:]}")
        self.stderr = p.stderr
        m = re.search(r"spilled (\d+) partitions", p.stderr)
        return out, int(m.group(1)) if m else 0

    def estimate_mb(self):
        """The memory estimate the last run printed (MB)."""
        m = re.search(r"memory estimate (\d+) MB, limit (\d+) MB", self.stderr)
        assert m, f"no memory estimate in: {self.stderr[-800:]}"
        return int(m.group(1))

    def phases(self):
        """The phases the last run's progress lines named, in order."""
        return re.findall(r"^relief: (\S+) +\(\d+\.\d s\)$", self.stderr, re.M)


def leftovers(root):
    """Staging folders or scratch files left anywhere under root."""
    found = []
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            if name.startswith(".relief-stage") or name.startswith("spill-") or name == ".relief.lock":
                found.append(os.path.relpath(os.path.join(d, name), root))
    return found


def same_outputs(a, b):
    x, y = tree_bytes(a), tree_bytes(b)
    assert sorted(x) == sorted(y), sorted(set(x) ^ set(y))[:5]
    for name in x:
        assert x[name] == y[name], f"{name} differs between the bounded and the unbounded run"
    return len(x)


@test
def bounded_full_bundle_is_byte_identical(env):
    checked = 0
    for inputs in (env.plain, env.packed):
        free, spilled = env.statewide(inputs, "--threads=2")
        assert spilled == 0, "a run without a small limit should not spill"
        for threads in ("--threads=1", "--threads=2"):
            bounded, spilled = env.statewide(inputs, threads, "--memory-limit=1M")
            assert spilled > 0, "a 1M limit should make the run spill"
            checked += same_outputs(free, bounded)
            assert not leftovers(bounded), leftovers(bounded)
    return checked


@test
def bounded_summary_only_is_byte_identical(env):
    free, _ = env.statewide(env.packed, "--summary-only")
    bounded, spilled = env.statewide(env.packed, "--summary-only", "--memory-limit=1M")
    assert spilled > 0
    assert not leftovers(bounded), leftovers(bounded)
    return same_outputs(free, bounded)


@test
def only_what_does_not_fit_is_spilled(env):
    data = env.bigger_set(env.gen)
    free, spilled = env.statewide(data, "--summary-only", "--memory-limit=64G")
    assert spilled == 0, "a limit above the estimate should not spill"
    estimate = env.estimate_mb()
    # a limit a little under the estimate: most partitions fit and stay in memory
    limit = max(estimate * 9 // 10, 1)
    bounded, spilled = env.statewide(data, "--summary-only", f"--memory-limit={limit}M")
    assert 0 < spilled < 256, f"{spilled} of 256 partitions spilled at {limit}M (estimate {estimate} MB)"
    assert not leftovers(bounded), leftovers(bounded)
    checked = same_outputs(free, bounded)
    # and all of them when nothing fits
    bounded, spilled = env.statewide(data, "--summary-only", "--memory-limit=1M")
    assert spilled == 256, spilled
    return checked + same_outputs(free, bounded)


@test
def progress_names_the_phases(env):
    env.statewide(env.plain, "--summary-only", "--threads=2")
    assert env.phases() == ["open", "parse", "group", "evaluate", "publish"], env.phases()
    env.statewide(env.plain, "--threads=2")
    assert env.phases() == ["open", "parse", "group", "evaluate", "write", "publish"], env.phases()
    env.statewide(env.packed, "--summary-only", "--memory-limit=1M")
    assert env.phases() == ["open", "parse+spill", "read+group+evaluate", "publish"], env.phases()
    return 3


@test
def scratch_files_are_private_and_go_with_a_signal(env):
    out = os.path.join(env.tmp, "killed")
    p = subprocess.Popen(env.args(env.plain, out, ["--threads=1", "--memory-limit=1M"]),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen = None
    deadline = time.time() + 60
    while p.poll() is None and time.time() < deadline and not seen:
        for d, _, files in os.walk(out):
            for name in files:
                if name.startswith("spill-"):
                    try:
                        seen = os.stat(os.path.join(d, name)).st_mode & 0o777
                    except FileNotFoundError:
                        pass
        time.sleep(0.002)
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)
    assert seen is not None, "no spill file was seen while the run went on"
    assert seen == 0o600, oct(seen)
    assert not leftovers(out), leftovers(out)
    return 2


@test
def a_spill_file_that_does_not_hold_what_was_written_is_damaged(env):
    """Read back, a segment's records must be exactly those it wrote to the
    partition: one more or one fewer than it counted is a damaged spill
    file (exit 3, named), and the folder keeps what it held."""
    checked = 0
    for how in ("short", "long"):
        out = os.path.join(env.tmp, f"damaged-{how}")
        os.makedirs(out)
        with open(os.path.join(out, "keep.txt"), "w") as f:
            f.write("kept")
        p = subprocess.run(env.args(env.packed, out, ["--summary-only", "--memory-limit=1M"]),
                           capture_output=True, text=True,
                           env={**os.environ, "RELIEF_TEST_SPILL_COUNTS": how})
        assert p.returncode == 3, (how, p.returncode, p.stderr[-800:])
        assert "a spill file is damaged" in p.stderr, p.stderr[-800:]
        assert sorted(os.listdir(out)) == ["errors.json", "keep.txt"], os.listdir(out)
        assert not leftovers(out), leftovers(out)
        checked += 1
    return checked


@test
def bad_sizes_are_refused(env):
    for bad in ("abc", "12X", "-5M", "100K", ""):
        out = os.path.join(env.tmp, "bad")
        p = subprocess.run(env.args(env.plain, out, [f"--memory-limit={bad}"]),
                           capture_output=True, text=True)
        assert p.returncode != 0, bad
        assert "memory-limit" in p.stderr, p.stderr
    return 5


def main():
    sys.exit(e2etools.env_main(RESULTS, Env, "files/values"))


if __name__ == "__main__":
    main()
