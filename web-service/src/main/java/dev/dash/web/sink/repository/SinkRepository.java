package dev.dash.web.sink.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.UUID;

/**
 * Sinks of a pipeline, through Hibernate Reactive Panache; run inside a Panache session. Whether a pipeline is
 * the team's is {@code PipelineRepository.teamHas}.
 */
@ApplicationScoped
public class SinkRepository implements PanacheRepositoryBase<SinkEntity, UUID> {

    /** The pipeline's sinks, oldest first. */
    public Uni<List<SinkEntity>> ofPipeline(UUID pipelineId) {
        return find("pipelineId = ?1 order by insertedAt, id", pipelineId).list();
    }

    /** One sink of the pipeline, or null. */
    public Uni<SinkEntity> ofPipeline(UUID pipelineId, UUID sinkId) {
        return find("id = ?1 and pipelineId = ?2", sinkId, pipelineId).firstResult();
    }

    /** One sink of the pipeline locked for a change ({@code FOR UPDATE}), or null. */
    public Uni<SinkEntity> lock(UUID pipelineId, UUID sinkId) {
        return find("id = ?1 and pipelineId = ?2", sinkId, pipelineId)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResult();
    }

    /**
     * Forgets the sink's alert state (a new condition starts with no open alert). A bulk statement on a table
     * only the ingestor's alert evaluation writes row by row, so no entity for it.
     */
    public Uni<Integer> clearAlerts(UUID sinkId) {
        return getSession()
                .flatMap(s -> s.createNativeQuery("DELETE FROM sink_alerts WHERE sink_id = ?1")
                        .setParameter(1, sinkId)
                        .executeUpdate());
    }
}
