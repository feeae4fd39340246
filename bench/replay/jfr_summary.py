#!/usr/bin/env python3
"""Allocation and CPU of a JVM from a JFR recording, over a time window (docs/benchmarks.md, "Replay", issue 19).

Reads `jfr print` output of jdk.ObjectAllocationSample (weights sum to the bytes allocated, TLAB refills included)
and jdk.ExecutionSample (CPU samples of Java code), and prints, for the events in [--from, --to] (UTC HH:MM:SS as
JFR prints them; omit for the whole recording): the bytes allocated in all and per thread group, the top allocating
frames (first frame outside java.*, jdk.*, sun.*) and classes, and the top CPU frames (self, and first Dash frame).

    bench/replay/jfr_summary.py /tmp/rec.jfr --from 00:21:10 --to 00:23:05 [--events 1000000]
"""
import argparse
import collections
import re
import subprocess
import sys

UNITS = {"bytes": 1, "byte": 1, "kB": 1024, "MB": 1024**2, "GB": 1024**3}


def events(path, name):
    out = subprocess.run(["jfr", "print", "--stack-depth", "64", "--events", name, path], capture_output=True, text=True, check=True).stdout
    ev = None
    in_stack = False
    for line in out.splitlines():
        s = line.strip()
        if s.startswith(name + " {") or s == name + " {":
            ev = {"stack": []}
            in_stack = False
        elif ev is None:
            continue
        elif s == "}" and not in_stack:
            yield ev
            ev = None
        elif s.startswith("stackTrace = ["):
            in_stack = True
        elif in_stack:
            if s == "]":
                in_stack = False
            elif s and s != "...":
                ev["stack"].append(re.sub(r"\s+line:.*$", "", s))
        elif " = " in s:
            k, v = s.split(" = ", 1)
            ev[k] = v


def thread_group(t):
    t = t.strip('"').split('"')[0]
    t = re.sub(r"[-_ ]?\d+$", "", t)
    return t


def own(stack):
    for f in stack:
        if not re.match(r"(java|jdk|sun|javax)\.", f):
            return f
    return stack[0] if stack else "?"


def dash(stack):
    for f in stack:
        if f.startswith("dev.dash."):
            return f
    return "(no dev.dash frame)"


def within(ev, lo, hi):
    t = ev.get("startTime", "")[:8]
    return (lo is None or t >= lo) and (hi is None or t <= hi)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recording")
    ap.add_argument("--from", dest="lo")
    ap.add_argument("--to", dest="hi")
    ap.add_argument("--events", type=float, help="events replayed in the window: adds bytes per event")
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args()

    total = 0.0
    by_thread = collections.Counter()
    by_frame = collections.Counter()
    by_class = collections.Counter()
    for ev in events(a.recording, "jdk.ObjectAllocationSample"):
        if not within(ev, a.lo, a.hi):
            continue
        n, unit = ev.get("weight", "0 bytes").split()[:2]
        w = float(n.replace(",", "")) * UNITS.get(unit, 1)
        total += w
        by_thread[thread_group(ev.get("eventThread", "?"))] += w
        by_frame[own(ev["stack"])] += w
        by_class[ev.get("objectClass", "?").split(" (")[0]] += w
    print(f"allocated: {total / 1024**2:,.0f} MB" + (f", {total / a.events:,.0f} bytes per event" if a.events else ""))
    for title, c in (("thread", by_thread), ("frame", by_frame), ("class", by_class)):
        print(f"-- by {title}")
        for k, v in c.most_common(a.top):
            print(f"  {100 * v / total if total else 0:5.1f} %  {v / 1024**2:9,.0f} MB  {k}")

    samples = 0
    self_frame = collections.Counter()
    dash_frame = collections.Counter()
    by_thread = collections.Counter()
    for ev in events(a.recording, "jdk.ExecutionSample"):
        if not within(ev, a.lo, a.hi):
            continue
        samples += 1
        self_frame[ev["stack"][0] if ev["stack"] else "?"] += 1
        dash_frame[dash(ev["stack"])] += 1
        by_thread[thread_group(ev.get("sampledThread", "?"))] += 1
    print(f"CPU samples (Java code): {samples}")
    for title, c in (("thread", by_thread), ("self frame", self_frame), ("first dev.dash frame", dash_frame)):
        print(f"-- by {title}")
        for k, v in c.most_common(a.top):
            print(f"  {100 * v / samples if samples else 0:5.1f} %  {k}")


if __name__ == "__main__":
    sys.exit(main())
