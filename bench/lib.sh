# Sourced by the benchmark scripts (dash_build before `eval "$(deploy/local/services env)"`, the rest after it).

# Builds with the Maven wrapper: offline first (fast, and no network needed when ~/.m2 has everything), online when
# the offline build fails, as on a fresh clone whose local repository lacks an artifact that only this build needs.
# Arguments: what follows `./mvnw -q`, e.g. dash_build -Pbench -pl bench/replay -am package -DskipTests.
dash_build() {
  if ./mvnw -o -q "$@"; then return 0; fi
  echo "offline build failed (the local Maven repository may lack an artifact): building again online" >&2
  ./mvnw -q "$@"
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
