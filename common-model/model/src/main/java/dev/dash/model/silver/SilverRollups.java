package dev.dash.model.silver;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Refreshes the Silver rollups ({@code metrics_1m}, {@code metrics_1h}) over a time range on either variant:
 * a replay before its cut-over, the version sweeper after a delete, tests and benchmarks. On plain PostgreSQL
 * they are tables rebuilt by {@code dash_refresh_rollups} (every pipeline, or one: plain/V83); on TimescaleDB continuous aggregates.
 *
 * <p>Live writes need no call: on plain PostgreSQL {@link SilverStore} logs the hours each batch touched and
 * the web nodes' rollup job rebuilds exactly those, per pipeline; on TimescaleDB the extension logs them and
 * its refresh policies materialise them (migrations {@code V60}). Queries read the rollups up to {@link
 * #watermark} and the raw rows after it.
 */
public final class SilverRollups {
    private SilverRollups() {}

    /** Which Silver variant the database has: {@code timescaledb} or {@code plain}. */
    public static String variant(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT dash_silver_variant()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The rollups of both variants and their bucket sizes (continuous aggregates on TimescaleDB). */
    private static final List<Map.Entry<String, Duration>> ROLLUPS =
            List.of(Map.entry("metrics_1m", Duration.ofMinutes(1)), Map.entry("metrics_1h", Duration.ofHours(1)));

    /**
     * Rebuilds the 1-minute and 1-hour rollups over every bucket that [from, to] touches. The watermark of
     * the live rollup job is not moved.
     *
     * <p>On TimescaleDB this is {@code CALL refresh_continuous_aggregate} per aggregate, which refuses to run
     * inside a transaction block (so the connection is put in autocommit for it), takes its bounds as
     * {@code "any"} (so they are cast to {@code timestamptz} in the statement) and refuses a window that
     * holds no whole bucket (so the window is widened outwards to whole buckets of each aggregate: a single
     * point still refreshes its minute and its hour). The window stops where the aggregate's refresh policy
     * stops now ({@link #policyReach}: the bucket still open, and the minute just closed), which queries read
     * from the raw rows (after the aggregate's watermark); materialising further would move the watermark past
     * buckets whose later rows no policy run materialises until its window covers them.
     */
    public static void refresh(Connection c, Instant from, Instant to) throws SQLException {
        if (from == null || to == null) {
            return;
        }
        if (to.isBefore(from)) {
            Instant t = from;
            from = to;
            to = t;
        }
        if ("timescaledb".equals(variant(c))) {
            refreshAggregates(c, ROLLUPS, from, to);
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT dash_refresh_rollups(?, ?, false)")) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to.plusMillis(1)));
            ps.execute();
        }
    }

    /**
     * Rebuilds the rollups of one pipeline (every mapping version of it) over every bucket that [from, to]
     * touches, and nothing of other pipelines: what a replay wrote, before its cut-over. See {@link
     * #refresh(Connection, UUID, Integer, Instant, Instant)}.
     */
    public static void refresh(Connection c, UUID pipelineId, Instant from, Instant to) throws SQLException {
        refresh(c, pipelineId, null, from, to);
    }

    /**
     * Rebuilds the rollups of one pipeline's mapping version ({@code null}: every version) over every bucket
     * that [from, to] touches, widened to whole hours on both levels. On plain PostgreSQL {@code
     * dash_refresh_rollups(pipeline, from, to, version)} deletes and rebuilds only that pipeline's (and version's)
     * buckets, under the rollup lock taken shared, so refreshes of other pipelines go on meanwhile and the live
     * rollup job (which rebuilds every pipeline) waits only for this one's buckets. On TimescaleDB a continuous
     * aggregate has no per-pipeline refresh: this is {@link #refresh(Connection, Instant, Instant)}, which
     * re-materialises only the regions that writes invalidated.
     */
    public static void refresh(Connection c, UUID pipelineId, Integer version, Instant from, Instant to)
            throws SQLException {
        if (from == null || to == null) {
            return;
        }
        if (to.isBefore(from)) {
            Instant t = from;
            from = to;
            to = t;
        }
        if ("timescaledb".equals(variant(c))) {
            refresh(c, from, to);
            return;
        }
        Instant[] hours = bucketWindow(from, to, Duration.ofHours(1));
        refreshPipeline(c, pipelineId, version, hours[0], hours[1]);
    }

    /**
     * Rebuilds the 1-minute buckets of one pipeline's mapping version over the minutes that [from, to) touches
     * (to exclusive), and nothing else: what a replay has written so far, refreshed while it writes on
     * (docs/replay.md, step 4). The caller rebuilds the hours with {@link #refreshHours} once every minute of them
     * is refreshed (a replay: once per settled hour).
     *
     * <p>On plain PostgreSQL {@code dash_rebuild_minute_rollups} (plain/V146); on TimescaleDB {@code metrics_1m}
     * over those minutes.
     */
    public static void refreshMinutes(Connection c, UUID pipelineId, Integer version, Instant from, Instant to)
            throws SQLException {
        if (!to.isAfter(from)) {
            return;
        }
        if ("timescaledb".equals(variant(c))) {
            refreshAggregates(c, List.of(ROLLUPS.get(0)), from, to.minusMillis(1));
            return;
        }
        Instant[] minutes = bucketWindow(from, to.minusMillis(1), Duration.ofMinutes(1));
        call(c, "dash_rebuild_minute_rollups", pipelineId, version, minutes[0], minutes[1]);
    }

    /**
     * Completes {@link #refreshMinutes} over the hours that [from, to) touches: on plain PostgreSQL rebuilds those
     * hours of the pipeline's version from their minute buckets ({@code dash_rebuild_hour_rollups}, plain/V146:
     * exact once every minute of them is current); on TimescaleDB refreshes {@code metrics_1h} over them (it
     * aggregates the raw rows; every pipeline's).
     */
    public static void refreshHours(Connection c, UUID pipelineId, Integer version, Instant from, Instant to)
            throws SQLException {
        if (!to.isAfter(from)) {
            return;
        }
        if ("timescaledb".equals(variant(c))) {
            refreshAggregates(c, List.of(ROLLUPS.get(1)), from, to.minusMillis(1));
            return;
        }
        Instant[] hours = bucketWindow(from, to.minusMillis(1), Duration.ofHours(1));
        call(c, "dash_rebuild_hour_rollups", pipelineId, version, hours[0], hours[1]);
    }

    /** {@code dash_refresh_rollups(pipeline, from, to, version)} (plain/V83, V146) over [from, to). */
    private static void refreshPipeline(Connection c, UUID pipelineId, Integer version, Instant from, Instant to)
            throws SQLException {
        call(c, "dash_refresh_rollups", pipelineId, version, from, to);
    }

    /** One of the plain variant's per-pipeline refresh functions, {@code fn(pipeline, from, to, version)}. */
    private static void call(Connection c, String fn, UUID pipelineId, Integer version, Instant from, Instant to)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT " + fn + "(?::uuid, ?::timestamptz, ?::timestamptz, ?::integer)")) {
            ps.setObject(1, pipelineId);
            ps.setObject(2, from.atOffset(ZoneOffset.UTC));
            ps.setObject(3, to.atOffset(ZoneOffset.UTC));
            if (version == null) {
                ps.setNull(4, Types.INTEGER);
            } else {
                ps.setInt(4, version);
            }
            ps.execute();
        }
    }

    /**
     * {@code CALL refresh_continuous_aggregate} per aggregate over the whole buckets of each that hold [from, to]
     * (to inclusive), in autocommit, stopped at the aggregate policy's reach (see {@link #refresh(Connection, Instant,
     * Instant)}).
     */
    private static void refreshAggregates(
            Connection c, List<Map.Entry<String, Duration>> rollups, Instant from, Instant to) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(true);
        try {
            for (Map.Entry<String, Duration> rollup : rollups) {
                Instant[] window = bucketWindow(from, to, rollup.getValue());
                // Never materialise past the aggregate's refresh policy's reach (see policyReach).
                Instant reach = policyReach(c, rollup.getKey(), rollup.getValue());
                if (window[1].isAfter(reach)) {
                    window[1] = reach;
                }
                if (!window[1].isAfter(window[0])) {
                    continue;
                }
                refreshAggregate(c, rollup.getKey(), window[0], window[1]);
            }
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /**
     * Where the aggregate's refresh policy stops now: {@code now() - end_offset} rounded down to the aggregate's
     * buckets (1 minute on both, timescaledb/V60), the bucket still open when the aggregate has no policy. A
     * refresh must not materialise past it. The aggregate's watermark (the end of its last materialised bucket)
     * tells queries which buckets to read from the aggregate; a row written afterwards under such a bucket is
     * only logged as an invalidation, which the next policy run materialises if the bucket lies within its
     * window. A bucket past the policy's reach (e.g. the minute that closed a few seconds ago, which a refresh
     * up to the open bucket used to materialise) stayed stale under the watermark until the policy's window
     * caught up with it, up to a minute later, however often the policy ran meanwhile: a chart read that
     * minute without the rows written after the refresh (QueryTest, issue 11).
     */
    static Instant policyReach(Connection c, String view, Duration bucket) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT time_bucket(?::interval, now() - coalesce(
                    (SELECT (j.config ->> 'end_offset')::interval
                     FROM _timescaledb_catalog.continuous_agg a
                     JOIN _timescaledb_config.bgw_job j
                       ON j.hypertable_id = a.mat_hypertable_id AND j.proc_name = 'policy_refresh_continuous_aggregate'
                     WHERE a.user_view_schema = current_schema() AND a.user_view_name = ?
                     LIMIT 1), interval '0'))
                """)) {
            ps.setString(1, bucket.toSeconds() + " seconds");
            ps.setString(2, view);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getTimestamp(1).toInstant();
            }
        }
    }

    /**
     * Up to where a rollup ({@code metrics_1m} or {@code metrics_1h}) is materialised: readers take its buckets
     * before this instant and the raw rows from it on ({@code dash_rollup_watermark}). Null when nothing is.
     */
    public static Instant watermark(Connection c, String rollup) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT greatest(dash_rollup_watermark(?), '1970-01-01'::timestamptz)")) {
            ps.setString(1, rollup);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || rs.getTimestamp(1) == null) {
                    return null;
                }
                return rs.getTimestamp(1).toInstant();
            }
        }
    }

    /**
     * The smallest window of whole buckets of {@code size} (aligned to the Unix epoch, as TimescaleDB's
     * {@code time_bucket} aligns minutes and hours) that holds every instant of [from, to], to inclusive.
     */
    public static Instant[] bucketWindow(Instant from, Instant to, Duration size) {
        long s = size.toSeconds();
        long f = Math.floorDiv(from.getEpochSecond(), s) * s;
        long t = (Math.floorDiv(to.getEpochSecond(), s) + 1) * s;
        return new Instant[] {Instant.ofEpochSecond(f), Instant.ofEpochSecond(t)};
    }

    /** How long a refresh waits for a concurrent refresh of the same window (a policy job) to finish. */
    private static final java.time.Duration CONCURRENT_REFRESH_WAIT = java.time.Duration.ofMinutes(5);

    /**
     * One {@code refresh_continuous_aggregate}. TimescaleDB refuses ({@code 55P03}) while another refresh of an
     * overlapping window runs, which its own policy jobs do every minute: the call is then retried after a
     * back-off until that refresh is over.
     */
    private static void refreshAggregate(Connection c, String view, Instant from, Instant to) throws SQLException {
        dev.dash.model.support.Backoff backoff = dev.dash.model.support.Backoff.upTo(java.time.Duration.ofSeconds(2));
        long deadline = System.nanoTime() + CONCURRENT_REFRESH_WAIT.toNanos();
        for (int failures = 0; ; failures++) {
            try (PreparedStatement ps = c.prepareStatement(
                    "CALL refresh_continuous_aggregate(?::regclass, ?::timestamptz, ?::timestamptz)")) {
                ps.setString(1, view);
                ps.setObject(2, from.atOffset(ZoneOffset.UTC));
                ps.setObject(3, to.atOffset(ZoneOffset.UTC));
                ps.execute();
                return;
            } catch (SQLException e) {
                if (!"55P03".equals(e.getSQLState()) || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(backoff.delay(failures + 1).toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
