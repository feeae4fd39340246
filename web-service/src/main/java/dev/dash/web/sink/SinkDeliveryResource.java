package dev.dash.web.sink;

import dev.dash.web.sink.SinkDeliveries.Delivery;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The delivery log of a sink, a manual retry of one delivery, a resend since a time. Admins and owners. */
@Path("/api/teams/{teamId}/pipelines/{pipelineId}/sinks/{sinkId}")
@Authenticated
@Tag(name = "sinks")
public class SinkDeliveryResource {
    private final SinkDeliveryService deliveries;

    public SinkDeliveryResource(SinkDeliveryService deliveries) {
        this.deliveries = deliveries;
    }

    /** Newest first: {@code status} filters, {@code limit} (1-500, default 50), {@code before} pages. */
    @GET
    @Path("deliveries")
    public Uni<List<Delivery>> list(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @PathParam("sinkId") UUID sinkId,
            @QueryParam("status") String status,
            @QueryParam("limit") Integer limit,
            @QueryParam("before") String before) {
        return deliveries.list(teamId, pipelineId, sinkId, status, limit, before);
    }

    /** One delivery with its payload and every attempt. */
    @GET
    @Path("deliveries/{deliveryId}")
    public Uni<Delivery> get(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @PathParam("sinkId") UUID sinkId,
            @PathParam("deliveryId") UUID deliveryId) {
        return deliveries.get(teamId, pipelineId, sinkId, deliveryId);
    }

    /** Makes the delivery due now (202): it is sent again with the same {@code webhook-id}. */
    @POST
    @Path("deliveries/{deliveryId}/retry")
    public Uni<Response> retry(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @PathParam("sinkId") UUID sinkId,
            @PathParam("deliveryId") UUID deliveryId) {
        return deliveries
                .retry(teamId, pipelineId, sinkId, deliveryId)
                .map(d -> Response.accepted(d).build());
    }

    /** Makes every delivery created since {@code since} due now (202), optionally only those of one status. */
    @POST
    @Path("resend")
    public Uni<Response> resend(
            @PathParam("teamId") UUID teamId,
            @PathParam("pipelineId") UUID pipelineId,
            @PathParam("sinkId") UUID sinkId,
            SinkDeliveries.ResendInput in) {
        return deliveries
                .resend(teamId, pipelineId, sinkId, in)
                .map(r -> Response.accepted(r).build());
    }
}
