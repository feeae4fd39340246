package dev.dash.replay.replay;

import dev.dash.model.replay.Replay;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The admin replay API (bearer tokens; admin or owner of the pipeline's team). */
@Path("/api")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "replays")
public class ReplayResource {
    private final ReplayService replays;

    public ReplayResource(ReplayService replays) {
        this.replays = replays;
    }

    @POST
    @Path("/pipelines/{pipelineId}/replays")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Start a replay",
            description = "Replays the pipeline's history from Bronze to its pending mapping version (or the one "
                    + "given), optionally within a received-time window; or, with kind=quarantine, re-maps the "
                    + "quarantined events with the active version. 202 with the queued replay; 409 when one is "
                    + "already open or there is no pending version.")
    public Response start(@PathParam("pipelineId") UUID pipelineId, ReplayRequest request) throws SQLException {
        return Response.accepted(replays.start(pipelineId, request)).build();
    }

    @GET
    @Path("/pipelines/{pipelineId}/replays")
    @Operation(summary = "List a pipeline's replays, newest first")
    public List<Replay> list(@PathParam("pipelineId") UUID pipelineId) throws SQLException {
        return replays.list(pipelineId);
    }

    @GET
    @Path("/replays/{replayId}")
    @Operation(summary = "One replay, with its state, counters, rate and ETA")
    public Replay get(@PathParam("replayId") UUID replayId) throws SQLException {
        return replays.get(replayId);
    }

    @POST
    @Path("/replays/{replayId}/cancel")
    @Operation(
            summary = "Cancel a replay",
            description = "At once when no job holds it yet, otherwise at the job's next checkpoint. The active "
                    + "mapping version stays active and untouched. 409 once it has finished or is cutting over.")
    public Response cancel(@PathParam("replayId") UUID replayId) throws SQLException {
        return Response.accepted(replays.cancel(replayId)).build();
    }
}
