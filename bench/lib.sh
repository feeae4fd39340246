# Sourced by the benchmark scripts (dash_build and dash_mvn before `eval "$(deploy/local/services env)"`, the rest
# after it).

# The installation's topic prefix (dash.kafka.topic-prefix, docs/configuration.md): unset, a benchmark uses dash.raw
# and the rest, as before; set it (e.g. DASH_KAFKA_TOPIC_PREFIX=bench1.) to run one on topics of its own. Exported,
# so the services a script starts and the benchmark's own Kafka clients use the same topics.
export DASH_KAFKA_TOPIC_PREFIX="${DASH_KAFKA_TOPIC_PREFIX:-}"

# Runs the Maven wrapper offline first (fast, and no network needed when ~/.m2 has everything) and, only when the
# offline run failed because the local repository lacks an artifact or plugin (as on a fresh clone, where a module
# or plugin only this script needs was never downloaded by the normal build), once more online. A build or test
# failure is not retried: the offline run's exit status is returned. Arguments: everything after `./mvnw`.
dash_mvn() {
  local log status
  log="$(mktemp)"
  set +e
  ./mvnw -o "$@" 2>&1 | tee "${log}"
  status="${PIPESTATUS[0]}"
  set -e
  if [[ "${status}" != 0 ]] && grep -qE 'offline mode|has not been downloaded from it before|Could not (resolve|find artifact|transfer)|Cannot access .* in offline mode|Plugin .* or one of its dependencies could not be resolved' "${log}"; then
    echo "offline build failed (the local Maven repository lacks an artifact): running again online" >&2
    rm -f "${log}"
    ./mvnw "$@"
    return
  fi
  rm -f "${log}"
  return "${status}"
}

# Builds quietly through dash_mvn. Arguments: what follows `./mvnw -q`, e.g.
# dash_build -Pbench -pl bench/replay -am package -DskipTests.
dash_build() {
  dash_mvn -q "$@"
}

# JVM flags that point a packaged Dash service at the local PostgreSQL (database $1), Kafka and S3 server.
dash_service_flags() {
  local db="$1"
  DASH_SERVICE_FLAGS=(
    -Dquarkus.datasource.jdbc.url="jdbc:postgresql://${DASH_PG_HOST}:${DASH_PG_PORT}/${db}"
    -Dquarkus.datasource.reactive.url="postgresql://${DASH_PG_HOST}:${DASH_PG_PORT}/${db}"
    -Dquarkus.datasource.username="${DASH_PG_USER}" -Dquarkus.datasource.password="${DASH_PG_PASSWORD}"
    -Dkafka.bootstrap.servers="${DASH_KAFKA_BOOTSTRAP}"
    -Dquarkus.s3.endpoint-override="${DASH_S3_ENDPOINT}" -Dquarkus.s3.aws.region="${DASH_S3_REGION}"
    -Dquarkus.s3.aws.credentials.type=static
    -Dquarkus.s3.aws.credentials.static-provider.access-key-id="${DASH_S3_ACCESS_KEY}"
    -Dquarkus.s3.aws.credentials.static-provider.secret-access-key="${DASH_S3_SECRET_KEY}"
  )
}

# Waits until the URL answers 2xx, at most $2 seconds (default 120); exits the script otherwise.
wait_ready() {
  local tries=$(( ${2:-120} * 2 ))
  for _ in $(seq 1 "${tries}"); do
    if curl -fs -o /dev/null "$1"; then return 0; fi
    sleep 0.5
  done
  echo "not ready: $1" >&2
  exit 1
}
