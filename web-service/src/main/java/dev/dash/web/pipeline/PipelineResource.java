package dev.dash.web.pipeline;

import dev.dash.model.pipeline.PipelineStatus;
import dev.dash.web.pipeline.Pipelines.Pipeline;
import dev.dash.web.pipeline.Pipelines.PipelineInput;
import dev.dash.web.pipeline.Pipelines.PipelineWithSecret;
import dev.dash.web.pipeline.Pipelines.Rotate;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Pipelines of a team and their signing secrets. */
@Path("/api/teams/{teamId}/pipelines")
@Authenticated
@Tag(name = "pipelines")
public class PipelineResource {
    private final PipelineService pipelines;

    public PipelineResource(PipelineService pipelines) {
        this.pipelines = pipelines;
    }

    @GET
    public Uni<List<Pipeline>> list(@PathParam("teamId") UUID teamId) {
        return pipelines.list(teamId);
    }

    /** Creates a pipeline; the response shows its first secret once, and a signed curl example. */
    @POST
    public Uni<Response> create(@PathParam("teamId") UUID teamId, PipelineInput in) {
        return pipelines
                .create(teamId, in)
                .map(p -> Response.created(URI.create("/api/teams/" + teamId + "/pipelines/"
                                + p.pipeline().id()))
                        .entity(p)
                        .build());
    }

    @GET
    @Path("{pipelineId}")
    public Uni<Pipeline> get(@PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId) {
        return pipelines.get(teamId, pipelineId);
    }

    /** Changes the given fields; absent or null fields stay as they are. */
    @PATCH
    @Path("{pipelineId}")
    public Uni<PipelineWithSecret> update(
            @PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId, PipelineInput in) {
        return pipelines.update(teamId, pipelineId, in);
    }

    @DELETE
    @Path("{pipelineId}")
    public Uni<Response> delete(@PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId) {
        return pipelines
                .delete(teamId, pipelineId)
                .map(x -> Response.noContent().build());
    }

    @POST
    @Path("{pipelineId}/pause")
    public Uni<Pipeline> pause(@PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId) {
        return pipelines.setStatus(teamId, pipelineId, PipelineStatus.PAUSED);
    }

    @POST
    @Path("{pipelineId}/resume")
    public Uni<Pipeline> resume(@PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId) {
        return pipelines.setStatus(teamId, pipelineId, PipelineStatus.ACTIVE);
    }

    /** Generates a new secret (shown once); the current ones stay valid for the overlap. */
    @POST
    @Path("{pipelineId}/secrets")
    public Uni<PipelineWithSecret> rotate(
            @PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId, Rotate in) {
        return pipelines.rotate(teamId, pipelineId, in);
    }

    @DELETE
    @Path("{pipelineId}/secrets/{secretId}")
    public Uni<Pipeline> revokeSecret(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @PathParam("secretId") UUID secretId) {
        return pipelines.revokeSecret(teamId, pipelineId, secretId);
    }
}
