package dev.dash.web.dashboard.repository;

import dev.dash.web.api.Sql;
import dev.dash.web.dashboard.Dashboards.Dashboard;
import dev.dash.web.dashboard.Dashboards.Widget;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

/**
 * The read-only dashboard loads of the live feed and the public links, in plain SQL on the Vert.x reactive
 * client. They run outside any request (a {@code dash.points} delivery, a snapshot timer, a public viewer's
 * WebSocket), where a Hibernate Reactive session has no Vert.x request context to belong to, and they read
 * two tables into one message without a change to track: the reactive client is the simpler tool there.
 * Every change to dashboards and widgets goes through {@link DashboardRepository} and {@link WidgetRepository}.
 */
@ApplicationScoped
public class DashboardReads {
    private final Pool pool;

    public DashboardReads(Pool pool) {
        this.pool = pool;
    }

    private static final String SELECT = """
            SELECT id, team_id, name, slug, is_public, public_token_expires_at, layout::text AS layout,
                   refresh_interval_seconds, inserted_at, updated_at FROM dashboards
            """;

    /** The dashboard with its widgets, or null. */
    public Uni<Dashboard> load(UUID teamId, UUID id) {
        return Sql.one(pool, r -> r, SELECT + " WHERE id = $1 AND team_id = $2", id, teamId)
                .flatMap(r ->
                        r == null ? Uni.createFrom().nullItem() : widgets(id).map(w -> dashboard(r, w)));
    }

    /** The ids (dashboard, team) of a valid public link's dashboard by its token's hash, or null. */
    public Uni<UUID[]> byTokenHash(byte[] tokenHash) {
        return Sql.one(pool, r -> new UUID[] {r.getUUID("id"), r.getUUID("team_id")}, """
                SELECT id, team_id FROM dashboards WHERE public_token_hash = $1 AND is_public
                  AND (public_token_expires_at IS NULL OR public_token_expires_at > now())
                """, tokenHash);
    }

    private static Dashboard dashboard(Row r, List<Widget> widgets) {
        return new Dashboard(
                r.getUUID("id"),
                r.getUUID("team_id"),
                r.getString("name"),
                r.getString("slug"),
                r.getBoolean("is_public"),
                Sql.instant(r, "public_token_expires_at"),
                Sql.json(r, "layout"),
                r.getInteger("refresh_interval_seconds"),
                widgets,
                Sql.instant(r, "inserted_at"),
                Sql.instant(r, "updated_at"));
    }

    private Uni<List<Widget>> widgets(UUID dashboardId) {
        return Sql.list(pool, DashboardReads::widget, """
                SELECT id, dashboard_id, type, title, config::text AS config, position::text AS position,
                       data_query::text AS data_query
                FROM widgets WHERE dashboard_id = $1 ORDER BY inserted_at, id
                """, dashboardId);
    }

    private static Widget widget(Row r) {
        return new Widget(
                r.getUUID("id"),
                r.getUUID("dashboard_id"),
                r.getString("type"),
                r.getString("title"),
                Sql.json(r, "config"),
                Sql.json(r, "position"),
                Sql.json(r, "data_query"));
    }
}
