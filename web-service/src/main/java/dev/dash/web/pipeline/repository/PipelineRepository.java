package dev.dash.web.pipeline.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Pipelines, through Hibernate Reactive Panache; run inside a Panache session. Two statements stay SQL (native
 * queries in the same session), each because it is the better tool: {@link #touch}, which moves the revision in
 * the database's clock, and {@link #sourceChain}, a recursive walk.
 */
@ApplicationScoped
public class PipelineRepository implements PanacheRepositoryBase<PipelineEntity, UUID> {

    /** The team's pipelines by name. */
    public Uni<List<PipelineEntity>> ofTeam(UUID teamId) {
        return find("teamId = ?1 order by name", teamId).list();
    }

    /** One pipeline of the team, or null. */
    public Uni<PipelineEntity> ofTeam(UUID teamId, UUID id) {
        return find("id = ?1 and teamId = ?2", id, teamId).firstResult();
    }

    /** Whether the team has a pipeline with this id (a sink's pipeline, a widget's data query). */
    public Uni<Boolean> teamHas(UUID teamId, UUID id) {
        return count("id = ?1 and teamId = ?2", id, teamId).map(n -> n > 0);
    }

    /** One pipeline of the team locked for a change ({@code FOR UPDATE}), or null. */
    public Uni<PipelineEntity> lock(UUID teamId, UUID id) {
        return find("id = ?1 and teamId = ?2", id, teamId)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResult();
    }

    /**
     * Moves the pipeline's {@code updated_at}, its snapshot revision, to the database's {@code clock_timestamp()},
     * which queues it in the {@code control_outbox} (trigger, migration V81), and sets the new revision on {@code
     * pipeline} ({@code RETURNING}; the row's other columns are this session's, flushed first). Called after every change to what a snapshot holds (the row, its secrets, its mapping versions),
     * with the row locked, so revisions only grow. Flushes the session first, so the change precedes the
     * revision.
     */
    public Uni<PipelineEntity> touch(PipelineEntity pipeline) {
        return flush().chain(() -> getSession())
                .chain(s -> s.createNativeQuery(
                                "UPDATE pipelines SET updated_at = clock_timestamp() WHERE id = ?1 RETURNING updated_at",
                                Instant.class)
                        .setParameter(1, pipeline.id)
                        .getSingleResult())
                .invoke(revision -> pipeline.updatedAt = revision)
                .replaceWith(pipeline);
    }

    /**
     * The pipelines that feed {@code sourcePipelineId}, following {@code source_pipeline_id} from it (itself
     * first), as (id, name) pairs; stops at a repeat. A recursive CTE: HQL has none.
     */
    public Uni<List<Object[]>> sourceChain(UUID sourcePipelineId) {
        return getSession()
                .chain(s -> s.createNativeQuery("""
                                WITH RECURSIVE chain (id, name, source, depth, path) AS (
                                    SELECT id, name, source_pipeline_id, 1, ARRAY[id] FROM pipelines WHERE id = ?1
                                    UNION ALL
                                    SELECT p.id, p.name, p.source_pipeline_id, c.depth + 1, c.path || p.id
                                    FROM pipelines p JOIN chain c ON p.id = c.source
                                    WHERE c.depth < 1000 AND NOT p.id = ANY (c.path)
                                )
                                SELECT id, name FROM chain ORDER BY depth
                                """, Object[].class)
                        .setParameter(1, sourcePipelineId)
                        .getResultList());
    }
}
