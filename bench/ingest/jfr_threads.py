#!/usr/bin/env python3
"""Allocation and CPU samples of some threads of a JFR recording, by frame (docs/benchmarks.md, issue-ingestpath).

bench/replay/jfr_summary.py sums every thread; this one keeps the threads whose name matches --threads (a regular
expression, default the HTTP event loops) and prints, for the events in [--from, --to] (UTC HH:MM:SS; omit for the
whole recording):
  - bytes allocated (jdk.ObjectAllocationSample weights) by class, by top frame, and by the first frame of each
    --mark prefix found on the stack (inclusive: a frame counts every sample with it anywhere on the stack);
  - CPU samples (jdk.ExecutionSample) by self frame and by the same inclusive marks.
With --events, bytes are also given per event.

    bench/ingest/jfr_threads.py rec.jfr --from 08:40:10 --to 08:40:25 --events 123400 \
        --mark dev.dash. --mark org.apache.kafka. --mark io.vertx.pgclient.
"""
import argparse
import collections
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "replay"))
from jfr_summary import UNITS, events  # noqa: E402  (the same reading of `jfr print`)


def method(frame):
    return re.sub(r"\(.*$", "", frame)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recording")
    ap.add_argument("--threads", default=r"^vert\.x-eventloop-thread")
    ap.add_argument("--from", dest="lo")
    ap.add_argument("--to", dest="hi")
    ap.add_argument("--events", type=float)
    ap.add_argument("--mark", action="append", default=[])
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    pattern = re.compile(a.threads)
    marks = a.mark or ["dev.dash."]

    def keep(ev, thread_field):
        t = ev.get("startTime", "")
        t = t[t.find(":") - 2:][:8] if ":" in t else t
        name = ev.get(thread_field, "?").strip('"').split('"')[0]
        return pattern.search(name) and (a.lo is None or t >= a.lo) and (a.hi is None or t <= a.hi)

    def per(v):
        return f"  {v / a.events:9,.0f} B/event" if a.events else ""

    total = 0.0
    by_class = collections.Counter()
    by_top = collections.Counter()
    by_mark = collections.Counter()
    for ev in events(a.recording, "jdk.ObjectAllocationSample"):
        if not keep(ev, "eventThread"):
            continue
        n, unit = ev.get("weight", "0 bytes").split()[:2]
        w = float(n.replace(",", "")) * UNITS.get(unit, 1)
        total += w
        by_class[ev.get("objectClass", "?").split(" (")[0]] += w
        by_top[method(ev["stack"][0]) if ev["stack"] else "?"] += w
        seen = set()
        for f in ev["stack"]:
            m = method(f)
            if any(m.startswith(p) for p in marks) and m not in seen:
                seen.add(m)
                by_mark[m] += w
    print(f"allocated by {a.threads}: {total / 1024**2:,.1f} MB" + per(total))
    for title, c in (("class", by_class), ("top frame", by_top), ("frame on the stack (inclusive)", by_mark)):
        print(f"-- by {title}")
        for k, v in c.most_common(a.top):
            print(f"  {100 * v / total if total else 0:5.1f} %{per(v)}  {k}")

    samples = 0
    self_frame = collections.Counter()
    marked = collections.Counter()
    for ev in events(a.recording, "jdk.ExecutionSample"):
        if not keep(ev, "sampledThread"):
            continue
        samples += 1
        self_frame[method(ev["stack"][0]) if ev["stack"] else "?"] += 1
        seen = set()
        for f in ev["stack"]:
            m = method(f)
            if any(m.startswith(p) for p in marks) and m not in seen:
                seen.add(m)
                marked[m] += 1
    print(f"CPU samples of {a.threads}: {samples}")
    for title, c in (("self frame", self_frame), ("frame on the stack (inclusive)", marked)):
        print(f"-- by {title}")
        for k, v in c.most_common(a.top):
            print(f"  {100 * v / samples if samples else 0:5.1f} %  {k}")


if __name__ == "__main__":
    sys.exit(main())
