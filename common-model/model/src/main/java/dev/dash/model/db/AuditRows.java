package dev.dash.model.db;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The one writer of {@code audit_log} rows, for every service: the only place that knows the table's columns.
 * Rows are written on the caller's connection, so a change and its audit row commit or roll back together.
 * web-service runs {@link #INSERT_NUMBERED} on its reactive client, or {@link #INSERT} in a Hibernate Reactive
 * session, with {@link Entry#parameters()}; the
 * blocking services call {@link #write} or {@link #writeRow} on their JDBC connection.
 */
public final class AuditRows {
    private static final String COLUMNS =
            "team_id, actor_user_id, actor_subject, action, entity_type, entity_id, before, after";

    /** The insert with {@code $n} placeholders (the Vert.x reactive client), parameters {@link Entry#parameters()}. */
    public static final String INSERT_NUMBERED = "INSERT INTO audit_log (" + COLUMNS + ")"
            + " VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8::text::jsonb)";

    /**
     * The insert with {@code ?} placeholders (JDBC, and Hibernate Reactive native queries), parameters {@link
     * Entry#parameters()}. The JSON goes in as text first: a parameter PostgreSQL types as {@code jsonb} is sent by
     * the Vert.x client as a JSON string value, so {@code CAST(? AS jsonb)} would store {@code "{\"name\":...}"}.
     */
    public static final String INSERT = "INSERT INTO audit_log (" + COLUMNS + ")"
            + " VALUES (?, ?, ?, ?, ?, ?, CAST(CAST(? AS text) AS jsonb), CAST(CAST(? AS text) AS jsonb))";

    private static final String INSERT_ROW = "INSERT INTO audit_log (" + COLUMNS + ")"
            + " SELECT t.team_id, ?, ?, ?, ?, ?, NULL, to_jsonb(t) FROM %s t WHERE t.id = ?";

    private AuditRows() {}

    /**
     * One audit row.
     *
     * @param teamId the team the change belongs to, null for platform-wide ones
     * @param actorUserId the user who acted, null for a service
     * @param actorSubject the OIDC subject of the actor, or the service's name ({@code dash-replay})
     * @param action what happened ({@code pipeline.create}, {@code replay.start}, ...)
     * @param entityType the kind of thing changed ({@code pipeline}, {@code replay}, ...)
     * @param entityId its id
     * @param before its API representation before the change, null for a creation
     * @param after its API representation after the change, null for a deletion
     */
    public record Entry(
            UUID teamId,
            UUID actorUserId,
            String actorSubject,
            String action,
            String entityType,
            String entityId,
            JsonNode before,
            JsonNode after) {

        /** The parameters of {@link #INSERT_NUMBERED}, in order; JSON as text. */
        public List<Object> parameters() {
            return Arrays.asList(
                    teamId,
                    actorUserId,
                    actorSubject,
                    action,
                    entityType,
                    entityId,
                    before == null ? null : before.toString(),
                    after == null ? null : after.toString());
        }
    }

    /**
     * A table whose rows are audited as stored ({@link #writeRow}): its name and the entity type of its rows.
     * Each has {@code id} and {@code team_id} columns.
     */
    public enum Table {
        REPLAYS("replays", "replay");

        private final String name;
        private final String entityType;

        Table(String name, String entityType) {
            this.name = name;
            this.entityType = entityType;
        }

        public String entityType() {
            return entityType;
        }
    }

    /** Writes one row on the caller's JDBC connection (and transaction). */
    public static void write(Connection c, Entry entry) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            List<Object> values = entry.parameters();
            for (int i = 0; i < values.size(); i++) {
                ps.setObject(i + 1, values.get(i));
            }
            ps.executeUpdate();
        }
    }

    /**
     * Writes one row whose {@code after} is the audited row as stored now ({@code to_jsonb}) and whose team is
     * the row's; nothing when the row does not exist.
     */
    public static void writeRow(
            Connection c, UUID actorUserId, String actorSubject, String action, Table table, UUID id)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_ROW.formatted(table.name))) {
            ps.setObject(1, actorUserId);
            ps.setString(2, actorSubject);
            ps.setString(3, action);
            ps.setString(4, table.entityType);
            ps.setString(5, id.toString());
            ps.setObject(6, id);
            ps.executeUpdate();
        }
    }
}
