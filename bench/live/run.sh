#!/usr/bin/env bash
# Live dashboard benchmark (docs/benchmarks.md, "Live dashboards"). Builds the web node, the load client and a
# bare WebSockets Next echo app; prepares its own database (dash_bench_live: a pipeline, a dashboard with one
# line chart, a public link); then, for each viewer count, starts the packaged web node (1 GB heap) and the
# echo app as separate processes and measures both in the same run:
#   echo   connections to the bare echo endpoint: heap per connection, round trip at RATE messages/s
#   live   viewers of the dashboard: heap per viewer, latency from the points' publication (as the Silver
#          writer publishes them, RATE events/s) to the frame at the client, frames/s, reconnect storm
# Needs the local services (deploy/local/services up).
#
#   bench/live/run.sh
#   VIEWERS="1000 10000" WARMUP=20 MEASURE=30 RATE=1000 bench/live/run.sh
#   SKIP_BUILD=1 bench/live/run.sh     # reuse the last build
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "${ROOT}"
VIEWERS="${VIEWERS:-1000 10000}"
WARMUP="${WARMUP:-20}"
MEASURE="${MEASURE:-30}"
RATE="${RATE:-1000}"
BATCH_MS="${BATCH_MS:-50}"
WEB_PORT="${WEB_PORT:-18283}"
ECHO_PORT="${ECHO_PORT:-18284}"
DB="${BENCH_DB:-dash_bench_live}"
KEYS="bench:jGIDyZYyhFHBT58r5XLU8XkFECLKXxhexxCfFBxoEjs="
LOGS="${ROOT}/bench/live/target/logs"

# shellcheck source=bench/lib.sh
source "${ROOT}/bench/lib.sh"
if [[ -z "${SKIP_BUILD:-}" ]]; then
  dash_build -Pbench -pl web-service,bench/live,bench/live-baseline -am package -DskipTests -Dspotless.check.skip=true
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
cleanup() {
  for p in ${web_pid} ${echo_pid}; do kill "${p}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

bench() { java -Xmx1g -cp "${CP}" dev.dash.bench.live.LiveBench "$@" | grep -E 'RESULT|WARN'; }

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
    ${WEB_OPTS:-} \
    -jar web-service/target/quarkus-app/quarkus-run.jar >"${LOGS}/web-${n}.log" 2>&1 &
  web_pid=$!
  wait_ready "http://127.0.0.1:${WEB_PORT}/q/health/ready" 120
  bench live 127.0.0.1 "${WEB_PORT}" "${TOKEN}" "${n}" "${WARMUP}" "${MEASURE}" "${web_pid}" \
    "jdbc:postgresql://${DASH_PG_HOST}:${DASH_PG_PORT}/${DB}" "${DASH_PG_USER}" "${DASH_PG_PASSWORD}" \
    "${DASH_KAFKA_BOOTSTRAP}" "${PIPELINE}" "${RATE}" "${BATCH_MS}"
  kill "${web_pid}"; wait "${web_pid}" 2>/dev/null || true; web_pid=""
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
done
