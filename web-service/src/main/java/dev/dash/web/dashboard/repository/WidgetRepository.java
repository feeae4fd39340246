package dev.dash.web.dashboard.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** Widgets, through Hibernate Reactive Panache; run inside a Panache session. */
@ApplicationScoped
public class WidgetRepository implements PanacheRepositoryBase<WidgetEntity, UUID> {

    /** The dashboards' widgets in the order they were added. */
    public Uni<List<WidgetEntity>> ofDashboards(Collection<UUID> dashboardIds) {
        return find("dashboardId in ?1 order by insertedAt, id", dashboardIds).list();
    }

    /** One widget of the dashboard, or null. */
    public Uni<WidgetEntity> ofDashboard(UUID dashboardId, UUID id) {
        return find("id = ?1 and dashboardId = ?2", id, dashboardId).firstResult();
    }
}
