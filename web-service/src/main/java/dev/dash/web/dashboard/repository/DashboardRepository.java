package dev.dash.web.dashboard.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.UUID;

/** Dashboards, through Hibernate Reactive Panache; run inside a Panache session. */
@ApplicationScoped
public class DashboardRepository implements PanacheRepositoryBase<DashboardEntity, UUID> {

    /** The team's dashboards by name. */
    public Uni<List<DashboardEntity>> ofTeam(UUID teamId) {
        return find("teamId = ?1 order by name", teamId).list();
    }

    /** One dashboard of the team, or null. */
    public Uni<DashboardEntity> ofTeam(UUID teamId, UUID id) {
        return find("id = ?1 and teamId = ?2", id, teamId).firstResult();
    }

    /** One dashboard of the team locked for the change ({@code FOR UPDATE}), or null. */
    public Uni<DashboardEntity> lock(UUID teamId, UUID id) {
        return find("id = ?1 and teamId = ?2", id, teamId)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResult();
    }
}
