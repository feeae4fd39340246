package dev.dash.web.query;

import dev.dash.web.query.QueryService.QuarantinedEvent;
import dev.dash.web.query.QueryService.SeriesRequest;
import dev.dash.web.query.QueryService.SeriesResult;
import dev.dash.web.query.QueryService.Storage;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Reads of Silver: series, quarantined events, storage used. */
@Path("/api/teams/{teamId}")
@Authenticated
@Tag(name = "query")
public class QueryResource {
    private final QueryService query;

    public QueryResource(QueryService query) {
        this.query = query;
    }

    /** A series per label set, bucketed and aggregated, from the active mapping version. */
    @POST
    @Path("pipelines/{pipelineId}/series")
    public Uni<SeriesResult> series(
            @PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId, SeriesRequest in) {
        return query.series(teamId, pipelineId, in);
    }

    @GET
    @Path("pipelines/{pipelineId}/quarantine")
    public Uni<List<QuarantinedEvent>> quarantine(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @QueryParam("limit") Integer limit,
            @QueryParam("before_id") Long beforeId,
            @QueryParam("include_resolved") boolean includeResolved) {
        return query.quarantine(teamId, pipelineId, limit, beforeId, includeResolved);
    }

    @GET
    @Path("storage")
    public Uni<Storage> storage(@PathParam("teamId") UUID teamId) {
        return query.storage(teamId);
    }
}
