package dev.dash.bench.query;

import dev.dash.model.silver.SilverRollups;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The rollup refresh a replay's cut-over does ({@link SilverRollups#refresh}, the replay-service's call), on
 * both Silver variants in one run, over the data {@link QueryBenchmark} loaded (run it first): a 24-hour and a
 * 30-day window. Before each refresh two rows of another mapping version are written at the window's ends in one
 * transaction, as a replay's writes would, so TimescaleDB has the whole window invalidated and re-materialises
 * it (a refresh over an unchanged range costs nothing there); plain PostgreSQL always rebuilds the window.
 *
 * <p>Arguments (system properties): {@code bench.url}, {@code bench.user}, {@code bench.password},
 * {@code bench.variants}, as for {@link QueryBenchmark}; {@code bench.runs} (3) for the 24-hour window, the
 * 30-day one runs once.
 */
public final class RefreshBenchmark {
    private static final UUID PIPELINE = UUID.fromString("0d0e0000-0000-4000-8000-00000000be01");
    private static final UUID TEAM = UUID.fromString("0d0e0000-0000-4000-8000-00000000be00");

    private RefreshBenchmark() {}

    public static void main(String[] args) throws Exception {
        String url = System.getProperty("bench.url", "jdbc:postgresql://127.0.0.1:15432/dash");
        String user = System.getProperty("bench.user", "dash");
        String password = System.getProperty("bench.password", "dash");
        int runs = Integer.getInteger("bench.runs", 3);
        List<String> variants = List.of(
                System.getProperty("bench.variants", "timescaledb,plain").split(","));
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(2));
        for (String variant : variants) {
            String dbUrl = url.substring(0, url.lastIndexOf('/') + 1) + "dash_bench_" + variant;
            try (Connection c = DriverManager.getConnection(dbUrl, user, password)) {
                c.setAutoCommit(true);
                for (Duration window : List.of(Duration.ofHours(24), Duration.ofDays(30))) {
                    int n = window.toDays() >= 30 ? 1 : runs;
                    long[] ms = new long[n];
                    for (int i = 0; i < n; i++) {
                        Instant from = end.minus(window);
                        // One transaction, as a replay batch spanning the window: TimescaleDB logs one
                        // invalidation per transaction from its earliest to its latest row, so the whole
                        // window is re-materialised (two transactions would invalidate two buckets only).
                        c.setAutoCommit(false);
                        touch(c, from);
                        touch(c, end);
                        c.commit();
                        c.setAutoCommit(true);
                        long t0 = System.nanoTime();
                        SilverRollups.refresh(c, from, end);
                        ms[i] = (System.nanoTime() - t0) / 1_000_000;
                    }
                    java.util.Arrays.sort(ms);
                    System.err.println(String.format(
                            Locale.ROOT,
                            "%-11s refresh over %-4s median %,8d ms  (runs %s)",
                            variant,
                            window.toHours() <= 24 ? "24h" : window.toDays() + "d",
                            ms[n / 2],
                            java.util.Arrays.toString(ms)));
                }
            }
        }
    }

    /** One row of a third mapping version at {@code t}, as a replay writes. */
    private static void touch(Connection c, Instant t) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq) "
                        + "VALUES (?, ?, ?, 'temperature', '{\"site\": \"north\"}', 1, ?, 3, 0) ON CONFLICT DO NOTHING")) {
            st.setObject(1, t.atOffset(ZoneOffset.UTC));
            st.setObject(2, PIPELINE);
            st.setObject(3, TEAM);
            st.setObject(4, UUID.randomUUID());
            st.executeUpdate();
        }
    }
}
