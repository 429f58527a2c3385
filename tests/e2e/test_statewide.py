#!/usr/bin/env python3
"""End-to-end tests of `relief statewide` on generated statewide data sets:
plain and zstd inputs decide identically, 1 and 2 threads write identical
bytes, `people` equals the distinct CII numbers, `duplicateRows` equals the
rows that are copies of rows in earlier files, and a person whose history
lies in one county file is decided as `relief run` decides them."""
import csv
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2etools  # noqa: E402

csv.field_size_limit(1 << 30)
RESULTS = []
# the sanitizer build (RELIEF_TEST_SCALE=small) decides a third as many
# people: still copies across county files, still many zstd frames per file
PEOPLE = "1000" if e2etools.SMALL else "3000"


def test(fn):
    RESULTS.append(fn)
    return fn


def sh(args, **kw):
    p = subprocess.run(args, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise AssertionError(f"{args[0]} exited {p.returncode}: {p.stderr[-2000:]}")
    return p


def read_rows(path):
    with open(path, newline="", encoding="latin-1") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def tree_bytes(root, drop_timing=True):
    """Every file under root → its bytes (summaries without timing fields)."""
    out = {}
    for d, _, files in os.walk(root):
        for name in files:
            if name.startswith("report.") or name.startswith("manifest"):  # timings, input paths
                continue
            path = os.path.join(d, name)
            data = open(path, "rb").read()
            if drop_timing and name.endswith(".json"):
                obj = json.loads(data)

                def scrub(o):
                    if isinstance(o, dict):
                        o.pop("processingTimeInSeconds", None)
                        for e in o.get("notTaken", []):  # named under each run's own folder
                            e["path"] = os.path.basename(e["path"])
                        for v in o.values():
                            scrub(v)
                scrub(obj)
                data = json.dumps(obj, sort_keys=True).encode()
            out[os.path.relpath(path, root)] = data
    return out


class Env:
    def __init__(self, relief, gen, tmp):
        self.relief, self.gen, self.tmp = relief, gen, tmp
        self.plain = os.path.join(tmp, "plain")
        self.packed = os.path.join(tmp, "zst")
        people = PEOPLE
        sh([gen, "--people", people, "--seed", "11", "--out", self.plain, "--dirty-rate", "0.02"])
        sh([gen, "--people", people, "--seed", "11", "--out", self.packed, "--dirty-rate", "0.02",
            "--zstd", "--frame-size", "64K"])
        self.options = e2etools.write_json(os.path.join(tmp, "options.json"), e2etools.ALL_RELIEF_OPTIONS)
        self.runs = {}

    def statewide(self, inputs, threads, extra=()):
        key = (inputs, threads, tuple(extra))
        if key not in self.runs:
            out = os.path.join(self.tmp, f"sw{len(self.runs)}")
            sh([self.relief, "statewide", f"--inputs={inputs}", "--compute-at=2019-11-11",
                f"--eligibility-options={self.options}", f"--outputs={out}", f"--threads={threads}", *extra])
            self.runs[key] = out
        return self.runs[key]


@test
def plain_and_zstd_give_identical_outputs(env):
    a = tree_bytes(env.statewide(env.plain, 2))
    b = tree_bytes(env.statewide(env.packed, 2))
    assert sorted(a) == sorted(b), (sorted(a)[:5], sorted(b)[:5])
    for name in a:
        assert a[name] == b[name], f"{name} differs between plain and zstd inputs"
    return len(a)


@test
def one_and_two_threads_write_identical_bytes(env):
    a = tree_bytes(env.statewide(env.plain, 1))
    b = tree_bytes(env.statewide(env.plain, 2))
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], f"{name} differs between 1 and 2 threads"
    return len(a)


def input_files(folder):
    return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".dat"))


@test
def people_and_duplicate_rows_are_true_counts(env):
    ciis, seen_rows, dropped, total = set(), {}, 0, 0
    for i, path in enumerate(input_files(env.plain)):
        header, rows = read_rows(path)
        assert header[0] == "RECORD_ID"
        for r in rows:
            total += 1
            ciis.add(r[11].strip())
            key = tuple(r)
            first = seen_rows.setdefault(key, i)
            if first != i:
                dropped += 1
    s = json.load(open(os.path.join(env.statewide(env.plain, 2), "statewide_summary.json")))
    assert s["people"] == len(ciis), (s["people"], len(ciis))
    assert s["rows"] == total, (s["rows"], total)
    assert s["duplicateRows"] == dropped, (s["duplicateRows"], dropped)
    assert dropped > 0, "the data set should have people in two county files"
    return 3


@test
def single_county_people_decide_as_run_does(env):
    files = input_files(env.plain)
    where = {}
    for path in files:
        for r in read_rows(path)[1]:
            where.setdefault(r[11].strip(), set()).add(path)
    sw = env.statewide(env.plain, 2)
    checked = 0
    for county_file in [f for f in files if os.path.basename(f) in ("LOS_ANGELES.dat", "SAN_DIEGO.dat", "ALPINE.dat")]:
        county = os.path.basename(county_file)[:-4].replace("_", " ")
        out = os.path.join(env.tmp, "run_" + county.replace(" ", "_"))
        sh([env.relief, "run", f"--input-doj={county_file}", f"--county={county}", "--compute-at=2019-11-11",
            f"--eligibility-options={env.options}", f"--outputs={out}"])
        _, run_rows = read_rows(os.path.join(out, "All_Results.csv"))
        _, sw_rows = read_rows(os.path.join(sw, county.replace(" ", "_"), "All_Results.csv"))
        only_here = lambda r: where[r[11].strip()] == {county_file}
        a = [r for r in run_rows if only_here(r)]
        b = [r for r in sw_rows if only_here(r)]
        assert len(a) == len(b) and len(a) > 0, (county, len(a), len(b))
        for x, y in zip(a, b):
            assert x == y, f"{county}: row differs\n{x[95:]}\n{y[95:]}"
            checked += len(x)
    return checked


@test
def summary_only_writes_no_row_files(env):
    out = env.statewide(env.plain, 2, ["--summary-only"])
    names = [n for _, _, fs in os.walk(out) for n in fs]
    assert "statewide_summary.json" in names
    assert not [n for n in names if n.endswith(".csv")], names[:5]
    full = json.load(open(os.path.join(env.statewide(env.plain, 2), "statewide_summary.json")))
    brief = json.load(open(os.path.join(out, "statewide_summary.json")))
    for s in (full, brief):
        s.pop("processingTimeInSeconds")
        s["totals"].pop("processingTimeInSeconds")
        for c in s["counties"].values():
            c.pop("processingTimeInSeconds")
    assert full == brief
    return 1


@test
def county_policies_apply_per_county(env):
    pol_dir = os.path.join(env.tmp, "pol")
    os.makedirs(pol_dir, exist_ok=True)
    with open(os.path.join(pol_dir, "la.json"), "w") as f:
        json.dump({"baselineEligibility": {"dismiss": ["11357", "11358", "11359", "11360"]}}, f)
    with open(os.path.join(pol_dir, "policies.json"), "w") as f:
        json.dump({"LOS ANGELES": "la.json"}, f)
    out = env.statewide(env.plain, 2, [f"--county-policies={os.path.join(pol_dir, 'policies.json')}"])
    s = json.load(open(os.path.join(out, "statewide_summary.json")))
    la = s["counties"]["LOS ANGELES"]
    assert set(la["convictionDismissalCountByCodeSection"]) == {"11357", "11358", "11359", "11360"}, la
    assert la["convictionReductionCountByCodeSection"] == {}, la
    sd = s["counties"]["SAN DIEGO"]
    assert set(sd["convictionReductionCountByCodeSection"]) == {"11359", "11360"}, sd
    return 3


@test
def streamed_zstd_matches_plain(env):
    """A single-frame zstd file without a recorded size is read as a stream."""
    plain = os.path.join(env.plain, "LOS_ANGELES.dat")
    packed = os.path.join(env.tmp, "LA_stream.dat.zst")
    sh(["zstd", "-q", "-f", "--no-content-size", plain, "-o", packed])
    outs = []
    for inp, threads in ((plain, 2), (packed, 1), (packed, 2)):
        out = os.path.join(env.tmp, f"stream{len(outs)}")
        sh([env.relief, "run", f"--input-doj={inp}", "--county=LOS ANGELES", "--compute-at=2019-11-11",
            f"--eligibility-options={env.options}", f"--outputs={out}", f"--threads={threads}"])
        outs.append(tree_bytes(out))
    assert outs[0] == outs[1] == outs[2]
    truncated = os.path.join(env.tmp, "LA_cut.dat.zst")
    data = open(packed, "rb").read()
    open(truncated, "wb").write(data[: len(data) // 2])
    p = subprocess.run([env.relief, "run", f"--input-doj={truncated}", "--county=LOS ANGELES",
                        "--compute-at=2019-11-11", f"--eligibility-options={env.options}",
                        f"--outputs={os.path.join(env.tmp, 'cut')}"], capture_output=True, text=True)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert "LA_cut.dat.zst: byte" in p.stderr and "truncated" in p.stderr, p.stderr
    assert not [n for n in os.listdir(os.path.join(env.tmp, "cut")) if n.endswith(".csv")]
    return len(outs[0])


@test
def frames_cut_inside_rows_match_plain(env):
    """zstd files whose frames end inside rows (as a parallel compressor may
    cut them) are decompressed whole and parsed again; the rows of their
    first, frame-by-frame parse must leave no trace (people numbered from
    them, copies dropped against them)."""
    cut = os.path.join(env.tmp, "cut_frames")
    os.makedirs(cut, exist_ok=True)
    step = 50_007  # bytes; rows are about 330 bytes, so frames end inside rows
    for path in input_files(env.plain):
        data = open(path, "rb").read()
        frames = b""
        for at in range(0, len(data), step):
            part = os.path.join(env.tmp, "part.bin")
            open(part, "wb").write(data[at:at + step])
            frames += subprocess.run(["zstd", "-q", "-c", part], stdout=subprocess.PIPE,
                                     check=True).stdout
        open(os.path.join(cut, os.path.basename(path) + ".zst"), "wb").write(frames)
    shutil.copy(os.path.join(env.plain, "manifest.json"), cut)  # the same file not taken
    a = tree_bytes(env.statewide(env.plain, 2))
    b = tree_bytes(env.statewide(cut, 2))
    assert sorted(a) == sorted(b), (sorted(a)[:5], sorted(b)[:5])
    for name in a:
        assert a[name] == b[name], f"{name} differs between plain inputs and frames cut inside rows"
    return len(a)


@test
def manifest_lists_every_output(env):
    out = env.statewide(env.plain, 2)
    m = json.load(open(os.path.join(out, "manifest.json")))
    listed = {o["path"]: o["size"] for o in m["outputs"]}
    on_disk = {}
    for d, _, files in os.walk(out):
        for name in files:
            rel = os.path.relpath(os.path.join(d, name), out)
            if rel != "manifest.json":
                on_disk[rel] = os.path.getsize(os.path.join(d, name))
    assert listed == on_disk, sorted(set(listed) ^ set(on_disk))[:5]
    assert len(m["inputs"]) == len(input_files(env.plain))
    assert m["counts"]["rows"] == json.load(open(os.path.join(out, "statewide_summary.json")))["rows"]
    return len(listed)


def main():
    sys.exit(e2etools.env_main(RESULTS, Env, "files/cells/values"))


if __name__ == "__main__":
    main()
