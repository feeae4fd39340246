package dev.dash.web.audit;

import dev.dash.web.api.Sql;
import dev.dash.web.audit.AuditResource.AuditEntry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/**
 * The team's audit log as the API reads it, in plain SQL on the reactive client: a keyset page, newest first,
 * by the increasing id ({@code id < before_id}), optionally of one entity type. No entity: the rows are never
 * changed, their one writer is common-model's {@code AuditRows} (which alone knows the columns), and a page
 * with optional filters is one statement whose plan ({@code audit_log_team_idx}) can be read off it.
 */
@ApplicationScoped
public class AuditReads {
    private final Pool pool;

    public AuditReads(Pool pool) {
        this.pool = pool;
    }

    /** At most {@code limit} rows of the team, newest first, below {@code beforeId} and of {@code entityType} if given. */
    public Uni<List<AuditEntry>> page(UUID teamId, Long beforeId, String entityType, int limit) {
        return Sql.list(
                pool,
                r -> new AuditEntry(
                        r.getLong("id"),
                        r.getUUID("actor_user_id"),
                        r.getString("actor_subject"),
                        r.getString("action"),
                        r.getString("entity_type"),
                        r.getString("entity_id"),
                        Sql.json(r, "before"),
                        Sql.json(r, "after"),
                        Sql.instant(r, "at")),
                """
                SELECT id, actor_user_id, actor_subject, action, entity_type, entity_id,
                       before::text AS before, after::text AS after, at
                FROM audit_log
                WHERE team_id = $1 AND ($2::bigint IS NULL OR id < $2) AND ($3::text IS NULL OR entity_type = $3)
                ORDER BY id DESC LIMIT $4
                """,
                teamId,
                beforeId,
                entityType,
                limit);
    }
}
