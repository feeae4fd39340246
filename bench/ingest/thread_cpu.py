#!/usr/bin/env python3
"""CPU of an ingestor node per thread role, per benchmark window (docs/benchmarks.md, issue 19 item 3, issue-nodecpu).

JFR's execution samples see Java threads only; this reads the kernel's accounting of every thread of the process
(/proc/<pid>/task/<tid>/stat, utime + stime, in clock ticks; and schedstat's exact run time, in ns), so the node's GC
threads, JIT compiler threads, VM threads and the Kafka clients' network threads are counted with the rest.

    thread_cpu.py record PID OUT [--interval 1]
        Appends a snapshot of every thread of PID to OUT every interval seconds, until PID ends. A snapshot is a line
        `S <epoch seconds> <process ticks>` and a line `T <tid> <ticks> <schedstat ns> <comm>` per thread. The
        process's ticks include threads that have ended, so what ended inside a window is counted (as `exited`).

    thread_cpu.py record PID OUT --machine MOUT [--bench-db DB]
        Also appends, with every snapshot, the CPU of every process of the machine to MOUT, by process class (below).

    thread_cpu.py split OUT WINDOWS [--names DUMP] [--top N] [--machine MOUT]
        For every `WINDOW ... from=HH:MM:SS to=HH:MM:SS accepted_events=N` line in WINDOWS (CurrentRate's, UTC; the
        run script writes such lines for the `all` phase's load runs too), the CPU of each role between the
        snapshots nearest the window's start and end, in cores and in microseconds per accepted event. DUMP is a
        `jcmd PID Thread.print` taken before the process ended: it maps thread ids to full Java names (the kernel
        keeps 15 characters: every Kafka producer's network thread is `kafka-producer-`); without it, or for a
        thread it does not list, the 15 characters are used.

    With --machine, each window also gets a `MACHINE` line: the whole machine's CPU by process, in cores and in
    microseconds per accepted event (issue 19 item 3, issue-batchcpu: what the machine spends per event, not only
    the node). Classes:
        node        the ingestor (PID)
        pg-bench    the shared PostgreSQL server's backends connected to the benchmark's database (the Silver
                    writer's COPYs, the dedupe store, the stats upserts, the generator's own queries)
        pg-bg       its background processes (WAL writer, checkpointer, background writer, autovacuum launcher,
                    TimescaleDB's schedulers) and the postmaster
        pg-exited   its children that ended inside the window (the postmaster's reaped children's time: autovacuum
                    workers and short connections, of any database)
        pg-other    its backends connected to other databases (other users' tests)
        broker      the shared Kafka broker (kafka.Kafka run from $DASH_HOME's configuration, else any kafka.Kafka)
        s3          S3Proxy
        loadgen     the benchmark's own JVMs (dev.dash.bench.*: the load generator)
        other       every other process (other users' builds and tests, this recorder)
        unseen      the machine's busy time (/proc/stat) that no process above accounts for: the kernel's own
                    threads and interrupts, and processes of the other class that ended inside the window
    `pipeline` sums node, the PostgreSQL classes but pg-other, broker and s3: the machine's work per event for the
    deployment under test.

Roles (by the thread's name; the first that matches):
    http            vert.x-eventloop-thread-*, vert.x-acceptor-thread-* (the ingest API, the dedupe store's reactive
                    PostgreSQL client, Vert.x's own timers)
    workers         executor-thread-*, vert.x-worker-thread-*, vert.x-internal-blocking-*
    bronze          dash-bronze-* (the archiver's consumer loop and its uploads)
    silver-writer   dash-silver-writer (its consumer loop)
    silver-store    dash-silver-store (COPY, and the dash.points records)
    sinks-p2p       dash-sink-*, dash-p2p
    kafka-producer  kafka-producer-network-thread | <client id> (ingest, points, ...)
    kafka-other     every other kafka-* thread (consumer heartbeats, admin clients)
    gc              GC Thread#*, G1 * (parallel workers, concurrent marking, refinement, service)
    jit             C1/C2 CompilerThread*, the code cache sweeper
    vm              VM Thread (safepoints, the serial part of every GC pause), VM Periodic Task Thread, and the
                    JVM's other service threads
    jfr             JFR * (the benchmark's recording: not part of a deployed node)
    other           every other thread (the listing below names them)
    exited          threads that ended within the window (the process's ticks less its threads')
"""
import argparse
import calendar
import collections
import os
import re
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")

ROLES = [
    ("http", r"^vert\.x-(eventloop|acceptor)-thread"),
    ("workers", r"^(executor-thread|vert\.x-worker-thread|vert\.x-internal-blocking)"),
    ("bronze", r"^dash-bronze"),
    ("silver-writer", r"^dash-silver-writer"),
    ("silver-store", r"^dash-silver-store"),
    ("sinks-p2p", r"^dash-(sink|p2p)"),
    ("kafka-producer", r"^kafka-producer-"),
    ("kafka-other", r"^kafka-"),
    ("gc", r"^(GC Thread|G1 |ParGC|Parallel GC|PSYoungGen|Conc# ?\d|GC Conc)"),
    ("jit", r"^(C[12] CompilerThre|Sweeper thread)"),
    ("jfr", r"^JFR "),
    ("vm", r"^(VM Thread|VM Periodic|Service Thread|Monitor Deflation|Signal Dispatch|Finalizer|Reference Handl"
           r"|Common-Cleaner|Notification Thr|Attach Listener|java$|StrDedup)"),
]
ORDER = [r for r, _ in ROLES] + ["other", "exited"]


def role(name):
    for r, pattern in ROLES:
        if re.match(pattern, name):
            return r
    return "other"


def read_stat(path):
    with open(path) as f:
        s = f.read()
    comm = s[s.index("(") + 1:s.rindex(")")]
    fields = s[s.rindex(")") + 2:].split()
    return comm, int(fields[11]) + int(fields[12])


MACHINE_ORDER = ["node", "pg-bench", "pg-bg", "pg-exited", "pg-other", "broker", "s3", "loadgen", "other", "unseen"]
PIPELINE = ["node", "pg-bench", "pg-bg", "pg-exited", "broker", "s3"]


def proc_stat(pid):
    """(comm, ppid, utime + stime, cutime + cstime) of a process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return s[s.index("(") + 1:s.rindex(")")], int(fields[1]), int(fields[11]) + int(fields[12]), \
        int(fields[13]) + int(fields[14])


def machine_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]  # user nice system irq softirq steal


class Machine:
    """Classifies the machine's processes (the cmdline read once per pid) for `record --machine`."""

    def __init__(self, node_pid, bench_db):
        self.node = str(node_pid)
        self.bench_db = bench_db
        self.home = os.environ.get("DASH_HOME", "")
        self.cmdlines = {}
        self.postmaster = None

    def cmdline(self, pid):
        if pid not in self.cmdlines:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                self.cmdlines[pid] = f.read().replace(b"\0", b" ").decode(errors="replace")
        return self.cmdlines[pid]

    def classify(self, pid, comm, ppid):
        if pid == self.node:
            return "node"
        cmd = self.cmdline(pid)
        if comm == "postgres":
            if ppid == 1 or " -D " in cmd:
                if self.postmaster is None and (not self.home or self.home in cmd):
                    self.postmaster = pid
                return "pg-bg" if pid == self.postmaster else "other"
            if self.postmaster is None or str(ppid) != self.postmaster:
                return "other"
            m = re.match(r"postgres: \S+ (\S+) \S+\(", cmd)
            if not m:
                return "pg-bg"
            return "pg-bench" if m.group(1) == self.bench_db else "pg-other"
        if "kafka.Kafka" in cmd:
            return "broker" if not self.home or self.home in cmd else "other"
        if "s3proxy" in cmd:
            return "s3"
        if "dev.dash.bench." in cmd:
            return "loadgen"
        return "other"

    def snapshot(self, t):
        """`M <epoch> <machine busy ticks> <postmaster's children's ticks>` and `P <pid> <ticks> <class>` lines."""
        lines = []
        children = 0
        # the postmaster first, so its backends know it
        pids = sorted((p for p in os.listdir("/proc") if p.isdigit()), key=int)
        stats = {}
        for pid in pids:
            try:
                stats[pid] = proc_stat(pid)
            except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
                continue
        for pid, (comm, ppid, ticks, child) in sorted(stats.items(), key=lambda kv: kv[1][1] != 1):
            try:
                c = self.classify(pid, comm, ppid)
            except (FileNotFoundError, ProcessLookupError):
                continue
            if pid == self.postmaster:
                children = child
            lines.append(f"P {pid} {ticks} {c}")
        return [f"M {t:.3f} {machine_busy()} {children}"] + lines


def record(pid, out, interval, machine_out=None, bench_db="dash_bench"):
    machine = Machine(pid, bench_db) if machine_out else None
    mf = open(machine_out, "a") if machine_out else None
    with open(out, "a") as f:
        while True:
            try:
                t = time.time()
                _, proc = read_stat(f"/proc/{pid}/stat")
                lines = [f"S {t:.3f} {proc}"]
                for tid in os.listdir(f"/proc/{pid}/task"):
                    try:
                        comm, ticks = read_stat(f"/proc/{pid}/task/{tid}/stat")
                        with open(f"/proc/{pid}/task/{tid}/schedstat") as s:
                            ns = int(s.read().split()[0])
                    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
                        continue  # the thread ended meanwhile
                    lines.append(f"T {tid} {ticks} {ns} {comm}")
            except (FileNotFoundError, ProcessLookupError):
                return  # the process ended
            f.write("\n".join(lines) + "\n")
            f.flush()
            if machine:
                mf.write("\n".join(machine.snapshot(t)) + "\n")
                mf.flush()
            time.sleep(max(0.0, interval - (time.time() - t)))


def snapshots(path):
    snap = None
    for line in open(path):
        parts = line.rstrip("\n").split(" ", 4)
        if parts[0] == "S":
            if snap:
                yield snap
            snap = {"t": float(parts[1]), "proc": int(parts[2]), "threads": {}}
        elif parts[0] == "T" and snap is not None and len(parts) == 5:
            snap["threads"][parts[1]] = (parts[4], int(parts[2]), int(parts[3]))
    if snap:
        yield snap


def names_from_dump(path):
    """tid (decimal) -> Java name, from `jcmd PID Thread.print` (JDK 17: nid=0x..; later JDKs: decimal)."""
    out = {}
    if not path or not os.path.exists(path):
        return out
    for line in open(path):
        m = re.match(r'^"(.*)" .*\bnid=(0x[0-9a-f]+|\d+)\b', line)
        if m:
            out[str(int(m.group(2), 0))] = m.group(1)
    return out


def windows(path):
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path):
        if line.startswith("WINDOW "):
            kv = dict(re.findall(r"(\w+)=(\S+)", line))
            if "from" in kv and "to" in kv:
                out.append(kv)
    return out


def epoch_of(hms, near):
    """Epoch seconds of a UTC HH:MM:SS on the day (before, of or after `near`) that puts it closest to `near`."""
    day = calendar.timegm(time.gmtime(near)[:3] + (0, 0, 0))
    h, m, s = (int(x) for x in hms.split(":"))
    candidates = [day + d * 86400 + h * 3600 + m * 60 + s for d in (-1, 0, 1)]
    return min(candidates, key=lambda c: abs(c - near))


def nearest(snaps, t):
    return min(snaps, key=lambda s: abs(s["t"] - t))


def split(samples, windows_file, dump, top, machine=None):
    snaps = list(snapshots(samples)) if os.path.exists(samples) else []
    if len(snaps) < 2:
        print(f"THREADS no snapshots in {samples}")
        return
    full = names_from_dump(dump)
    for kv in windows(windows_file):
        # CurrentRate's from/to are whole seconds of the instants it read its counters at: +0.5 s on average.
        t0 = epoch_of(kv["from"], snaps[0]["t"]) + 0.5
        t1 = epoch_of(kv["to"], t0) + 0.5
        a, b = nearest(snaps, t0), nearest(snaps, t1)
        dt = b["t"] - a["t"]
        if dt <= 0:
            print(f"THREADS label={kv.get('label')} mode={kv.get('mode')} rate={kv.get('rate')} no snapshots inside")
            continue
        events = max(1, int(kv.get("accepted_events", "0")))
        span = max(1.0, t1 - t0)  # the window's own length: CPU per event is its cores over it
        ticks = collections.Counter()
        ns = collections.Counter()
        count = collections.Counter()
        per_thread = collections.Counter()
        for tid, (comm, tk, n) in b["threads"].items():
            _, tk0, n0 = a["threads"].get(tid, (comm, 0, 0))  # a thread started in the window: all of it
            name = full.get(tid, comm)
            r = role(name)
            ticks[r] += tk - tk0
            ns[r] += n - n0
            count[r] += 1
            per_thread[(name, r)] += tk - tk0
        ticks["exited"] = (b["proc"] - a["proc"]) - sum(ticks.values())
        node = b["proc"] - a["proc"]
        node_ns = sum(ns.values())

        def cores(tk):
            return tk / TICKS / dt

        def us(tk):
            return cores(tk) * span * 1e6 / events

        head = (f"label={kv.get('label')} mode={kv.get('mode')} rate={kv.get('rate')} kept={kv.get('kept', '-')}"
                f" from={kv['from']} to={kv['to']} events={events}")
        print(f"THREADS {head} node_cores={cores(node):.3f} node_us_per_event={us(node):.1f}"
              f" node_sched_us_per_event={node_ns / 1e3 / dt * span / events:.1f} "
              + " ".join(f"{r}={cores(ticks[r]):.3f}c/{us(ticks[r]):.1f}us" for r in ORDER if ticks[r] or count[r]))
        print(f"  {'role':<15} {'threads':>7} {'cores':>7} {'us/event':>9} {'share':>6} {'sched us/event':>15}")
        for r in ORDER:
            if not ticks[r] and not count[r]:
                continue
            share = ticks[r] / node * 100 if node else 0
            sched = f"{ns[r] / 1e3 / dt * span / events:.1f}" if r != "exited" else "-"
            print(f"  {r:<15} {count[r]:>7} {cores(ticks[r]):>7.3f} {us(ticks[r]):>9.1f} {share:>5.1f}% {sched:>15}")
        print(f"  {'node':<15} {sum(count.values()):>7} {cores(node):>7.3f} {us(node):>9.1f} {'':>6} "
              f"{node_ns / 1e3 / dt * span / events:>15.1f}")
        busiest = [(k, v) for k, v in per_thread.most_common(top) if v > 0]
        print("  busiest threads: " + "; ".join(f"{n} ({r}) {cores(v):.3f}" for (n, r), v in busiest))
        if machine:
            split_machine(machine, kv, t0, t1, events)


def machine_snapshots(path):
    snap = None
    for line in open(path):
        parts = line.split()
        if parts and parts[0] == "M" and len(parts) == 4:
            if snap:
                yield snap
            snap = {"t": float(parts[1]), "busy": int(parts[2]), "children": int(parts[3]), "procs": {}}
        elif parts and parts[0] == "P" and snap is not None and len(parts) == 4:
            snap["procs"][parts[1]] = (int(parts[2]), parts[3])
    if snap:
        yield snap


def split_machine(path, kv, t0, t1, events):
    """The MACHINE line of one window: each process class's cores and microseconds per accepted event."""
    snaps = list(machine_snapshots(path)) if os.path.exists(path) else []
    if len(snaps) < 2:
        print(f"MACHINE no snapshots in {path}")
        return
    a, b = nearest(snaps, t0), nearest(snaps, t1)
    dt = b["t"] - a["t"]
    if dt <= 0:
        print(f"MACHINE label={kv.get('label')} rate={kv.get('rate')} no snapshots inside")
        return
    ticks = collections.Counter()
    for pid, (tk, c) in b["procs"].items():
        tk0, c0 = a["procs"].get(pid, (0, c))  # a process started in the window: all of it
        if c0 == c:
            ticks[c] += tk - tk0
    # The postmaster's reaped children's ticks count their whole lives: less what those alive at the window's start
    # had used by then (counted in no class here), so the part inside the window is counted once.
    gone = sum(tk0 for pid, (tk0, c0) in a["procs"].items() if pid not in b["procs"] and c0.startswith("pg-"))
    ticks["pg-exited"] = b["children"] - a["children"] - gone
    busy = b["busy"] - a["busy"]
    ticks["unseen"] = busy - sum(ticks.values())
    span = max(1.0, t1 - t0)

    def cores(tk):
        return tk / TICKS / dt

    def us(tk):
        return cores(tk) * span * 1e6 / events

    pipeline = sum(ticks[c] for c in PIPELINE)
    print(f"MACHINE label={kv.get('label')} mode={kv.get('mode')} rate={kv.get('rate')} kept={kv.get('kept', '-')}"
          f" events={events} machine={cores(busy):.3f}c/{us(busy):.1f}us pipeline={cores(pipeline):.3f}c/{us(pipeline):.1f}us "
          + " ".join(f"{c}={cores(ticks[c]):.3f}c/{us(ticks[c]):.1f}us" for c in MACHINE_ORDER))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("pid")
    rec.add_argument("out")
    rec.add_argument("--interval", type=float, default=1.0)
    rec.add_argument("--machine")
    rec.add_argument("--bench-db", default="dash_bench")
    spl = sub.add_parser("split")
    spl.add_argument("samples")
    spl.add_argument("windows")
    spl.add_argument("--names")
    spl.add_argument("--top", type=int, default=12)
    spl.add_argument("--machine")
    a = ap.parse_args()
    if a.cmd == "record":
        record(a.pid, a.out, a.interval, a.machine, a.bench_db)
    else:
        split(a.samples, a.windows, a.names, a.top, a.machine)


if __name__ == "__main__":
    sys.exit(main())
