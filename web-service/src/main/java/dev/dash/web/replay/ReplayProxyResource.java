package dev.dash.web.replay;

import dev.dash.model.api.ApiException;
import dev.dash.model.team.Role;
import dev.dash.web.api.Sql;
import dev.dash.web.auth.Access;
import dev.dash.web.auth.Access.TeamAccess;
import dev.dash.web.pipeline.PipelineService;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The replay API of replay-service on this origin, for the UI (docs/ui.md, "Replays"): start (a mapping
 * replay or the pipeline's quarantined events), list, read and cancel a pipeline's replays. This node checks
 * what it can answer itself (the caller is admin or owner of the team, the pipeline is the team's, the replay
 * is the pipeline's: 404/403 as everywhere in this API), then forwards the call with the caller's own access
 * token, so replay-service checks the caller again and writes the audit row under their name.
 */
@Path("/api/teams/{teamId}/pipelines/{pipelineId}/replays")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "replays")
public class ReplayProxyResource {
    private final Access access;
    private final PipelineService pipelines;
    private final Pool pool;
    private final ReplayProxy proxy;
    private final SecurityIdentity identity;

    public ReplayProxyResource(
            Access access, PipelineService pipelines, Pool pool, ReplayProxy proxy, SecurityIdentity identity) {
        this.access = access;
        this.pipelines = pipelines;
        this.pool = pool;
        this.proxy = proxy;
        this.identity = identity;
    }

    @GET
    @Operation(summary = "The pipeline's replays, newest first (replay-service's answer)")
    public Uni<Response> list(@PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId) {
        String token = token();
        return pipeline(teamId, pipelineId)
                .flatMap(a -> proxy.forward(HttpMethod.GET, "/api/pipelines/" + pipelineId + "/replays", token, null));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Start a replay",
            description = "Body as replay-service's: {\"kind\": \"mapping\" (default) or \"quarantine\", "
                    + "\"target_version\", \"from\", \"to\"}. 202 with the queued replay; 409 when one is open.")
    public Uni<Response> start(
            @PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId, String body) {
        String token = token();
        return pipeline(teamId, pipelineId)
                .flatMap(a -> proxy.forward(
                        HttpMethod.POST,
                        "/api/pipelines/" + pipelineId + "/replays",
                        token,
                        body == null || body.isBlank() ? "{}" : body));
    }

    @GET
    @Path("{replayId}")
    @Operation(summary = "One replay of the pipeline, with its state, counters, rate and ETA")
    public Uni<Response> get(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @PathParam("replayId") UUID replayId) {
        String token = token();
        return replay(teamId, pipelineId, replayId)
                .flatMap(a -> proxy.forward(HttpMethod.GET, "/api/replays/" + replayId, token, null));
    }

    @POST
    @Path("{replayId}/cancel")
    @Operation(
            summary = "Cancel a replay",
            description = "At once when no job holds it yet, otherwise at the job's next checkpoint; 409 once it "
                    + "has finished or is cutting over.")
    public Uni<Response> cancel(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @PathParam("replayId") UUID replayId) {
        String token = token();
        return replay(teamId, pipelineId, replayId)
                .flatMap(a -> proxy.forward(HttpMethod.POST, "/api/replays/" + replayId + "/cancel", token, null));
    }

    /** Admin or owner of the team, and the pipeline is the team's. */
    private Uni<TeamAccess> pipeline(UUID teamId, UUID pipelineId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pipelines.require(a, pipelineId).replaceWith(a));
    }

    /** As {@link #pipeline}, and the replay is the pipeline's. */
    private Uni<TeamAccess> replay(UUID teamId, UUID pipelineId, UUID replayId) {
        return pipeline(teamId, pipelineId)
                .flatMap(a -> Sql.one(
                                pool,
                                r -> r.getUUID("id"),
                                "SELECT id FROM replays WHERE id = $1 AND pipeline_id = $2 AND team_id = $3",
                                replayId,
                                pipelineId,
                                teamId)
                        .map(found -> {
                            if (found == null) {
                                throw ApiException.notFound("replay");
                            }
                            return a;
                        }));
    }

    /** The caller's access token: the bearer token of an API call, or the browser session's. */
    private String token() {
        AccessTokenCredential c = identity.getCredential(AccessTokenCredential.class);
        return c == null ? null : c.getToken();
    }
}
