package dev.dash.model.silver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.db.DashSchema;
import dev.dash.model.db.SilverVariant;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * IngestStats against the real PostgreSQL, in a schema of its own: batches add up per received minute, a
 * newer minute moves the window, a late batch of the minute before still counts, and a pipeline that does
 * not exist (deleted meanwhile) is left out without failing the others.
 */
class IngestStatsTest {
    static final Instant M = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(10, ChronoUnit.MINUTES);
    static String schema;
    static PGSimpleDataSource ds;

    final UUID team = UUID.randomUUID();
    final UUID pipeline = UUID.randomUUID();

    @BeforeAll
    static void migrate() throws SQLException {
        Endpoints endpoints = LocalServices.ensureStarted();
        schema = "stats_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        ds = new PGSimpleDataSource();
        ds.setURL(endpoints.jdbcUrl());
        ds.setUser(endpoints.pgUser());
        ds.setPassword(endpoints.pgPassword());
        execute("CREATE SCHEMA " + schema);
        ds.setCurrentSchema(schema);
        DashSchema.migrate(ds, schema, SilverVariant.Choice.PLAIN);
    }

    @AfterAll
    static void drop() throws SQLException {
        ds.setCurrentSchema(null);
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    @BeforeEach
    void pipeline() throws SQLException {
        execute("INSERT INTO " + schema + ".teams (id, name, slug) VALUES ('" + team + "', 't " + team + "', 't-"
                + team.toString().substring(0, 23) + "')");
        execute("INSERT INTO " + schema + ".pipelines (id, team_id, name, type, signature_preset) VALUES ('" + pipeline
                + "', '" + team + "', 'p " + pipeline + "', 'realtime', 'none')");
    }

    @Test
    void batchesAddUpPerMinuteAndANewerMinuteMovesTheWindow() throws SQLException {
        IngestStats stats = new IngestStats();
        stats.count(pipeline, M.plusSeconds(1));
        stats.count(pipeline, M.plusSeconds(59));
        stats.write(ds);
        assertThat(stats.isEmpty()).isTrue();
        assertThat(row()).isEqualTo(new Row(M, 2, 0, M.plusSeconds(59)));

        // Same minute again, from another writer: added.
        stats.count(pipeline, M.plusSeconds(30));
        stats.write(ds);
        assertThat(row()).isEqualTo(new Row(M, 3, 0, M.plusSeconds(59)));

        // The next minute: the previous one becomes prev_minute_events.
        stats.count(pipeline, M.plusSeconds(61));
        stats.write(ds);
        assertThat(row()).isEqualTo(new Row(M.plusSeconds(60), 1, 3, M.plusSeconds(61)));

        // A late batch of the minute before still counts there; "last event" does not go back.
        stats.count(pipeline, M.plusSeconds(45));
        stats.write(ds);
        assertThat(row()).isEqualTo(new Row(M.plusSeconds(60), 1, 4, M.plusSeconds(61)));

        // Older than that: not in the window.
        stats.count(pipeline, M.minusSeconds(300));
        stats.write(ds);
        assertThat(row()).isEqualTo(new Row(M.plusSeconds(60), 1, 4, M.plusSeconds(61)));

        // Two minutes on: nothing of the old window is the new minute's previous one.
        stats.count(pipeline, M.plusSeconds(180));
        stats.write(ds);
        assertThat(row()).isEqualTo(new Row(M.plusSeconds(180), 1, 0, M.plusSeconds(180)));
    }

    @Test
    void oneBatchAcrossAMinuteBoundaryKeepsBothMinutes() throws SQLException {
        IngestStats stats = new IngestStats();
        stats.count(pipeline, M.plusSeconds(58));
        stats.count(pipeline, M.plusSeconds(59));
        stats.count(pipeline, M.plusSeconds(60));
        stats.count(pipeline, M.plusSeconds(58));
        stats.write(ds);
        assertThat(row()).isEqualTo(new Row(M.plusSeconds(60), 1, 3, M.plusSeconds(60)));
    }

    /** A writer adds several committed batches into one statement: the row is what the batches one by one give. */
    @Test
    void batchesAddedTogetherWriteWhatTheyWriteOneByOne() throws SQLException {
        IngestStats first = new IngestStats();
        first.count(pipeline, M.plusSeconds(10));
        first.count(pipeline, M.plusSeconds(20));
        IngestStats second = new IngestStats();
        second.count(pipeline, M.plusSeconds(50));
        second.count(pipeline, M.plusSeconds(70));
        second.count(pipeline, M.plusSeconds(75));
        IngestStats third = new IngestStats();
        third.count(pipeline, M.plusSeconds(59));
        third.count(pipeline, M.plusSeconds(80));

        IngestStats together = new IngestStats();
        together.add(first);
        together.add(second);
        together.add(third);
        assertThat(first.isEmpty()).isFalse();
        together.write(ds);
        Row added = row();

        execute("DELETE FROM " + schema + ".pipeline_ingest_stats");
        first.write(ds);
        second.write(ds);
        third.write(ds);
        assertThat(added).isEqualTo(row()).isEqualTo(new Row(M.plusSeconds(60), 3, 4, M.plusSeconds(80)));
    }

    @Test
    void aPipelineThatDoesNotExistIsLeftOutAndTheOthersAreWritten() throws SQLException {
        IngestStats stats = new IngestStats();
        UUID gone = UUID.randomUUID();
        stats.count(gone, M);
        stats.count(pipeline, M);
        stats.write(ds);
        assertThat(row()).isEqualTo(new Row(M, 1, 0, M));
        try (Connection c = ds.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT count(*) FROM pipeline_ingest_stats WHERE pipeline_id = ?")) {
            ps.setObject(1, gone);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).isZero();
            }
        }
    }

    record Row(Instant minute, long events, long prevEvents, Instant lastEventAt) {}

    Row row() throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT minute, minute_events, prev_minute_events, "
                        + "last_event_at FROM pipeline_ingest_stats WHERE pipeline_id = ?")) {
            ps.setObject(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return new Row(
                        rs.getTimestamp(1).toInstant(),
                        rs.getLong(2),
                        rs.getLong(3),
                        rs.getTimestamp(4).toInstant());
            }
        }
    }

    static void execute(String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
