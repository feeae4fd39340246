#!/usr/bin/env bash
# Replay benchmark (docs/benchmarks.md, "Replay"). Builds the benchmark, replay-service and the ingestor; prepares its
# own database (dash_bench_replay, dropped and recreated) and bucket (dash-bench-replay-bronze, emptied) with a
# pipeline's history in Bronze as the archiver leaves it (EVENTS telemetry events at EVENT_RATE/s, objects rotated at
# 100,000 events or 60 s) and a pending mapping version; starts the packaged replay-service with the job unthrottled
# (DASH_REPLAY_MAX_EVENTS_PER_SECOND=0) and measures, in this order:
#   warmup     a replay of a small pipeline (WARMUP_EVENTS), so the measured one runs on a warm JVM (not reported)
#   copy-1     raw COPY of the rows the replay will write, into a fresh table shaped like metrics (the baseline)
#   replay     the measured replay: events/s while running, rollups + cut-over, end to end, CPU split
#   copy-2     the baseline again (after a VACUUM of what the replay wrote), so it brackets the replay
#   ack-idle   ingest ack latency on an ingest-only ingestor node, nothing else running (bench/ingest's generator),
#              after ACK_PREWARM s of the same load to warm the new ingestor JVM up
#   ack-replay the same load while a second replay of the same history (version 3) runs at full throttle
#   ack-idle-after  the idle load again once that replay ended, as a check on the first
# then drains dash.raw (like bench/ingest/run.sh) and drops its database (KEEP_DB=1 keeps it). Needs the local
# services (deploy/local/services up). About 11 to 13 minutes with the defaults on 2 cores (per Silver variant).
#
#   bench/replay/run.sh
#   EVENTS=2000000 EVENT_RATE=100 BATCH_ROWS=10000 ACK_CONCURRENCY=8 ACK_WARMUP=10 ACK_MEASURE=20 bench/replay/run.sh
#   SKIP_BUILD=1 ACK=0 DRAIN=0 KEEP_DB=1 COPY_FORMATS=binary APPS_FROM=/tmp/dash-head bench/replay/run.sh
#   BEFORE_FROM=/tmp/dash-before ACK=0 COPY_FORMATS=binary bench/replay/run.sh
#   VARIANTS="timescaledb plain" ACK=0 COPY_FORMATS=binary bench/replay/run.sh
# LINE_VERSION: the Bronze line version of the history (2 by default, as the archiver writes; 1 as objects written
# before issue 19's line version 2 are), to measure the replay of both kinds of objects with the same replay-service.
# COPY_FORMATS: the formats of the COPY baseline rounds (text, binary); empty (COPY_FORMATS=) for no COPY baseline.
# BEFORE_FROM (the root of another checkout whose replay-service is built, e.g. a `git archive` of main) measures a
# before/after in one run: warm-up, copy-1, replay-before (that checkout's replay-service, version 2), then the rows
# are truncated, and warm-up, copy-2, replay (this one's, version 3), copy-3, each replay on the same empty tables.
#
# VARIANTS: the Silver variants to measure, one after the other in the same run, each on a database set up afresh
# with that variant forced (ReplaySetup's bench.variant, the replay-service's dash.schema.silver-variant): "plain"
# (default: the COPY baseline's table is plain too), "timescaledb", "auto" (TimescaleDB when the server can load it),
# or several, e.g. "timescaledb plain", to compare them: all the phases above (BEFORE_FROM's included) run once per
# variant, each variant on a database of its own (<BENCH_DB>_<variant>, e.g. dash_bench_replay_timescaledb), the
# summary comes per variant (results-<variant>.txt), and a closing line gives the TimescaleDB / plain ratios of the
# replay rate, the rollups + cut-over time and the end-to-end time. A single variant uses BENCH_DB (default
# dash_bench_replay) itself. SILVER_VARIANT=<variant> (the older knob) is the same as VARIANTS=<variant>.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "${ROOT}"
EVENTS="${EVENTS:-2000000}"
EVENT_RATE="${EVENT_RATE:-100}"
WARMUP_EVENTS="${WARMUP_EVENTS:-100000}"
BATCH_ROWS="${BATCH_ROWS:-10000}"
COPY_FORMATS="${COPY_FORMATS-text binary}"  # empty: no COPY baseline
MAX_EVENTS_PER_SECOND="${MAX_EVENTS_PER_SECOND:-0}"
LINE_VERSION="${LINE_VERSION:-2}"  # Bronze line version of the history: 2 (as the archiver writes), 1 (before issue 19)
# Silver variants of the benchmark databases (above): plain (the baseline table's shape), auto or timescaledb.
if [[ -n "${VARIANTS:-}" && -n "${SILVER_VARIANT:-}" && "${VARIANTS}" != "${SILVER_VARIANT}" ]]; then
  echo "VARIANTS=\"${VARIANTS}\" and SILVER_VARIANT=${SILVER_VARIANT} disagree: set only one of them" >&2
  exit 2
fi
VARIANTS="${VARIANTS:-${SILVER_VARIANT:-plain}}"
read -ra VARIANT_LIST <<<"${VARIANTS}"
[[ "${#VARIANT_LIST[@]}" -gt 0 ]] || { echo "VARIANTS names no Silver variant" >&2; exit 2; }
seen=" "
for v in "${VARIANT_LIST[@]}"; do
  case "${v}" in
    plain | timescaledb | auto) ;;
    *) echo "unknown Silver variant ${v} in VARIANTS (plain, timescaledb or auto)" >&2; exit 2 ;;
  esac
  [[ "${seen}" != *" ${v} "* ]] || { echo "Silver variant ${v} is twice in VARIANTS" >&2; exit 2; }
  seen+="${v} "
done
ACK="${ACK:-1}"
ACK_MODE="${ACK_MODE:-single}"
ACK_BATCH="${ACK_BATCH:-1}"
ACK_CONCURRENCY="${ACK_CONCURRENCY:-8}"
ACK_WARMUP="${ACK_WARMUP:-10}"
ACK_MEASURE="${ACK_MEASURE:-20}"
ACK_PREWARM="${ACK_PREWARM:-20}"
DRAIN="${DRAIN:-1}"
REPLAY_PORT="${REPLAY_PORT:-18184}"
INGESTOR_PORT="${INGESTOR_PORT:-18185}"
BASE_DB="${BENCH_DB:-dash_bench_replay}"
BUCKET="${BENCH_BUCKET:-dash-bench-replay-bronze}"
KEYS="bench:jGIDyZYyhFHBT58r5XLU8XkFECLKXxhexxCfFBxoEjs="
TARGET="${ROOT}/bench/replay/target"
LOGS="${TARGET}/logs"
WORK="${TARGET}/work"
# The database of a variant: BASE_DB when one variant is measured, BASE_DB_<variant> when several are.
variant_db() { if [[ "${#VARIANT_LIST[@]}" == 1 ]]; then echo "${BASE_DB}"; else echo "${BASE_DB}_$1"; fi; }

# shellcheck source=bench/lib.sh
source "${ROOT}/bench/lib.sh"
if [[ -z "${SKIP_BUILD:-}" ]]; then
  dash_build -Pbench -pl bench/replay,replay-service -am package -DskipTests -Dspotless.check.skip=true
fi
eval "$(deploy/local/services env)"
rm -rf "${LOGS}" "${TARGET}/apps"
mkdir -p "${LOGS}" "${WORK}" "${TARGET}/apps"
# Run copies of the packaged services: others may rebuild target/quarkus-app while this runs. APPS_FROM: the root of
# another checkout whose services are built (e.g. a `git archive` of one commit), to measure exactly that commit.
APPS_FROM="${APPS_FROM:-${ROOT}}"
cp -r "${APPS_FROM}/replay-service/target/quarkus-app" "${TARGET}/apps/replay"
cp -r "${APPS_FROM}/ingestor-service/target/quarkus-app" "${TARGET}/apps/ingestor"
BEFORE_FROM="${BEFORE_FROM:-}"
if [[ -n "${BEFORE_FROM}" ]]; then
  cp -r "${BEFORE_FROM}/replay-service/target/quarkus-app" "${TARGET}/apps/replay-before"
  echo "before: the replay-service of ${BEFORE_FROM} ($(git -C "${BEFORE_FROM}" rev-parse --short HEAD 2>/dev/null || cat "${BEFORE_FROM}/.commit" 2>/dev/null || echo unknown))"
fi
CP="$(cat bench/replay/target/classpath.txt):bench/replay/target/classes"
pid_of() { deploy/local/services status | awk -v s="$1" '$1 == s { for (i = 1; i <= NF; i++) if ($i == "pid") { gsub(/,/, "", $(i + 1)); print $(i + 1) } }'; }
PG_PID="$(pid_of postgres)"
KAFKA_PID="$(pid_of kafka)"
S3_PID="$(pid_of s3)"
psql_db() { PGPASSWORD="${DASH_PG_PASSWORD}" psql -h "${DASH_PG_HOST}" -p "${DASH_PG_PORT}" -U "${DASH_PG_USER}" -d "$1" -Atqc "$2"; }
phase() { echo "== $* ($(date +%T), load $(cut -d' ' -f1-3 /proc/loadavg))"; echo "## $* $(date +%T)" >>"${LOGS}/top.log"; }

replay_pid=""
ingestor_pid=""
sampler_pid=""
cleanup() {
  for p in ${replay_pid} ${ingestor_pid} ${sampler_pid}; do kill "${p}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# What the machine does, every 5 s: the second frame of top (the first one averages since boot).
(
  while true; do
    top -b -n2 -d1 -w 200 | awk '/^top -/ { n++ } n == 2' | sed -n '1,3p;7,19p' >>"${LOGS}/top.log"
    sleep 4
  done
) &
sampler_pid=$!

start_replay_service() { # [app folder under apps/, default replay]
  local app="${1:-replay}"
  DASH_REPLAY_MAX_EVENTS_PER_SECOND="${MAX_EVENTS_PER_SECOND}" DASH_REPLAY_BATCH_ROWS="${BATCH_ROWS}" \
    DASH_BRONZE_BUCKET="${BUCKET}" \
    java -Xmx1g \
    -Dquarkus.http.port="${REPLAY_PORT}" -Dquarkus.http.host=127.0.0.1 \
    "${DASH_SERVICE_FLAGS[@]}" \
    -Dquarkus.oidc.auth-server-url="${DASH_OIDC_URL}" \
    -Dmp.messaging.incoming.dash-control.group.id=dash-bench-replay \
    -Ddash.schema.silver-variant="${VARIANT}" \
    ${REPLAY_OPTS:-} \
    -jar "${TARGET}/apps/${app}/quarkus-run.jar" >>"${LOGS}/${app}-service.log" 2>&1 &
  replay_pid=$!
  echo "replay-service (${app}) pid ${replay_pid}" | tee -a "${LOGS}/top.log"
  wait_ready "http://127.0.0.1:${REPLAY_PORT}/q/health/ready"
}
start_ingestor() {
  java -Xmx1g \
    -Dquarkus.http.port="${INGESTOR_PORT}" -Dquarkus.http.host=127.0.0.1 \
    "${DASH_SERVICE_FLAGS[@]}" \
    -Ddash.bronze.bucket="${BUCKET}" -Ddash.crypto.keys="${KEYS}" \
    "$@" ${INGESTOR_OPTS:-} \
    -jar "${TARGET}/apps/ingestor/quarkus-run.jar" >>"${LOGS}/ingestor.log" 2>&1 &
  ingestor_pid=$!
  echo "ingestor pid ${ingestor_pid}" | tee -a "${LOGS}/top.log"
  wait_ready "http://127.0.0.1:${INGESTOR_PORT}/q/health/ready"
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
metric() { curl -fsS "http://127.0.0.1:${INGESTOR_PORT}/q/metrics" | grep -E "^$1(\{| )" | awk '{s+=$NF} END {printf "%.0f\n", s}'; }
# Nothing of ours left for autovacuum before a timed phase (VACUUM runs explicitly, untimed, after big writes).
quiesce() {
  for _ in $(seq 1 120); do
    [[ "$(psql_db "${DB}" "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND datname = current_database()")" == 0 ]] && return 0
    sleep 1
  done
}
vacuum_metrics() {
  local t0 t1
  t0="$(date +%s.%N)"
  psql_db "${DB}" "VACUUM (ANALYZE) metrics"
  t1="$(date +%s.%N)"
  echo "RESULT label=vacuum-$1 seconds=$(echo "${t1} - ${t0}" | bc)" | record
}
# The processes whose CPU the RESULT lines split out (CpuSplit).
pids() { echo "replay=${replay_pid},postgres=${PG_PID},kafka=${KAFKA_PID},s3=${S3_PID},ingestor=${ingestor_pid}"; }
replay_run() { # label version pipeline
  java -Xmx256m -cp "${CP}" "${BENCH[@]}" -Dbench.label="$1" -Dbench.version="$2" -Dbench.pipeline="$3" \
    -Dbench.pids="$(pids)" \
    dev.dash.bench.replay.ReplayRun 2>>"${LOGS}/replay-run.log"
}
copy_run() {
  for format in ${COPY_FORMATS}; do
    java -Xmx4g -cp "${CP}" "${BENCH[@]}" -Dbench.label="$1" -Dbench.format="${format}" -Dbench.batchRows="${BATCH_ROWS}" \
      -Dbench.events="${EVENTS}" -Dbench.firstDay="${FIRST_DAY}" -Dbench.lastDay="${LAST_DAY}" -Dbench.pids="$(pids)" \
      dev.dash.bench.replay.CopyBaseline 2>>"${LOGS}/copy.log" | grep RESULT | record
    quiesce
  done
}
gen() { java -Xmx1g -cp "${CP}" dev.dash.bench.ingest.LoadGenerator "$@" | grep RESULT | record; }
# The ingest load (label) with the CPU split over its measured window.
ack() {
  java -Xmx64m -cp "${CP}" "${BENCH[@]}" -Dbench.label="$1-cpu" -Dbench.pids="$(pids)" -Dbench.delay="${ACK_WARMUP}" \
    -Dbench.seconds="${ACK_MEASURE}" dev.dash.bench.replay.CpuWindow 2>>"${LOGS}/replay-run.log" >"${LOGS}/$1-cpu.out" &
  local cpu_pid=$!
  gen "${load[@]}" "$1"
  wait "${cpu_pid}"
  grep RESULT "${LOGS}/$1-cpu.out" | record
}
record() { tee -a "${LOGS}/results.txt" "${LOGS}/results-${VARIANT}.txt"; }

if git -C "${APPS_FROM}" rev-parse --git-dir >/dev/null 2>&1; then
  echo "measuring ${APPS_FROM} at $(git -C "${APPS_FROM}" rev-parse --short HEAD)$(git -C "${APPS_FROM}" status --porcelain -- common-model/model/src/main common-model/platform/src/main replay-service/src/main ingestor-service/src/main | awk '{ printf " + uncommitted %s", $2 }')"
else
  echo "measuring the services built in ${APPS_FROM} (not a git checkout; .commit: $(cat "${APPS_FROM}/.commit" 2>/dev/null || echo none))"
fi

# One Silver variant: its database, set up afresh with the variant forced; the phases above (BEFORE_FROM's included);
# the replay-service and the ingestor stopped at the end.
run_variant() {
  VARIANT="$1"
  DB="$(variant_db "${VARIANT}")"
  dash_service_flags "${DB}"
  BENCH=(-Dbench.db="${DB}" -Dbench.bucket="${BUCKET}" -Dbench.work="${WORK}" -Dbench.variant="${VARIANT}")
  echo "== Silver variant ${VARIANT}, database ${DB}" | tee -a "${LOGS}/results.txt"
  phase "setup: ${EVENTS} events at ${EVENT_RATE}/s of history, ${WARMUP_EVENTS} for the warm-up"
  t0="$(date +%s)"
  setup="$(java -Xmx3g -cp "${CP}" "${BENCH[@]}" -Dbench.events="${EVENTS}" -Dbench.rate="${EVENT_RATE}" \
    -Dbench.warmupEvents="${WARMUP_EVENTS}" -Dbench.lineVersion="${LINE_VERSION}" dev.dash.bench.replay.ReplaySetup 2>>"${LOGS}/setup.log" | grep -E '^[A-Z_]+=')"
  eval "${setup}"
  echo "${setup}" | grep -v SAMPLE_BODY
  echo "setup took $(($(date +%s) - t0)) s"

  version=2
  if [[ -n "${BEFORE_FROM}" ]]; then
    start_replay_service replay-before
    phase "warm-up replay (before)"
    replay_run warmup-before "${version}" "${WARM_PIPELINE}" | grep RESULT | record
    vacuum_metrics warmup-before
    quiesce
    phase "raw COPY baseline, round 1"
    copy_run copy-1
    phase "replay (measured, before: ${BEFORE_FROM})"
    replay_run replay-before "${version}" "${PIPELINE}" | grep RESULT | record
    stop "${replay_pid}"; replay_pid=""
    # The next replay meets the same empty tables as this one did.
    psql_db "${DB}" "TRUNCATE metrics, metrics_1m, metrics_1h"
    quiesce
    version=3
  fi
  start_replay_service
  phase "warm-up replay"
  replay_run warmup "${version}" "${WARM_PIPELINE}" | grep RESULT | record
  vacuum_metrics warmup
  quiesce

  phase "raw COPY baseline, round $([[ -n "${BEFORE_FROM}" ]] && echo 2 || echo 1)"
  copy_run "copy-$([[ -n "${BEFORE_FROM}" ]] && echo 2 || echo 1)"

  phase "replay (measured)"
  replay_run replay "${version}" "${PIPELINE}" | grep RESULT | record
  vacuum_metrics replay
  quiesce

  phase "raw COPY baseline, round $([[ -n "${BEFORE_FROM}" ]] && echo 3 || echo 2)"
  copy_run "copy-$([[ -n "${BEFORE_FROM}" ]] && echo 3 || echo 2)"
  version=$((version + 1))

  if [[ "${ACK}" == 1 ]]; then
    start_ingestor -Ddash.bronze.archiver-enabled=false -Ddash.silver.writer-enabled=false
    ing="$(java -cp "${CP}" dev.dash.bench.ingest.BenchSetup "${DASH_PG_HOST}" "${DASH_PG_PORT}" "${DASH_PG_USER}" \
      "${DASH_PG_PASSWORD}" "${DB}" "${DASH_KAFKA_BOOTSTRAP}" "${KEYS}" 2>>"${LOGS}/setup.log" | grep -E '^[A-Z_]+=' | sed 's/^/ING_/')"
    eval "${ing}"
    load=("http://127.0.0.1:${INGESTOR_PORT}" "${ING_PIPELINE}" "${ING_SECRET_ID}" "${ING_SECRET}" "${ACK_MODE}" "${ACK_BATCH}" \
      "${ACK_CONCURRENCY}" "${ACK_WARMUP}" "${ACK_MEASURE}")
    # A fresh ingestor is still compiling: warm it up first, so the idle phase is not slower for that reason.
    phase "ingest warm-up load (${ACK_PREWARM} s, not reported)"
    java -Xmx1g -cp "${CP}" dev.dash.bench.ingest.LoadGenerator "${load[@]:0:7}" 0 "${ACK_PREWARM}" ack-prewarm >/dev/null
    phase "ingest ack, idle"
    ack ack-idle

    phase "ingest ack during a replay at full throttle"
    replay_run replay-under-load "${version}" "${PIPELINE}" >"${LOGS}/replay-under-load.out" &
    run_pid=$!
    for _ in $(seq 1 1200); do
      grep -q '^RUNNING' "${LOGS}/replay-under-load.out" && break
      sleep 0.25
    done
    ack ack-replay
    gen_end="$(date +%s.%N)"
    wait "${run_pid}"
    grep RESULT "${LOGS}/replay-under-load.out" | record
    left="$(grep -o 'left_running_epoch=[0-9.]*' "${LOGS}/replay-under-load.out" | cut -d= -f2)"
    if [[ "$(echo "${left} > ${gen_end}" | bc)" == 1 ]]; then
      echo "the replay ran during the whole load window (it left running $(echo "${left} - ${gen_end}" | bc) s after the load ended)"
    else
      echo "WARNING: the replay finished $(echo "${gen_end} - ${left}" | bc) s before the load ended: ack-replay is not all under replay"
    fi
    vacuum_metrics replay-under-load
    quiesce
    phase "ingest ack, idle again (after the replay, its rollups and a VACUUM)"
    ack ack-idle-after
    stop "${ingestor_pid}"; ingestor_pid=""
  fi
  stop "${replay_pid}"; replay_pid=""
}
for v in "${VARIANT_LIST[@]}"; do
  run_variant "${v}"
done

if [[ "${ACK}" == 1 && "${DRAIN}" == 1 ]]; then
  # dash.raw and its consumer groups are shared with every other ingestor on this machine: leave no backlog.
  # (The ingestor runs on the last variant's database.)
  phase "draining dash.raw (archiver and writer catch up)"
  start_ingestor
  for _ in $(seq 1 1800); do
    [[ "$(metric dash_bronze_lag)" == 0 && "$(metric dash_silver_lag)" == 0 ]] && break
    sleep 1
  done
  echo "lags: bronze $(metric dash_bronze_lag), silver $(metric dash_silver_lag)"
  stop "${ingestor_pid}"; ingestor_pid=""
fi

# The figures of one variant (its results file) against their targets (docs/benchmarks.md, "Replay"). Neighbours on
# a shared machine only ever slow a phase down, so the baselines are the best of their rounds: the fastest COPY round
# (of the fastest format) and the lower idle p99 of the two idle windows. That makes both ratios conservative; the
# means are printed too. Without a COPY baseline (COPY_FORMATS empty) only the replay's own figures are given.
summarise() {
  awk '
    { delete f; for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } l = f["label"] }
    l == "replay" { r = f["events_per_s"]; rr = f["rows_per_s"]; rc = f["rollups_cutover_s"]; rs = f["running_s"] }
    l == "replay-before" { b = f["events_per_s"]; br = f["rows_per_s"]; bc = f["rollups_cutover_s"]; bs = f["running_s"] }
    l ~ /^copy-/ {
      k = f["format"]; c[k] += f["events_per_s"]; cr[k] += f["rows_per_s"]; n[k]++
      if (f["events_per_s"] > best) { best = f["events_per_s"]; bestr = f["rows_per_s"]; bl = l }
    }
    l == "ack-idle" { i50 = f["p50_ms"]; i99 = f["p99_ms"]; ie = f["events_per_s"] }
    l == "ack-replay" { d50 = f["p50_ms"]; d99 = f["p99_ms"]; de = f["events_per_s"] }
    l == "ack-idle-after" { a50 = f["p50_ms"]; a99 = f["p99_ms"]; ae = f["events_per_s"] }
    END {
      for (k in n) {
        printf "SUMMARY raw COPY (%s) mean of %d rounds: %.0f events/s (%.0f rows/s); replay / mean %.2f\n", k, n[k], c[k] / n[k], cr[k] / n[k], (c[k] ? r * n[k] / c[k] : 0)
      }
      if (best) {
        printf "SUMMARY replay %.0f events/s (%.0f rows/s); fastest raw COPY round (%s) %.0f events/s (%.0f rows/s); ratio %.2f\n", r, rr, bl, best, bestr, r / best
        printf "SUMMARY target >= 200,000 events/s: %s; target >= 0.5 of raw COPY: %s; >= 0.85 (issue 19): %s\n", (r >= 200000 ? "met" : "NOT met"), (r / best >= 0.5 ? "met" : "NOT met"), (r / best >= 0.85 ? "met" : "NOT met")
      } else {
        printf "SUMMARY replay %.0f events/s (%.0f rows/s); no raw COPY baseline (COPY_FORMATS empty)\n", r, rr
        printf "SUMMARY target >= 200,000 events/s: %s\n", (r >= 200000 ? "met" : "NOT met")
      }
      if (rs) printf "SUMMARY replay: running %.1f s, rollups + cut-over %.1f s (%.0f %% of the running time)\n", rs, rc, 100 * rc / rs
      if (b) {
        printf "SUMMARY before: replay %.0f events/s (%.0f rows/s)%s; running %.1f s, rollups + cut-over %.1f s (%.0f %%)\n", b, br, (best ? sprintf(", ratio to the fastest raw COPY %.2f", b / best) : ""), bs, bc, (bs ? 100 * bc / bs : 0)
        printf "SUMMARY after / before: %.2f\n", r / b
      }
      if (i99 != "") {
        idle = i99; if (a99 != "" && a99 < idle) idle = a99
        printf "SUMMARY ack idle before: p50 %s ms, p99 %s ms (%s events/s); idle after: p50 %s ms, p99 %s ms (%s events/s)\n", i50, i99, ie, a50, a99, ae
        printf "SUMMARY ack during the replay: p50 %s ms, p99 %s ms (%s events/s); p99 / idle before %.2f, / idle after %.2f\n", d50, d99, de, d99 / i99, (a99 ? d99 / a99 : 0)
        printf "SUMMARY target ack p99 during replay <= 2x idle (the lower idle p99, %s ms): %s (%.2f)\n", idle, (d99 <= 2 * idle ? "met" : "NOT met"), d99 / idle
      }
    }' "$1"
}
for v in "${VARIANT_LIST[@]}"; do
  echo "SUMMARY == Silver variant ${v}, database $(variant_db "${v}")"
  summarise "${LOGS}/results-${v}.txt"
done
if [[ -f "${LOGS}/results-timescaledb.txt" && -f "${LOGS}/results-plain.txt" ]]; then
  # The same replay on both variants in this run: TimescaleDB against plain PostgreSQL.
  awk '
    { delete f; for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
    f["label"] == "replay" { v = (FILENAME ~ /timescaledb/) ? "t" : "p"; r[v] = f["events_per_s"]; c[v] = f["rollups_cutover_s"]; e[v] = f["end_to_end_s"] }
    END {
      printf "SUMMARY replay, TimescaleDB / plain: events/s %.0f / %.0f = %.2f; rollups + cut-over %.2f s / %.2f s = %.2f; end to end %.2f s / %.2f s = %.2f\n", r["t"], r["p"], (r["p"] ? r["t"] / r["p"] : 0), c["t"], c["p"], (c["p"] ? c["t"] / c["p"] : 0), e["t"], e["p"], (e["p"] ? e["t"] / e["p"] : 0)
    }' "${LOGS}/results-timescaledb.txt" "${LOGS}/results-plain.txt"
fi

if [[ -z "${KEEP_DB:-}" ]]; then
  for v in "${VARIANT_LIST[@]}"; do
    d="$(variant_db "${v}")"
    # A TimescaleDB background worker may hold the database for a moment (not a superuser here: it cannot be ended).
    psql_db postgres "DROP DATABASE IF EXISTS ${d} WITH (FORCE)" || echo "could not drop ${d} (drop it later)"
  done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); top samples: ${LOGS}/top.log"
