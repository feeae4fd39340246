package dev.dash.web.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dash.web.api.Sql;
import dev.dash.web.auth.Actor;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Writes audit rows on the caller's connection, so a change and its audit row commit or roll back together.
 * Before/after are the API representations of the entity (secrets never appear in them).
 */
@ApplicationScoped
public class AuditLog {
    private final ObjectMapper mapper;

    public AuditLog(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public Uni<Void> record(
            SqlClient tx,
            Actor actor,
            UUID teamId,
            String action,
            String entityType,
            Object entityId,
            Object before,
            Object after) {
        return Sql.run(
                        tx,
                        """
                        INSERT INTO audit_log (team_id, actor_user_id, actor_subject, action, entity_type, entity_id, before, after)
                        VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8::text::jsonb)
                        """,
                        teamId,
                        actor == null ? null : actor.userId(),
                        actor == null ? null : actor.subject(),
                        action,
                        entityType,
                        entityId == null ? null : entityId.toString(),
                        toJson(before),
                        toJson(after))
                .replaceWithVoid();
    }

    private String toJson(Object value) {
        if (value == null) {
            return null;
        }
        JsonNode node = value instanceof JsonNode n ? n : mapper.valueToTree(value);
        return node.toString();
    }
}
