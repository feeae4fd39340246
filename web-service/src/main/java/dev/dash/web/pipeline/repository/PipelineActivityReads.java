package dev.dash.web.pipeline.repository;

import dev.dash.web.api.Sql;
import dev.dash.web.pipeline.PipelineActivity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/**
 * The team's pipelines' recent ingest, in plain SQL on the Vert.x reactive client: one indexed join of {@code
 * pipelines} with {@code pipeline_ingest_stats} (one row per pipeline, kept by the Silver writers), its minutes
 * judged in the database's clock. A read-only list with nothing to track, over a table that is no entity here:
 * SQL is the simpler tool.
 */
@ApplicationScoped
public class PipelineActivityReads {
    private final Pool pool;

    public PipelineActivityReads(Pool pool) {
        this.pool = pool;
    }

    /** Every pipeline of the team, or those of {@code ids} (null for all) that are the team's, by name. */
    public Uni<List<PipelineActivity>> ofTeam(UUID teamId, List<UUID> ids) {
        return Sql.list(
                pool,
                r -> new PipelineActivity(
                        r.getUUID("id"),
                        r.getLong("per_minute"),
                        r.getLong("this_minute"),
                        Sql.instant(r, "last_event_at")),
                """
                SELECT p.id, s.last_event_at,
                       CASE WHEN s.minute = date_trunc('minute', now()) THEN s.prev_minute_events
                            WHEN s.minute = date_trunc('minute', now()) - interval '1 minute' THEN s.minute_events
                            ELSE 0 END AS per_minute,
                       CASE WHEN s.minute = date_trunc('minute', now()) THEN s.minute_events
                            ELSE 0 END AS this_minute
                FROM pipelines p LEFT JOIN pipeline_ingest_stats s ON s.pipeline_id = p.id
                WHERE p.team_id = $1 AND ($2::uuid[] IS NULL OR p.id = ANY ($2::uuid[]))
                ORDER BY p.name, p.id
                """,
                teamId,
                ids == null ? null : ids.toArray(UUID[]::new));
    }
}
