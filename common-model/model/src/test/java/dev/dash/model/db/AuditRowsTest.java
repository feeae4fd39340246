package dev.dash.model.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The one audit writer against the real PostgreSQL: a given entry, a row audited as stored, and rollback. */
class AuditRowsTest {
    private PGSimpleDataSource ds;
    private UUID team;

    @BeforeEach
    void team() throws SQLException {
        Endpoints e = LocalServices.ensureStartedAndMigrated();
        ds = new PGSimpleDataSource();
        ds.setURL(e.jdbcUrl());
        ds.setUser(e.pgUser());
        ds.setPassword(e.pgPassword());
        team = UUID.randomUUID();
        execute("INSERT INTO teams (id, name, slug) VALUES ('" + team + "', 'T', 'audit-"
                + team.toString().substring(0, 8) + "')");
    }

    @Test
    void writesAnEntryWithItsJson() throws SQLException {
        UUID user = UUID.randomUUID();
        var after = JsonNodeFactory.instance.objectNode().put("name", "p1");
        try (Connection c = ds.getConnection()) {
            AuditRows.write(
                    c, new AuditRows.Entry(team, user, "sub-1", "pipeline.create", "pipeline", "42", null, after));
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT actor_user_id, actor_subject, action, entity_type,"
                        + " entity_id, before, after->>'name' FROM audit_log WHERE team_id = ?")) {
            ps.setObject(1, team);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getObject(1, UUID.class)).isEqualTo(user);
                assertThat(rs.getString(2)).isEqualTo("sub-1");
                assertThat(rs.getString(3)).isEqualTo("pipeline.create");
                assertThat(rs.getString(4)).isEqualTo("pipeline");
                assertThat(rs.getString(5)).isEqualTo("42");
                assertThat(rs.getString(6)).isNull();
                assertThat(rs.getString(7)).isEqualTo("p1");
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void auditsARowAsStoredWithItsTeamAndRollsBackWithTheChange() throws SQLException {
        UUID pipeline = UUID.randomUUID();
        UUID replay = UUID.randomUUID();
        execute("INSERT INTO pipelines (id, team_id, name, type, allow_unsigned) VALUES ('" + pipeline + "', '" + team
                + "', 'p', 'realtime', true)");
        execute("INSERT INTO replays (id, pipeline_id, team_id, kind, target_version, state) VALUES ('" + replay
                + "', '" + pipeline + "', '" + team + "', 'mapping', 2, 'queued')");
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            AuditRows.writeRow(c, null, "dash-replay", "replay.cancel", AuditRows.Table.REPLAYS, replay);
            c.rollback();
            AuditRows.writeRow(c, null, "dash-replay", "replay.start", AuditRows.Table.REPLAYS, replay);
            c.commit();
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT action, entity_type, entity_id, actor_subject,"
                        + " after->>'state', actor_user_id FROM audit_log WHERE team_id = ?")) {
            ps.setObject(1, team);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("replay.start");
                assertThat(rs.getString(2)).isEqualTo("replay");
                assertThat(rs.getString(3)).isEqualTo(replay.toString());
                assertThat(rs.getString(4)).isEqualTo("dash-replay");
                assertThat(rs.getString(5)).isEqualTo("queued");
                assertThat(rs.getObject(6)).isNull();
                assertThat(rs.next()).as("the rolled-back row is not there").isFalse();
            }
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
