package dev.dash.web.dashboard;

import dev.dash.model.api.ApiError;
import dev.dash.web.config.WebConfig;
import dev.dash.web.dashboard.Dashboards.Dashboard;
import dev.dash.web.dashboard.Dashboards.DataRequest;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Read-only dashboards by public link, without login. Rate-limited per token (a fixed one-minute window per
 * node), so a leaked link cannot be used to hammer the database.
 */
@Path("/public/dashboards/{token}")
@Tag(name = "public")
public class PublicDashboardResource {
    private final DashboardService dashboards;
    private final int perMinute;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    private record Window(long minute, AtomicInteger count) {}

    public PublicDashboardResource(DashboardService dashboards, WebConfig config) {
        this.dashboards = dashboards;
        this.perMinute = config.publicLinks().rateLimitPerMinute();
    }

    /** The dashboard and its widgets, without team details. */
    @GET
    public Uni<Response> get(@PathParam("token") String token) {
        Response limited = limit(token);
        return limited != null
                ? Uni.createFrom().item(limited)
                : dashboards.byToken(token).map(d -> Response.ok(readOnly(d)).build());
    }

    @POST
    @Path("widgets/{widgetId}/data")
    public Uni<Response> data(@PathParam("token") String token, @PathParam("widgetId") UUID widgetId, DataRequest in) {
        Response limited = limit(token);
        return limited != null
                ? Uni.createFrom().item(limited)
                : dashboards
                        .publicData(token, widgetId, in)
                        .map(s -> Response.ok(s).build());
    }

    private static Dashboard readOnly(Dashboard d) {
        return new Dashboard(
                d.id(),
                null,
                d.name(),
                d.slug(),
                true,
                d.publicLinkExpiresAt(),
                d.layout(),
                d.refreshIntervalSeconds(),
                d.widgets(),
                null,
                null);
    }

    private Response limit(String token) {
        long minute = Instant.now().getEpochSecond() / 60;
        String key = HexFormat.of().formatHex(DashboardService.hash(token));
        Window w = windows.compute(
                key, (k, old) -> old == null || old.minute() != minute ? new Window(minute, new AtomicInteger()) : old);
        if (windows.size() > 10_000) {
            windows.entrySet().removeIf(e -> e.getValue().minute() != minute);
        }
        int n = w.count().incrementAndGet();
        if (n <= perMinute) {
            return null;
        }
        long retry = 60 - Instant.now().getEpochSecond() % 60;
        return Response.status(429)
                .header("Retry-After", retry)
                .header("X-RateLimit-Limit", perMinute)
                .header("X-RateLimit-Remaining", 0)
                .entity(new ApiError(
                        429,
                        "rate_limited",
                        "too many requests for this public link; retry in " + retry + " s",
                        List.of()))
                .build();
    }
}
