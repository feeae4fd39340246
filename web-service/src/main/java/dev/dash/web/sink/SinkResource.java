package dev.dash.web.sink;

import dev.dash.web.sink.Sinks.Sink;
import dev.dash.web.sink.Sinks.SinkInput;
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

/** Sinks of a pipeline (webhook, Slack, e-mail); configs answered masked. Admins and owners. */
@Path("/api/teams/{teamId}/pipelines/{pipelineId}/sinks")
@Authenticated
@Tag(name = "sinks")
public class SinkResource {
    private final SinkService sinks;

    public SinkResource(SinkService sinks) {
        this.sinks = sinks;
    }

    @GET
    public Uni<List<Sink>> list(@PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId) {
        return sinks.list(teamId, pipelineId);
    }

    @POST
    public Uni<Response> create(
            @PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId, SinkInput in) {
        return sinks.create(teamId, pipelineId, in)
                .map(s -> Response.created(
                                URI.create("/api/teams/" + teamId + "/pipelines/" + pipelineId + "/sinks/" + s.id()))
                        .entity(s)
                        .build());
    }

    @GET
    @Path("{sinkId}")
    public Uni<Sink> get(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @PathParam("sinkId") UUID sinkId) {
        return sinks.get(teamId, pipelineId, sinkId);
    }

    /** Changes {@code enabled} and/or replaces the whole {@code config}. */
    @PATCH
    @Path("{sinkId}")
    public Uni<Sink> update(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @PathParam("sinkId") UUID sinkId,
            SinkInput in) {
        return sinks.update(teamId, pipelineId, sinkId, in);
    }

    /** A new signing secret for a webhook sink, answered once in {@code secret}. */
    @POST
    @Path("{sinkId}/rotate-secret")
    public Uni<Sink> rotate(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @PathParam("sinkId") UUID sinkId,
            Sinks.RotateInput in) {
        return sinks.rotate(teamId, pipelineId, sinkId, in);
    }

    @DELETE
    @Path("{sinkId}")
    public Uni<Response> delete(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @PathParam("sinkId") UUID sinkId) {
        return sinks.delete(teamId, pipelineId, sinkId)
                .map(x -> Response.noContent().build());
    }
}
