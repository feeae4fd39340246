package dev.dash.web.query;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The Silver series query, as SQL over the rollups and the raw rows; plain Java so the benchmark runs the
 * very same statement. One statement serves both Silver variants: rollup rows before the cut and raw rows
 * from the cut on, re-bucketed and merged. The cut is the rollup's watermark ({@code dash_rollup_watermark})
 * rounded down to its buckets: the plain variant's job watermark, or on TimescaleDB the continuous aggregate's
 * own, whose aggregates are read materialised only. Grouping the raw tail here rather than inside the view
 * (real-time aggregation) made TimescaleDB's reads as fast as plain PostgreSQL's (docs/benchmarks.md).
 *
 * <p>Hour buckets read three tiers: {@code metrics_1h} before the hour cut, then {@code metrics_1m} for the
 * whole minutes of the hours after it up to the minute cut (the 1-minute rollup's own watermark, rounded down
 * to the minute), then raw rows only from the minute cut on. Without the middle tier the open hour (up to 60
 * minutes of raw rows) was most of what a 30-day chart grouped. Every aggregation merges across the tiers
 * exactly as across rows: count and sum add, min and max of the parts, avg is sum over count, and last is the
 * value of the part with the latest time (the tiers cover disjoint times).
 *
 * <p>Parameters: $1 pipeline, $2 mapping version, $3 metric, $4 from, $5 to, $6 cut, $7 bucket (text
 * interval), $8 label filter (JSON object text, containment) or null; for {@link Level#HOUR} also $9, the
 * minute cut (not before $6: {@link #minuteCut}).
 */
public final class SeriesSql {
    /** The bucket sizes a series may use; the automatic one is the smallest that keeps under the point limit. */
    public static final List<Duration> BUCKETS = List.of(
            Duration.ofSeconds(1),
            Duration.ofSeconds(5),
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            Duration.ofMinutes(1),
            Duration.ofMinutes(5),
            Duration.ofMinutes(15),
            Duration.ofMinutes(30),
            Duration.ofHours(1),
            Duration.ofHours(3),
            Duration.ofHours(6),
            Duration.ofHours(12),
            Duration.ofDays(1),
            Duration.ofDays(7));

    /** Where the buckets come from. */
    public enum Level {
        RAW("metrics", Duration.ZERO),
        MINUTE("metrics_1m", Duration.ofMinutes(1)),
        HOUR("metrics_1h", Duration.ofHours(1));

        public final String table;
        public final Duration size;

        Level(String table, Duration size) {
            this.table = table;
            this.size = size;
        }
    }

    private SeriesSql() {}

    public static Duration autoBucket(Duration range, int maxPoints) {
        for (Duration b : BUCKETS) {
            if (range.toSeconds() / b.toSeconds() <= maxPoints) {
                return b;
            }
        }
        return BUCKETS.get(BUCKETS.size() - 1);
    }

    /** The coarsest rollup whose buckets divide the query's bucket. */
    public static Level level(Duration bucket) {
        long s = bucket.toSeconds();
        if (s >= 3600 && s % 3600 == 0) {
            return Level.HOUR;
        }
        if (s >= 60 && s % 60 == 0) {
            return Level.MINUTE;
        }
        return Level.RAW;
    }

    /** Rounds down to a multiple of {@code size} since 2000-01-01 UTC (the rollups' origin). */
    public static Instant floor(Instant t, Duration size) {
        if (size.isZero()) {
            return t;
        }
        long origin = 946_684_800L;
        long s = t.getEpochSecond() - origin;
        return Instant.ofEpochSecond(origin + Math.floorDiv(s, size.toSeconds()) * size.toSeconds());
    }

    public static Instant ceil(Instant t, Duration size) {
        Instant f = floor(t, size);
        return f.equals(t) ? t : f.plus(size);
    }

    public static String interval(Duration bucket) {
        return bucket.toSeconds() + " seconds";
    }

    /**
     * Where the hour level's minute tier ends and its raw rows begin: the 1-minute rollup's watermark rounded
     * down to the minute, never before the hour cut (then the minute tier is empty).
     */
    public static Instant minuteCut(Instant hourCut, Instant minuteWatermark) {
        if (minuteWatermark == null) {
            return hourCut;
        }
        Instant m = floor(minuteWatermark, Level.MINUTE.size);
        return m.isAfter(hourCut) ? m : hourCut;
    }

    /** The statement for a level (see the class comment for the parameters). */
    public static String sql(Level level) {
        String rollup = level == Level.RAW ? "" : rollupPart(level.table, "$4::timestamptz", "$6::timestamptz");
        String minutes = level == Level.HOUR
                ? rollupPart(Level.MINUTE.table, "greatest($4::timestamptz, $6::timestamptz)", "$9::timestamptz")
                : "";
        String rawFrom = switch (level) {
            case RAW -> "$4::timestamptz";
            case MINUTE -> "greatest($4::timestamptz, $6::timestamptz)";
            case HOUR -> "greatest($4::timestamptz, $9::timestamptz)";
        };
        return """
               WITH parts AS (
               %s%s  SELECT date_bin($7::text::interval, time, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS b, labels, 1::bigint AS n,
                         value AS total, value AS min_value, value AS max_value, value AS last_value, time AS last_time
                  FROM metrics
                  WHERE pipeline_id = $1 AND mapping_version = $2 AND metric = $3
                    AND time >= %s AND time < $5::timestamptz
                    AND ($8::text IS NULL OR labels @> $8::text::jsonb)
               )
               SELECT b, labels::text AS labels, sum(n)::bigint AS n, sum(total) AS total, min(min_value) AS min_value,
                      max(max_value) AS max_value, (array_agg(last_value ORDER BY last_time DESC))[1] AS last_value
               FROM parts GROUP BY labels, b ORDER BY labels, b
               """.formatted(rollup, minutes, rawFrom);
    }

    /** A rollup's buckets in [from, least(to, cut)), re-bucketed to the query's buckets. */
    private static String rollupPart(String table, String from, String cut) {
        return """
                  SELECT date_bin($7::text::interval, bucket, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS b, labels, n, total,
                         min_value, max_value, last_value, last_time
                  FROM %s
                  WHERE pipeline_id = $1 AND mapping_version = $2 AND metric = $3
                    AND bucket >= %s AND bucket < least($5::timestamptz, %s)
                    AND ($8::text IS NULL OR labels @> $8::text::jsonb)
                  UNION ALL
                """.formatted(table, from, cut);
    }

    /** The same series computed from the raw rows only: the benchmark's baseline and the tests' oracle. */
    public static String rawOnlySql() {
        return sql(Level.RAW);
    }
}
