#!/usr/bin/env python3
"""CPU of the plain rollup refresh in rounds of a given length (docs/benchmarks.md, "Where the replay's CPU goes").

On a database kept by `KEEP_DB=1 ... bench/replay/run.sh`, refreshes TOTAL minutes of the replayed pipeline's
version 2 from START with `dash_refresh_rollups` in rounds of ROUND minutes on one connection, and prints the
backend's CPU (/proc/<pid>/stat, utime + stime; run it on the database's machine) per row. Run under the lock:

    flock /tmp/dash-bench.lock bench/replay/refresh-rounds.py dash_bench_replay <pipeline> '2026-12-06 14:00:00+00' 30 3
"""
import os
import subprocess
import sys
import time

if len(sys.argv) != 6:
    sys.exit("usage: refresh-rounds.py <database> <pipeline> <start timestamptz> <total minutes> <round minutes>")
db,pipe,start,total,step=sys.argv[1],sys.argv[2],sys.argv[3],int(sys.argv[4]),int(sys.argv[5])
os.environ["PGPASSWORD"]="dash"
p=subprocess.Popen(["psql","-h","127.0.0.1","-p","15432","-U","dash","-d",db,"-Atq"],stdin=subprocess.PIPE,stdout=subprocess.PIPE,text=True,bufsize=1)
def q(s):
    p.stdin.write(s+";\nSELECT 'EOQ';\n"); p.stdin.flush()
    out=[]
    while True:
        l=p.stdout.readline().strip()
        if l=='EOQ': return out
        out.append(l)
pid=q("SELECT pg_backend_pid()")[0]
def cpu():
    f=open(f"/proc/{pid}/stat").read().split(")")[1].split()
    return (int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK')
rows=int(q(f"SELECT count(*) FROM metrics WHERE pipeline_id='{pipe}' AND mapping_version=2 AND time >= '{start}'::timestamptz AND time < '{start}'::timestamptz + interval '{total} minutes'")[0])
c0=cpu(); t0=time.time()
for r in range(0,total,step):
    q(f"SELECT dash_refresh_rollups('{pipe}', '{start}'::timestamptz + interval '{r} minutes', '{start}'::timestamptz + interval '{min(r+step,total)} minutes', 2)")
c1=cpu()
print(f"{total} min in rounds of {step}: {rows} rows, backend cpu {c1-c0:.2f} s, wall {time.time()-t0:.2f} s, per row {(c1-c0)/rows*1e6:.2f} us")
