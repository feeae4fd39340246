package dev.dash.bench.query;

import dev.dash.model.db.DashSchema;
import dev.dash.model.db.SilverVariant;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * TimescaleDB compression of one week of realistic Silver points: a fleet-telemetry pipeline as the replay
 * benchmark's events give it ({@code bench/replay} {@code TelemetryEvents}: temperature to 0.01 °C and humidity
 * to 0.1 %, two points per event sharing the event's UUIDv7, seq 0 and 1), 4 sites, one event per site every 2
 * seconds: 2.4 million rows in 7 daily chunks. Written into days of their own (8 to 1 weeks before 60 days ago)
 * of the {@code dash_bench_timescaledb} database, compressed as the policy does, then reported by
 * {@code chunk_compression_stats} over those chunks (and with {@code hypertable_compression_stats} for the
 * whole table). {@link QueryBenchmark}'s own data uses full-precision random noise: its figure is the worst case.
 *
 * <p>Arguments (system properties): {@code bench.url}, {@code bench.user}, {@code bench.password} as for
 * {@link QueryBenchmark}.
 */
public final class CompressionBenchmark {
    private CompressionBenchmark() {}

    public static void main(String[] args) throws Exception {
        String url = System.getProperty("bench.url", "jdbc:postgresql://127.0.0.1:15432/dash");
        String user = System.getProperty("bench.user", "dash");
        String password = System.getProperty("bench.password", "dash");
        String dbUrl = url.substring(0, url.lastIndexOf('/') + 1) + "dash_bench_timescaledb";
        try (Connection admin = DriverManager.getConnection(url, user, password);
                Statement st = admin.createStatement();
                ResultSet rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = 'dash_bench_timescaledb'")) {
            if (!rs.next()) {
                admin.createStatement().execute("CREATE DATABASE dash_bench_timescaledb");
            }
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(dbUrl);
        ds.setUser(user);
        ds.setPassword(password);
        DashSchema.migrate(ds, "public", SilverVariant.Choice.TIMESCALEDB);
        Instant from = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(60 + 7, ChronoUnit.DAYS);
        Instant to = from.plus(7, ChronoUnit.DAYS);
        String range = "'" + from + "'::timestamptz AND '" + to + "'::timestamptz";
        try (Connection c = DriverManager.getConnection(dbUrl, user, password);
                Statement st = c.createStatement()) {
            long t0 = System.nanoTime();
            // The week's chunks of an earlier run are dropped, not emptied: a DELETE would leave their dead rows
            // in the size before compression and flatter the ratio.
            st.execute("SELECT drop_chunks('metrics', newer_than => '" + from + "'::timestamptz, older_than => '" + to
                    + "'::timestamptz)");
            st.execute("DELETE FROM metrics WHERE time >= '" + from + "' AND time < '" + to + "'");
            st.execute("""
                    INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq)
                    SELECT e.t, '0d0e0000-0000-4000-8000-00000000be02', '0d0e0000-0000-4000-8000-00000000be00',
                           m.metric, jsonb_build_object('site', e.site),
                           CASE m.seq
                             WHEN 0 THEN round((20 + 5 * sin(extract(epoch FROM e.t) / 21600.0) + e.s * 0.7
                                                + (random() - 0.5) * 0.2)::numeric, 2)::float8
                             ELSE round((50 + 10 * sin(extract(epoch FROM e.t) / 43200.0) - e.s
                                         + (random() - 0.5))::numeric, 1)::float8
                           END,
                           e.id, 1, m.seq
                    FROM (SELECT t, site, s,
                                 (lpad(to_hex((extract(epoch FROM t) * 1000)::bigint), 12, '0') || '7'
                                  || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid AS id
                          FROM generate_series(%s - interval '1 second', interval '2 seconds') t,
                               unnest(ARRAY['north', 'south', 'east', 'west'], ARRAY[0, 1, 2, 3]) AS x(site, s)) e,
                         (VALUES (0, 'temperature_c'), (1, 'humidity_pct')) AS m(seq, metric)
                    """.formatted(range.replace(" AND ", ", ")));
            log("loaded a week of telemetry points in %.0f s", (System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            try (ResultSet rs =
                    st.executeQuery("SELECT count(*) FROM (SELECT compress_chunk(ch, if_not_compressed => true) "
                            + "FROM show_chunks('metrics', newer_than => '" + from + "'::timestamptz, older_than => '"
                            + to
                            + "'::timestamptz) ch) x")) {
                rs.next();
                log("compressed %d chunk(s) in %.0f s", rs.getLong(1), (System.nanoTime() - t0) / 1e9);
            }
            try (ResultSet rs = st.executeQuery("""
                    SELECT count(*), sum(r.n), sum(s.before_compression_total_bytes), sum(s.after_compression_total_bytes),
                           sum(s.before_compression_table_bytes + s.before_compression_toast_bytes),
                           sum(s.after_compression_table_bytes + s.after_compression_toast_bytes)
                    FROM chunk_compression_stats('metrics') s
                    JOIN timescaledb_information.chunks ch ON ch.chunk_schema = s.chunk_schema AND ch.chunk_name = s.chunk_name,
                         LATERAL (SELECT count(*) AS n FROM metrics WHERE time >= ch.range_start AND time < ch.range_end) r
                    WHERE ch.hypertable_name = 'metrics' AND ch.range_start >= '%s' AND ch.range_end <= '%s'
                    """.formatted(from, to))) {
                rs.next();
                long before = rs.getLong(3);
                long after = rs.getLong(4);
                log(
                        "a week of telemetry (%d chunks, %,d rows): %,d -> %,d bytes with indexes: %.1f %% saved (%.1f bytes/row); "
                                + "table+toast %,d -> %,d: %.1f %% saved",
                        rs.getLong(1),
                        rs.getLong(2),
                        before,
                        after,
                        100.0 * (before - after) / before,
                        (double) after / rs.getLong(2),
                        rs.getLong(5),
                        rs.getLong(6),
                        100.0 * (rs.getLong(5) - rs.getLong(6)) / rs.getLong(5));
            }
            try (ResultSet rs = st.executeQuery("SELECT number_compressed_chunks, before_compression_total_bytes, "
                    + "after_compression_total_bytes FROM hypertable_compression_stats('metrics')")) {
                rs.next();
                log(
                        "hypertable_compression_stats('metrics'), all compressed chunks (%d): %,d -> %,d bytes: %.1f %% saved",
                        rs.getLong(1),
                        rs.getLong(2),
                        rs.getLong(3),
                        100.0 * (rs.getLong(2) - rs.getLong(3)) / rs.getLong(2));
            }
        }
    }

    private static void log(String format, Object... args) {
        System.err.println(String.format(Locale.ROOT, format, args));
    }
}
