package dev.dash.web.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.api.ApiException;
import dev.dash.model.json.Json;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.api.UniqueViolations;
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
import dev.dash.web.dashboard.repository.DashboardEntity;
import dev.dash.web.dashboard.repository.DashboardReads;
import dev.dash.web.dashboard.repository.DashboardRepository;
import dev.dash.web.dashboard.repository.WidgetEntity;
import dev.dash.web.dashboard.repository.WidgetRepository;
import dev.dash.web.pipeline.repository.PipelineRepository;
import dev.dash.web.query.QueryService;
import dev.dash.web.query.QueryService.SeriesRequest;
import dev.dash.web.query.QueryService.SeriesResult;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Dashboards and widgets (members edit, viewers read) and public links (admins share, anyone reads). A request
 * goes check role, validate, repository (Hibernate Reactive Panache), audit in the same transaction; the live
 * feed's and public links' loads are {@link DashboardReads}.
 */
@ApplicationScoped
public class DashboardService {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Access access;
    private final AuditLog audit;
    private final QueryService query;
    private final WebConfig config;
    private final DashboardRepository dashboards;
    private final WidgetRepository widgets;
    private final DashboardReads reads;
    private final PipelineRepository pipelines;

    public DashboardService(
            Access access,
            AuditLog audit,
            QueryService query,
            WebConfig config,
            DashboardRepository dashboards,
            WidgetRepository widgets,
            DashboardReads reads,
            PipelineRepository pipelines) {
        this.access = access;
        this.audit = audit;
        this.query = query;
        this.config = config;
        this.dashboards = dashboards;
        this.widgets = widgets;
        this.reads = reads;
        this.pipelines = pipelines;
    }

    static Widget widget(WidgetEntity w) {
        return new Widget(w.id, w.dashboardId, w.type, w.title, w.config, w.position, w.dataQuery);
    }

    static Dashboard dashboard(DashboardEntity d, List<Widget> widgets) {
        return new Dashboard(
                d.id,
                d.teamId,
                d.name,
                d.slug,
                d.isPublic,
                d.publicTokenExpiresAt,
                d.layout,
                d.refreshIntervalSeconds,
                widgets,
                d.insertedAt,
                d.updatedAt);
    }

    /** The dashboard with its widgets, in the current session. */
    private Uni<Dashboard> withWidgets(DashboardEntity d) {
        return widgets.ofDashboards(List.of(d.id))
                .map(list ->
                        dashboard(d, list.stream().map(DashboardService::widget).toList()));
    }

    /** The dashboard locked for a change, with its widgets; 404 when the team has no such dashboard. */
    private Uni<DashboardEntity> lock(UUID teamId, UUID id) {
        return dashboards.lock(teamId, id).map(DashboardService::found);
    }

    private static <T> T found(T d) {
        if (d == null) {
            throw ApiException.notFound("dashboard");
        }
        return d;
    }

    /** Now, at the database's precision, for the timestamps this service sets. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    public Uni<List<Dashboard>> list(UUID teamId) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> Panache.withSession(() -> dashboards
                        .ofTeam(teamId)
                        .flatMap(list -> list.isEmpty()
                                ? Uni.createFrom().item(List.<Dashboard>of())
                                : widgets.ofDashboards(
                                                list.stream().map(d -> d.id).toList())
                                        .map(all -> {
                                            Map<UUID, List<Widget>> byDashboard = all.stream()
                                                    .collect(Collectors.groupingBy(
                                                            w -> w.dashboardId,
                                                            Collectors.mapping(
                                                                    DashboardService::widget, Collectors.toList())));
                                            return list.stream()
                                                    .map(d -> dashboard(d, byDashboard.getOrDefault(d.id, List.of())))
                                                    .toList();
                                        }))));
    }

    public Uni<Dashboard> get(UUID teamId, UUID id) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> Panache.withSession(() -> dashboards
                        .ofTeam(teamId, id)
                        .map(DashboardService::found)
                        .flatMap(this::withWidgets)));
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
                .flatMap(a -> Panache.withTransaction(() -> {
                            DashboardEntity d = new DashboardEntity();
                            d.id = id;
                            d.teamId = teamId;
                            d.name = in.name().strip();
                            d.slug = in.slug();
                            d.layout = in.layout() == null ? Json.nodes().objectNode() : in.layout();
                            d.refreshIntervalSeconds =
                                    in.refreshIntervalSeconds() == null ? 0 : in.refreshIntervalSeconds();
                            return dashboards
                                    .persistAndFlush(d)
                                    .map(x -> dashboard(d, List.of()))
                                    .call(created -> audit.record(
                                            a.actor(), teamId, "dashboard.create", "dashboard", id, null, created));
                        })
                        .onFailure()
                        .transform(DashboardService::slugTaken));
    }

    public Uni<Dashboard> update(UUID teamId, UUID id, DashboardInput in) {
        check(in, false);
        return access.require(teamId, Role.MEMBER)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, id)
                                .flatMap(d -> withWidgets(d).flatMap(before -> {
                                    if (in.name() != null) {
                                        d.name = in.name().strip();
                                    }
                                    if (in.slug() != null) {
                                        d.slug = in.slug();
                                    }
                                    if (in.layout() != null) {
                                        d.layout = in.layout();
                                    }
                                    if (in.refreshIntervalSeconds() != null) {
                                        d.refreshIntervalSeconds = in.refreshIntervalSeconds();
                                    }
                                    d.updatedAt = now();
                                    Dashboard after = dashboard(d, before.widgets());
                                    return dashboards
                                            .flush()
                                            .call(x -> audit.record(
                                                    a.actor(),
                                                    teamId,
                                                    "dashboard.update",
                                                    "dashboard",
                                                    id,
                                                    before,
                                                    after))
                                            .replaceWith(after);
                                })))
                        .onFailure()
                        .transform(DashboardService::slugTaken));
    }

    public Uni<Void> delete(UUID teamId, UUID id) {
        return access.require(teamId, Role.MEMBER)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, id)
                        .flatMap(d -> withWidgets(d)
                                .call(x -> dashboards.delete(d))
                                .call(before -> audit.record(
                                        a.actor(), teamId, "dashboard.delete", "dashboard", id, before, null)))))
                .replaceWithVoid();
    }

    private static Throwable slugTaken(Throwable e) {
        return UniqueViolations.asConflict(e, "slug", "another dashboard of the team has this slug");
    }

    // ---- widgets ----

    private Uni<Void> checkWidget(UUID teamId, WidgetInput in, boolean create) {
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
        return pipelines.teamHas(teamId, pipelineId).map(found -> {
            if (!found) {
                throw ApiException.invalid("data_query.pipeline_id", "must be the id of a pipeline of the team");
            }
            return null;
        });
    }

    public Uni<Widget> addWidget(UUID teamId, UUID dashboardId, WidgetInput in) {
        Checks.start().require("body", in).orThrow();
        UUID id = UUID.randomUUID();
        return access.require(teamId, Role.MEMBER)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, dashboardId)
                        .call(d -> checkWidget(teamId, in, true))
                        .flatMap(d -> {
                            WidgetEntity w = new WidgetEntity();
                            w.id = id;
                            w.dashboardId = dashboardId;
                            w.type = in.type();
                            w.title = in.title() == null ? "" : in.title();
                            w.config = in.config() == null ? Json.nodes().objectNode() : in.config();
                            w.position = in.position() == null ? Json.nodes().objectNode() : in.position();
                            w.dataQuery = in.dataQuery() == null ? Json.nodes().objectNode() : in.dataQuery();
                            return widgets.persistAndFlush(w).map(x -> widget(w));
                        })
                        .call(w -> audit.record(a.actor(), teamId, "widget.create", "widget", id, null, w))));
    }

    private Uni<WidgetEntity> loadWidget(UUID dashboardId, UUID id) {
        return widgets.ofDashboard(dashboardId, id).map(w -> {
            if (w == null) {
                throw ApiException.notFound("widget");
            }
            return w;
        });
    }

    public Uni<Widget> updateWidget(UUID teamId, UUID dashboardId, UUID widgetId, WidgetInput in) {
        Checks.start().require("body", in).orThrow();
        return access.require(teamId, Role.MEMBER)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, dashboardId)
                        .flatMap(d -> loadWidget(dashboardId, widgetId))
                        .call(w -> checkWidget(teamId, in, false))
                        .flatMap(w -> {
                            Widget before = widget(w);
                            if (in.type() != null) {
                                w.type = in.type();
                            }
                            if (in.title() != null) {
                                w.title = in.title();
                            }
                            if (in.config() != null) {
                                w.config = in.config();
                            }
                            if (in.position() != null) {
                                w.position = in.position();
                            }
                            if (in.dataQuery() != null) {
                                w.dataQuery = in.dataQuery();
                            }
                            w.updatedAt = now();
                            Widget after = widget(w);
                            return audit.record(a.actor(), teamId, "widget.update", "widget", widgetId, before, after)
                                    .replaceWith(after);
                        })));
    }

    public Uni<Void> deleteWidget(UUID teamId, UUID dashboardId, UUID widgetId) {
        return access.require(teamId, Role.MEMBER)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, dashboardId)
                        .flatMap(d -> loadWidget(dashboardId, widgetId))
                        .call(w -> widgets.delete(w))
                        .call(w ->
                                audit.record(a.actor(), teamId, "widget.delete", "widget", widgetId, widget(w), null))))
                .replaceWithVoid();
    }

    /** Runs a widget's data query over a time range. */
    public Uni<SeriesResult> widgetData(UUID teamId, UUID dashboardId, UUID widgetId, DataRequest in) {
        return access.require(teamId, Role.VIEWER)
                .flatMap(a -> reads.load(teamId, dashboardId))
                .map(DashboardService::found)
                .flatMap(d -> data(d, widgetId, in));
    }

    /**
     * The dashboard with its widgets for a caller that was authorised already (the live feed checks on the
     * WebSocket upgrade); null when it does not exist (any more).
     */
    public Uni<Dashboard> loadAuthorised(UUID teamId, UUID id) {
        return reads.load(teamId, id);
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
        Instant expires = now().plus(ttl);
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, id)
                        .flatMap(d -> withWidgets(d).flatMap(before -> {
                            d.isPublic = true;
                            d.publicTokenHash = hash(token);
                            d.publicTokenExpiresAt = expires;
                            d.updatedAt = now();
                            Dashboard after = dashboard(d, before.widgets());
                            return audit.record(a.actor(), teamId, "dashboard.share", "dashboard", id, before, after);
                        }))))
                .map(x -> new PublicLink(token, "/public/dashboards/" + token, expires));
    }

    public Uni<Void> unshare(UUID teamId, UUID id) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> lock(teamId, id)
                        .flatMap(d -> withWidgets(d).flatMap(before -> {
                            d.isPublic = false;
                            d.publicTokenHash = null;
                            d.publicTokenExpiresAt = null;
                            d.updatedAt = now();
                            Dashboard after = dashboard(d, before.widgets());
                            return audit.record(a.actor(), teamId, "dashboard.unshare", "dashboard", id, before, after);
                        }))))
                .replaceWithVoid();
    }

    /** The dashboard of a valid public token; 404 for an unknown, revoked or expired one. */
    public Uni<Dashboard> byToken(String token) {
        return byTokenHash(hash(token));
    }

    /** {@link #byToken} by the token's hash, as stored. */
    public Uni<Dashboard> byTokenHash(byte[] tokenHash) {
        return reads.byTokenHash(tokenHash)
                .flatMap(ids -> ids == null ? Uni.createFrom().nullItem() : reads.load(ids[1], ids[0]))
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
