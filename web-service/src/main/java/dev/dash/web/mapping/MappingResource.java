package dev.dash.web.mapping;

import dev.dash.web.mapping.MappingService.Inference;
import dev.dash.web.mapping.MappingService.MappingVersion;
import dev.dash.web.mapping.MappingService.Preview;
import dev.dash.web.mapping.MappingService.PreviewRequest;
import dev.dash.web.mapping.MappingService.SaveMapping;
import dev.dash.web.mapping.MappingService.Validation;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Mapping versions of a pipeline, and the tools to write one: validate, preview, infer. */
@Path("/api/teams/{teamId}/pipelines/{pipelineId}/mappings")
@Authenticated
@Tag(name = "mappings")
public class MappingResource {
    private final MappingService mappings;

    public MappingResource(MappingService mappings) {
        this.mappings = mappings;
    }

    @GET
    public Uni<List<MappingVersion>> list(@PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId) {
        return mappings.list(teamId, pipelineId);
    }

    /** Saves the document as the next version, pending until its replay cuts over. */
    @POST
    public Uni<Response> save(
            @PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId, SaveMapping in) {
        return mappings.save(teamId, pipelineId, in)
                .map(v -> Response.status(201).entity(v).build());
    }

    @GET
    @Path("{version}")
    public Uni<MappingVersion> get(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @PathParam("version") int version) {
        return mappings.get(teamId, pipelineId, version);
    }

    /** Compiles the document: valid, or every problem with its JSON Pointer. Stores nothing. */
    @POST
    @Path("validate")
    public Uni<Validation> validate(
            @PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId, PreviewRequest in) {
        return mappings.validate(teamId, pipelineId, in);
    }

    /** The points each event would give (the samples, or the pipeline's recent events). Stores nothing. */
    @POST
    @Path("preview")
    public Uni<Preview> preview(
            @PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId, PreviewRequest in) {
        return mappings.preview(teamId, pipelineId, in);
    }

    /** Proposes a mapping from the samples (or the pipeline's recent events). Stores nothing. */
    @POST
    @Path("infer")
    public Uni<Inference> infer(
            @PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId, PreviewRequest in) {
        return mappings.infer(teamId, pipelineId, in);
    }
}
