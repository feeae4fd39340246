package dev.dash.web.mapping.repository;

import dev.dash.model.mapping.MappingStatus;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/** A pipeline's mapping versions, through Hibernate Reactive Panache; run inside a Panache session. */
@ApplicationScoped
public class MappingVersionRepository implements PanacheRepositoryBase<MappingVersionEntity, UUID> {

    /** The pipeline's versions, newest first. */
    public Uni<List<MappingVersionEntity>> ofPipeline(UUID pipelineId) {
        return find("pipelineId = ?1 order by version desc", pipelineId).list();
    }

    /** One version of the pipeline, or null. */
    public Uni<MappingVersionEntity> ofPipeline(UUID pipelineId, int version) {
        return find("pipelineId = ?1 and version = ?2", pipelineId, version).firstResult();
    }

    /** The pipeline's highest version number, 0 when it has none. */
    public Uni<Integer> newest(UUID pipelineId) {
        return getSession()
                .chain(s -> s.createQuery(
                                "select max(m.version) from MappingVersionEntity m where m.pipelineId = ?1",
                                Integer.class)
                        .setParameter(1, pipelineId)
                        .getSingleResultOrNull())
                .map(v -> v == null ? 0 : v);
    }

    /** The pipeline's pending version's number, or null when none is pending. */
    public Uni<Integer> pending(UUID pipelineId) {
        return find("pipelineId = ?1 and status = ?2", pipelineId, MappingStatus.PENDING)
                .firstResult()
                .map(v -> v == null ? null : v.version);
    }
}
