#!/usr/bin/env bash
# The plain rollup refresh's backend CPU per row, V83's body against the current one (docs/benchmarks.md, "The cheaper
# refresh adopted"), on a database that bench/replay/run.sh kept (KEEP_DB=1): the pipeline with the most rows, its
# whole range refreshed on one connection, each body as a pg_temp copy in one session, alternated (OLD, NEW, OLD, NEW),
# the backend's /proc/<pid>/stat (utime + stime) read around each call; then the buckets of both compared.
# Needs the PostgreSQL server on this machine (it reads the backend's /proc entry). Run under the benchmark lock:
#   flock /tmp/dash-bench.lock bench/replay/refresh-cpu.sh [database, default dash_bench_replay]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
DB="${1:-dash_bench_replay}"
MIG="${ROOT}/common-model/model/src/main/resources/db/migration/plain"
export PGPASSWORD="${DASH_PG_PASSWORD:-dash}"
PSQL=(psql -h "${DASH_PG_HOST:-127.0.0.1}" -p "${DASH_PG_PORT:-15432}" -U "${DASH_PG_USER:-dash}" -d "${DB}" -q -X)
body() { # file, new name: the per-pipeline dash_refresh_rollups of a migration, renamed into pg_temp
  awk '/FUNCTION dash_refresh_rollups\(p_pipeline uuid/ { on = 1 } on { print } on && /^END \$\$;/ { exit }' "$1" |
    sed -E "s/CREATE (OR REPLACE )?FUNCTION dash_refresh_rollups\(/CREATE OR REPLACE FUNCTION pg_temp.$2(/"
}
NEW_FILE="$(grep -l 'FUNCTION dash_refresh_rollups(p_pipeline uuid' "${MIG}"/V*__*.sql | sort -V | tail -1)"
echo "old: V83, new: $(basename "${NEW_FILE}"); load $(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "SET max_parallel_workers_per_gather = 0;"
  body "${MIG}/V83__one_pipeline_rollup_refresh.sql" refresh_old
  body "${NEW_FILE}" refresh_new
  cat <<'SQL'
SELECT pg_backend_pid() AS pid \gset
\setenv PID :pid
SELECT pipeline_id AS p, max(mapping_version) AS v, min(time) AS f, max(time) + interval '1 ms' AS t, count(*) AS n
FROM metrics GROUP BY 1 ORDER BY count(*) DESC LIMIT 1 \gset
\echo rows :n pipeline :p version :v
\! awk '{print "ticks", $14 + $15}' /proc/$PID/stat
SELECT pg_temp.refresh_old(:'p', :'f', :'t', :v) \g /dev/null
\! awk '{print "ticks after old", $14 + $15}' /proc/$PID/stat
SELECT pg_temp.refresh_new(:'p', :'f', :'t', :v) \g /dev/null
\! awk '{print "ticks after new", $14 + $15}' /proc/$PID/stat
SELECT pg_temp.refresh_old(:'p', :'f', :'t', :v) \g /dev/null
\! awk '{print "ticks after old", $14 + $15}' /proc/$PID/stat
CREATE TEMP TABLE b_old AS SELECT * FROM metrics_1m WHERE pipeline_id = :'p' AND mapping_version = :v;
\! awk '{print "ticks", $14 + $15}' /proc/$PID/stat
SELECT pg_temp.refresh_new(:'p', :'f', :'t', :v) \g /dev/null
\! awk '{print "ticks after new", $14 + $15}' /proc/$PID/stat
CREATE TEMP TABLE b_new AS SELECT * FROM metrics_1m WHERE pipeline_id = :'p' AND mapping_version = :v;
SELECT count(*) AS buckets,
       count(*) FILTER (WHERE a.n IS DISTINCT FROM b.n OR a.min_value IS DISTINCT FROM b.min_value
                        OR a.max_value IS DISTINCT FROM b.max_value OR a.last_value IS DISTINCT FROM b.last_value
                        OR a.last_time IS DISTINCT FROM b.last_time) AS differing,
       count(*) FILTER (WHERE abs(a.total - b.total) > 1e-9 * greatest(abs(a.total), 1)) AS total_differing
FROM b_old a FULL JOIN b_new b USING (bucket, metric, labels);
SQL
} | "${PSQL[@]}" | awk -v tck="$(getconf CLK_TCK)" -v rows=0 '
  /^rows / { rows = $2; print; next }
  /^ticks/ { t = $NF; if ($0 ~ /after (old|new)/) { kind = $3; s = (t - last) / tck;
               printf "%s: %.2f s of backend CPU, %.2f us per row\n", kind, s, s * 1e6 / rows } last = t; next }
  { print }'
