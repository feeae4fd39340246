package dev.dash.web.sink;

import dev.dash.model.api.ApiException;
import dev.dash.model.sink.DeliveryStatus;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import dev.dash.web.pipeline.repository.PipelineRepository;
import dev.dash.web.sink.SinkDeliveries.Delivery;
import dev.dash.web.sink.repository.SinkDeliveryReads;
import dev.dash.web.sink.repository.SinkDeliveryRepository;
import dev.dash.web.sink.repository.SinkRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The delivery log of a sink (what the ingestor's delivery workers recorded), a manual retry of one delivery
 * and a resend of everything since a time; admins and owners. A retry or resend only makes deliveries due
 * again: the ingestor sends them with their original {@code webhook-id}, so a receiver that already has one
 * can tell. A change goes check role, validate, repository (Hibernate Reactive Panache), audit in the same
 * transaction; the log is read by {@link SinkDeliveryReads}.
 */
@ApplicationScoped
public class SinkDeliveryService {
    private final Access access;
    private final AuditLog audit;
    private final SinkRepository sinks;
    private final PipelineRepository pipelines;
    private final SinkDeliveryRepository deliveries;
    private final SinkDeliveryReads reads;

    public SinkDeliveryService(
            Access access,
            AuditLog audit,
            SinkRepository sinks,
            PipelineRepository pipelines,
            SinkDeliveryRepository deliveries,
            SinkDeliveryReads reads) {
        this.access = access;
        this.audit = audit;
        this.sinks = sinks;
        this.pipelines = pipelines;
        this.deliveries = deliveries;
        this.reads = reads;
    }

    /** Newest first; {@code before} pages by creation time. */
    public Uni<List<Delivery>> list(
            UUID teamId, UUID pipelineId, UUID sinkId, String status, Integer limit, String before) {
        Checks c = Checks.start()
                .oneOf("status", status, SinkDeliveries.STATUSES, false)
                .range("limit", limit, 1, 500);
        Instant beforeTime = instant(c, "before", before);
        c.orThrow();
        int n = limit == null ? 50 : limit;
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withSession(() -> requireSink(teamId, pipelineId, sinkId)))
                .flatMap(x -> reads.page(sinkId, status == null ? null : DeliveryStatus.of(status), beforeTime, n));
    }

    /** One delivery with its payload and every attempt. */
    public Uni<Delivery> get(UUID teamId, UUID pipelineId, UUID sinkId, UUID deliveryId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withSession(() -> requireSink(teamId, pipelineId, sinkId)))
                .flatMap(x -> reads.one(sinkId, deliveryId))
                .map(SinkDeliveryService::found);
    }

    /**
     * Makes one delivery due now (any status but collecting); answers it as committed (read after the
     * transaction, so a delivery worker may already have taken it).
     */
    public Uni<Delivery> retry(UUID teamId, UUID pipelineId, UUID sinkId, UUID deliveryId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> requireSink(teamId, pipelineId, sinkId)
                        .flatMap(x -> deliveries.lock(sinkId, deliveryId))
                        .map(SinkDeliveryService::found)
                        .flatMap(d -> {
                            DeliveryStatus before = d.status;
                            if (before == DeliveryStatus.COLLECTING) {
                                throw ApiException.conflict(
                                        "status", "the batch is still collecting points; it is sent when complete");
                            }
                            d.status = DeliveryStatus.PENDING;
                            d.nextAttemptAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
                            d.leaseUntil = null;
                            return deliveries
                                    .flush()
                                    .call(x -> audit.record(
                                            a.actor(),
                                            teamId,
                                            "sink.delivery_retry",
                                            "sink",
                                            sinkId,
                                            Map.of("delivery", deliveryId, "status", before),
                                            null));
                        })))
                .flatMap(x -> reads.one(sinkId, deliveryId))
                .map(SinkDeliveryService::found)
                .invoke(d -> Log.infof("Delivery %s of sink %s made due by hand", deliveryId, sinkId));
    }

    /** Makes every delivery created since a time (optionally of one status) due now. */
    public Uni<SinkDeliveries.Resent> resend(UUID teamId, UUID pipelineId, UUID sinkId, SinkDeliveries.ResendInput in) {
        Checks.start().require("body", in).orThrow();
        Checks c = Checks.start().require("since", in.since());
        c.oneOf("status", in.status(), SinkDeliveries.RESEND_STATUSES, false);
        if (in.since() != null && in.since().isAfter(Instant.now())) {
            c.fail("since", "must not be in the future");
        }
        c.orThrow();
        DeliveryStatus status = in.status() == null ? null : DeliveryStatus.of(in.status());
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> Panache.withTransaction(() -> requireSink(teamId, pipelineId, sinkId)
                        .flatMap(x -> deliveries.requeue(sinkId, in.since(), status))
                        .map(SinkDeliveries.Resent::new)
                        .call(r -> audit.record(
                                a.actor(),
                                teamId,
                                "sink.resend",
                                "sink",
                                sinkId,
                                null,
                                Map.of(
                                        "since",
                                        in.since().toString(),
                                        "status",
                                        status == null ? "all" : status.dbName(),
                                        "requeued",
                                        r.requeued())))))
                .invoke(r ->
                        Log.infof("Sink %s: %d deliveries since %s made due again", sinkId, r.requeued(), in.since()));
    }

    private static Instant instant(Checks c, String field, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (RuntimeException e) {
            c.fail(field, "must be an ISO-8601 instant, e.g. 2026-01-31T12:00:00Z");
            return null;
        }
    }

    private static <T> T found(T delivery) {
        if (delivery == null) {
            throw ApiException.notFound("delivery");
        }
        return delivery;
    }

    /** The sink through its team and pipeline, in the current session: 404 when either is not the team's. */
    private Uni<Void> requireSink(UUID teamId, UUID pipelineId, UUID sinkId) {
        return pipelines
                .teamHas(teamId, pipelineId)
                .flatMap(has -> has
                        ? sinks.ofPipeline(pipelineId, sinkId)
                        : Uni.createFrom().nullItem())
                .map(s -> {
                    if (s == null) {
                        throw ApiException.notFound("sink");
                    }
                    return null;
                });
    }
}
