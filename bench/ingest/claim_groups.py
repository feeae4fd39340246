#!/usr/bin/env python3
"""PostgreSQL backend CPU per dedupe claim by group size (docs/benchmarks.md, issue 19 item 3, issue-single11).

Runs DedupeRepository's CLAIM statement (read from its source) through psql as a prepared statement, in groups of
each given size (fresh delivery ids, autocommit, synchronous_commit=off as the node's pool), and prints the CPU the
backend used per claim (/proc/<backend>/schedstat, ns) and the wall time per claim. The backend must run on this
machine; the database must hold ingest_dedupe (a test database the tests migrated).

    PGPASSWORD=dash bench/ingest/claim_groups.py --db dash_test_x --claims 6000 1 2 4 8 16 1
"""
import argparse
import datetime
import os
import re
import subprocess
import tempfile
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE = os.path.join(ROOT, "ingestor-service/src/main/java/dev/dash/ingestor/ingest/DedupeRepository.java")


def arr(xs):
    return "'{" + ",".join('"%s"' % x for x in xs) + "}'"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", default="15432")
    ap.add_argument("--user", default="dash")
    ap.add_argument("--db", required=True)
    ap.add_argument("--claims", type=int, default=6000, help="claims per group size")
    ap.add_argument("sizes", type=int, nargs="+")
    a = ap.parse_args()
    claim = open(SOURCE).read().split('private static final String CLAIM = """')[1].split('""";')[0].strip()
    backend = "cat /proc/$(pgrep -f 'postgres: %s %s ' | head -1)/schedstat; date +%%s%%N" % (a.user, a.db)
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    r, l, x = (now.isoformat() + "Z", (now + datetime.timedelta(seconds=30)).isoformat() + "Z",
               (now + datetime.timedelta(hours=72)).isoformat() + "Z")
    pipeline = str(uuid.uuid4())
    out = ["SET synchronous_commit = off;",
           "PREPARE claim(uuid[], text[], text[], timestamptz[], timestamptz[], timestamptz[]) AS " + claim + ";"]
    for g in a.sizes:
        out += ["\\! echo size %d; %s" % (g, backend), "\\o /dev/null"]
        for _ in range(a.claims // g):
            d = [str(uuid.uuid4()) for _ in range(g)]
            e = [str(uuid.uuid4()) for _ in range(g)]
            out.append("EXECUTE claim(%s, %s, %s, %s, %s, %s);" % (
                arr([pipeline] * g), arr(d), arr(e), arr([r] * g), arr([l] * g), arr([x] * g)))
        out += ["\\o", "\\! echo end; %s" % backend]
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as f:
        f.write("\n".join(out) + "\n")
        f.flush()
        text = subprocess.run(["psql", "-q", "-h", a.host, "-p", a.port, "-U", a.user, "-d", a.db, "-f", f.name],
                              capture_output=True, text=True, check=True).stdout
    lines = [s for s in text.splitlines() if s.strip()]
    i = 0
    while i + 5 < len(lines):
        m = re.match(r"size (\d+)", lines[i])
        if not m:
            i += 1
            continue
        g = int(m.group(1))
        n = (a.claims // g) * g
        cpu = int(lines[i + 4].split()[0]) - int(lines[i + 1].split()[0])
        wall = int(lines[i + 5]) - int(lines[i + 2])
        print("CLAIMS group=%d claims=%d backend_cpu_us_per_claim=%.1f wall_us_per_claim=%.1f" % (
            g, n, cpu / n / 1000, wall / n / 1000))
        i += 6


if __name__ == "__main__":
    main()
