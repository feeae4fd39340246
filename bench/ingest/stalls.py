#!/usr/bin/env python3
"""What happened around each episode of single requests held back at the load generator's in-flight cap
(docs/benchmarks.md, issue-singles). Reads a `STALLS=1 PHASES=current` run's logs (bench/ingest/run.sh):

    stalls.py LOGS [--pg-log FILE --pg-from BYTE] [--before MS] [--after MS] [--db NAME]

For every `CAP` line of LOGS/current.txt (an episode: its UTC start and length) it prints, from BEFORE ms before its
start to AFTER ms after its end, in time order:
  - the load generator's 10 ms slots (LOGS/timeline-*.csv): requests sent, answers read, in flight, its timer's gaps;
  - the node's JFR events (LOGS/current.jfr through JfrStalls): GC pauses, safepoints and VM operations, parking and
    monitor waits of 5 ms or more, dedupe statements and publishes of 5 ms or more (dash.ingest.*);
  - the load generator's GC pauses and safepoints (LOGS/loadgen-gc.log);
  - the broker's GC time in each 100 ms sample where it grew (LOGS/broker-gc.txt);
  - PostgreSQL's log lines of the bench database (slow statements, lock waits, autovacuum) and the server's
    checkpoints, from byte PG_FROM of the server's log.
Then, for the whole measured window, how many of each kind there were in and out of the episodes.
"""
import argparse
import csv
import datetime as dt
import glob
import os
import re
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("logs")
ap.add_argument("--pg-log")
ap.add_argument("--pg-from", type=int, default=0)
ap.add_argument("--db", default="dash_bench")
ap.add_argument("--before", type=float, default=400)
ap.add_argument("--after", type=float, default=150)
ap.add_argument("--slots", action="store_true", help="print every 10 ms slot (else only slots with a gap or no answers)")
a = ap.parse_args()
L = a.logs
today = dt.datetime.now(dt.timezone.utc).date()


def hms(s):
    t = dt.datetime.strptime(s, "%H:%M:%S.%f").time()
    return dt.datetime.combine(today, t, tzinfo=dt.timezone.utc).timestamp() * 1000


def fmt(ms):
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%H:%M:%S.%f")[:-3]


episodes = []
windows = []
for line in open(os.path.join(L, "current.txt")):
    kv = dict(re.findall(r"(\w+)=(\S+)", line))
    if line.startswith("CAP "):
        episodes.append((hms(kv["at"]), float(kv["ms"]), line.strip()))
    elif line.startswith("WINDOW "):
        windows.append(line.strip())

events = []  # (start_ms, dur_ms, source, text)

# The load generator's timeline.
slots = []
for f in sorted(glob.glob(os.path.join(L, "timeline-*.csv"))):
    for r in csv.DictReader(open(f)):
        slots.append((hms(r["utc"]), r))

# The node's JFR.
jfr = os.path.join(L, "current.jfr")
if os.path.exists(jfr):
    root = os.path.dirname(os.path.dirname(os.path.abspath(L)))
    cp = open(os.path.join(root, "target", "classpath.txt")).read().strip() + ":" + os.path.join(root, "target", "classes")
    out = subprocess.run(["java", "-cp", cp, "dev.dash.bench.ingest.JfrStalls", jfr, "0"], capture_output=True, text=True).stdout
    for line in sorted(set(out.splitlines())):
        p = line.split("\t")
        if len(p) < 5:
            continue
        t, d, typ, thread, detail = float(p[0]), float(p[1]), p[2], p[3], p[4]
        if typ == "jdk.CPULoad":
            events.append((t, 0, "node-cpu", detail))
            continue
        if typ in ("jdk.ThreadPark", "jdk.JavaMonitorWait") and not ("eventloop" in thread or "kafka-producer" in thread):
            # Parked pools and consumers wait by design; keep the request path's threads only.
            continue
        events.append((t, d, "node", f"{typ.replace('jdk.', '')} {d:.1f} ms [{thread}] {detail}"))

# The load generator's GC log: [2026-12-07T14:30:01.123+0000][12.345s][info][gc] ... 5.123ms
for f in glob.glob(os.path.join(L, "loadgen-gc.log*")):
    for line in open(f, errors="replace"):
        m = re.match(r"\[(\d{4}-\d\d-\d\dT[\d:.]+)\+0000\].*?\[(gc|safepoint)\s*\] (.*)", line)
        if not m:
            continue
        t = dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=dt.timezone.utc).timestamp() * 1000
        text = m.group(3)
        d = 0.0
        mm = re.search(r"([\d.]+)ms$", text)
        if mm:
            d = float(mm.group(1))
        mt = re.search(r"Total: (\d+) ns", text)
        if mt:
            d = int(mt.group(1)) / 1e6
        if d >= 2:
            events.append((t - d, d, "loadgen", text))

# The broker's GC (jstat -gc -t, 100 ms samples).
bf = os.path.join(L, "broker-gc.txt")
if os.path.exists(bf):
    start = None
    prev = None
    for line in open(bf):
        if line.startswith("#"):
            start = float(re.search(r"started_epoch=([\d.]+)", line).group(1))
            continue
        p = line.split()
        if not p or not re.match(r"[\d.]+$", p[0]) or start is None:
            continue
        t = (start + float(p[0])) * 1000
        gct = float(p[-1])
        ygc = int(p[-7])
        if prev and gct > prev[1]:
            d = (gct - prev[1]) * 1000
            events.append((t - d, d, "broker", f"GC {d:.1f} ms in the 100 ms sample ({ygc - prev[2]} young)"))
        prev = (t, gct, ygc)

# PostgreSQL's log.
if a.pg_log:
    with open(a.pg_log, "rb") as f:
        f.seek(a.pg_from)
        for raw in f:
            line = raw.decode(errors="replace").rstrip()
            m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) UTC \[(\d+)\] (\S*@\S*)? ?(\w+):\s+(.*)", line)
            if not m:
                continue
            t = dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=dt.timezone.utc).timestamp() * 1000
            who, text = m.group(3) or "", m.group(5)
            if "checkpoint" in text:
                events.append((t, 0, "pg", text[:200]))
            elif who.endswith("@" + a.db) or f'"{a.db}.' in text or a.db in text[:300]:
                d = 0.0
                md = re.match(r"duration: ([\d.]+) ms", text)
                if md:
                    d = float(md.group(1))
                events.append((t - d, d, "pg", f"[{m.group(2)}] {text[:220]}"))

# CPU pressure and run-queue waits (sched_sample.py), 20 ms samples: kept whole, printed around episodes.
sched = []
sf = os.path.join(L, "sched.txt")
if os.path.exists(sf):
    for line in open(sf):
        if line.startswith("#"):
            head = line.split()[4:]
            continue
        p = line.split()
        sched.append((float(p[0]), p))

events.sort()
for at, ms, cap in episodes:
    lo, hi = at - a.before, at + ms + a.after
    print("\n" + cap)
    rows = []
    for t, r in slots:
        if lo <= t < hi:
            quiet = r["answered"] == "0" or float(r["timer_gap_ms"]) > 0 or int(r["held_back"]) > 0
            if a.slots or quiet:
                rows.append((t, 0, "loadgen-slot",
                             f"sent {r['sent']:>3} answered {r['answered']:>3} in_flight {r['in_flight']:>4}"
                             f" held {r['held_back']:>4} timer_gap {r['timer_gap_ms']} max_latency {r['max_latency_ms']}"))
    for e in events:
        if e[0] + e[1] >= lo and e[0] <= hi:
            rows.append(e)
    for t, p in sched:
        if lo <= t < hi:
            parts = " ".join(f"{h.split(':')[0]} {v}" for h, v in zip(["cpu_psi", "io_psi"] + ["x"] * 0, p[1:3]))
            roles = " ".join(f"{h.split(':')[0]}={v}" for h, v in zip(head, p[3:]) if v != "0/0")
            rows.append((t, 0, "sched", f"{parts} | {roles}"))
    for t, d, src, text in sorted(rows, key=lambda x: x[0]):
        print(f"  {fmt(t)} {src:<12} {text}")

# Totals over the measured windows.
print("\n== over the measured windows: events by source and kind, in / out of the episodes")
spans = []
for w in windows:
    kv = dict(re.findall(r"(\w+)=(\S+)", w))
    spans.append((hms(kv["from"] + ".000"), hms(kv["to"] + ".000")))
counts = {}
for t, d, src, text in events:
    if not any(f <= t <= to for f, to in spans):
        continue
    kind = src + " " + text.split(" ")[0]
    inside = any(at - a.before <= t <= at + ms + a.after for at, ms, _ in episodes)
    c = counts.setdefault(kind, [0, 0, 0.0])
    c[0 if inside else 1] += 1
    c[2] = max(c[2], d)
for k, (i, o, mx) in sorted(counts.items()):
    print(f"  {k:<40} in {i:>5}  out {o:>6}  longest {mx:.1f} ms")
