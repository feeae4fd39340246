package dev.dash.model.silver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.db.DashSchema;
import dev.dash.model.db.SilverVariant;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.Sql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The per-pipeline rollup refresh a replay makes before its cut-over ({@link SilverRollups#refresh(Connection, UUID,
 * Integer, Instant, Instant)}) on plain PostgreSQL, in a schema of its own: it rebuilds that pipeline's (and
 * version's) buckets over the range, and leaves every other pipeline's and version's rollups as they were, stale
 * or not.
 */
class SilverRollupsTest {
    private Endpoints endpoints;
    private String schema;
    private DataSource ds;

    @BeforeEach
    void freshSchema() throws SQLException {
        endpoints = LocalServices.ensureStarted();
        schema = "rol_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        execute(dataSource(null), "CREATE SCHEMA " + schema);
        ds = dataSource(schema);
        DashSchema.migrate(ds, schema, SilverVariant.Choice.PLAIN);
        execute(ds, "SELECT dash_ensure_partitions('2020-03-04T00:00Z', '2020-03-04T23:00Z')");
    }

    @AfterEach
    void dropSchema() throws SQLException {
        execute(dataSource(null), "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    @Test
    void aPipelineRefreshRebuildsOnlyThatPipelinesVersionOverTheRange() throws SQLException {
        UUID replayed = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant t0 = Instant.parse("2020-03-04T10:15:30Z");
        for (UUID p : new UUID[] {replayed, other}) {
            for (int version = 1; version <= 2; version++) {
                insert(t0, p, team, version, 1.0);
                insert(t0.plusSeconds(10), p, team, version, 5.0);
                insert(t0.plusSeconds(3600), p, team, version, 7.0); // 11:15, the next hour
            }
        }
        try (Connection c = ds.getConnection()) {
            SilverRollups.refresh(c, replayed, 2, t0, t0.plusSeconds(3600));
        }
        // Only the replayed pipeline's version 2: two minute buckets (10:15, 11:15), two hours.
        assertThat(count("metrics_1m", null, null)).isEqualTo(2);
        assertThat(count("metrics_1m", replayed, 2)).isEqualTo(2);
        assertThat(count("metrics_1h", replayed, 2)).isEqualTo(2);
        assertThat(sum("metrics_1m", replayed, 2)).isEqualTo(13.0);
        assertThat(queryString("SELECT refreshed_to::text FROM rollup_state"))
                .as("the live rollup job's watermark is not moved")
                .isEqualTo("-infinity");

        // Rows change within the range: a second refresh replaces the buckets (never adds to them).
        insert(t0.plusSeconds(20), replayed, team, 2, 100.0);
        try (Connection c = ds.getConnection()) {
            SilverRollups.refresh(c, replayed, 2, t0, t0);
        }
        assertThat(sum("metrics_1h", replayed, 2)).isEqualTo(113.0);
        assertThat(count("metrics_1h", replayed, 2)).isEqualTo(2);

        // Every version of the pipeline (null), still nothing of the other pipeline.
        try (Connection c = ds.getConnection()) {
            SilverRollups.refresh(c, replayed, t0, t0.plusSeconds(3600));
        }
        assertThat(count("metrics_1m", replayed, 1)).isEqualTo(2);
        assertThat(count("metrics_1m", replayed, 2)).isEqualTo(2);
        assertThat(count("metrics_1m", other, null)).isZero();

        // The whole-database refresh and the per-pipeline one agree on the same rows.
        execute(ds, "SELECT dash_refresh_rollups('2020-03-04T10:00Z', '2020-03-04T12:00Z', false)");
        assertThat(sum("metrics_1h", replayed, 2)).isEqualTo(113.0);
        assertThat(count("metrics_1h", null, null)).isEqualTo(8);
    }

    @Test
    void aMinuteRefreshRebuildsOnlyThoseMinutesAndAnHourRefreshTheHourFromTheMinuteBuckets() throws SQLException {
        UUID replayed = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant t0 = Instant.parse("2020-03-04T10:15:30Z");
        insert(t0, replayed, team, 2, 1.0); // 10:15
        insert(t0.plusSeconds(60), replayed, team, 2, 2.0); // 10:16
        insert(t0.plusSeconds(600), replayed, team, 2, 4.0); // 10:25
        insert(t0, replayed, team, 1, 50.0); // version 1, same minute
        // What a replay does while it writes on (plain/V146): 10:15 first, then 10:16-10:25 once written; the hour
        // once every minute of it is (settled).
        try (Connection c = ds.getConnection()) {
            SilverRollups.refreshMinutes(c, replayed, 2, t0, t0.plusSeconds(1));
        }
        assertThat(count("metrics_1m", replayed, 2)).isEqualTo(1);
        assertThat(count("metrics_1h", replayed, 2))
                .as("a minute refresh leaves the hours alone")
                .isZero();
        try (Connection c = ds.getConnection()) {
            SilverRollups.refreshMinutes(c, replayed, 2, t0.plusSeconds(60), t0.plusSeconds(601));
            SilverRollups.refreshHours(c, replayed, 2, t0, t0.plusSeconds(601));
        }
        assertThat(count("metrics_1m", replayed, 2)).isEqualTo(3);
        assertThat(count("metrics_1h", replayed, 2)).isEqualTo(1);
        assertThat(sum("metrics_1h", replayed, 2)).isEqualTo(7.0);
        assertThat(count("metrics_1m", replayed, 1))
                .as("another version is not touched")
                .isZero();
        assertThat(count("metrics_1h", replayed, 1)).isZero();

        // A late row in a refreshed minute: refreshing that minute alone again, then its hour, brings the hour up to
        // date, and a range ending on a minute's start does not touch that minute (to is exclusive).
        insert(t0.plusSeconds(5), replayed, team, 2, 10.0);
        insert(t0.plusSeconds(90), replayed, team, 2, 1000.0); // 10:17, not refreshed below
        try (Connection c = ds.getConnection()) {
            SilverRollups.refreshMinutes(c, replayed, 2, t0, Instant.parse("2020-03-04T10:16:00Z"));
            assertThat(sum("metrics_1h", replayed, 2))
                    .as("the hour not rebuilt yet")
                    .isEqualTo(7.0);
            SilverRollups.refreshHours(c, replayed, 2, t0, Instant.parse("2020-03-04T10:16:00Z"));
        }
        assertThat(sum("metrics_1m", replayed, 2)).isEqualTo(17.0);
        assertThat(sum("metrics_1h", replayed, 2)).isEqualTo(17.0);
        // And the whole-hour refresh agrees with the minute ones once every minute is refreshed.
        try (Connection c = ds.getConnection()) {
            SilverRollups.refresh(c, replayed, 2, t0, t0);
        }
        assertThat(sum("metrics_1h", replayed, 2)).isEqualTo(1017.0);
        assertThat(sum("metrics_1m", replayed, 2)).isEqualTo(1017.0);
    }

    @Test
    void theLastValueIsTheLatestRowsEvenWhenRowsTieOnTheTime() throws SQLException {
        // The bucket's last value is the row with the latest time, then the greatest event id, then seq: the same
        // row from the per-pipeline refresh (plain/V83) and the whole-database one (plain/V32), ties included.
        UUID replayed = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant t0 = Instant.parse("2020-03-04T10:15:00Z");
        java.util.Random random = new java.util.Random(7);
        java.util.Map<String, Last> expected = new java.util.HashMap<>();
        // One connection for the 400 rows: a connection per row (a new backend each) took 20 to 50 s here.
        try (Connection rows = ds.getConnection()) {
            for (int i = 0; i < 400; i++) {
                // Times on whole seconds within two minutes, so many rows share one; two label sets, two metrics.
                Instant time = t0.plusSeconds(random.nextInt(120));
                String site = random.nextBoolean() ? "a" : "b";
                String metric = random.nextBoolean() ? "temp" : "hum";
                UUID event = UUID.randomUUID();
                int seq = random.nextInt(3);
                double value = random.nextInt(1_000_000);
                insertRow(rows, time, replayed, team, metric, site, event, seq, value);
                String key = time.truncatedTo(java.time.temporal.ChronoUnit.MINUTES) + " " + metric + " " + site;
                Last row = new Last(time.getEpochSecond(), event, seq, value);
                Last last = expected.get(key);
                if (last == null || row.after(last)) {
                    expected.put(key, row);
                }
            }
        }
        try (Connection c = ds.getConnection()) {
            SilverRollups.refresh(c, replayed, 1, t0, t0.plusSeconds(119));
        }
        java.util.Map<String, Double> perPipeline = lastValues();
        assertThat(perPipeline).hasSize(expected.size());
        expected.forEach((key, last) -> assertThat(perPipeline.get(key)).as(key).isEqualTo(last.value()));
        // The whole-database refresh (plain/V32, the ordered aggregate) gives the same buckets.
        execute(ds, "SELECT dash_refresh_rollups('2020-03-04T10:00Z', '2020-03-04T11:00Z', false)");
        assertThat(lastValues()).isEqualTo(perPipeline);
    }

    /** A raw row as the last value's order sees it: time, then event id, then seq. */
    private record Last(long second, UUID event, int seq, double value) {
        /** Whether this row comes after {@code other} (PostgreSQL orders uuids as unsigned bytes). */
        boolean after(Last other) {
            if (second != other.second) {
                return second > other.second;
            }
            int byEvent = event.getMostSignificantBits() != other.event.getMostSignificantBits()
                    ? Long.compareUnsigned(event.getMostSignificantBits(), other.event.getMostSignificantBits())
                    : Long.compareUnsigned(event.getLeastSignificantBits(), other.event.getLeastSignificantBits());
            return byEvent != 0 ? byEvent > 0 : seq > other.seq;
        }
    }

    /** Minute bucket, metric and site to the bucket's last value. */
    private java.util.Map<String, Double> lastValues() throws SQLException {
        java.util.Map<String, Double> out = new java.util.HashMap<>();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT bucket, metric, labels->>'site', last_value FROM metrics_1m")) {
            while (rs.next()) {
                out.put(
                        rs.getObject(1, java.time.OffsetDateTime.class).toInstant() + " " + rs.getString(2) + " "
                                + rs.getString(3),
                        rs.getDouble(4));
            }
        }
        return out;
    }

    private static void insertRow(
            Connection c,
            Instant time,
            UUID pipeline,
            UUID team,
            String metric,
            String site,
            UUID event,
            int seq,
            double value)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq) "
                        + "VALUES (?, ?, ?, ?, jsonb_build_object('site', ?::text), ?, ?, 1, ?)")) {
            ps.setObject(1, time.atOffset(ZoneOffset.UTC));
            ps.setObject(2, pipeline);
            ps.setObject(3, team);
            ps.setString(4, metric);
            ps.setString(5, site);
            ps.setDouble(6, value);
            ps.setObject(7, event);
            ps.setInt(8, seq);
            ps.executeUpdate();
        }
    }

    @Test
    void onePerPipelineRefreshFunctionIsLeft() throws SQLException {
        // plain/V83: dash_refresh_rollups(pipeline, from, to, version) replaced V60's three-argument form and
        // V77's dash_refresh_rollups_pipeline; the refresh of every pipeline (from, to, advance) stays.
        assertThat(queryString("SELECT string_agg(pg_get_function_identity_arguments(p.oid), ' | ' ORDER BY 1) "
                        + "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                        + "WHERE n.nspname = current_schema() AND p.proname LIKE 'dash_refresh_rollups%'"))
                .isEqualTo("p_from timestamp with time zone, p_to timestamp with time zone, p_advance boolean | "
                        + "p_pipeline uuid, p_from timestamp with time zone, p_to timestamp with time zone, "
                        + "p_version integer");
    }

    private void insert(Instant time, UUID pipeline, UUID team, int version, double value) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq) "
                                + "VALUES (?, ?, ?, 'temp', '{\"site\":\"a\"}', ?, ?, ?, 0)")) {
            ps.setObject(1, time.atOffset(ZoneOffset.UTC));
            ps.setObject(2, pipeline);
            ps.setObject(3, team);
            ps.setDouble(4, value);
            ps.setObject(5, UUID.randomUUID());
            ps.setInt(6, version);
            ps.executeUpdate();
        }
    }

    private long count(String table, UUID pipeline, Integer version) throws SQLException {
        return number("count(*)", table, pipeline, version).longValue();
    }

    private double sum(String table, UUID pipeline, Integer version) throws SQLException {
        return number("sum(total)", table, pipeline, version).doubleValue();
    }

    private Number number(String what, String table, UUID pipeline, Integer version) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT " + what + " FROM " + table
                                + " WHERE (?::uuid IS NULL OR pipeline_id = ?::uuid) AND (?::int IS NULL OR mapping_version = ?::int)")) {
            ps.setObject(1, pipeline);
            ps.setObject(2, pipeline);
            ps.setObject(3, version);
            ps.setObject(4, version);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return (Number) rs.getObject(1);
            }
        }
    }

    private String queryString(String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private DataSource dataSource(String currentSchema) {
        return endpoints.dataSource(currentSchema);
    }

    private static void execute(DataSource ds, String sql) throws SQLException {
        Sql.execute(ds, sql);
    }
}
