package dev.dash.web.pipeline;

import dev.dash.model.api.ApiException;
import dev.dash.model.team.Role;
import dev.dash.web.auth.Access;
import dev.dash.web.pipeline.repository.PipelineActivityReads;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Events per minute and the last event of a team's pipelines: one indexed join over {@code
 * pipeline_ingest_stats} (one row per pipeline, {@link PipelineActivityReads}), so a list of hundreds costs one
 * cheap query.
 */
@Path("/api/teams/{teamId}/pipelines/activity")
@Authenticated
@Tag(name = "pipelines")
public class PipelineActivityResource {
    /** Most pipeline ids one request may name. */
    static final int MAX_IDS = 100;

    private final PipelineActivityReads reads;
    private final Access access;

    public PipelineActivityResource(PipelineActivityReads reads, Access access) {
        this.reads = reads;
        this.access = access;
    }

    @GET
    @Operation(
            summary = "Recent ingest of the team's pipelines",
            description =
                    "Per pipeline (all of the team's, or those named by pipeline_id, at most 100; a longer query string is refused with 414 by the HTTP layer anyway): "
                            + "events received in the last whole minute, so far this minute, and the newest event's "
                            + "received time. Viewers and above. Ids of other teams' pipelines are left out.")
    public Uni<List<PipelineActivity>> activity(
            @PathParam("teamId") UUID teamId, @QueryParam("pipeline_id") List<String> pipelineIds) {
        return access.require(teamId, Role.VIEWER)
                .map(a -> java.util.Optional.ofNullable(parse(pipelineIds)))
                .flatMap(ids -> reads.ofTeam(teamId, ids.orElse(null)));
    }

    /** The ids asked for, or null for all; 400 on {@code pipeline_id} for a malformed id or too many. */
    static List<UUID> parse(List<String> raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        List<UUID> ids = new ArrayList<>();
        for (String s : raw) {
            for (String part : s.split(",", -1)) {
                String id = part.strip();
                try {
                    if (id.length() != 36) {
                        throw new IllegalArgumentException();
                    }
                    ids.add(UUID.fromString(id));
                } catch (IllegalArgumentException e) {
                    throw ApiException.invalid(
                            "pipeline_id", "must be pipeline ids (UUIDs); got \"" + shorten(id) + "\"");
                }
            }
        }
        if (ids.size() > MAX_IDS) {
            throw ApiException.invalid("pipeline_id", "at most " + MAX_IDS + " ids per request");
        }
        return ids;
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
