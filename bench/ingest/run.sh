#!/usr/bin/env bash
# Ingest benchmark (docs/benchmarks.md, "Ingest"). Builds the load generator, the bare-202 baseline app and the
# ingestor; prepares its own database (dash_bench) and GitHub-signed pipelines; starts the packaged ingestor and
# the baseline as separate processes and measures both in the same run, for single events and NDJSON batches,
# in two phases:
#   ingest-only  the node with the archiver and writer off (an ingest-only node of a scaled deployment),
#                plus single events to a pipeline with dedupe off, to show what the dedupe store costs
#   all          one ingestor node doing everything: ingest API + Bronze archiver + Silver writer (consumer
#                groups of its own from the end of dash.raw; measured once it has caught up)
#   current      (not in the default PHASES) the highest offered rate at which such an all-in-one node stays
#                current (dash_silver_lag and dash_bronze_lag bounded over a 60 s window), searched over offered
#                rates for single events and for batches (CurrentRate), against a raw COPY of the same rows measured
#                first in the same run; the node runs under JFR, and its allocation per event per role (ingest,
#                writer, archiver) is printed for every window (alloc_split.py). About 15 minutes.
# Every phase that runs the ingestor also prints, per window (each `current` window; each load run of `all` and
# `ingest-only`, warm-up included), the node's CPU per thread role: HTTP event loops, workers, Bronze archiver,
# Silver writer and store, sinks/p2p, Kafka producer network threads, other Kafka threads, GC, JIT compiler, VM
# threads (thread_cpu.py, from /proc/<pid>/task; logs in bench/ingest/target/logs/<phase>.threads), and the whole
# machine's by process (MACHINE lines: the node, PostgreSQL's backends of the benchmark's database and its background
# processes, the broker, S3Proxy, the load generator, everything else; <phase>.machine).
# then drains dash.raw (so other ingestors sharing the topic and groups inherit no backlog) and measures the
# Silver writer's write path against a raw COPY. Needs the local services (deploy/local/services up).
#
#   bench/ingest/run.sh
#   WARMUP=30 MEASURE=20 SINGLE_CONCURRENCY=32 BATCH_CONCURRENCY=8 BATCH=100 PHASES="all ingest-only" bench/ingest/run.sh
#   SKIP_BUILD=1 bench/ingest/run.sh     # reuse the last build
#   INGESTOR_APP=/path/to/quarkus-app SKIP_BUILD=1 bench/ingest/run.sh   # measure another build of the ingestor
#                (a copy of an earlier ingestor-service/target/quarkus-app, for before/after rounds)
#   INGESTOR_JVM="-XX:+UseG1GC -Xmx1g" ...   # the node's JVM flags (default: @deploy/local/ingestor.jvm, what ships)
#   DRAIN=0 SILVER_ROUNDS=0 ...          # skip draining dash.raw and the Silver benchmark (drain in the last round);
#                                        # DRAIN_MAX: most seconds the drain waits (1800)
#   PHASES=current SILVER_ROUNDS=0 bench/ingest/run.sh   # the end-to-end figure only; its knobs: SINGLE_START and
#                BATCH_START (first offered rate, events/s), CURRENT_WARMUP (s at each rate before the window; the
#                first window at least CURRENT_FIRST_WARMUP, 90: the node's JIT compiler busy no more), CURRENT_WINDOW (60), CURRENT_WINDOWS (most windows per mode), CURRENT_DRAIN
#                (most s to wait for the lags between windows), COPY_EVENTS (events per raw COPY round), CURRENT_MODES
#                ("single batch"; add single-nodedupe for single events to the pipeline with dedupe off)
#   STALLS=1 PHASES=current ...          # what stalls single requests (docs/benchmarks.md, issue-singles): the node's JFR
#                adds bench/ingest/stalls.jfc (safepoints, parking, locks, the dash.ingest events over 5 ms); the bench
#                database logs statements over PG_LOG_MS (20) ms, lock waits over it, and ingest_dedupe's autovacuum
#                (per database and per table, through the local superuser; checkpoints are logged by the server
#                anyway); the broker's GC is sampled every 100 ms (jstat, logs/broker-gc.txt). Use a database of your
#                own (BENCH_DB) so the settings reach no one else's run. CurrentRate always writes a 10 ms timeline of
#                each window (logs/timeline-*.csv: sent, answered, in flight, held back, its own timer's gaps) and
#                CAP lines (each episode of requests held back at the in-flight cap); the load generator logs its GC
#                and safepoints to logs/loadgen-gc.log. bench/ingest/stall_causes.py bench/ingest/target/logs: what each
#                episode's oldest request waited through (claims, publishes, the node's and the generator's GC).
#   ALL_MODES=single PHASES="current all" ...   # the closed loops of `all` and `ingest-only` for these modes only
#                ("single batch"), e.g. the single-event ratio against the bare endpoint without the batch loops
#   PHASES=dedupe DRAIN=0 SILVER_ROUNDS=0 bench/ingest/run.sh   # what a dedupe claim costs: PostgreSQL (the node's
#                DedupeRepository), claims alone, and a compacted Kafka topic (DedupeClaims), at DEDUPE_IN_FLIGHT
#                ("32 512") claims in flight; about 3 minutes
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "${ROOT}"
WARMUP="${WARMUP:-30}"
MEASURE="${MEASURE:-20}"
SINGLE_CONCURRENCY="${SINGLE_CONCURRENCY:-32}"
BATCH_CONCURRENCY="${BATCH_CONCURRENCY:-8}"
BATCH="${BATCH:-100}"
PHASES="${PHASES-ingest-only all}"
SILVER_EVENTS="${SILVER_EVENTS:-100000}"
SILVER_ROUNDS="${SILVER_ROUNDS:-3}"
INGESTOR_APP="${INGESTOR_APP:-${ROOT}/ingestor-service/target/quarkus-app}"
# The ingestor's JVM flags: by default those of deploy/local/dash and the k8s pod (deploy/local/ingestor.jvm), so the
# benchmark measures what ships; set INGESTOR_JVM to measure others (the whole set: two GCs cannot be combined).
INGESTOR_JVM="${INGESTOR_JVM:-@${ROOT}/deploy/local/ingestor.jvm}"
DRAIN="${DRAIN:-1}"
DRAIN_MAX="${DRAIN_MAX:-1800}"
SINGLE_START="${SINGLE_START:-2000}"
BATCH_START="${BATCH_START:-8000}"
CURRENT_WARMUP="${CURRENT_WARMUP:-10}"
CURRENT_WINDOW="${CURRENT_WINDOW:-60}"
CURRENT_WINDOWS="${CURRENT_WINDOWS:-5}"
CURRENT_DRAIN="${CURRENT_DRAIN:-120}"
COPY_EVENTS="${COPY_EVENTS:-100000}"
CURRENT_MODES="${CURRENT_MODES:-single batch}"
ALL_MODES="${ALL_MODES:-single batch}"
CURRENT_ROTATE_AGE="${CURRENT_ROTATE_AGE:-10s}"
DEDUPE_IN_FLIGHT="${DEDUPE_IN_FLIGHT:-32 512}"
# The open-loop load generator's JVM (CurrentRate): its young generation fixed large, so it collects every 10 s or so
# at 6,000 requests/s instead of every second. With -Xmx1g alone G1 sized it to about 85 MB and paused it 50 times a
# minute, 1.2 s in all (up to 68 ms each on a busy machine): meanwhile it read no answers and sent nothing, and its
# in-flight count stood still (docs/benchmarks.md, issue-singles).
LOADGEN_JVM="${LOADGEN_JVM:--Xms1g -Xmx1g -Xmn640m -XX:+AlwaysPreTouch}"
STALLS="${STALLS:-0}"
PG_LOG_MS="${PG_LOG_MS:-20}"
CURRENT_JFR_SETTINGS="default"
[[ "${STALLS}" == 0 ]] || CURRENT_JFR_SETTINGS="default,${ROOT}/bench/ingest/stalls.jfc"
INGESTOR_PORT="${INGESTOR_PORT:-18182}"
BASELINE_PORT="${BASELINE_PORT:-18181}"
DB="${BENCH_DB:-dash_bench}"
KEYS="bench:jGIDyZYyhFHBT58r5XLU8XkFECLKXxhexxCfFBxoEjs="
LOGS="${ROOT}/bench/ingest/target/logs"

# shellcheck source=bench/lib.sh
source "${ROOT}/bench/lib.sh"
if [[ -z "${SKIP_BUILD:-}" ]]; then
  dash_build -Pbench -pl bench/ingest,bench/ingest-baseline -am package -DskipTests -Dspotless.check.skip=true
fi
eval "$(deploy/local/services env)"
dash_service_flags "${DB}"
mkdir -p "${LOGS}"
CP="$(cat bench/ingest/target/classpath.txt):bench/ingest/target/classes"

setup="$(java -cp "${CP}" dev.dash.bench.ingest.BenchSetup "${DASH_PG_HOST}" "${DASH_PG_PORT}" "${DASH_PG_USER}" \
  "${DASH_PG_PASSWORD}" "${DB}" "${DASH_KAFKA_BOOTSTRAP}" "${KEYS}" 2>>"${LOGS}/setup.log" | grep '=')"
eval "${setup}"
if [[ "${STALLS}" != 0 ]]; then
  # Per database and per table only (the database is this run's, made afresh by BenchSetup): never the server's
  # global configuration. log_min_duration_statement, log_lock_waits and deadlock_timeout need a superuser: the local
  # services' postgres role (trusted from this machine, deploy/local/services).
  PGPASSWORD="${DASH_PG_PASSWORD}" psql -q -h "${DASH_PG_HOST}" -p "${DASH_PG_PORT}" -U postgres -d postgres \
    -c "ALTER DATABASE ${DB} SET log_min_duration_statement = ${PG_LOG_MS}" -c "ALTER DATABASE ${DB} SET log_lock_waits = on" \
    -c "ALTER DATABASE ${DB} SET deadlock_timeout = '${PG_LOG_MS}ms'"
  PGPASSWORD="${DASH_PG_PASSWORD}" psql -q -h "${DASH_PG_HOST}" -p "${DASH_PG_PORT}" -U "${DASH_PG_USER}" -d "${DB}" \
    -c "ALTER TABLE ingest_dedupe SET (log_autovacuum_min_duration = 0)"
  echo "STALLS: PostgreSQL log from byte $(stat -c %s "${DASH_HOME}/logs/postgres.log" 2>/dev/null || echo 0) of ${DASH_HOME}/logs/postgres.log"
fi

baseline_pid=""
ingestor_pid=""
threads_pid=""
broker_gc_pid=""
cleanup() {
  for p in ${baseline_pid} ${ingestor_pid} ${threads_pid} ${broker_gc_pid}; do kill "${p}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

gen() { java -Xmx1g -cp "${CP}" dev.dash.bench.ingest.LoadGenerator "$@" | grep RESULT; }
# CPU time the ingestor process used (user + system, in clock ticks), which a busy machine disturbs far less than
# its rate: a slower run takes longer but not more CPU per event.
cpu_ticks() { awk '{print $14 + $15}' "/proc/${ingestor_pid}/stat"; }
# gen against the ingestor, then its CPU per accepted event over the whole run (warm-up included).
# Also appends a WINDOW line (the run's UTC start and end, events accepted) to ${LOGS}/${phase}.txt for split_threads.
gen_ingestor() {
  local c0 e0 c1 e1 from
  from="$(date -u +%H:%M:%S)"; c0="$(cpu_ticks)"; e0="$(metric dash_ingest_accepted_events_total)"
  gen "$@"
  c1="$(cpu_ticks)"; e1="$(metric dash_ingest_accepted_events_total)"
  echo "WINDOW label=${!#} mode=$5 rate=closed from=${from} to=$(date -u +%H:%M:%S) accepted_events=$((e1 - e0))" >>"${LOGS}/${phase}.txt"
  echo "CPU label=${!#} mode=$5 ingestor_cpu_s=$(echo "scale=2; (${c1} - ${c0}) / $(getconf CLK_TCK)" | bc) events=$((e1 - e0)) cpu_us_per_event=$(echo "scale=1; (${c1} - ${c0}) * 1000000 / $(getconf CLK_TCK) / (${e1} - ${e0} + 1)" | bc)"
}
# The node's CPU per thread role per window (thread_cpu.py): record_threads NAME samples every thread of the running
# ingestor into ${LOGS}/NAME.threads until it ends; split_threads NAME, before the ingestor is stopped, takes its thread
# names (jcmd: the kernel keeps 15 characters of each) and prints the split of every WINDOW line in ${LOGS}/NAME.txt.
record_threads() {
  rm -f "${LOGS}/$1.threads" "${LOGS}/$1.names" "${LOGS}/$1.machine"
  python3 bench/ingest/thread_cpu.py record "${ingestor_pid}" "${LOGS}/$1.threads" --machine "${LOGS}/$1.machine" \
    --bench-db "${DB}" &
  threads_pid=$!
}
split_threads() {
  jcmd "${ingestor_pid}" Thread.print >"${LOGS}/$1.names" 2>/dev/null || true
  python3 bench/ingest/thread_cpu.py split "${LOGS}/$1.threads" "${LOGS}/$1.txt" --names "${LOGS}/$1.names" \
    --machine "${LOGS}/$1.machine"
}
stop_ingestor() {
  kill "${ingestor_pid}"; wait "${ingestor_pid}" 2>/dev/null || true; ingestor_pid=""
  if [[ -n "${threads_pid}" ]]; then wait "${threads_pid}" 2>/dev/null || true; threads_pid=""; fi
}
# The node's GC so far (Micrometer's JVM metrics, cumulative since it started): pauses and their time, bytes allocated
# and promoted, the old generation's live size after the last full or concurrent collection, the heap committed.
gc_metrics() {
  curl -fsS "http://127.0.0.1:${INGESTOR_PORT}/q/metrics" | awk -v label="$1" '
    /^jvm_gc_pause_seconds_count/ { n += $NF } /^jvm_gc_pause_seconds_sum/ { p += $NF }
    /^jvm_gc_memory_allocated_bytes_total/ { a += $NF } /^jvm_gc_memory_promoted_bytes_total/ { pr += $NF }
    /^jvm_gc_live_data_size_bytes/ { l += $NF } /^jvm_memory_committed_bytes\{area="heap"/ { c += $NF }
    END { printf "GC label=%s pauses=%d pause_ms=%.0f allocated_MB=%.0f promoted_MB=%.0f live_data_MB=%.0f heap_committed_MB=%.0f\n",
      label, n, p * 1000, a / 1048576, pr / 1048576, l / 1048576, c / 1048576 }'
}
metric() { curl -fsS "http://127.0.0.1:${INGESTOR_PORT}/q/metrics" | grep -E "^$1(\{| )" | awk '{s+=$NF} END {printf "%.0f\n", s}'; }
start_ingestor() {
  # shellcheck disable=SC2086
  java ${INGESTOR_JVM} \
    -Dquarkus.http.port="${INGESTOR_PORT}" -Dquarkus.http.host=127.0.0.1 \
    "${DASH_SERVICE_FLAGS[@]}" \
    -Ddash.bronze.bucket=dash-bench-bronze -Ddash.crypto.keys="${KEYS}" \
    "$@" ${INGESTOR_OPTS:-} \
    -jar "${INGESTOR_APP}/quarkus-run.jar" >>"${LOGS}/ingestor.log" 2>&1 &
  ingestor_pid=$!
  wait_ready "http://127.0.0.1:${INGESTOR_PORT}/q/health/ready" 90
}

java -Xmx256m -Dquarkus.http.port="${BASELINE_PORT}" -jar bench/ingest-baseline/target/quarkus-app/quarkus-run.jar \
  >"${LOGS}/baseline.log" 2>&1 &
baseline_pid=$!
# The baseline has no health endpoint: any HTTP answer means it listens.
for _ in $(seq 1 120); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${BASELINE_PORT}/")" != 000 ]] && break
  sleep 0.5
done

for phase in ${PHASES}; do
  echo "== phase ${phase}"
  if [[ "${phase}" == dedupe ]]; then
    # What a dedupe claim costs in PostgreSQL (the node's DedupeRepository) and as records on a compacted Kafka
    # topic, no ingestor running (DedupeClaims).
    for n in ${DEDUPE_IN_FLIGHT}; do
      java -Xmx512m -cp "${CP}" dev.dash.bench.ingest.DedupeClaims "${DASH_PG_HOST}" "${DASH_PG_PORT}" "${DB}" \
        "${DASH_PG_USER}" "${DASH_PG_PASSWORD}" "${DASH_KAFKA_BOOTSTRAP}" "${n}" 5 10 2>>"${LOGS}/dedupe.log"
    done
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    continue
  fi
  if [[ "${phase}" == current ]]; then
    # Consumer groups of its own, starting at the end of dash.raw: the node's lags count only what this phase
    # offers, and no other ingestor sharing the default groups takes partitions from it (the drain below still
    # empties the default groups of these events).
    # Bronze objects closed every 10 s (default 60 s): the archiver commits, and its lag falls, once per object, so
    # a 60 s window needs several objects to tell a bounded saw-tooth from growth (CurrentRate's class comment).
    rm -f "${LOGS}/current.jfr" "${LOGS}/current.txt" "${LOGS}"/timeline-*.csv "${LOGS}/broker-gc.txt" "${LOGS}/sched.txt"
    group_prefix="bench-current-$(date +%s)-$$"
    start_ingestor -Ddash.kafka.group-prefix="${group_prefix}" -Ddash.bronze.rotate-age="${CURRENT_ROTATE_AGE}" \
      -Ddash.kafka.consumer.auto.offset.reset=latest \
      -XX:StartFlightRecording=name=current,settings="${CURRENT_JFR_SETTINGS}",filename="${LOGS}/current.jfr"
    record_threads current
    broker="$(cat "${DASH_HOME}/run/kafka.pid" 2>/dev/null || true)"
    if [[ "${STALLS}" != 0 && -n "${broker}" ]]; then
      # The broker's GC every 100 ms (jstat reads its perf data; nothing is changed in the broker). Its -t column is
      # seconds since the JVM started: the header line gives that start in epoch seconds (the process's start time).
      echo "# broker pid ${broker} started_epoch=$(awk -v b="$(awk '/^btime/ {print $2}' /proc/stat)" -v hz="$(getconf CLK_TCK)" \
        '{printf "%.2f", b + $22 / hz}' "/proc/${broker}/stat")" >"${LOGS}/broker-gc.txt"
      jstat -gc -t "${broker}" 100 >>"${LOGS}/broker-gc.txt" 2>&1 &
      broker_gc_pid=$!
    fi
    if [[ "${STALLS}" != 0 ]]; then
      # CPU pressure and the run-queue waits of the request path's threads every 20 ms (ends with the node).
      python3 bench/ingest/sched_sample.py "${LOGS}/sched.txt" --node "${ingestor_pid}" ${broker:+--broker "${broker}"} \
        --db "${DB}" --interval 20 &
    fi
    echo "ingestor JVM: ${INGESTOR_JVM}$([[ "${INGESTOR_JVM}" == @* ]] && echo " =" $(grep -v '^#' "${INGESTOR_JVM#@}"))"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    for mode in ${CURRENT_MODES}; do
      # single-nodedupe: single events to the pipeline with dedupe off, the ceiling of any cheaper dedupe store.
      pipeline="${PIPELINE}"; label=current
      if [[ "${mode}" == single-nodedupe ]]; then pipeline="${PIPELINE_NODEDUPE}"; label=current-nodedupe; fi
      if [[ "${mode}" == single* ]]; then size=1; start="${SINGLE_START}"; else size="${BATCH}"; start="${BATCH_START}"; fi
      # shellcheck disable=SC2086
      java ${LOADGEN_JVM} -Xlog:gc,safepoint:file="${LOGS}/loadgen-gc.log":utctime,uptime,tags -Dtimeline.dir="${LOGS}" \
        -cp "${CP}" dev.dash.bench.ingest.CurrentRate "http://127.0.0.1:${INGESTOR_PORT}" "${pipeline}" \
        "${SECRET_ID}" "${SECRET}" "${mode}" "${size}" "${start}" "${CURRENT_WARMUP}" "${CURRENT_WINDOW}" \
        "${CURRENT_WINDOWS}" "${CURRENT_DRAIN}" "${ingestor_pid}" \
        "jdbc:postgresql://${DASH_PG_HOST}:${DASH_PG_PORT}/${DB}" "${DASH_PG_USER}" "${DASH_PG_PASSWORD}" \
        "${COPY_EVENTS}" "${label}" "${DASH_KAFKA_BOOTSTRAP}" "${group_prefix}" 2>>"${LOGS}/current.log" | tee -a "${LOGS}/current.txt"
      gc_metrics "${label}-${mode}"
      echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    done
    jcmd "${ingestor_pid}" JFR.dump name=current filename="${LOGS}/current.jfr" >/dev/null
    if [[ -n "${broker_gc_pid}" ]]; then kill "${broker_gc_pid}" 2>/dev/null || true; wait "${broker_gc_pid}" 2>/dev/null || true; broker_gc_pid=""; fi
    split_threads current
    stop_ingestor
    python3 bench/ingest/alloc_split.py "${LOGS}/current.jfr" "${LOGS}/current.txt"
    continue
  fi
  if [[ "${phase}" == all ]]; then
    # Consumer groups of its own, starting at the end of dash.raw (as the current phase): the node's lags count
    # only what this phase offers, not a backlog other users left on the shared topic (on 2026-12-06 millions of
    # records, which kept the wait below from ever ending), and no other ingestor takes partitions from it.
    start_ingestor -Ddash.kafka.group-prefix="bench-all-$(date +%s)-$$" -Ddash.kafka.consumer.auto.offset.reset=latest
    # Measure from a caught-up state: both lags zero, or (a remainder the node cannot read, such as records behind
    # another producer's open transaction) not falling for 15 s; at most 600 s.
    best=""; still=0
    for _ in $(seq 1 600); do
      lags="$(metric dash_bronze_lag) $(metric dash_silver_lag)"
      [[ "${lags}" == "0 0" ]] && break
      if [[ "${lags}" == "${best}" ]]; then still=$((still + 1)); else best="${lags}"; still=0; fi
      [[ "${still}" -ge 15 ]] && break
      sleep 1
    done
    echo "lags before measuring (bronze silver): $(metric dash_bronze_lag) $(metric dash_silver_lag)"
  else
    start_ingestor -Ddash.bronze.archiver-enabled=false -Ddash.silver.writer-enabled=false
  fi
  rm -f "${LOGS}/${phase}.txt"
  record_threads "${phase}"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  for mode in ${ALL_MODES}; do
    if [[ "${mode}" == single ]]; then conc="${SINGLE_CONCURRENCY}"; size=1; else conc="${BATCH_CONCURRENCY}"; size="${BATCH}"; fi
    gen "http://127.0.0.1:${BASELINE_PORT}" "${PIPELINE}" "${SECRET_ID}" "${SECRET}" "${mode}" "${size}" "${conc}" "${WARMUP}" "${MEASURE}" "baseline"
    rows0="$(metric dash_silver_rows_total)"; t0="$(date +%s.%N)"
    gen_ingestor "http://127.0.0.1:${INGESTOR_PORT}" "${PIPELINE}" "${SECRET_ID}" "${SECRET}" "${mode}" "${size}" "${conc}" "${WARMUP}" "${MEASURE}" "ingestor-${phase}"
    rows1="$(metric dash_silver_rows_total)"; t1="$(date +%s.%N)"
    if [[ "${phase}" == all ]]; then
      echo "RESULT label=ingestor-${phase}-silver mode=${mode} silver_rows_per_s=$(echo "(${rows1} - ${rows0}) / (${t1} - ${t0})" | bc)"
    fi
    if [[ "${phase}" == ingest-only && "${mode}" == single ]]; then
      gen_ingestor "http://127.0.0.1:${INGESTOR_PORT}" "${PIPELINE_NODEDUPE}" "${SECRET_ID}" "${SECRET}" single 1 "${conc}" "${WARMUP}" "${MEASURE}" "ingestor-${phase}-no-dedupe"
    fi
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  done
  curl -fsS "http://127.0.0.1:${INGESTOR_PORT}/q/metrics" \
    | grep -E '^dash_(silver_receipt_to_commit|ingest_publish_latency)_seconds\{quantile|^dash_(bronze|silver)_lag' || true
  split_threads "${phase}"
  stop_ingestor
done
kill "${baseline_pid}"; wait "${baseline_pid}" 2>/dev/null || true; baseline_pid=""

# dash.raw and the consumer groups are shared with every other ingestor on this machine (tests too): leave no
# backlog behind. An ingestor with its archiver and writer reads until both lags are zero.
if [[ "${DRAIN}" != 0 ]]; then
  echo "== draining dash.raw (archiver and writer catch up)"
  start_ingestor
  for _ in $(seq 1 "${DRAIN_MAX}"); do
    [[ "$(metric dash_bronze_lag)" == 0 && "$(metric dash_silver_lag)" == 0 ]] && break
    sleep 1
  done
  echo "lags: bronze $(metric dash_bronze_lag), silver $(metric dash_silver_lag)"
  kill "${ingestor_pid}"; wait "${ingestor_pid}" 2>/dev/null || true; ingestor_pid=""
fi

if [[ "${SILVER_ROUNDS}" != 0 ]]; then
  echo "== Silver writer path vs raw COPY"
  java -Xmx1g -cp "${CP}" dev.dash.bench.ingest.SilverBench "jdbc:postgresql://${DASH_PG_HOST}:${DASH_PG_PORT}/${DB}" \
    "${DASH_PG_USER}" "${DASH_PG_PASSWORD}" "${SILVER_EVENTS}" 5000 "${SILVER_ROUNDS}" 2>>"${LOGS}/silver.log"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
