package dev.dash.web.live.cache;

import dev.dash.web.query.SeriesSql;

/**
 * The hot cache's read: the data endpoint's series statement ({@link SeriesSql}: rollup rows before the cut,
 * raw rows from it, re-bucketed and merged, on the pipeline's active version) with each bucket's whole state, the
 * time of its last value included, so points can be merged into it; and the active version in the same statement,
 * so the rows and the version agree. One row with a null bucket when nothing is there.
 *
 * <p>Parameters: $1 pipeline, $2 metric, $3 from, $4 to, $5 bucket (text interval), $6 label filter (JSON object
 * text) or null.
 */
final class CacheSql {
    private CacheSql() {}

    /**
     * @param timescale whether Silver is the TimescaleDB variant (its continuous aggregates cover the whole range
     *     themselves); otherwise the rollups count up to their watermark, as in {@code QueryService}
     */
    static String sql(SeriesSql.Level level, boolean timescale) {
        String cut = level == SeriesSql.Level.RAW
                ? "$3::timestamptz"
                : timescale
                        ? "$4::timestamptz"
                        : "coalesce((SELECT date_bin(interval '" + level.size.toSeconds()
                                + " seconds', greatest(refreshed_to, '1970-01-01'::timestamptz),"
                                + " TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM rollup_state WHERE name = 'metrics'),"
                                + " $3::timestamptz)";
        String rollup = level == SeriesSql.Level.RAW ? "" : """
                  SELECT date_bin($5::text::interval, bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS b, labels, n, total,
                         min_value, max_value, last_value, last_time
                  FROM %s, p, c
                  WHERE pipeline_id = $1 AND mapping_version = p.v AND metric = $2
                    AND bucket >= $3::timestamptz AND bucket < least($4::timestamptz, c.cut)
                    AND ($6::text IS NULL OR labels @> $6::text::jsonb)
                  UNION ALL
                """.formatted(level.table);
        String rawFrom = level == SeriesSql.Level.RAW ? "$3::timestamptz" : "greatest($3::timestamptz, c.cut)";
        return """
               WITH p AS (SELECT active_mapping_version AS v FROM pipelines WHERE id = $1),
               c AS (SELECT %s AS cut),
               parts AS (
               %s  SELECT date_bin($5::text::interval, time, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS b, labels,
                         1::bigint AS n, value AS total, value AS min_value, value AS max_value, value AS last_value,
                         time AS last_time
                  FROM metrics, p, c
                  WHERE pipeline_id = $1 AND mapping_version = p.v AND metric = $2
                    AND time >= %s AND time < $4::timestamptz
                    AND ($6::text IS NULL OR labels @> $6::text::jsonb)
               ),
               s AS (
                 SELECT b, labels::text AS labels, sum(n)::bigint AS n, sum(total) AS total, min(min_value) AS min_value,
                        max(max_value) AS max_value, (array_agg(last_value ORDER BY last_time DESC))[1] AS last_value,
                        max(last_time) AS last_time
                 FROM parts GROUP BY labels, b
               )
               SELECT p.v, s.* FROM p LEFT JOIN s ON true
               """.formatted(cut, rollup, rawFrom);
    }
}
