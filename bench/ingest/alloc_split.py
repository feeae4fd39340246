#!/usr/bin/env python3
"""Allocation per event of an all-in-one ingestor node, per role, over the windows of CurrentRate (issue 19, item 5).

Reads the node's JFR recording (jdk.ObjectAllocationSample: each sample's weight is the bytes its thread allocated
since its previous sample, so the weights of a window sum to what the threads allocated in it) and the WINDOW lines
CurrentRate printed (UTC `from`/`to`, `accepted_events`), and prints for each window the bytes allocated per accepted
event by:
    writer    the Silver writer (threads dash-silver-writer and dash-silver-store, and its dash.points producer's
              network thread)
    archiver  the Bronze archiver (dash-bronze-archiver, and threads named after it: the object uploads)
    ingest    everything else in the node: the HTTP event loops, the dedupe and Kafka clients, the rest

    bench/ingest/alloc_split.py bench/ingest/target/logs/current.jfr bench/ingest/target/logs/current.txt
"""
import collections
import re
import subprocess
import sys

UNITS = {"bytes": 1, "byte": 1, "kB": 1024, "MB": 1024**2, "GB": 1024**3}


def samples(path):
    out = subprocess.run(
        ["jfr", "print", "--stack-depth", "1", "--events", "jdk.ObjectAllocationSample", path],
        capture_output=True, text=True, check=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"}).stdout
    ev = {}
    for line in out.splitlines():
        s = line.strip()
        if s.endswith("{") and s.startswith("jdk.ObjectAllocationSample"):
            ev = {}
        elif s.startswith("startTime = "):
            ev["t"] = s.split(" = ", 1)[1][:8]
        elif s.startswith("eventThread = "):
            ev["thread"] = s.split(" = ", 1)[1].strip('"').split('"')[0]
        elif s.startswith("weight = "):
            n, unit = s.split(" = ", 1)[1].split()[:2]
            ev["w"] = float(n.replace(",", "")) * UNITS.get(unit, 1)
        elif s == "}" and "w" in ev:
            yield ev.get("t", ""), ev.get("thread", "?"), ev["w"]
            ev = {}


def role(thread):
    if thread.startswith(("dash-silver-writer", "dash-silver-store")) or "dash-silver-points" in thread:
        return "writer"
    if thread.startswith("dash-bronze"):
        return "archiver"
    return "ingest"


def main():
    jfr, windows_file = sys.argv[1], sys.argv[2]
    windows = []
    for line in open(windows_file):
        if line.startswith("WINDOW "):
            kv = dict(re.findall(r"(\w+)=(\S+)", line))
            windows.append(kv)
    by_window = [collections.Counter() for _ in windows]
    for t, thread, w in samples(jfr):
        for i, kv in enumerate(windows):
            if kv["from"] <= t <= kv["to"]:
                by_window[i][role(thread)] += w
    for kv, c in zip(windows, by_window):
        events = max(1, int(kv["accepted_events"]))
        total = sum(c.values())
        print(f"ALLOC label={kv['label']} mode={kv['mode']} rate={kv['rate']} kept={kv['kept']} events={events}"
              f" ingest_B_per_event={c['ingest'] / events:.0f} writer_B_per_event={c['writer'] / events:.0f}"
              f" archiver_B_per_event={c['archiver'] / events:.0f} total_B_per_event={total / events:.0f}")


if __name__ == "__main__":
    sys.exit(main())
