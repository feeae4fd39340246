package dev.dash.web.dashboard;

import dev.dash.model.api.ApiError;
import dev.dash.web.dashboard.Dashboards.Dashboard;
import dev.dash.web.dashboard.Dashboards.DataRequest;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Read-only dashboards by public link, without login. Rate-limited per token (a fixed one-minute window for
 * the whole cluster, {@link PublicLinkLimiter}), so a leaked link cannot be used to hammer the database.
 */
@Path("/public/dashboards/{token}")
@Tag(name = "public")
public class PublicDashboardResource {
    private final DashboardService dashboards;
    private final PublicLinkLimiter limiter;

    public PublicDashboardResource(DashboardService dashboards, PublicLinkLimiter limiter) {
        this.dashboards = dashboards;
        this.limiter = limiter;
    }

    /** The dashboard and its widgets, without team details. */
    @GET
    public Uni<Response> get(@PathParam("token") String token) {
        return limiter.take(DashboardService.hash(token))
                .flatMap(d -> d.allowed()
                        ? dashboards
                                .byToken(token)
                                .map(x -> Response.ok(readOnly(x)).build())
                        : Uni.createFrom().item(limited(d)));
    }

    @POST
    @Path("widgets/{widgetId}/data")
    public Uni<Response> data(@PathParam("token") String token, @PathParam("widgetId") UUID widgetId, DataRequest in) {
        return limiter.take(DashboardService.hash(token))
                .flatMap(d -> d.allowed()
                        ? dashboards
                                .publicData(token, widgetId, in)
                                .map(s -> Response.ok(s).build())
                        : Uni.createFrom().item(limited(d)));
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

    private Response limited(PublicLinkLimiter.Decision d) {
        long retry = d.retryAfterSeconds();
        return Response.status(429)
                .header("Retry-After", retry)
                .header("X-RateLimit-Limit", limiter.perMinute())
                .header("X-RateLimit-Remaining", 0)
                .entity(new ApiError(
                        429,
                        "rate_limited",
                        "too many requests for this public link; retry in " + retry + " s",
                        List.of()))
                .build();
    }
}
