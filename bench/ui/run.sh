#!/usr/bin/env bash
# The UI's browser figures (docs/benchmarks.md, "Web UI"): time to the first chart of a dashboard of 8 widgets
# over 24 hours, a 4 x 10,000-point line chart rendered and streamed into at 10 points/s, and the shipped
# JavaScript and CSS (gzip). Runs web-service's UiPerformanceTest in headless Chromium against the local
# services; the figures land in web-service/target/ui-bench.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DASH_PG_TEST_DB="${DASH_PG_TEST_DB:-dash_test}"
# shellcheck source=bench/lib.sh
source bench/lib.sh
# Offline first, online when the local Maven repository lacks something (bench/lib.sh); the web tests' lock held
# over both attempts.
exec 9>/tmp/dash-web-tests.lock
flock 9
dash_mvn -B -q -pl web-service -am test -Dtest=UiPerformanceTest -Dsurefire.failIfNoSpecifiedTests=false
exec 9>&-
cat web-service/target/ui-bench.json
