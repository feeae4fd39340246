package dev.dash.model.silver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.dash.model.db.DashSchema;
import dev.dash.model.db.SilverVariant;
import dev.dash.model.mapping.Point;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Minute buckets merged by the writer ({@link SilverStore#write(SilverBatch, boolean)}, {@link MinuteBuckets},
 * plain/V161) against the SQL refresh of the same rows ({@code dash_rebuild_minute_rollups}, plain/V146), on plain
 * PostgreSQL in a schema of its own: every column of every bucket equal, over several batches, versions, metrics and
 * labels, ties of the last value within a batch and across batches, a time that rounds into the next minute, and a
 * batch written again (which must not count its rows twice).
 */
class MinuteBucketsTest {
    private static final UUID PIPELINE = UUID.fromString("5a1d0000-0000-4000-8000-000000000001");
    private static final UUID TEAM = UUID.fromString("7e000000-0000-4000-8000-000000000001");
    private static final UUID OTHER_TEAM = UUID.fromString("1e000000-0000-4000-8000-000000000001");
    private static final Instant T0 = Instant.parse("2020-03-04T10:15:00Z");

    private Endpoints endpoints;
    private String schema;
    private DataSource ds;
    private SilverStore store;

    @BeforeEach
    void freshSchema() throws SQLException {
        endpoints = LocalServices.ensureStarted();
        schema = "mbk_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute(dataSource(null), "CREATE SCHEMA " + schema);
        ds = dataSource(schema);
        DashSchema.migrate(ds, schema, SilverVariant.Choice.PLAIN);
        store = new SilverStore(ds, false);
    }

    @AfterEach
    void dropSchema() throws SQLException {
        execute(dataSource(null), "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    @Test
    void mergedBucketsEqualTheRefreshOfTheSameRows() throws SQLException {
        // Event ids chosen so that PostgreSQL's uuid order (unsigned) and Java's UUID.compareTo (signed) disagree.
        UUID low = UUID.fromString("10000000-0000-4000-8000-000000000000");
        UUID high = UUID.fromString("f0000000-0000-4000-8000-000000000000");
        Map<String, String> a = Map.of("site", "north", "model", "x\"1\\");
        Map<String, String> b = Map.of("site", "süd");
        Map<String, String> none = Map.of();

        List<SilverBatch> batches = new ArrayList<>();
        SilverBatch one = new SilverBatch();
        // Two events at the same time in one batch: the greater event id (unsigned) is the last; within an event the
        // greater seq.
        one.addPoints(PIPELINE, TEAM, high, 2, T0, List.of(point(10, "temp", a, 1.5), point(10, "temp", a, 2.5)));
        one.addPoints(PIPELINE, TEAM, low, 2, T0, List.of(point(10, "temp", a, 9.0)));
        one.addPoints(PIPELINE, TEAM, UUID.randomUUID(), 2, T0, List.of(point(5, "temp", b, -3.25)));
        one.addPoints(PIPELINE, TEAM, UUID.randomUUID(), 1, T0, List.of(point(20, "temp", a, 4.0)));
        one.addPoints(PIPELINE, TEAM, UUID.randomUUID(), 2, T0, List.of(point(30, "hum", none, 55.0)));
        batches.add(one);
        SilverBatch two = new SilverBatch();
        // The same time as the first batch's last of (temp, a): the raw rows decide across batches.
        two.addPoints(
                PIPELINE,
                OTHER_TEAM,
                UUID.fromString("80000000-0000-4000-8000-000000000000"),
                2,
                T0,
                List.of(point(10, "temp", a, 7.75)));
        // Later in the same minute, and in the next minute.
        two.addPoints(PIPELINE, TEAM, UUID.randomUUID(), 2, T0, List.of(point(40, "temp", b, 0.5)));
        two.addPoints(PIPELINE, TEAM, UUID.randomUUID(), 2, T0, List.of(point(70, "temp", b, 12.0)));
        // 0.0000006 s before the next minute: stored rounded to the microsecond, so in the next minute.
        two.addPoints(
                PIPELINE,
                TEAM,
                UUID.randomUUID(),
                2,
                T0,
                List.of(new Point(T0.plusSeconds(119).plusNanos(999_999_600), "temp", b, 6.0)));
        batches.add(two);
        SilverBatch three = new SilverBatch();
        // An earlier point than what the bucket holds: the bucket's last stays.
        three.addPoints(PIPELINE, TEAM, UUID.randomUUID(), 2, T0, List.of(point(1, "temp", a, 100.0)));
        three.addPoints(PIPELINE, TEAM, UUID.randomUUID(), 2, T0, List.of(point(3600 + 5, "temp", a, 8.0)));
        batches.add(three);
        for (SilverBatch batch : batches) {
            store.write(batch, true);
            assertThat(batch.minutesMerged()).isTrue();
        }
        List<String> merged = buckets();
        assertThat(merged).hasSize(7);

        // A batch written again: its rows are there, so it takes the idempotent path and merges nothing.
        store.write(two, true);
        assertThat(two.minutesMerged()).isFalse();
        assertThat(buckets()).isEqualTo(merged);

        // Under an hour (V138's series-index branch) and over an hour (the other).
        rebuild(T0, T0.plusSeconds(180));
        assertThat(buckets()).isEqualTo(merged);
        rebuild(T0.minusSeconds(3600), T0.plusSeconds(7200));
        assertThat(buckets()).isEqualTo(merged);
        // Of the four rows at T0+10 s, the greatest event id unsigned (f0...), then its greater seq.
        assertThat(last("temp", a, 2, T0)).isEqualTo(2.5);
        assertThat(merged).anyMatch(r -> r.contains("2020-03-04 10:17:00+00") && r.contains("6.0"));
    }

    @Test
    void mergesOntoBucketsTheRefreshBuiltAndRandomValuesAgreeToRounding() throws SQLException {
        Random random = new Random(42);
        List<Map<String, String>> labels =
                List.of(Map.of("site", "a"), Map.of("site", "b"), Map.of("site", "a", "r", "1"));
        // The first rows refreshed from SQL, the rest merged onto those buckets.
        SilverBatch first = randomBatch(random, labels, 300);
        store.write(first);
        assertThat(first.minutesMerged()).isFalse();
        rebuild(T0, T0.plusSeconds(600));
        for (int i = 0; i < 5; i++) {
            SilverBatch batch = randomBatch(random, labels, 400);
            store.write(batch, true);
            assertThat(batch.minutesMerged()).isTrue();
        }
        List<Object[]> merged = rows();
        rebuild(T0, T0.plusSeconds(600));
        List<Object[]> refreshed = rows();
        assertThat(merged).hasSameSizeAs(refreshed).isNotEmpty();
        for (int i = 0; i < merged.size(); i++) {
            Object[] m = merged.get(i);
            Object[] r = refreshed.get(i);
            // Every column but the sum exactly; the sum of doubles up to the order of its additions.
            for (int col = 0; col < m.length; col++) {
                if (col == 7) {
                    assertThat((Double) m[col]).isCloseTo((Double) r[col], within(1e-9 * Math.abs((Double) r[col])));
                } else {
                    assertThat(m[col]).as("column %d of bucket %s", col, r[0]).isEqualTo(r[col]);
                }
            }
        }
    }

    private SilverBatch randomBatch(Random random, List<Map<String, String>> labels, int events) {
        SilverBatch batch = new SilverBatch();
        for (int e = 0; e < events; e++) {
            // Whole seconds over ten minutes: many ties of time, across batches too.
            Instant t = T0.plusSeconds(random.nextInt(600));
            List<Point> points = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                points.add(new Point(
                        t,
                        p == 2 ? "pressure" : "temp",
                        labels.get(random.nextInt(labels.size())),
                        Math.round(random.nextGaussian() * 1e4) / 100.0));
            }
            batch.addPoints(PIPELINE, TEAM, UUID.randomUUID(), 2, t, points);
        }
        return batch;
    }

    private static Point point(int seconds, String metric, Map<String, String> labels, double value) {
        return new Point(T0.plusSeconds(seconds), metric, labels, value);
    }

    private void rebuild(Instant from, Instant to) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT dash_rebuild_minute_rollups(?, ?, ?, NULL)")) {
            ps.setObject(1, PIPELINE);
            ps.setObject(2, java.sql.Timestamp.from(from));
            ps.setObject(3, java.sql.Timestamp.from(to));
            ps.execute();
        }
    }

    private double last(String metric, Map<String, String> labels, int version, Instant minute) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT last_value FROM metrics_1m WHERE metric = ? AND labels = ?::jsonb
                          AND mapping_version = ? AND bucket = ?""")) {
            ps.setString(1, metric);
            ps.setString(2, SilverStore.labelsJson(new java.util.TreeMap<>(labels)));
            ps.setInt(3, version);
            ps.setObject(4, java.sql.Timestamp.from(minute));
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getDouble(1);
            }
        }
    }

    /** Every bucket as text, every column (float8's text is exact since PostgreSQL 12). */
    private List<String> buckets() throws SQLException {
        List<String> out = new ArrayList<>();
        for (Object[] r : rows()) {
            out.add(java.util.Arrays.toString(r));
        }
        return out;
    }

    private List<Object[]> rows() throws SQLException {
        List<Object[]> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("""
                        SELECT bucket::text, pipeline_id::text, team_id::text, metric, labels::text, mapping_version, n,
                               total, min_value, max_value, last_value, last_time::text
                        FROM metrics_1m ORDER BY pipeline_id, mapping_version, metric, bucket, labels::text""")) {
            while (rs.next()) {
                Object[] r = new Object[12];
                for (int i = 0; i < 12; i++) {
                    r[i] = rs.getObject(i + 1);
                }
                out.add(r);
            }
        }
        return out;
    }

    private DataSource dataSource(String currentSchema) {
        return endpoints.dataSource(currentSchema);
    }

    private static void execute(DataSource ds, String sql) throws SQLException {
        Sql.execute(ds, sql);
    }
}
