"""Turns bench/run.sh's results.tsv into the printed table and results.json.

Throughput is computed from the generator's manifest counts (people, rows,
uncompressed input bytes); the floor is reading (or zstd-decompressing) the
input plus writing as many bytes as the engine wrote, measured in the same run.
"""
import json
import os
import platform
import sys


def number(text):
    return float(text) if text not in ("", None) else None


def main(tsv_path, json_path, revision):
    with open(tsv_path) as tsv:
        header = tsv.readline().rstrip("\n").split("\t")
        records = [dict(zip(header, line.rstrip("\n").split("\t"))) for line in tsv if line.strip()]

    results = []
    for record in records:
        wall = number(record["wall_s"])
        read_floor = number(record["read_floor_s"])
        write_floor = number(record["write_floor_s"]) or 0.0
        people, rows, input_bytes = (int(record[key]) for key in ("people", "rows", "input_bytes"))
        rss = number(record["peak_rss_kb"])
        floor = read_floor + write_floor if read_floor is not None else None
        results.append({
            "set": record["set"],
            "mode": record["mode"],
            "threads": int(record["threads"]),
            "wall_s": wall,
            "people": people,
            "rows": rows,
            "input_bytes": input_bytes,
            "output_bytes": int(record["output_bytes"]) if record["output_bytes"] else None,
            "people_per_min": people / wall * 60 if wall else None,
            "rows_per_s": rows / wall if wall else None,
            "input_mb_per_s": input_bytes / 1e6 / wall if wall else None,
            "peak_rss_mb": rss / 1024 if rss else None,
            "rss_pct_of_text": rss * 1024 / input_bytes * 100 if rss and input_bytes else None,
            "read_floor_s": read_floor,
            "write_floor_s": write_floor if wall else None,
            "floor_s": floor if wall else read_floor,
            "ratio_to_floor": wall / floor if wall and floor else None,
            "note": record["note"],
        })

    def cell(value, form):
        return "-" if value is None else form.format(value)

    columns = ("set", "mode", "thr", "wall s", "people/min", "rows/s", "input MB/s",
               "peak RSS MB", "RSS % text", "floor s", "x floor", "note")
    lines = []
    for r in results:
        lines.append((r["set"], r["mode"], str(r["threads"]), cell(r["wall_s"], "{:.2f}"),
                      cell(r["people_per_min"], "{:,.0f}"), cell(r["rows_per_s"], "{:,.0f}"),
                      cell(r["input_mb_per_s"], "{:.0f}"), cell(r["peak_rss_mb"], "{:.0f}"),
                      cell(r["rss_pct_of_text"], "{:.1f}"),
                      cell(r["floor_s"], "{:.2f}"), cell(r["ratio_to_floor"], "{:.2f}"), r["note"]))
    widths = [max(len(columns[i]), *(len(line[i]) for line in lines)) if lines else len(columns[i])
              for i in range(len(columns))]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for line in lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())

    machine = {"cpus": os.cpu_count(), "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            machine["cpu"] = next(l.split(":", 1)[1].strip() for l in cpuinfo if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open(json_path, "w") as out:
        json.dump({"revision": revision, "machine": machine, "results": results}, out, indent=2)
    print(f"\nresults: {json_path}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
