package dev.dash.web.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.api.ApiException;
import dev.dash.model.json.Json;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.api.Sql;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import dev.dash.web.config.WebConfig;
import dev.dash.web.dashboard.Dashboards.Dashboard;
import dev.dash.web.dashboard.Dashboards.DashboardInput;
import dev.dash.web.dashboard.Dashboards.DataRequest;
import dev.dash.web.dashboard.Dashboards.PublicLink;
import dev.dash.web.dashboard.Dashboards.PublicLinkRequest;
import dev.dash.web.dashboard.Dashboards.Widget;
import dev.dash.web.dashboard.Dashboards.WidgetInput;
import dev.dash.web.query.QueryService;
import dev.dash.web.query.QueryService.SeriesRequest;
import dev.dash.web.query.QueryService.SeriesResult;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Dashboards and widgets (members edit, viewers read) and public links (admins share, anyone reads). */
@ApplicationScoped
public class DashboardService {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Pool pool;
    private final Access access;
    private final AuditLog audit;
    private final QueryService query;
    private final WebConfig config;

    public DashboardService(Pool pool, Access access, AuditLog audit, QueryService query, WebConfig config) {
        this.pool = pool;
        this.access = access;
        this.audit = audit;
        this.query = query;
        this.config = config;
    }

    private static final String SELECT = """
            SELECT id, team_id, name, slug, is_public, public_token_expires_at, layout::text AS layout,
                   refresh_interval_seconds, inserted_at, updated_at FROM dashboards
            """;

    private Uni<Dashboard> load(SqlClient c, UUID teamId, UUID id) {
        return Sql.one(c, r -> r, SELECT + " WHERE id = $1 AND team_id = $2", id, teamId)
                .flatMap(r ->
                        r == null ? Uni.createFrom().nullItem() : widgets(c, id).map(w -> dashboard(r, w)));
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

    private Uni<List<Widget>> widgets(SqlClient c, UUID dashboardId) {
        return Sql.list(c, DashboardService::widget, """
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

    private static Dashboard found(Dashboard d) {
        if (d == null) {
            throw ApiException.notFound("dashboard");
        }
        return d;
    }

    public Uni<List<Dashboard>> list(UUID teamId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> Sql.list(
                        pool,
                        r -> r.getUUID("id"),
                        "SELECT id FROM dashboards WHERE team_id = $1 ORDER BY name",
                        teamId))
                .flatMap(ids -> ids.isEmpty()
                        ? Uni.createFrom().item(List.<Dashboard>of())
                        : Uni.join()
                                .all(ids.stream()
                                        .map(id -> load(pool, teamId, id))
                                        .toList())
                                .andFailFast());
    }

    public Uni<Dashboard> get(UUID teamId, UUID id) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> load(pool, teamId, id))
                .map(DashboardService::found);
    }

    private static void check(DashboardInput in, boolean create) {
        Checks.start().require("body", in).orThrow();
        Checks c = Checks.start()
                .text("name", in.name(), create, 200)
                .slug("slug", in.slug(), create)
                .range("refresh_interval_seconds", in.refreshIntervalSeconds(), 0, 86_400);
        if (in.layout() != null && !in.layout().isObject()) {
            c.fail("layout", "must be a JSON object");
        }
        c.orThrow();
    }

    public Uni<Dashboard> create(UUID teamId, DashboardInput in) {
        check(in, true);
        UUID id = UUID.randomUUID();
        return access.require(teamId, Role.MEMBER)
                .flatMap(a -> pool.withTransaction(tx -> Sql.run(
                                tx,
                                """
                                INSERT INTO dashboards (id, team_id, name, slug, layout, refresh_interval_seconds)
                                VALUES ($1, $2, $3, $4, $5::text::jsonb, $6)
                                """,
                                id,
                                teamId,
                                in.name().strip(),
                                in.slug(),
                                in.layout() == null ? Json.nodes().objectNode() : in.layout(),
                                in.refreshIntervalSeconds() == null ? 0 : in.refreshIntervalSeconds())
                        .onFailure()
                        .transform(DashboardService::slugTaken)
                        .flatMap(x -> load(tx, teamId, id))
                        .call(d -> audit.record(tx, a.actor(), teamId, "dashboard.create", "dashboard", id, null, d))));
    }

    public Uni<Dashboard> update(UUID teamId, UUID id, DashboardInput in) {
        check(in, false);
        return access.require(teamId, Role.MEMBER)
                .flatMap(a -> pool.withTransaction(tx -> lock(tx, teamId, id)
                        .flatMap(before -> Sql.run(
                                        tx,
                                        """
                                        UPDATE dashboards SET name = coalesce($3, name), slug = coalesce($4, slug),
                                            layout = coalesce($5::text::jsonb, layout),
                                            refresh_interval_seconds = coalesce($6, refresh_interval_seconds), updated_at = now()
                                        WHERE id = $1 AND team_id = $2
                                        """,
                                        id,
                                        teamId,
                                        in.name() == null ? null : in.name().strip(),
                                        in.slug(),
                                        in.layout(),
                                        in.refreshIntervalSeconds())
                                .onFailure()
                                .transform(DashboardService::slugTaken)
                                .flatMap(x -> load(tx, teamId, id))
                                .call(after -> audit.record(
                                        tx, a.actor(), teamId, "dashboard.update", "dashboard", id, before, after)))));
    }

    public Uni<Void> delete(UUID teamId, UUID id) {
        return access.require(teamId, Role.MEMBER)
                .flatMap(a -> pool.withTransaction(tx -> lock(tx, teamId, id)
                        .flatMap(before -> Sql.run(tx, "DELETE FROM dashboards WHERE id = $1", id)
                                .call(x -> audit.record(
                                        tx, a.actor(), teamId, "dashboard.delete", "dashboard", id, before, null)))))
                .replaceWithVoid();
    }

    private Uni<Dashboard> lock(SqlClient tx, UUID teamId, UUID id) {
        return Sql.run(tx, "SELECT id FROM dashboards WHERE id = $1 AND team_id = $2 FOR UPDATE", id, teamId)
                .flatMap(x -> load(tx, teamId, id))
                .map(DashboardService::found);
    }

    private static Throwable slugTaken(Throwable e) {
        return e instanceof PgException p && "23505".equals(p.getSqlState())
                ? ApiException.conflict("slug", "another dashboard of the team has this slug")
                : e;
    }

    // ---- widgets ----

    private Uni<Void> checkWidget(SqlClient tx, UUID teamId, WidgetInput in, boolean create) {
        Checks.start().require("body", in).orThrow();
        Checks c = Checks.start()
                .oneOf("type", in.type(), Dashboards.WIDGET_TYPES, create)
                .text("title", in.title(), false, 200);
        if (in.config() != null && !in.config().isObject()) {
            c.fail("config", "must be a JSON object");
        }
        if (in.position() != null && !in.position().isObject()) {
            c.fail("position", "must be a JSON object");
        }
        JsonNode q = in.dataQuery();
        UUID pipelineId = null;
        if (q != null) {
            if (!q.isObject()) {
                c.fail("data_query", "must be a JSON object");
            } else {
                try {
                    pipelineId = UUID.fromString(q.path("pipeline_id").asText());
                } catch (IllegalArgumentException e) {
                    c.fail("data_query.pipeline_id", "must be the id of a pipeline of the team");
                }
                if (!q.path("metric").isTextual()) {
                    c.fail("data_query.metric", "is required");
                }
                if (q.has("aggregation")
                        && !QueryService.AGGREGATIONS.contains(
                                q.path("aggregation").asText())) {
                    c.fail("data_query.aggregation", "must be one of " + String.join(", ", QueryService.AGGREGATIONS));
                }
                if (q.has("labels") && !q.path("labels").isObject()) {
                    c.fail("data_query.labels", "must be a JSON object of label values");
                }
            }
        }
        c.orThrow();
        if (pipelineId == null) {
            return Uni.createFrom().voidItem();
        }
        return Sql.one(
                        tx,
                        r -> r.getUUID("id"),
                        "SELECT id FROM pipelines WHERE id = $1 AND team_id = $2",
                        pipelineId,
                        teamId)
                .map(found -> {
                    if (found == null) {
                        throw ApiException.invalid(
                                "data_query.pipeline_id", "must be the id of a pipeline of the team");
                    }
                    return null;
                });
    }

    public Uni<Widget> addWidget(UUID teamId, UUID dashboardId, WidgetInput in) {
        Checks.start().require("body", in).orThrow();
        UUID id = UUID.randomUUID();
        return access.require(teamId, Role.MEMBER)
                .flatMap(a -> pool.withTransaction(tx -> lock(tx, teamId, dashboardId)
                        .call(d -> checkWidget(tx, teamId, in, true))
                        .flatMap(d -> Sql.run(
                                tx,
                                """
                                INSERT INTO widgets (id, dashboard_id, type, title, config, position, data_query)
                                VALUES ($1, $2, $3, $4, $5::text::jsonb, $6::text::jsonb, $7::text::jsonb)
                                """,
                                id,
                                dashboardId,
                                in.type(),
                                in.title() == null ? "" : in.title(),
                                in.config() == null ? Json.nodes().objectNode() : in.config(),
                                in.position() == null ? Json.nodes().objectNode() : in.position(),
                                in.dataQuery() == null ? Json.nodes().objectNode() : in.dataQuery()))
                        .flatMap(x -> loadWidget(tx, dashboardId, id))
                        .call(w -> audit.record(tx, a.actor(), teamId, "widget.create", "widget", id, null, w))));
    }

    private Uni<Widget> loadWidget(SqlClient c, UUID dashboardId, UUID id) {
        return Sql.one(c, DashboardService::widget, """
                        SELECT id, dashboard_id, type, title, config::text AS config, position::text AS position,
                               data_query::text AS data_query
                        FROM widgets WHERE id = $1 AND dashboard_id = $2
                        """, id, dashboardId).map(w -> {
            if (w == null) {
                throw ApiException.notFound("widget");
            }
            return w;
        });
    }

    public Uni<Widget> updateWidget(UUID teamId, UUID dashboardId, UUID widgetId, WidgetInput in) {
        Checks.start().require("body", in).orThrow();
        return access.require(teamId, Role.MEMBER)
                .flatMap(a -> pool.withTransaction(tx -> lock(tx, teamId, dashboardId)
                        .flatMap(d -> loadWidget(tx, dashboardId, widgetId))
                        .call(before -> checkWidget(tx, teamId, in, false))
                        .flatMap(before -> Sql.run(
                                        tx,
                                        """
                                        UPDATE widgets SET type = coalesce($3, type), title = coalesce($4, title),
                                            config = coalesce($5::text::jsonb, config), position = coalesce($6::text::jsonb, position),
                                            data_query = coalesce($7::text::jsonb, data_query), updated_at = now()
                                        WHERE id = $1 AND dashboard_id = $2
                                        """,
                                        widgetId,
                                        dashboardId,
                                        in.type(),
                                        in.title(),
                                        in.config(),
                                        in.position(),
                                        in.dataQuery())
                                .flatMap(x -> loadWidget(tx, dashboardId, widgetId))
                                .call(after -> audit.record(
                                        tx, a.actor(), teamId, "widget.update", "widget", widgetId, before, after)))));
    }

    public Uni<Void> deleteWidget(UUID teamId, UUID dashboardId, UUID widgetId) {
        return access.require(teamId, Role.MEMBER)
                .flatMap(a -> pool.withTransaction(tx -> lock(tx, teamId, dashboardId)
                        .flatMap(d -> loadWidget(tx, dashboardId, widgetId))
                        .call(before -> Sql.run(tx, "DELETE FROM widgets WHERE id = $1", widgetId))
                        .call(before -> audit.record(
                                tx, a.actor(), teamId, "widget.delete", "widget", widgetId, before, null))))
                .replaceWithVoid();
    }

    /** Runs a widget's data query over a time range. */
    public Uni<SeriesResult> widgetData(UUID teamId, UUID dashboardId, UUID widgetId, DataRequest in) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> load(pool, teamId, dashboardId))
                .map(DashboardService::found)
                .flatMap(d -> data(d, widgetId, in));
    }

    /**
     * The dashboard with its widgets for a caller that was authorised already (the live feed checks on the
     * WebSocket upgrade); null when it does not exist (any more).
     */
    public Uni<Dashboard> loadAuthorised(UUID teamId, UUID id) {
        return load(pool, teamId, id);
    }

    /**
     * A widget's data exactly as the data endpoint answers it, for a caller that was authorised already (the
     * live feed's snapshots and deltas).
     */
    public Uni<SeriesResult> widgetData(Dashboard d, UUID widgetId, DataRequest in) {
        return Uni.createFrom().deferred(() -> data(d, widgetId, in));
    }

    private Uni<SeriesResult> data(Dashboard d, UUID widgetId, DataRequest in) {
        Widget w = d.widgets().stream()
                .filter(x -> x.id().equals(widgetId))
                .findFirst()
                .orElseThrow(() -> ApiException.notFound("widget"));
        JsonNode q = w.dataQuery();
        if (q == null || !q.has("pipeline_id")) {
            throw ApiException.conflict("the widget has no data query");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        q.path("labels")
                .fields()
                .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        DataRequest r = in == null ? new DataRequest(null, null, null) : in;
        return query.series(
                d.teamId(),
                UUID.fromString(q.path("pipeline_id").asText()),
                new SeriesRequest(
                        q.path("metric").asText(),
                        labels,
                        r.from(),
                        r.to(),
                        r.bucket() != null
                                ? r.bucket()
                                : (q.hasNonNull("bucket") ? q.path("bucket").asText() : null),
                        q.hasNonNull("aggregation") ? q.path("aggregation").asText() : "avg"),
                true);
    }

    // ---- public links ----

    public Uni<PublicLink> share(UUID teamId, UUID id, PublicLinkRequest in) {
        Integer days = in == null ? null : in.expiresInDays();
        Checks.start().range("expires_in_days", days, 1, 365).orThrow();
        Duration ttl = days == null ? config.publicLinks().defaultTtl() : Duration.ofDays(days);
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Instant expires = Instant.now().plus(ttl);
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pool.withTransaction(tx -> lock(tx, teamId, id)
                        .flatMap(before -> Sql.run(tx, """
                                        UPDATE dashboards SET is_public = true, public_token_hash = $3,
                                            public_token_expires_at = $4, updated_at = now()
                                        WHERE id = $1 AND team_id = $2
                                        """, id, teamId, hash(token), expires)
                                .flatMap(x -> load(tx, teamId, id))
                                .call(after -> audit.record(
                                        tx, a.actor(), teamId, "dashboard.share", "dashboard", id, before, after)))))
                .map(d -> new PublicLink(token, "/public/dashboards/" + token, expires));
    }

    public Uni<Void> unshare(UUID teamId, UUID id) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pool.withTransaction(tx -> lock(tx, teamId, id)
                        .flatMap(before -> Sql.run(tx, """
                                        UPDATE dashboards SET is_public = false, public_token_hash = NULL,
                                            public_token_expires_at = NULL, updated_at = now()
                                        WHERE id = $1 AND team_id = $2
                                        """, id, teamId)
                                .flatMap(x -> load(tx, teamId, id))
                                .call(after -> audit.record(
                                        tx, a.actor(), teamId, "dashboard.unshare", "dashboard", id, before, after)))))
                .replaceWithVoid();
    }

    /** The dashboard of a valid public token; 404 for an unknown, revoked or expired one. */
    public Uni<Dashboard> byToken(String token) {
        return byTokenHash(hash(token));
    }

    /** {@link #byToken} by the token's hash, as stored. */
    public Uni<Dashboard> byTokenHash(byte[] tokenHash) {
        return Sql.one(pool, r -> new UUID[] {r.getUUID("id"), r.getUUID("team_id")}, """
                        SELECT id, team_id FROM dashboards WHERE public_token_hash = $1 AND is_public
                          AND (public_token_expires_at IS NULL OR public_token_expires_at > now())
                        """, tokenHash)
                .flatMap(ids -> ids == null ? Uni.createFrom().nullItem() : load(pool, ids[1], ids[0]))
                .map(DashboardService::found);
    }

    public Uni<SeriesResult> publicData(String token, UUID widgetId, DataRequest in) {
        return byToken(token).flatMap(d -> data(d, widgetId, in));
    }

    /** The SHA-256 of a public token, as stored. */
    public static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
