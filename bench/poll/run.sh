#!/usr/bin/env bash
# Polling benchmark (docs/benchmarks.md, "Polling"). Builds the ingestor and the driver (bench/poll), prepares
# its own database (dash_bench_poll, afresh every run) and consumer groups of its own (positioned at the end of
# the shared topics), then, each part against a freshly started packaged ingestor:
#   throughput  records/s pulled through a paginated local API (cursor pagination, a stand-in for a third-party
#               API) against the same records sent to the same ingestor as NDJSON webhooks, in the same run
#               (ROUNDS rounds, the order alternating); until acknowledged on dash.raw and until in Silver
#   schedule    polling pipelines at a 10 s interval, ramped (STEPS), late polls counted; the ingestor's CPU and
#               heap at each step against the idle ingestor (step 0) of the same run
# Needs the local services (deploy/local/services up).
#
#   bench/poll/run.sh
#   PARTS=schedule STEPS="1000 2000" MEASURE=60 API_DELAY_MS=200 bench/poll/run.sh
#   PIPELINES=8 RECORDS=5000 PAGE=100 ROUNDS=2 PARTS=throughput bench/poll/run.sh
#   SKIP_BUILD=1 INGESTOR_OPTS=-Ddash.poll.max-concurrent=64 bench/poll/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "${ROOT}"
export DASH_HOME="${DASH_HOME:-${ROOT}/.dash}"
PARTS="${PARTS-throughput schedule}"
# A free port by default: other benchmarks on this machine have fixed ones.
INGESTOR_PORT="${INGESTOR_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
export BENCH_DB="${BENCH_DB:-dash_bench_poll}"
export BENCH_KEYS="bench:jGIDyZYyhFHBT58r5XLU8XkFECLKXxhexxCfFBxoEjs="
export BENCH_GROUP_PREFIX="bench-poll-$(date +%s)-$$"
export BENCH_INGESTOR_URL="http://127.0.0.1:${INGESTOR_PORT}"
LOGS="${ROOT}/bench/poll/target/logs"

# shellcheck source=bench/lib.sh
source "${ROOT}/bench/lib.sh"
if [[ -z "${SKIP_BUILD:-}" ]]; then
  dash_build -B -Pbench -pl bench/poll,ingestor-service -am package -DskipTests -Dspotless.check.skip=true
fi
eval "$(deploy/local/services env)"
export DASH_PG_HOST DASH_PG_PORT DASH_PG_USER DASH_PG_PASSWORD DASH_KAFKA_BOOTSTRAP
dash_service_flags "${BENCH_DB}"
mkdir -p "${LOGS}"
CP="$(cat bench/poll/target/classpath.txt):bench/poll/target/classes"
driver() { java -Xmx512m -cp "${CP}" dev.dash.bench.poll.PollBench "$@"; }

ingestor_pid=""
cleanup() {
  if [[ -n "${ingestor_pid}" ]]; then kill "${ingestor_pid}" 2>/dev/null || true; wait "${ingestor_pid}" 2>/dev/null || true; fi
}
trap cleanup EXIT

start_ingestor() {
  # The archiver is off: it is the same code for both paths (dash.raw onwards), and on this broker it would
  # archive every other installation's events too. BRONZE=1 turns it on.
  java -Xmx1g \
    -Dquarkus.http.port="${INGESTOR_PORT}" -Dquarkus.http.host=127.0.0.1 \
    "${DASH_SERVICE_FLAGS[@]}" \
    -Ddash.crypto.keys="${BENCH_KEYS}" -Ddash.kafka.group-prefix="${BENCH_GROUP_PREFIX}" \
    -Ddash.bronze.bucket=dash-bench-bronze -Ddash.bronze.archiver-enabled="${BRONZE:-false}" \
    -Ddash.p2p.enabled=false -Ddash.poll.allowed-destinations=127.0.0.1/32 \
    ${INGESTOR_OPTS:-} \
    -jar ingestor-service/target/quarkus-app/quarkus-run.jar >>"${LOGS}/ingestor-$1.log" 2>&1 &
  ingestor_pid=$!
  export BENCH_INGESTOR_PID="${ingestor_pid}"
  wait_ready "http://127.0.0.1:${INGESTOR_PORT}/q/health/ready" 180
}
stop_ingestor() {
  kill "${ingestor_pid}"; wait "${ingestor_pid}" 2>/dev/null || true; ingestor_pid=""
}

driver setup 2>>"${LOGS}/setup.log"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for part in ${PARTS}; do
  echo "== ${part}"
  start_ingestor "${part}"
  driver "${part}" 2>>"${LOGS}/${part}.log" | tee -a "${LOGS}/results.txt"
  stop_ingestor
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
