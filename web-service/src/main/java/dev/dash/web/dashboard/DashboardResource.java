package dev.dash.web.dashboard;

import dev.dash.web.dashboard.Dashboards.Dashboard;
import dev.dash.web.dashboard.Dashboards.DashboardInput;
import dev.dash.web.dashboard.Dashboards.DataRequest;
import dev.dash.web.dashboard.Dashboards.PublicLink;
import dev.dash.web.dashboard.Dashboards.PublicLinkRequest;
import dev.dash.web.dashboard.Dashboards.Widget;
import dev.dash.web.dashboard.Dashboards.WidgetInput;
import dev.dash.web.query.QueryService.SeriesResult;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Dashboards of a team, their widgets and widget data, and public links. */
@Path("/api/teams/{teamId}/dashboards")
@Authenticated
@Tag(name = "dashboards")
public class DashboardResource {
    private final DashboardService dashboards;

    public DashboardResource(DashboardService dashboards) {
        this.dashboards = dashboards;
    }

    @GET
    public Uni<List<Dashboard>> list(@PathParam("teamId") UUID teamId) {
        return dashboards.list(teamId);
    }

    @POST
    public Uni<Response> create(@PathParam("teamId") UUID teamId, DashboardInput in) {
        return dashboards
                .create(teamId, in)
                .map(d -> Response.status(201).entity(d).build());
    }

    @GET
    @Path("{dashboardId}")
    public Uni<Dashboard> get(@PathParam("teamId") UUID teamId, @PathParam("dashboardId") UUID dashboardId) {
        return dashboards.get(teamId, dashboardId);
    }

    @PATCH
    @Path("{dashboardId}")
    public Uni<Dashboard> update(
            @PathParam("teamId") UUID teamId, @PathParam("dashboardId") UUID dashboardId, DashboardInput in) {
        return dashboards.update(teamId, dashboardId, in);
    }

    @DELETE
    @Path("{dashboardId}")
    public Uni<Response> delete(@PathParam("teamId") UUID teamId, @PathParam("dashboardId") UUID dashboardId) {
        return dashboards
                .delete(teamId, dashboardId)
                .map(x -> Response.noContent().build());
    }

    @POST
    @Path("{dashboardId}/widgets")
    public Uni<Response> addWidget(
            @PathParam("teamId") UUID teamId, @PathParam("dashboardId") UUID dashboardId, WidgetInput in) {
        return dashboards
                .addWidget(teamId, dashboardId, in)
                .map(w -> Response.status(201).entity(w).build());
    }

    @PATCH
    @Path("{dashboardId}/widgets/{widgetId}")
    public Uni<Widget> updateWidget(
            @PathParam("teamId") UUID teamId,
            @PathParam("dashboardId") UUID dashboardId,
            @PathParam("widgetId") UUID widgetId,
            WidgetInput in) {
        return dashboards.updateWidget(teamId, dashboardId, widgetId, in);
    }

    @DELETE
    @Path("{dashboardId}/widgets/{widgetId}")
    public Uni<Response> deleteWidget(
            @PathParam("teamId") UUID teamId,
            @PathParam("dashboardId") UUID dashboardId,
            @PathParam("widgetId") UUID widgetId) {
        return dashboards
                .deleteWidget(teamId, dashboardId, widgetId)
                .map(x -> Response.noContent().build());
    }

    /** The widget's series over a time range (default: the last 24 hours). */
    @POST
    @Path("{dashboardId}/widgets/{widgetId}/data")
    public Uni<SeriesResult> data(
            @PathParam("teamId") UUID teamId,
            @PathParam("dashboardId") UUID dashboardId,
            @PathParam("widgetId") UUID widgetId,
            DataRequest in) {
        return dashboards.widgetData(teamId, dashboardId, widgetId, in);
    }

    /** Creates (or replaces) the public link; the token is shown once. */
    @POST
    @Path("{dashboardId}/public-link")
    public Uni<PublicLink> share(
            @PathParam("teamId") UUID teamId, @PathParam("dashboardId") UUID dashboardId, PublicLinkRequest in) {
        return dashboards.share(teamId, dashboardId, in);
    }

    @DELETE
    @Path("{dashboardId}/public-link")
    public Uni<Response> unshare(@PathParam("teamId") UUID teamId, @PathParam("dashboardId") UUID dashboardId) {
        return dashboards
                .unshare(teamId, dashboardId)
                .map(x -> Response.noContent().build());
    }
}
