package dev.dash.web.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.api.ApiException;
import dev.dash.model.team.Role;
import dev.dash.web.api.Sql;
import dev.dash.web.auth.Access;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The team's audit log, newest first, for admins and owners. */
@Path("/api/teams/{teamId}/audit")
@Authenticated
@Tag(name = "audit")
public class AuditResource {
    private final Pool pool;
    private final Access access;

    public AuditResource(Pool pool, Access access) {
        this.pool = pool;
        this.access = access;
    }

    /**
     * One audit row.
     *
     * @param id increasing id (page with {@code before_id})
     * @param actorUserId who
     * @param action what
     * @param entityType on what kind of entity
     * @param entityId which entity
     * @param before the entity before the change
     * @param after the entity after the change
     * @param at when
     */
    public record AuditEntry(
            long id,
            UUID actorUserId,
            String actorSubject,
            String action,
            String entityType,
            String entityId,
            JsonNode before,
            JsonNode after,
            Instant at) {}

    @GET
    public Uni<List<AuditEntry>> list(
            @PathParam("teamId") UUID teamId,
            @QueryParam("limit") Integer limit,
            @QueryParam("before_id") Long beforeId,
            @QueryParam("entity_type") String entityType) {
        int n = limit == null ? 100 : limit;
        if (n < 1 || n > 1000) {
            return Uni.createFrom().failure(ApiException.invalid("limit", "must be between 1 and 1000"));
        }
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Sql.list(
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
                        n));
    }
}
