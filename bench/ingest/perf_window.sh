#!/bin/bash
# perf_window.sh APPDIR OUTPREFIX [PORT]: a flat CPU profile of an ingestor node during a benchmark window (docs/benchmarks.md,
# "Single events: the request's fixed cost", issue-singlepath). Start it before bench/ingest/run.sh with the same
# INGESTOR_APP (and INGESTOR_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit", so that perf names the JIT's
# code from /tmp/perf-<pid>.map once the node stops): it waits for the node started from APPDIR and for ingest traffic,
# then 38 s (a `current` window's 30 s warm-up), then records 40 s of every thread of the node (OUTPREFIX.data, perf
# record -F 1999, no call graphs) with CPU time and context switches per thread (OUTPREFIX.stat) and the events accepted
# meanwhile (OUTPREFIX.info). Read it with bench/ingest/perf_split.py.
# perf-records (flat, all threads of the node) 40 s of the window, plus per-thread context switches.
app=$1; out=$2; port=${3:-18182}
until pid=$(pgrep -f "^java .*-jar $app/quarkus-run.jar" | head -1) && [ -n "$pid" ]; do sleep 1; done
echo "pid $pid" > $out.info
prev=0
while kill -0 $pid 2>/dev/null; do
  n=$(curl -fsS http://127.0.0.1:$port/q/metrics 2>/dev/null | awk '/^dash_ingest_accepted_events_total/{s+=$NF} END{printf "%d", s}')
  if [ -n "$n" ] && [ $((n - prev)) -gt 2000 ] && [ $prev -gt 0 ]; then break; fi
  prev=${n:-0}; sleep 1
done
echo "traffic at $(date -u +%T)" >> $out.info
sleep 38
echo "perf from $(date -u +%T)" >> $out.info
n0=$(curl -fsS http://127.0.0.1:$port/q/metrics | awk '/^dash_ingest_accepted_events_total/{s+=$NF} END{printf "%d", s}')
perf stat --per-thread -e task-clock,context-switches -p $pid -o $out.stat -- sleep 40 &
perf record -F 1999 -p $pid -o $out.data -- sleep 40 2>>$out.info
wait
n1=$(curl -fsS http://127.0.0.1:$port/q/metrics | awk '/^dash_ingest_accepted_events_total/{s+=$NF} END{printf "%d", s}')
echo "perf to $(date -u +%T) events $((n1 - n0))" >> $out.info
