package dev.dash.web.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.api.ApiException;
import dev.dash.model.team.Role;
import dev.dash.web.auth.Access;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The team's audit log, newest first, for admins and owners; read by {@link AuditReads}. */
@Path("/api/teams/{teamId}/audit")
@Authenticated
@Tag(name = "audit")
public class AuditResource {
    private final AuditReads reads;
    private final Access access;

    public AuditResource(AuditReads reads, Access access) {
        this.reads = reads;
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
        return access.require(teamId, Role.ADMIN).flatMap(a -> reads.page(teamId, beforeId, entityType, n));
    }
}
