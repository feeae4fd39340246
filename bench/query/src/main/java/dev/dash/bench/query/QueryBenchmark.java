package dev.dash.bench.query;

import dev.dash.model.db.DashSchema;
import dev.dash.model.db.SilverVariant;
import dev.dash.web.query.SeriesSql;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Loads 10 million points (one pipeline, one metric, 4 label sets, 30 days, plus a decoy mapping version)
 * into a database of its own, refreshes the rollups up to a minute ago (a raw tail, as in production), and
 * times the query API's statement for a 24-hour and a 30-day line chart against the same series computed
 * from the raw rows, in the same run.
 *
 * <p>Arguments (system properties): {@code bench.url} (default the local {@code dash_bench} database),
 * {@code bench.user}, {@code bench.password}, {@code bench.points} (10000000), {@code bench.iterations} (200).
 */
public final class QueryBenchmark {
    private static final UUID PIPELINE = UUID.fromString("0d0e0000-0000-4000-8000-00000000be01");
    private static final UUID TEAM = UUID.fromString("0d0e0000-0000-4000-8000-00000000be00");

    private QueryBenchmark() {}

    public static void main(String[] args) throws Exception {
        String url = System.getProperty("bench.url", "jdbc:postgresql://127.0.0.1:15432/dash_bench");
        String user = System.getProperty("bench.user", "dash");
        String password = System.getProperty("bench.password", "dash");
        long points = Long.getLong("bench.points", 10_000_000L);
        int iterations = Integer.getInteger("bench.iterations", 200);

        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        ds.setUser(user);
        ds.setPassword(password);
        var outcome = DashSchema.migrate(ds, "public", SilverVariant.Choice.AUTO);
        log("schema %s, Silver variant %s", outcome.version(), outcome.variant());

        Instant end = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (Connection c = DriverManager.getConnection(url, user, password)) {
            load(c, points, end);
            try (ResultSet rs = c.createStatement().executeQuery("SELECT dash_silver_variant()")) {
                rs.next();
                log("variant: %s", rs.getString(1));
            }
            Instant watermark = watermark(c);
            log("rollup watermark %s", watermark);
            for (Duration range : List.of(Duration.ofHours(24), Duration.ofDays(30))) {
                Duration bucket = SeriesSql.autoBucket(range, 500);
                SeriesSql.Level level = SeriesSql.level(bucket);
                Instant from = SeriesSql.floor(end.minus(range), bucket);
                Instant to = SeriesSql.ceil(end, bucket);
                Instant cut = SeriesSql.floor(watermark, level.size);
                int baselineIterations = range.toDays() >= 30 ? Math.max(5, iterations / 40) : Math.max(10, iterations / 4);
                long[] api = time(c, SeriesSql.sql(level), from, to, cut, bucket, iterations);
                long[] raw = time(c, SeriesSql.rawOnlySql(), from, to, from, bucket, baselineIterations);
                log(
                        "%-4s bucket %-6s via %-10s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms  (%d runs) | raw rows: p50 %8.1f ms  p95 %8.1f ms (%d runs)",
                        range.toHours() <= 24 ? "24h" : range.toDays() + "d",
                        bucket.toString().substring(2),
                        level.table,
                        ms(pct(api, 50)),
                        ms(pct(api, 95)),
                        ms(api[api.length - 1]),
                        iterations,
                        ms(pct(raw, 50)),
                        ms(pct(raw, 95)),
                        baselineIterations);
            }
        }
    }

    private static void load(Connection c, long points, Instant end) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM metrics WHERE pipeline_id = ?")) {
            st.setObject(1, PIPELINE);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                if (rs.getLong(1) >= points) {
                    log("%d points already loaded", rs.getLong(1));
                    return;
                }
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("DELETE FROM metrics WHERE pipeline_id = '" + PIPELINE + "'");
            st.execute("DELETE FROM metrics_1m WHERE pipeline_id = '" + PIPELINE + "'");
            st.execute("DELETE FROM metrics_1h WHERE pipeline_id = '" + PIPELINE + "'");
        }
        Instant start = end.minus(Duration.ofDays(30));
        try (PreparedStatement st = c.prepareStatement("SELECT dash_ensure_partitions(?, ?)")) {
            st.setTimestamp(1, Timestamp.from(start));
            st.setTimestamp(2, Timestamp.from(end.plus(Duration.ofDays(7))));
            st.execute();
        } catch (SQLException e) {
            log("no partitions to create (%s)", e.getMessage().lines().findFirst().orElse(""));
        }
        // 90% of the points under the active version (1) on 4 sites, 10% under a decoy version (2).
        long active = points * 9 / 10;
        double stepActive = Duration.between(start, end).toMillis() / (active / 4.0);
        double stepDecoy = Duration.between(start, end).toMillis() / (double) (points - active);
        long t0 = System.nanoTime();
        c.setAutoCommit(false);
        for (int day = 0; day < 30; day++) {
            Instant dayStart = start.plus(Duration.ofDays(day));
            Instant dayEnd = dayStart.plus(Duration.ofDays(1));
            insert(c, dayStart, dayEnd, stepActive, 1, "ARRAY['north', 'south', 'east', 'west']");
            insert(c, dayStart, dayEnd, stepDecoy, 2, "ARRAY['north']");
            c.commit();
        }
        c.setAutoCommit(true);
        log("loaded %d points in %.0f s", points, (System.nanoTime() - t0) / 1e9);
        try (Statement st = c.createStatement()) {
            st.execute("ANALYZE metrics");
        }
        Instant refreshTo = end.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(1));
        t0 = System.nanoTime();
        try (PreparedStatement st = c.prepareStatement("SELECT dash_refresh_rollups(?, ?, true)")) {
            st.setTimestamp(1, Timestamp.from(start.minus(Duration.ofHours(1))));
            st.setTimestamp(2, Timestamp.from(refreshTo));
            st.execute();
        } catch (SQLException e) {
            // TimescaleDB: the continuous aggregates are refreshed with CALL, outside a transaction.
            try (Statement st = c.createStatement()) {
                st.execute("CALL refresh_continuous_aggregate('metrics_1m', NULL, '" + refreshTo + "')");
                st.execute("CALL refresh_continuous_aggregate('metrics_1h', NULL, '" + refreshTo + "')");
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("ANALYZE metrics_1m");
            st.execute("ANALYZE metrics_1h");
        }
        log("rollups refreshed to %s in %.0f s", refreshTo, (System.nanoTime() - t0) / 1e9);
    }

    private static void insert(Connection c, Instant from, Instant to, double stepMillis, int version, String sites)
            throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                """
                INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq)
                SELECT t, ?, ?, 'temperature', jsonb_build_object('site', s),
                       20 + 10 * sin(extract(epoch FROM t) / 3600.0) + random(), gen_random_uuid(), ?, 0
                FROM generate_series(?::timestamptz, ?::timestamptz - interval '1 millisecond', make_interval(secs => ?)) t,
                     unnest(%s) s
                """
                        .formatted(sites))) {
            st.setObject(1, PIPELINE);
            st.setObject(2, TEAM);
            st.setInt(3, version);
            st.setTimestamp(4, Timestamp.from(from));
            st.setTimestamp(5, Timestamp.from(to));
            st.setDouble(6, stepMillis / 1000.0);
            st.execute();
        }
    }

    private static Instant watermark(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT refreshed_to FROM rollup_state WHERE name = 'metrics'")) {
            rs.next();
            return rs.getTimestamp(1).toInstant();
        }
    }

    /** Runs the statement (with $n placeholders, as the service does) and returns sorted latencies in ns. */
    private static long[] time(Connection c, String sql, Instant from, Instant to, Instant cut, Duration bucket, int n)
            throws SQLException {
        List<Integer> order = new ArrayList<>();
        Matcher m = Pattern.compile("\\$(\\d)").matcher(sql);
        StringBuilder jdbc = new StringBuilder();
        while (m.find()) {
            order.add(Integer.parseInt(m.group(1)));
            m.appendReplacement(jdbc, "?");
        }
        m.appendTail(jdbc);
        Object[] params = {PIPELINE, 1, "temperature", Timestamp.from(from), Timestamp.from(to), Timestamp.from(cut), bucket.toSeconds() + " seconds", null};
        long[] out = new long[n];
        try (PreparedStatement st = c.prepareStatement(jdbc.toString())) {
            for (int i = 0; i < order.size(); i++) {
                Object p = params[order.get(i) - 1];
                if (p == null) {
                    st.setNull(i + 1, java.sql.Types.VARCHAR);
                } else {
                    st.setObject(i + 1, p);
                }
            }
            for (int warm = 0; warm < 3; warm++) {
                drain(st);
            }
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                int rows = drain(st);
                out[i] = System.nanoTime() - t0;
                if (rows == 0) {
                    throw new IllegalStateException("the query returned nothing");
                }
            }
        }
        Arrays.sort(out);
        return out;
    }

    private static int drain(PreparedStatement st) throws SQLException {
        int rows = 0;
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                rs.getDouble("total");
                rows++;
            }
        }
        return rows;
    }

    private static long pct(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static void log(String format, Object... args) {
        System.err.println(String.format(Locale.ROOT, format, args));
    }
}
