package dev.dash.web.team.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/**
 * The teams, through Hibernate Reactive Panache (docs/api.md, "How the services reach the shared tables").
 * Callers run it inside {@code Panache.withTransaction}, where their audit row is written too.
 */
@ApplicationScoped
public class TeamRepository implements PanacheRepositoryBase<TeamEntity, UUID> {

    /**
     * The ids of the team's pipelines, read before the team (and, by the foreign keys' cascade, its pipelines) is
     * deleted, so their tombstones can be published. Pipelines are not mapped yet: a native query in this session.
     */
    public Uni<List<UUID>> pipelineIds(UUID teamId) {
        return Panache.getSession()
                .flatMap(s -> s.createNativeQuery("SELECT id FROM pipelines WHERE team_id = ?1", UUID.class)
                        .setParameter(1, teamId)
                        .getResultList());
    }
}
