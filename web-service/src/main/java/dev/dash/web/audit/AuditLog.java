package dev.dash.web.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dash.model.db.AuditRows;
import dev.dash.web.api.Sql;
import dev.dash.web.auth.Actor;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.hibernate.reactive.mutiny.Mutiny;

/**
 * Writes audit rows on the caller's connection, so a change and its audit row commit or roll back together.
 * Before/after are the API representations of the entity (secrets never appear in them). The row's shape
 * and statement are common-model's {@link AuditRows}, the one audit writer of every service.
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
        AuditRows.Entry entry = entry(actor, teamId, action, entityType, entityId, before, after);
        return Sql.run(tx, AuditRows.INSERT_NUMBERED, entry.parameters().toArray())
                .replaceWithVoid();
    }

    /**
     * The same row written in a Hibernate Reactive session (inside its {@code Panache.withTransaction}), for the
     * services whose entities go through Panache repositories.
     */
    public Uni<Void> record(
            Mutiny.Session session,
            Actor actor,
            UUID teamId,
            String action,
            String entityType,
            Object entityId,
            Object before,
            Object after) {
        AuditRows.Entry entry = entry(actor, teamId, action, entityType, entityId, before, after);
        var query = session.createNativeQuery(AuditRows.INSERT);
        var values = entry.parameters();
        for (int i = 0; i < values.size(); i++) {
            query.setParameter(i + 1, values.get(i));
        }
        return query.executeUpdate().replaceWithVoid();
    }

    /**
     * The same row written in the current Panache session's transaction ({@code Panache.withTransaction}), for
     * the services whose entities go through Panache repositories.
     */
    public Uni<Void> record(
            Actor actor, UUID teamId, String action, String entityType, Object entityId, Object before, Object after) {
        return Panache.getSession()
                .flatMap(session -> record(session, actor, teamId, action, entityType, entityId, before, after));
    }

    private AuditRows.Entry entry(
            Actor actor, UUID teamId, String action, String entityType, Object entityId, Object before, Object after) {
        return new AuditRows.Entry(
                teamId,
                actor == null ? null : actor.userId(),
                actor == null ? null : actor.subject(),
                action,
                entityType,
                entityId == null ? null : entityId.toString(),
                toJson(before),
                toJson(after));
    }

    private JsonNode toJson(Object value) {
        if (value == null) {
            return null;
        }
        return value instanceof JsonNode n ? n : mapper.valueToTree(value);
    }
}
