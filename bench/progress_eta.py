#!/usr/bin/env python3
"""progress_eta.py -- is the progress bar's ETA and rate right? (issue 24, item 4)

Runs a relief command with its stderr on a pseudo-terminal, so that it draws
its bar, and stamps every redraw with the time it arrived. Then, at points of
the run's wall time (a quarter, half, three quarters), it compares the last
redraw before that point with what happened:

  ETA   the seconds the bar said were left, against the seconds the run
        actually went on for after that redraw;
  rate  the rows/s the bar showed while parsing, against the parse's own
        rows/s (the run's rows over the parse's time, from its first redraw
        to the next phase's first redraw: a new phase is drawn at once).

Usage:
  bench/progress_eta.py [--rounds N] -- relief statewide --inputs=... [...]

The command must not set --outputs to a folder that exists: each round uses
the --outputs given with a round number appended, removed afterwards.
Prints one line per round and point, and the medians. Not part of CI.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

BAR = re.compile(r"^(\S+)\s+\[[= ]{30}\]\s+(\d+)%\s+(\d+) (rows|units)/s\s+ETA\s+(\?|\s*[\d.]+s)")


def one_round(cmd, outputs):
    """The redraws (time, phase, percent, rate, unit, eta or None) of one run,
    its start and end times, and its final line."""
    master, slave = os.openpty()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=slave, close_fds=True)
    os.close(slave)
    draws, pending, text = [], "", []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal's other end closed: the run ended
            break
        if not chunk:
            break
        now = time.monotonic()
        pending += chunk.decode("utf-8", "replace")
        parts = re.split(r"[\r\n]", pending)
        pending = parts.pop()
        for part in parts:
            text.append(part)
            m = BAR.match(part.strip())
            if m:
                eta = None if m.group(5) == "?" else float(m.group(5).strip()[:-1])
                draws.append((now, m.group(1), int(m.group(2)), float(m.group(3)), m.group(4), eta))
    rc = proc.wait()
    ended = time.monotonic()
    os.close(master)
    shutil.rmtree(outputs, ignore_errors=True)
    if rc != 0:
        sys.exit("the command failed (%d): %s" % (rc, " | ".join(t for t in text if t.strip())[-400:]))
    return draws, started, ended, "\n".join(text)


def parse_span(draws):
    """When parsing began and ended (the first parse redraw, the next phase's)."""
    begin = end = None
    for t, phase, *_ in draws:
        if phase.startswith("parse") and begin is None:
            begin = t
        elif begin is not None and not phase.startswith("parse"):
            end = t
            break
    return begin, end


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    outs = [c for c in cmd if c.startswith("--outputs=")]
    if not cmd or len(outs) != 1:
        sys.exit("give the relief command after --, with one --outputs=DIR")
    base = outs[0][len("--outputs="):]
    errs = {0.25: [], 0.5: [], 0.75: []}
    rate_errs = []
    for r in range(a.rounds):
        out = "%s.%d" % (base, r)
        shutil.rmtree(out, ignore_errors=True)
        run = [c if not c.startswith("--outputs=") else "--outputs=" + out for c in cmd]
        draws, t0, t1, text = one_round(run, out)
        rows = re.findall(r"(\d+) rows(?!/)", text)  # the final line's
        p0, p1 = parse_span(draws)
        wall = t1 - t0
        line = "round %d: %.2f s" % (r + 1, wall)
        if rows and p0 and p1:
            true_rate = int(rows[-1]) / (p1 - p0)
        else:
            true_rate = None
        for point in sorted(errs):
            at = t0 + point * wall
            before = [d for d in draws if d[0] <= at and d[5] is not None]
            if not before:
                line += " | %d%%: no ETA yet" % (point * 100)
                continue
            t, phase, pct, rate, unit, eta = before[-1]
            left = t1 - t
            err = (eta - left) / left
            errs[point].append(err)
            line += " | %d%% (%s %d%%): ETA %.1f s, left %.1f s (%+.0f%%)" % (
                point * 100, phase, pct, eta, left, err * 100)
            if point == 0.5 and true_rate and phase.startswith("parse") and unit == "rows":
                rate_errs.append((rate - true_rate) / true_rate)
                line += ", rate %.0f rows/s vs the parse's %.0f (%+.0f%%)" % (
                    rate, true_rate, rate_errs[-1] * 100)
        print(line, flush=True)
    for point, e in sorted(errs.items()):
        if e:
            print("ETA at %d%% of the run: median %+.1f%%, worst %+.1f%% over %d rounds" % (
                point * 100, statistics.median(e) * 100, max(e, key=abs) * 100, len(e)))
    if rate_errs:
        print("rate at 50%%: median %+.1f%%, worst %+.1f%%" % (
            statistics.median(rate_errs) * 100, max(rate_errs, key=abs) * 100))


if __name__ == "__main__":
    main()
