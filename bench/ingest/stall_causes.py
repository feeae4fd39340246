#!/usr/bin/env python3
"""What each episode of requests held back at the load generator's in-flight cap waited through (docs/benchmarks.md,
issue-singles), from a `PHASES=current` run's logs (bench/ingest/run.sh; the node's dash.ingest events need a node
that has them, 2026-12-07 or later):

    stall_causes.py LOGS

For each CAP line of LOGS/current.txt the oldest request's wait is the span from its send to the episode's start; an
episode counts under a cause when, in that span, a claim waited 50 ms or more (its queue wait plus its statement,
dash.ingest.DedupeStatement), a publish took 50 ms or more (dash.ingest.Publish), the node paused for GC 15 ms or more,
or the load generator did (LOGS/loadgen-gc.log). Prints the episodes and requests held back per cause, and the
claims, publishes and pauses of the measured window.
"""
import datetime as dt
import os
import re
import statistics
import subprocess
import sys

L = sys.argv[1]
today = dt.datetime.now(dt.timezone.utc).date()


def hms(s):
    t = dt.datetime.strptime(s, "%H:%M:%S.%f").time()
    return dt.datetime.combine(today, t, tzinfo=dt.timezone.utc).timestamp() * 1000


eps = []
window = None
for line in open(os.path.join(L, "current.txt")):
    kv = dict(re.findall(r"(\w+)=(\S+)", line))
    if line.startswith("CAP "):
        eps.append((hms(kv["at"]), float(kv["oldest_ms"]), int(kv["held_back"])))
    elif line.startswith("WINDOW ") and window is None:
        window = (hms(kv["from"] + ".000"), hms(kv["to"] + ".000"))
root = os.path.dirname(os.path.dirname(os.path.abspath(L)))
cp = open(os.path.join(root, "target", "classpath.txt")).read().strip() + ":" + os.path.join(root, "target", "classes")
out = subprocess.run(["java", "-cp", cp, "dev.dash.bench.ingest.JfrStalls", os.path.join(L, "current.jfr"), "0"],
                     capture_output=True, text=True).stdout
jfr = [line.split("\t") for line in sorted(set(out.splitlines()))]
node_gc = [(float(p[0]), float(p[1])) for p in jfr if p[2] == "jdk.GarbageCollection"]
claims = [(float(p[0]), float(p[1]), float(re.search(r"queued_ms=([\d.]+)", p[4]).group(1)),
           int(re.search(r"rows=(\d+)", p[4]).group(1)))
          for p in jfr if p[2] == "dash.ingest.DedupeStatement" and p[4].startswith("claim")]
pubs = [(float(p[0]), float(p[1])) for p in jfr if p[2] == "dash.ingest.Publish"]
gen_gc = []
for line in open(os.path.join(L, "loadgen-gc.log")):
    m = re.match(r"\[(\S+?)\+0000\].*Pause.* ([\d.]+)ms$", line)
    if m:
        t = dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=dt.timezone.utc).timestamp() * 1000
        gen_gc.append((t - float(m.group(2)), float(m.group(2))))


def overlap(spans, lo, hi):
    return sum(max(0, min(s + d, hi) - max(s, lo)) for s, d in spans)


rows = []
for at, oldest, held in eps:
    lo, hi = at - oldest, at
    rows.append({
        "held": held,
        "claim": max([q + d for s, d, q, _ in claims if lo <= s + d <= hi + 50] or [0]) >= 50,
        "publish": max([d for s, d in pubs if lo <= s + d <= hi + 50] or [0]) >= 50,
        "node_gc": overlap(node_gc, lo, hi) >= 15,
        "gen_gc": overlap(gen_gc, lo, hi) >= 15,
    })
print(f"episodes {len(rows)}, held back {sum(r['held'] for r in rows)}")
for k, label in [("claim", "a claim waited >= 50 ms"), ("publish", "a publish took >= 50 ms"),
                 ("node_gc", "the node paused for GC >= 15 ms"), ("gen_gc", "the load generator paused for GC >= 15 ms")]:
    sel = [r for r in rows if r[k]]
    print(f"  {label:<45} {len(sel):>4} episodes, {sum(r['held'] for r in sel):>7} held back")
none = [r for r in rows if not (r["claim"] or r["publish"] or r["node_gc"] or r["gen_gc"])]
print(f"  {'none of these':<45} {len(none):>4} episodes, {sum(r['held'] for r in none):>7} held back")
if window:
    f, t = window
    cl = [c for c in claims if f <= c[0] <= t]
    if cl:
        print(f"window: {len(cl)} claim statements of 10 ms or more (median {statistics.median(c[1] for c in cl):.1f} ms,"
              f" {statistics.median(c[3] for c in cl):.0f} claims, queue wait median"
              f" {statistics.median(c[2] for c in cl):.1f} ms); {sum(1 for c in cl if c[1] >= 50)} statements and"
              f" {sum(1 for c in cl if c[2] >= 50)} queue waits of 50 ms or more")
    pb = [p for p in pubs if f <= p[0] <= t]
    print(f"window: {len(pb)} publishes of 10 ms or more, {sum(1 for p in pb if p[1] >= 50)} of 50 ms or more")
    print(f"window: node GC {len([x for x in node_gc if f <= x[0] <= t])} pauses,"
          f" {sum(x[1] for x in node_gc if f <= x[0] <= t):.0f} ms; load generator GC"
          f" {len([x for x in gen_gc if f <= x[0] <= t])} pauses, {sum(x[1] for x in gen_gc if f <= x[0] <= t):.0f} ms")
