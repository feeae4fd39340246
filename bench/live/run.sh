#!/usr/bin/env bash
# Live dashboard benchmark (docs/benchmarks.md, "Live dashboards"), end to end. Builds the web node, the ingestor,
# the load client and a bare WebSockets Next echo app; prepares its own database (dash_bench_live: a GitHub-signed
# pipeline, a dashboard with one line chart, a public link); starts one packaged ingestor (ingest API + Silver
# writer, consumer groups under a prefix of its own); then, for each viewer count, starts the packaged web node
# (1 GB heap) and the echo app as separate processes and measures both in the same run:
#   echo   connections to the bare echo endpoint: heap per connection, round trip at RATE messages/s
#   live   viewers of the dashboard: heap per viewer; signed webhooks at RATE events/s into the ingestor ->
#          dash.raw -> Silver writer -> dash.points -> web node -> viewers: latency from the ingest 2xx to the
#          frame at the viewer (split at the writer's commit), frames/s, reconnect storm
# Needs the local services (deploy/local/services up).
#
#   bench/live/run.sh
#   VIEWERS="100 1000 10000" WARMUP=20 MEASURE=30 RATE=1000 BATCH=10 bench/live/run.sh   # BATCH: events a request
#   SKIP_BUILD=1 bench/live/run.sh                          # reuse the last build
#   WEB_OPTS=-Ddash.live.cache.enabled=false bench/live/run.sh   # deltas read from Silver (no hot cache)
#   INGESTOR_OPTS=-Ddash.silver.idle-flush=250ms bench/live/run.sh   # the Silver writer before adaptive flush
#   CLIENT_PREFIX="nice -n 19" bench/live/run.sh           # the load client at the lowest CPU priority
#   CLIENT_PREFIX="taskset -c 1" bench/live/run.sh         # the load client pinned to one core
#   WEB_APP=/tmp/web-before SKIP_BUILD=1 bench/live/run.sh  # another build of the web node (a copy of its
#                                                           # web-service/target/quarkus-app), e.g. before/after
# The web node writes a GC log (target/logs/gc-web-N.log); its pauses are summed up after each viewer count.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "${ROOT}"
VIEWERS="${VIEWERS:-100 1000 10000}"
WARMUP="${WARMUP:-20}"
MEASURE="${MEASURE:-30}"
RATE="${RATE:-1000}"
BATCH="${BATCH:-10}"
WEB_PORT="${WEB_PORT:-18283}"
ECHO_PORT="${ECHO_PORT:-18284}"
INGESTOR_PORT="${INGESTOR_PORT:-18285}"
DB="${BENCH_DB:-dash_bench_live}"
KEYS="bench:jGIDyZYyhFHBT58r5XLU8XkFECLKXxhexxCfFBxoEjs="
LOGS="${ROOT}/bench/live/target/logs"
# Consumer groups of this run only: dash.raw is shared with every other ingestor on the broker, and a group of
# its own that starts at the end of dash.raw takes neither their partitions nor their backlog.
GROUP_PREFIX="bench-live-$(date +%s)-$$"

# shellcheck source=bench/lib.sh
source "${ROOT}/bench/lib.sh"
if [[ -z "${SKIP_BUILD:-}" ]]; then
  dash_build -Pbench -pl web-service,ingestor-service,bench/live,bench/live-baseline -am package -DskipTests -Dspotless.check.skip=true
fi
eval "$(deploy/local/services env)"
dash_service_flags "${DB}"
mkdir -p "${LOGS}"
CP="$(cat bench/live/target/classpath.txt):bench/live/target/classes"

setup="$(java -cp "${CP}" dev.dash.bench.ingest.BenchSetup "${DASH_PG_HOST}" "${DASH_PG_PORT}" "${DASH_PG_USER}" \
  "${DASH_PG_PASSWORD}" "${DB}" "${DASH_KAFKA_BOOTSTRAP}" "${KEYS}" 2>>"${LOGS}/setup.log" | grep '=')"
eval "${setup}"
eval "$(java -cp "${CP}" dev.dash.bench.live.LiveSetup "${DASH_PG_HOST}" "${DASH_PG_PORT}" "${DASH_PG_USER}" \
  "${DASH_PG_PASSWORD}" "${DB}" "${PIPELINE}" 2>>"${LOGS}/setup.log" | grep '=')"

web_pid=""
echo_pid=""
ingestor_pid=""
cleanup() {
  for p in ${web_pid} ${echo_pid} ${ingestor_pid}; do kill "${p}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# The ingestor: ingest API and Silver writer (the Bronze archiver, sinks and p2p are not on the path to viewers).
java -Xmx1g \
  -Dquarkus.http.port="${INGESTOR_PORT}" -Dquarkus.http.host=127.0.0.1 \
  "${DASH_SERVICE_FLAGS[@]}" \
  -Ddash.crypto.keys="${KEYS}" -Ddash.bronze.bucket=dash-bench-live-bronze \
  -Ddash.kafka.group-prefix="${GROUP_PREFIX}" -Ddash.kafka.client.silver.auto.offset.reset=latest \
  -Ddash.bronze.archiver-enabled=false -Ddash.sinks.enabled=false -Ddash.p2p.enabled=false \
  ${INGESTOR_OPTS:-} \
  -jar ingestor-service/target/quarkus-app/quarkus-run.jar >"${LOGS}/ingestor.log" 2>&1 &
ingestor_pid=$!
wait_ready "http://127.0.0.1:${INGESTOR_PORT}/q/health/ready" 120
# The writer's group has its partitions once its lag is reported.
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:${INGESTOR_PORT}/q/metrics" | grep -q '^dash_silver_lag' && break
  sleep 0.5
done

# shellcheck disable=SC2086
bench() { ${CLIENT_PREFIX:-} java -Xmx1g -cp "${CP}" dev.dash.bench.live.LiveBench "$@" | grep -E 'RESULT|WARN'; }

for n in ${VIEWERS}; do
  echo "== ${n} connections; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  java -Xmx1g -Dquarkus.http.port="${ECHO_PORT}" -jar bench/live-baseline/target/quarkus-app/quarkus-run.jar \
    >"${LOGS}/echo.log" 2>&1 &
  echo_pid=$!
  for _ in $(seq 1 120); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${ECHO_PORT}/echo")" != 000 ]] && break
    sleep 0.5
  done
  bench echo 127.0.0.1 "${ECHO_PORT}" "${n}" "${WARMUP}" "${MEASURE}" "${echo_pid}" "${RATE}"
  kill "${echo_pid}"; wait "${echo_pid}" 2>/dev/null || true; echo_pid=""

  java -Xmx1g \
    -Dquarkus.http.port="${WEB_PORT}" -Dquarkus.http.host=127.0.0.1 \
    "${DASH_SERVICE_FLAGS[@]}" \
    -Dquarkus.oidc.auth-server-url="${DASH_OIDC_URL}" -Dquarkus.oidc.web.credentials.secret=dash-web-secret \
    -Dquarkus.oidc.web.token-state-manager.encryption-secret=bench-only-session-secret-0123456789abcdef \
    -Ddash.crypto.keys="${KEYS}" -Ddash.rollups.enabled=false \
    -Xlog:gc:file="${LOGS}/gc-web-${n}.log":uptime \
    ${WEB_OPTS:-} \
    -jar "${WEB_APP:-web-service/target/quarkus-app}/quarkus-run.jar" >"${LOGS}/web-${n}.log" 2>&1 &
  web_pid=$!
  wait_ready "http://127.0.0.1:${WEB_PORT}/q/health/ready" 120
  bench live 127.0.0.1 "${WEB_PORT}" "${TOKEN}" "${n}" "${WARMUP}" "${MEASURE}" "${web_pid}" \
    "http://127.0.0.1:${INGESTOR_PORT}" "${PIPELINE}" "${SECRET_ID}" "${SECRET}" "${DASH_KAFKA_BOOTSTRAP}" "${RATE}" "${BATCH}"
  curl -fsS "http://127.0.0.1:${INGESTOR_PORT}/q/metrics" \
    | grep -E '^dash_(silver_receipt_to_commit|ingest_publish_latency)_seconds\{quantile' || true
  kill "${web_pid}"; wait "${web_pid}" 2>/dev/null || true; web_pid=""
  # GC pauses of the web node over its whole run (connects, measuring, storm), without the full GCs the heap
  # figures ask for (jcmd: "Diagnostic Command", "Heap Inspection").
  grep 'Pause' "${LOGS}/gc-web-${n}.log" | grep -v 'Diagnostic Command\|Heap Inspection' \
    | grep -o '[0-9.]*ms$' | tr -d ms | sort -g \
    | awk -v n="${n}" '{a[++c]=$1; t+=$1} END {printf "RESULT live viewers=%d gc pauses=%d total_ms=%.0f p50_ms=%.1f max_ms=%.1f\n", n, c, t, (c ? a[int((c+1)/2)] : 0), (c ? a[c] : 0)}' \
    || true
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
