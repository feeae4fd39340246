package dev.dash.web.pipeline;

import dev.dash.web.api.Sql;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/**
 * The {@code control_outbox} table (migration V81): pipelines whose newest state {@code dash.control} has not
 * acknowledged yet. Rows are written by triggers on {@code pipelines}, in the transaction of each change; this
 * repository only reads and deletes them.
 */
@ApplicationScoped
public class ControlOutboxRepository {
    /** A queued pipeline and the sequence number of the change that queued it last. */
    public record Entry(UUID pipelineId, long seq) {}

    private final Pool pool;

    public ControlOutboxRepository(Pool pool) {
        this.pool = pool;
    }

    /** The sequence number of the pipeline's queued change, or null when nothing is queued for it. */
    public Uni<Long> seq(UUID pipelineId) {
        return Sql.one(
                pool, r -> r.getLong("seq"), "SELECT seq FROM control_outbox WHERE pipeline_id = $1", pipelineId);
    }

    /** The oldest queued pipelines, at most {@code limit}. */
    public Uni<List<Entry>> oldest(int limit) {
        return Sql.list(
                pool,
                r -> new Entry(r.getUUID("pipeline_id"), r.getLong("seq")),
                "SELECT pipeline_id, seq FROM control_outbox ORDER BY seq LIMIT $1",
                limit);
    }

    /**
     * Takes a pipeline off the outbox after Kafka acknowledged a state read after change {@code seq}; a newer
     * change (another seq) keeps it queued.
     */
    public Uni<Void> delivered(UUID pipelineId, long seq) {
        return Sql.run(pool, "DELETE FROM control_outbox WHERE pipeline_id = $1 AND seq = $2", pipelineId, seq)
                .replaceWithVoid();
    }

    /** Pipelines queued now, for readiness and tests. */
    public Uni<Long> size() {
        return Sql.one(pool, r -> r.getLong(0), "SELECT count(*) FROM control_outbox");
    }
}
