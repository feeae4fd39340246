#!/usr/bin/env bash
# Sink delivery benchmark (docs/benchmarks.md, "Sinks"): packages the ingestor, then runs SinkBench against
# the local services: deliveries/s of Dash vs a bare HTTP client in the same run, and alert latency from the
# ingest 2xx to the receiver. Figures: ingestor-service/target/sink-bench.txt.
# Options: SINKS (default 4), POINTS per sink (2000), ALERTS (40); DASH_PG_TEST_DB picks the database.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DASH_HOME="${DASH_HOME:-$PWD/.dash}"
# shellcheck source=bench/lib.sh
source bench/lib.sh
# Offline first, online when the local Maven repository lacks something (bench/lib.sh).
dash_mvn -B -q -pl ingestor-service -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=SinkBench -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dbench.sinks="${SINKS:-4}" -Dbench.points="${POINTS:-2000}" -Dbench.alerts="${ALERTS:-40}"
cat ingestor-service/target/sink-bench.txt
