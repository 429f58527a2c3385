#!/usr/bin/env python3
"""End-to-end tests of `relief-mpi statewide` under `mpirun --oversubscribe`
on localhost: 2 and 3 ranks write the same files as one `relief statewide`
process, byte for byte (timing fields, the command line and the report PDF
aside), on plain and zstd relief-gen sets, with --forms (motion PDFs byte
for byte too), --summary-only and --trace, and with more ranks than
segments; a bad or missing input fails as in one process (same
errors.json, reported once); a rank that fails, or is killed as by kill -9,
makes every rank exit non-zero and publishes nothing."""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools  # noqa: E402

RESULTS = []
COMPUTE = "--compute-at=2019-11-11"


def test(fn):
    RESULTS.append(fn)
    return fn


def run(args, env=None, timeout=300):
    full = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                OMPI_MCA_rmaps_base_oversubscribe="1")
    full.update(env or {})
    return subprocess.run(args, capture_output=True, text=True, env=full, timeout=timeout)


def at_once(*calls):
    """Calls the functions (of no argument) at once, each in a thread, and
    returns their results in order. A case's runs are independent, and an
    mpirun spends most of its time waiting on its ranks' start and end, so
    they overlap instead of adding up on the suite's longest test."""
    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(c) for c in calls]]


def scrub(o):
    if isinstance(o, dict):
        for k in ("processingTimeInSeconds", "timings", "commandLine"):
            o.pop(k, None)
        for v in o.values():
            scrub(v)
    elif isinstance(o, list):
        for v in o:
            scrub(v)
    return o


def tree(root):
    """Every file under root → its bytes; JSON without timing fields, the
    manifest without the command line and the hashes of timed files, the
    report without its processing time (shown, and in its hex source), PDFs
    by name only."""
    out = {}
    for d, dirs, files in os.walk(root):
        # a killed run may leave its hidden staging folder: never published,
        # removed by the next run into the folder
        dirs[:] = [n for n in dirs if not n.startswith(".")]
        for name in files:
            if name.startswith("."):
                continue
            path = os.path.join(d, name)
            rel = os.path.relpath(path, root)
            data = open(path, "rb").read()
            if name == "report.pdf":  # shows the processing time
                data = b"pdf"
            elif name == "manifest.json":
                m = json.loads(data)
                m["outputs"] = [e if e["path"].endswith(".csv") else e["path"] for e in m["outputs"]]
                data = json.dumps(scrub(m), sort_keys=True).encode()
            elif name.endswith(".json"):
                data = json.dumps(scrub(json.loads(data)), sort_keys=True).encode()
            elif name.endswith(".html"):
                data = re.sub(rb'processingTimeInSeconds">[0-9.]+<', b"", data)
                # the page's own source (hex JSON, to redraw it later) holds the time too
                data = re.sub(rb"relief-report-source:([0-9a-f]+)", lambda m: json.dumps(
                    scrub(json.loads(bytes.fromhex(m.group(1).decode()))), sort_keys=True).encode(), data)
            out[rel] = data
    return out


def same(a, b):
    ta, tb = tree(a), tree(b)
    bad = sorted(k for k in set(ta) | set(tb) if ta.get(k) != tb.get(k))
    assert not bad, f"{len(bad)} of {len(ta)} files differ: {bad[:5]}"
    assert any(k.endswith("All_Results.csv") for k in ta), "no bundle written"
    return len(ta)


class Env:
    def __init__(self, args, tmp):
        self.relief, self.mpi, self.mpirun, self.tmp = args.relief, args.relief_mpi, args.mpirun, tmp
        self.gen = args.gen
        self.options = e2etools.write_json(os.path.join(tmp, "options.json"), e2etools.ALL_RELIEF_OPTIONS)
        self.plain = os.path.join(tmp, "plain")
        self.zstd = os.path.join(tmp, "zstd")
        for out, extra in ((self.plain, []), (self.zstd, ["--zstd", "--frame-size=16K"])):
            p = run([args.gen, "--people", "400", "--seed", "15", "--out", out, "--dirty-rate", "0.02", *extra])
            assert p.returncode == 0, p.stderr
        self.n = 0
        self.lock = threading.Lock()
        self.good2 = None

    def folder(self):
        with self.lock:  # at_once calls it from several threads
            self.n += 1
            return os.path.join(self.tmp, f"out{self.n}")

    def single(self, inputs, extra=()):
        out = self.folder()
        p = run([self.relief, "statewide", f"--inputs={inputs}", COMPUTE,
                 f"--eligibility-options={self.options}", f"--outputs={out}", *extra])
        assert p.returncode == 0, p.stderr[-2000:]
        return out

    def two_rank_bundle(self):
        """The bundle of 2 ranks on the plain set, run once: two_ranks_plain
        checks it and the failing-rank cases start from copies of it."""
        if not self.good2:
            out, p = self.ranks(2, self.plain)
            ok(p)
            self.good2 = out
        return self.good2

    def ranks(self, np, inputs, extra=(), env=None, out=None):
        out = out or self.folder()
        # each mpirun its own session folder: two started at once (at_once)
        # under one TMPDIR race to create the same ompi.<host>.<uid> in it,
        # and the loser's orte_init fails ("File exists")
        session = {"OMPI_MCA_orte_tmpdir_base": tempfile.mkdtemp(prefix="ompi-", dir=self.tmp)}
        session.update(env or {})
        p = run([self.mpirun, "--oversubscribe", "-np", str(np), self.mpi, "statewide",
                 f"--inputs={inputs}", COMPUTE, f"--eligibility-options={self.options}",
                 f"--outputs={out}", *extra], env=session)
        return out, p


def ok(p):
    assert p.returncode == 0, f"exit {p.returncode}: {p.stderr[-2000:]}"


@test
def two_ranks_plain(env):
    single, ranks = at_once(lambda: env.single(env.plain), env.two_rank_bundle)
    return same(single, ranks)


@test
def three_ranks_plain(env):
    single, (out, p) = at_once(lambda: env.single(env.plain, ["--threads=1"]),
                               lambda: env.ranks(3, env.plain, ["--threads=1"]))
    ok(p)
    return same(single, out)


@test
def two_and_three_ranks_zstd(env):
    single, *runs = at_once(lambda: env.single(env.zstd), lambda: env.ranks(2, env.zstd),
                            lambda: env.ranks(3, env.zstd))
    n = 0
    for out, p in runs:
        ok(p)
        n += same(single, out)
    return n


@test
def summary_only_and_trace(env):
    brief, traced = ["--summary-only"], ["--trace"]
    single_brief, single_traced, (out_brief, p_brief), (out_traced, p_traced) = at_once(
        lambda: env.single(env.plain, brief), lambda: env.single(env.plain, traced),
        lambda: env.ranks(3, env.plain, brief), lambda: env.ranks(3, env.plain, traced))
    ok(p_brief)
    ok(p_traced)
    ta, tb = tree(single_brief), tree(out_brief)
    assert ta == tb, sorted(k for k in set(ta) | set(tb) if ta.get(k) != tb.get(k))[:5]
    return len(ta) + same(single_traced, out_traced)


@test
def more_ranks_than_segments(env):
    one = os.path.join(env.plain, "LOS_ANGELES.dat")
    single, (out, p) = at_once(lambda: env.single(one), lambda: env.ranks(3, one))
    ok(p)
    return same(single, out)


def unchanged_after(env, np, hook):
    """A run into a folder holding a good bundle (a copy of the 2-rank one,
    lock file and all), with one rank failing: every rank exits non-zero
    and the folder keeps its bundle, no staging."""
    out = env.folder()
    shutil.copytree(env.two_rank_bundle(), out, symlinks=True)
    before = tree(out)
    listing = sorted(os.listdir(out))
    _, p = env.ranks(np, env.plain, env=hook, out=out)
    assert p.returncode != 0, "a failed rank still exited 0"
    after = tree(out)
    after.pop("errors.json", None)  # a failed run says why, as `relief statewide` does
    assert after == before, "the bundle changed"
    visible = lambda: sorted(n for n in os.listdir(out) if n != "errors.json" and not n.startswith("."))
    assert visible() == [n for n in listing if not n.startswith(".")], "files left behind"
    _, again = env.ranks(2, env.plain, out=out)  # the next run clears what the failed one left
    ok(again)
    assert tree(out) == before and not [n for n in os.listdir(out) if n.startswith(".relief-stage")]
    return p


@test
def failing_rank_publishes_nothing(env):
    p = unchanged_after(env, 3, {"RELIEF_MPI_FAIL_RANK": "1"})
    assert "rank 1 failed" in p.stderr, p.stderr[-2000:]
    return 1


@test
def killed_rank_publishes_nothing(env):
    unchanged_after(env, 3, {"RELIEF_MPI_KILL_RANK": "2"})
    return 1


@test
def fresh_folder_stays_empty(env):
    out, p = env.ranks(2, env.plain, env={"RELIEF_MPI_KILL_RANK": "1"})
    assert p.returncode != 0
    assert not os.path.exists(out) or not [n for n in os.listdir(out) if n != "errors.json"], os.listdir(out)
    return 1


@test
def bad_inputs_fail_as_one_process(env):
    bad = os.path.join(env.tmp, "bad")
    shutil.copytree(env.plain, bad)
    with open(os.path.join(bad, "YUBA.dat"), "a") as f:
        f.write("a,b,c\n")
    n = 0
    sets = (bad, os.path.join(bad, "YUBA.dat") + "," + os.path.join(bad, "NOPE.dat"))
    ones = [env.folder() for _ in sets]
    results = at_once(*[lambda inputs=inputs, one=one: run(
        [env.relief, "statewide", f"--inputs={inputs}", COMPUTE, f"--eligibility-options={env.options}",
         f"--outputs={one}"]) for inputs, one in zip(sets, ones)],
        *[lambda inputs=inputs: env.ranks(3, inputs) for inputs in sets])
    for one, p1, (out, p) in zip(ones, results[:2], results[2:]):
        assert p1.returncode != 0 and p.returncode != 0, (p1.returncode, p.returncode)
        want = open(os.path.join(one, "errors.json")).read()
        assert open(os.path.join(out, "errors.json")).read() == want
        assert sorted(os.listdir(out)) == ["errors.json"], os.listdir(out)
        assert p.stderr.count(json.loads(want).popitem()[1]["errorMessage"]) == 1, p.stderr[-1500:]
        n += 1
    return n


@test
def memory_limit_per_rank(env):
    """--summary-only under a limit each rank's share exceeds: every rank
    spills its rows (rank 0 into the staging folder, the others into
    TMPDIR, unnamed) and decides batch after batch; the summaries are those
    of the unbounded single process, and nothing is left behind."""
    big = os.path.join(env.tmp, "big")  # a rank's share must be over the 1M smallest limit
    p = run([env.gen, "--people", "3000", "--seed", "16", "--out", big, "--dirty-rate", "0.02",
             "--zstd", "--frame-size=64K"])
    assert p.returncode == 0, p.stderr
    scratch = os.path.join(env.tmp, "rank-tmp")
    os.makedirs(scratch, exist_ok=True)
    limited = lambda np: lambda: env.ranks(np, big, ["--summary-only", "--memory-limit=1M"],
                                           env={"TMPDIR": scratch, "RELIEF_MPI_STATS": "1"})
    # a bundle's rows stay in memory: a limit they cannot fit is named, not ignored
    single, two, three, (refused, p_refused) = at_once(
        lambda: env.single(big, ["--summary-only"]), limited(2), limited(3),
        lambda: env.ranks(2, big, ["--memory-limit=1M"]))
    single = tree(single)
    n = 0
    for out, p in (two, three):
        ok(p)
        m = re.search(r"spilled (\d+) partitions", p.stderr)
        assert m and int(m.group(1)) > 0, p.stderr[-1500:]
        got = tree(out)
        assert got == single, sorted(k for k in set(got) | set(single) if got.get(k) != single.get(k))[:5]
        assert not os.listdir(scratch), os.listdir(scratch)
        assert not [x for x in os.listdir(out) if x.startswith(".")], os.listdir(out)
        n += len(got)
    p = p_refused
    assert p.returncode == 1 and "--memory-limit" in p.stderr, (p.returncode, p.stderr[-800:])
    assert sorted(os.listdir(refused)) == ["errors.json"], os.listdir(refused)
    return n


@test
def forms_two_and_three_ranks(env):
    # one thread: with more, even one process lists the motion PDFs in its
    # manifest in the order threads happen to create them
    # a set of its own, of 80 people in six counties (more segments than
    # ranks, people in two of them): the motions of the 400 people, one
    # thread each, three times, took most of this test's time
    forms, people = ["--forms", "--threads=1"], os.path.join(env.tmp, "forms")
    p = run([env.gen, "--people", "80", "--seed", "17", "--out", people, "--dirty-rate", "0.02",
             "--counties", "LOS ANGELES,ALAMEDA,SAN DIEGO,FRESNO,KERN,YUBA", "--second-county-rate", "0.3"])
    assert p.returncode == 0, p.stderr
    single, *runs = at_once(lambda: env.single(people, forms), lambda: env.ranks(2, people, forms),
                            lambda: env.ranks(3, people, forms))
    n = 0
    for out, p in runs:
        ok(p)
        n += same(single, out)
        assert any(k.startswith("Court_Filings/") and k.endswith(".pdf") for k in tree(out)), "no motions"
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relief", required=True)
    ap.add_argument("--relief-mpi", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--mpirun", default=shutil.which("mpirun"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = Env(args, tmp)
        sys.exit(e2etools.run_env_cases(RESULTS, env, "files"))


if __name__ == "__main__":
    main()
