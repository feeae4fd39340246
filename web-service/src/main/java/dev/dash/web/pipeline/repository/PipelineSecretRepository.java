package dev.dash.web.pipeline.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** Pipelines' signing secrets, through Hibernate Reactive Panache; run inside a Panache session. */
@ApplicationScoped
public class PipelineSecretRepository implements PanacheRepositoryBase<PipelineSecretEntity, UUID> {

    /** The pipelines' secrets, newest first. */
    public Uni<List<PipelineSecretEntity>> ofPipelines(Collection<UUID> pipelineIds) {
        return find("pipelineId in ?1 order by insertedAt desc, id", pipelineIds)
                .list();
    }

    /** One secret of the pipeline that is not revoked, or null. */
    public Uni<PipelineSecretEntity> unrevoked(UUID pipelineId, UUID id) {
        return find("id = ?1 and pipelineId = ?2 and revokedAt is null", id, pipelineId)
                .firstResult();
    }

    /**
     * Shortens every live secret of the pipeline to expire {@code overlapSeconds} from now (those expiring
     * sooner keep their time), in the database's clock, the one ingest's snapshot judges expiry by: a bulk
     * update, in SQL. Flushes the session first; secrets loaded in it are stale afterwards (refresh them).
     */
    public Uni<Integer> expireLiveAfter(UUID pipelineId, long overlapSeconds) {
        return flush().chain(() -> getSession())
                .chain(s -> s.createNativeQuery("""
                                UPDATE pipeline_secrets SET expires_at = now() + make_interval(secs => ?2)
                                WHERE pipeline_id = ?1 AND revoked_at IS NULL
                                  AND (expires_at IS NULL OR expires_at > now() + make_interval(secs => ?2))
                                """)
                        .setParameter(1, pipelineId)
                        .setParameter(2, (double) overlapSeconds)
                        .executeUpdate());
    }
}
