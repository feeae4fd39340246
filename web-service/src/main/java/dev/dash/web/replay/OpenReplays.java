package dev.dash.web.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dash.model.replay.Replay;
import dev.dash.model.replay.ReplayRates;
import dev.dash.web.api.Sql;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The team's replays that have not ended, read from the {@code replays} table, as the JSON replay-service
 * publishes on {@code dash.replays}: what a watcher is sent first on connecting.
 */
@ApplicationScoped
public class OpenReplays {
    private final Pool pool;
    private final ObjectMapper json;

    public OpenReplays(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json;
    }

    /** The team's open replays, oldest first, each as JSON text. */
    public Uni<List<String>> of(UUID teamId) {
        return Sql.list(pool, r -> text(view(r, Instant.now())), """
                SELECT id, pipeline_id, team_id, kind, from_version, target_version, window_from, window_to, state,
                       cancel_requested, objects_total, objects_done, events_read, points_written, bytes_read,
                       bytes_total, error_count, last_error, inserted_at, started_at, finished_at
                FROM replays
                WHERE team_id = $1 AND state IN ('queued', 'waiting_for_archive', 'running', 'cutting_over')
                ORDER BY inserted_at, id
                """, teamId);
    }

    private String text(Replay view) {
        try {
            return json.writeValueAsString(view);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    // Rate and ETA as replay-service's API computes them (common-model), for a replay that has not ended.
    static Replay view(Row r, Instant now) {
        Instant started = Sql.instant(r, "started_at");
        long eventsRead = r.getLong("events_read");
        int total = r.getInteger("objects_total");
        int done = r.getInteger("objects_done");
        Double rate = ReplayRates.eventsPerSecond(eventsRead, started, now);
        Long eta = ReplayRates.etaSeconds(r.getLong("bytes_total"), r.getLong("bytes_read"), started, now, false);
        return new Replay(
                r.getUUID("id"),
                r.getUUID("pipeline_id"),
                r.getUUID("team_id"),
                r.getString("kind"),
                r.getInteger("from_version"),
                r.getInteger("target_version"),
                Sql.instant(r, "window_from"),
                Sql.instant(r, "window_to"),
                r.getString("state"),
                r.getBoolean("cancel_requested"),
                total,
                done,
                eventsRead,
                r.getLong("points_written"),
                r.getLong("bytes_read"),
                r.getLong("error_count"),
                r.getString("last_error"),
                rate,
                eta,
                Sql.instant(r, "inserted_at"),
                started,
                Sql.instant(r, "finished_at"));
    }
}
