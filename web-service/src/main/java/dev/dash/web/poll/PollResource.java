package dev.dash.web.poll;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A polling pipeline's poll: status, "poll now" and the dry run of its source (docs/polling.md). */
@Path("/api/teams/{teamId}/pipelines/{pipelineId}/poll")
@Authenticated
@Tag(name = "polling")
public class PollResource {
    private final PollService polls;

    public PollResource(PollService polls) {
        this.polls = polls;
    }

    /** Last poll time, records and pages, last error with its reason, next run. */
    @GET
    public Uni<PollStatus> status(@PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId) {
        return polls.status(teamId, pipelineId);
    }

    /** Moves the next poll to now (202: an ingestor takes it on its next tick). */
    @POST
    @Path("now")
    public Uni<Response> now(@PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId) {
        return polls.pollNow(teamId, pipelineId).map(s -> Response.accepted(s).build());
    }

    /** Dry run: the first page's records and the mapping's points; nothing is stored. */
    @POST
    @Path("test")
    public Uni<SourceTest> test(
            @PathParam("teamId") UUID teamId, @PathParam("pipelineId") UUID pipelineId, SourceTest.Request in) {
        return polls.test(teamId, pipelineId, in);
    }
}
