package dev.dash.web.live.cache;

import dev.dash.web.query.SeriesSql;

/**
 * The hot cache's read: the data endpoint's series statement ({@link SeriesSql}) with each bucket's whole state,
 * the time of its last value included, so points can be merged into it; and the active version in the same
 * statement, so the rows and the version agree. One row with a null bucket when nothing is there.
 *
 * <p>It reads the same tiers as the data endpoint ({@code QueryService}), on both Silver variants: the level's
 * rollup before its cut, the rollup's watermark ({@code dash_rollup_watermarks()}, V94: the plain variant's job
 * watermark, a continuous aggregate's own on TimescaleDB, whose aggregates are read materialised only) rounded
 * down to the rollup's buckets; for hour buckets {@code metrics_1m} from the hour cut to the minute cut (the
 * 1-minute rollup's watermark, never before the hour cut, {@link SeriesSql#minuteCut}); raw rows after. The cuts
 * are asked in the statement itself, so one snapshot gives the version, the cuts and the rows. (It used to read
 * TimescaleDB's aggregates over the whole range: since they are read materialised only (timescaledb/V60), that
 * left out every row after their watermark, the open hour among them.)
 *
 * <p>Parameters: $1 pipeline, $2 metric, $3 from, $4 to, $5 bucket (text interval), $6 label filter (JSON object
 * text) or null.
 */
final class CacheSql {
    private CacheSql() {}

    private static final String ORIGIN = "TIMESTAMPTZ '2000-01-01 00:00:00+00'";

    /** The statement for a level, the same on both Silver variants. */
    static String sql(SeriesSql.Level level) {
        String cuts = switch (level) {
            case RAW -> "SELECT $3::timestamptz AS cut, $3::timestamptz AS mcut";
            case MINUTE -> """
                    SELECT date_bin(interval '60 seconds', minute_rollup, %1$s) AS cut,
                           date_bin(interval '60 seconds', minute_rollup, %1$s) AS mcut
                    FROM dash_rollup_watermarks()""".formatted(ORIGIN);
            case HOUR -> """
                    SELECT date_bin(interval '3600 seconds', hour_rollup, %1$s) AS cut,
                           greatest(date_bin(interval '3600 seconds', hour_rollup, %1$s),
                                    date_bin(interval '60 seconds', minute_rollup, %1$s)) AS mcut
                    FROM dash_rollup_watermarks()""".formatted(ORIGIN);
        };
        String rollup = level == SeriesSql.Level.RAW ? "" : rollupPart(level.table, "$3::timestamptz", "c.cut");
        String minutes = level == SeriesSql.Level.HOUR
                ? rollupPart(SeriesSql.Level.MINUTE.table, "greatest($3::timestamptz, c.cut)", "c.mcut")
                : "";
        String rawFrom = level == SeriesSql.Level.RAW ? "$3::timestamptz" : "greatest($3::timestamptz, c.mcut)";
        return """
               WITH p AS (SELECT active_mapping_version AS v FROM pipelines WHERE id = $1),
               c AS (%s),
               parts AS (
               %s%s  SELECT date_bin($5::text::interval, time, %s) AS b, labels,
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
               """.formatted(cuts, rollup, minutes, ORIGIN, rawFrom);
    }

    /** A rollup's buckets in [from, least(to, cut)), re-bucketed to the query's buckets. */
    private static String rollupPart(String table, String from, String cut) {
        return """
                  SELECT date_bin($5::text::interval, bucket, %s) AS b, labels, n, total,
                         min_value, max_value, last_value, last_time
                  FROM %s, p, c
                  WHERE pipeline_id = $1 AND mapping_version = p.v AND metric = $2
                    AND bucket >= %s AND bucket < least($4::timestamptz, %s)
                    AND ($6::text IS NULL OR labels @> $6::text::jsonb)
                  UNION ALL
                """.formatted(ORIGIN, table, from, cut);
    }
}
