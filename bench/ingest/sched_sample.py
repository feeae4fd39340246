#!/usr/bin/env python3
"""CPU contention at a fine grain (docs/benchmarks.md, issue-singles): every INTERVAL ms, the machine's CPU pressure
(/proc/pressure/cpu and io: time some task waited) and, for the threads on a single ingest request's path, the time
each spent running and waiting for a CPU (/proc/.../schedstat: run ns, run-queue wait ns), summed per role:

    sched_sample.py OUT --node PID [--broker PID] [--db NAME] [--interval 20]

Roles: node-loops (the node's vert.x-eventloop threads), node-producer (kafka-producer-network-thread of the node),
node-gc (GC threads), node-other, loadgen (every thread of the CurrentRate process), pg-db (the backends of database
NAME), pg-other (every other postgres process), broker (the broker's JVM). Runs until the node ends. A line per
sample: `epoch_ms psi_cpu_us psi_io_us role:run_us/wait_us ...` (deltas since the previous sample).
"""
import argparse
import os
import re
import time

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--node", type=int, required=True)
ap.add_argument("--broker", type=int)
ap.add_argument("--db", default="dash_bench")
ap.add_argument("--interval", type=float, default=20)
a = ap.parse_args()


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def comm(path):
    try:
        with open(path + "/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def psi(name):
    try:
        with open(f"/proc/pressure/{name}") as f:
            return int(re.search(r"total=(\d+)", f.readline()).group(1))
    except OSError:
        return 0


def discover():
    """{schedstat path: role}"""
    paths = {}
    loadgen = None
    pg = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        c = cmdline(d)
        if "dev.dash.bench.ingest.CurrentRate" in c:
            loadgen = int(d)
        elif c.startswith("postgres:") or "/postgres " in c:
            pg.append((int(d), c))
    for tid in os.listdir(f"/proc/{a.node}/task"):
        base = f"/proc/{a.node}/task/{tid}"
        n = comm(base)
        role = ("node-loops" if n.startswith("vert.x-eventloo") else "node-producer" if n.startswith("kafka-producer-")
                else "node-gc" if n.startswith("GC Thread") or n.startswith("VM Thread") else "node-other")
        paths[base + "/schedstat"] = role
    if loadgen:
        for tid in os.listdir(f"/proc/{loadgen}/task"):
            paths[f"/proc/{loadgen}/task/{tid}/schedstat"] = "loadgen"
    for pid, c in pg:
        paths[f"/proc/{pid}/schedstat"] = "pg-db" if f" {a.db} " in c else "pg-other"
    if a.broker:
        for tid in os.listdir(f"/proc/{a.broker}/task"):
            paths[f"/proc/{a.broker}/task/{tid}/schedstat"] = "broker"
    return paths


roles = ["node-loops", "node-producer", "node-gc", "node-other", "loadgen", "pg-db", "pg-other", "broker"]
prev = {}
paths = {}
last_discover = 0
with open(a.out, "w", buffering=1) as out:
    out.write("# epoch_ms psi_cpu_us psi_io_us " + " ".join(f"{r}:run_us/wait_us" for r in roles) + "\n")
    p_cpu, p_io = psi("cpu"), psi("io")
    while os.path.exists(f"/proc/{a.node}"):
        now = time.time()
        if now - last_discover > 1:
            paths = discover()
            last_discover = now
        sums = {r: [0, 0] for r in roles}
        cur = {}
        for p, role in paths.items():
            try:
                with open(p) as f:
                    run, wait, _ = f.read().split()
            except (OSError, ValueError):
                continue
            cur[p] = (int(run), int(wait))
            if p in prev:
                sums[role][0] += cur[p][0] - prev[p][0]
                sums[role][1] += cur[p][1] - prev[p][1]
        c, i = psi("cpu"), psi("io")
        out.write(f"{int(now * 1000)} {c - p_cpu} {i - p_io} "
                  + " ".join(f"{sums[r][0] // 1000}/{sums[r][1] // 1000}" for r in roles) + "\n")
        p_cpu, p_io = c, i
        prev = cur
        time.sleep(max(0.0, a.interval / 1000 - (time.time() - now)))
