#!/usr/bin/env bash
# The fault suite and the overload run over the packaged cluster, on a private PostgreSQL, Kafka and S3
# server of their own (never the shared ones). Report: chaos/target/chaos-<run>/report.md,
# chaos/target/overload/report.md; explained in docs/reliability.md.
#
#   bench/chaos/run.sh short      the version the README's test command runs (~5 min)
#   bench/chaos/run.sh long       every fault at full length under a heavier load (~15 min)
#   bench/chaos/run.sh overload   10x what one ingestor sustains, large bodies mixed in (~3 min)
#
# Extra arguments go to Maven, e.g. -Dchaos.rate=20 (requests/s), -Dchaos.faults=kill-ingestor,pg-stop,
# -Dchaos.timescaledb=auto, -Dchaos.overload.factor=10, -Dchaos.home=/some/dir, -Dquarkus.build.skip=true
# (reuse the services already packaged).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
run="${1:-short}"
[[ $# -eq 0 ]] || shift
case "$run" in
  short) it=ChaosShortIT; flags=() ;;
  long) it=ChaosLongIT; flags=(-Dchaos.long=true) ;;
  overload) it=OverloadIT; flags=(-Dchaos.overload=true) ;;
  *) echo "usage: $0 short|long|overload [maven args]" >&2; exit 2 ;;
esac
cd "$ROOT"
# shellcheck source=bench/lib.sh
source "${ROOT}/bench/lib.sh"
# Keycloak (for web-service's OIDC settings) comes from the usual local services; it is never stopped.
# Offline first, online when the local Maven repository lacks something (bench/lib.sh).
dash_mvn -B -pl chaos -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test="$it" -Dfailsafe.failIfNoSpecifiedTests=false "${flags[@]}" "$@"
for f in chaos/target/chaos-"$run"/report.md chaos/target/overload/report.md; do
  if [[ "$run" == overload && "$f" == *overload* ]] || [[ "$run" != overload && "$f" == *chaos-* ]]; then
    [[ -f "$f" ]] && cat "$f"
  fi
done
