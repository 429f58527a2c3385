#!/usr/bin/env python3
"""What a run through `relief serve` costs against the same `relief run`
(issue 23 item 5), and how fast a statewide what-if answers (item 4).

county:    a Los Angeles extract (set R of bench/run.sh: --people 11300
           --shape reference, ~1M rows). Rounds of one CLI run and one API
           run, alternating which goes first; the API run is counted from
           its POST until its first what-if answers. Wall seconds and CPU
           seconds (user+sys: the CLI child's rusage, the server's
           /proc/PID/stat delta less what the bench's own status polls
           cost it, calibrated first) of each, and their ratios per round.
statewide: a generated statewide set (--people N, zstd); one statewide run
           through the API, then a what-if per option set (server-side
           milliseconds as the reply gives them, and the round trip).

usage: bench/serve_vs_cli.py [--rounds 5] [--statewide-people 1000000]
                             [--skip-county] [--skip-statewide]
Needs build/relief and build/relief-gen (Release). Data is cached in
.bench-cache/serve/. Standard library only."""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from serve_client import Server, options_json  # noqa: E402

COMPUTE = "2019-11-11"
OPTIONS = json.load(open(os.path.join(ROOT, "datasets", "samples", "options.json")))
WHATIFS = [
    options_json(["11359"], ["11357"], subjectAgeThreshold=45, yearsCrimeFreeThreshold=3,
                 subjectHasOnlyProp64Charges=True),
    options_json([], [], yearsSinceConvictionThreshold=1, yearsCrimeFreeThreshold=15),
    options_json(["11360", "11357", "11358", "11359"], []),
]
TICK = os.sysconf("SC_CLK_TCK")


def gen(binary, folder, args):
    if os.path.exists(os.path.join(folder, ".done")):
        return
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([binary, "--out", folder] + args, check=True, stderr=subprocess.DEVNULL)
    open(os.path.join(folder, ".done"), "w").close()


def proc_cpu(pid):
    """user+sys seconds of a process so far."""
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def cli_once(relief, inputs, out, options_file, county="LOS ANGELES"):
    shutil.rmtree(out, ignore_errors=True)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run([relief, "run", "--input-doj=" + ",".join(inputs), "--county=" + county,
                    "--compute-at=" + COMPUTE, "--eligibility-options=" + options_file,
                    "--outputs=" + out], check=True, stderr=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu


def api_once(srv, inputs, county="LOS ANGELES"):
    """(wall, CPU, polls): from the POST until the first what-if answers.
    The run is DONE only once its what-if table is built, so the status is
    polled (every 50 ms) and then one what-if asked."""
    c0, t0 = proc_cpu(srv.proc.pid), time.monotonic()
    rid = srv.json("POST", "/api/runs", {"inputs": inputs, "county": county, "computeAt": COMPUTE,
                                         "options": OPTIONS}, expect=202)["id"]
    polls = 0
    while True:
        status, out = srv.request("GET", "/api/runs/%d" % rid)
        polls += 1
        st = json.loads(out)["status"]
        assert st != "failed", out
        if st == "done":
            break
        time.sleep(0.05)
    srv.json("POST", "/api/runs/%d/whatif" % rid, {"options": WHATIFS[0]})
    wall = time.monotonic() - t0
    return wall, proc_cpu(srv.proc.pid) - c0, polls


def poll_cost(srv, rid, n=400):
    """The server's CPU seconds per status request (what polling adds)."""
    c0 = proc_cpu(srv.proc.pid)
    for _ in range(n):
        srv.request("GET", "/api/runs/%d" % rid)
    return (proc_cpu(srv.proc.pid) - c0) / n


def county_bench(args, cache, work):
    data = os.path.join(cache, "R")
    gen(args.gen, data, ["--people", "11300", "--seed", "104", "--shape", "reference",
                         "--counties", "LOS_ANGELES"])
    inputs = [os.path.join(data, "LOS_ANGELES.dat")]
    rows = sum(1 for _ in open(inputs[0], "rb")) - 1
    opt_file = os.path.join(work, "options.json")
    json.dump(OPTIONS, open(opt_file, "w"))
    srv = Server(args.relief, [data], os.path.join(work, "ws"), os.path.join(work, "serve.log"))
    rounds = []
    try:
        api_once(srv, inputs)  # warm the page cache and the server
        per_poll = poll_cost(srv, 1)
        print("a status poll costs the server %.3f ms of CPU" % (per_poll * 1e3), flush=True)
        for k in range(args.rounds):
            order = ("cli", "api") if k % 2 == 0 else ("api", "cli")
            got = {}
            for which in order:
                if which == "cli":
                    got["cli"] = cli_once(args.relief, inputs, os.path.join(work, "cli"), opt_file)
                else:  # CPU less what its status polls cost
                    wall, cpu, polls = api_once(srv, inputs)
                    got["api"] = (wall, cpu - polls * per_poll, cpu, polls)
            rounds.append(got)
            print("round %d (%s first): CLI %.2f s wall %.2f s CPU; API %.2f s wall %.2f s CPU "
                  "(%.2f s with %d polls); ratio wall %.3f CPU %.3f" % (
                      k + 1, order[0], got["cli"][0], got["cli"][1], got["api"][0], got["api"][1],
                      got["api"][2], got["api"][3], got["api"][0] / got["cli"][0],
                      got["api"][1] / got["cli"][1]), flush=True)
    finally:
        srv.stop()
    wall = [r["api"][0] / r["cli"][0] for r in rounds]
    cpu = [r["api"][1] / r["cli"][1] for r in rounds]
    return {"rows": rows, "rounds": rounds, "wall_ratio_median": statistics.median(wall),
            "cpu_ratio_median": statistics.median(cpu), "cli_cpu_median":
            statistics.median(r["cli"][1] for r in rounds), "api_cpu_median":
            statistics.median(r["api"][1] for r in rounds)}


def statewide_bench(args, cache, work):
    data = os.path.join(cache, "SW%d" % args.statewide_people)
    gen(args.gen, data, ["--people", str(args.statewide_people), "--seed", "103", "--zstd"])
    inputs = sorted(os.path.join(data, n) for n in os.listdir(data) if n.endswith(".zst"))
    srv = Server(args.relief, [data], os.path.join(work, "ws-sw"), os.path.join(work, "sw.log"))
    try:
        t0 = time.monotonic()
        rid = srv.json("POST", "/api/runs", {"statewide": True, "inputs": inputs,
                                             "computeAt": COMPUTE, "options": OPTIONS,
                                             "countyPolicies": {"LOS ANGELES": "los-angeles"}},
                       expect=202)["id"]
        while srv.json("GET", "/api/runs/%d" % rid)["status"] not in ("done", "failed"):
            time.sleep(0.2)
        run_s = time.monotonic() - t0
        st = srv.json("GET", "/api/runs/%d" % rid)
        assert st["status"] == "done", st
        answers = []
        for opt in WHATIFS * 2:
            t0 = time.monotonic()
            got = srv.json("POST", "/api/runs/%d/whatif" % rid, {"options": opt})
            answers.append((got["milliseconds"], (time.monotonic() - t0) * 1e3))
            print("statewide what-if: %.1f ms in the server, %.1f ms round trip" % answers[-1],
                  flush=True)
    finally:
        srv.stop()
    return {"people": st["summary"]["people"], "rows": st["summary"]["rows"],
            "run_seconds": run_s, "whatif_ms": answers}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--relief", default=os.path.join(ROOT, "build", "relief"))
    ap.add_argument("--gen", default=os.path.join(ROOT, "build", "relief-gen"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--statewide-people", type=int, default=1000000)
    ap.add_argument("--skip-county", action="store_true")
    ap.add_argument("--skip-statewide", action="store_true")
    args = ap.parse_args()
    cache = os.path.join(ROOT, ".bench-cache", "serve")
    work = os.path.join(cache, "work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    out = {}
    if not args.skip_county:
        out["county"] = county_bench(args, cache, work)
        c = out["county"]
        print("county, %d rows: API/CLI median ratio wall %.3f, CPU %.3f (CPU %.2f s vs %.2f s)"
              % (c["rows"], c["wall_ratio_median"], c["cpu_ratio_median"], c["api_cpu_median"],
                 c["cli_cpu_median"]))
    if not args.skip_statewide:
        out["statewide"] = sw = statewide_bench(args, cache, work)
        print("statewide, %d people, %d rows: run %.1f s; what-if slowest %.1f ms in the server, "
              "%.1f ms round trip" % (sw["people"], sw["rows"], sw["run_seconds"],
                                      max(a[0] for a in sw["whatif_ms"]),
                                      max(a[1] for a in sw["whatif_ms"])))
    json.dump(out, open(os.path.join(cache, "serve_results.json"), "w"), indent=1)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
