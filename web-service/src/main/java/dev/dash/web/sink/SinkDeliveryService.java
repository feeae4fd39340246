package dev.dash.web.sink;

import dev.dash.model.api.ApiException;
import dev.dash.model.team.Role;
import dev.dash.web.api.Checks;
import dev.dash.web.api.Sql;
import dev.dash.web.audit.AuditLog;
import dev.dash.web.auth.Access;
import dev.dash.web.sink.SinkDeliveries.Attempt;
import dev.dash.web.sink.SinkDeliveries.Delivery;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The delivery log of a sink (what the ingestor's delivery workers recorded), a manual retry of one delivery
 * and a resend of everything since a time; admins and owners. A retry or resend only makes deliveries due
 * again: the ingestor sends them with their original {@code webhook-id}, so a receiver that already has one
 * can tell.
 */
@ApplicationScoped
public class SinkDeliveryService {
    private static final String COLUMNS = """
            d.id, d.kind, d.status, d.point_count, d.attempts, d.created_at, d.next_attempt_at, d.last_attempt_at,
            d.last_status_code, d.last_response, d.last_error, d.last_latency_ms, d.delivered_at
            """;
    private static final String SINK = """
            SELECT s.id FROM pipeline_sinks s JOIN pipelines p ON p.id = s.pipeline_id
            WHERE s.id = $1 AND s.pipeline_id = $2 AND p.team_id = $3
            """;

    private final Pool pool;
    private final Access access;
    private final AuditLog audit;

    public SinkDeliveryService(Pool pool, Access access, AuditLog audit) {
        this.pool = pool;
        this.access = access;
        this.audit = audit;
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
                .flatMap(a -> requireSink(pool, teamId, pipelineId, sinkId))
                .flatMap(x -> Sql.list(
                        pool,
                        SinkDeliveryService::toDelivery,
                        "SELECT " + COLUMNS + """
                                FROM sink_deliveries d
                                WHERE d.sink_id = $1 AND ($2::text IS NULL OR d.status = $2)
                                    AND ($3::timestamptz IS NULL OR d.created_at < $3)
                                ORDER BY d.created_at DESC, d.id LIMIT $4
                                """,
                        sinkId,
                        status,
                        beforeTime,
                        n));
    }

    /** One delivery with its payload and every attempt. */
    public Uni<Delivery> get(UUID teamId, UUID pipelineId, UUID sinkId, UUID deliveryId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> requireSink(pool, teamId, pipelineId, sinkId))
                .flatMap(x -> load(pool, sinkId, deliveryId));
    }

    /** Makes one delivery due now (any status but collecting); answers it. */
    public Uni<Delivery> retry(UUID teamId, UUID pipelineId, UUID sinkId, UUID deliveryId) {
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pool.withTransaction(tx -> requireSink(tx, teamId, pipelineId, sinkId)
                        .flatMap(x -> load(tx, sinkId, deliveryId))
                        .flatMap(before -> {
                            if (before.status().equals("collecting")) {
                                throw ApiException.conflict(
                                        "status", "the batch is still collecting points; it is sent when complete");
                            }
                            return Sql.run(tx, """
                                            UPDATE sink_deliveries SET status = 'pending', next_attempt_at = now(),
                                                lease_until = NULL
                                            WHERE id = $1
                                            """, deliveryId)
                                    .call(r -> audit.record(
                                            tx,
                                            a.actor(),
                                            teamId,
                                            "sink.delivery_retry",
                                            "sink",
                                            sinkId,
                                            Map.of("delivery", deliveryId, "status", before.status()),
                                            null))
                                    .flatMap(r -> load(tx, sinkId, deliveryId));
                        })))
                .invoke(d -> Log.infof("Delivery %s of sink %s made due by hand", deliveryId, sinkId));
    }

    /** Makes every delivery created since a time (optionally of one status) due now. */
    public Uni<SinkDeliveries.Resent> resend(UUID teamId, UUID pipelineId, UUID sinkId, SinkDeliveries.ResendInput in) {
        Checks.start().require("body", in).orThrow();
        Checks c = Checks.start().require("since", in.since());
        c.oneOf("status", in.status(), List.of("pending", "delivered", "failed"), false);
        if (in.since() != null && in.since().isAfter(Instant.now())) {
            c.fail("since", "must not be in the future");
        }
        c.orThrow();
        return access.require(teamId, Role.ADMIN)
                .flatMap(a -> pool.withTransaction(tx -> requireSink(tx, teamId, pipelineId, sinkId)
                        .flatMap(x -> Sql.run(tx, """
                                UPDATE sink_deliveries SET status = 'pending', next_attempt_at = now(), lease_until = NULL
                                WHERE sink_id = $1 AND created_at >= $2 AND status <> 'collecting'
                                    AND ($3::text IS NULL OR status = $3)
                                """, sinkId, in.since(), in.status()))
                        .map(r -> new SinkDeliveries.Resent(r.rowCount()))
                        .call(r -> audit.record(
                                tx,
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
                                        in.status() == null ? "all" : in.status(),
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

    private static Uni<Void> requireSink(SqlClient c, UUID teamId, UUID pipelineId, UUID sinkId) {
        return Sql.one(c, r -> r.getUUID("id"), SINK, sinkId, pipelineId, teamId)
                .map(id -> {
                    if (id == null) {
                        throw ApiException.notFound("sink");
                    }
                    return null;
                });
    }

    private static Uni<Delivery> load(SqlClient c, UUID sinkId, UUID deliveryId) {
        return Sql.one(
                        c,
                        r -> toDelivery(r).with(Sql.json(r, "payload"), null),
                        "SELECT " + COLUMNS + ", d.payload::text AS payload FROM sink_deliveries d"
                                + " WHERE d.id = $1 AND d.sink_id = $2",
                        deliveryId,
                        sinkId)
                .flatMap(d -> {
                    if (d == null) {
                        throw ApiException.notFound("delivery");
                    }
                    return Sql.list(
                                    c,
                                    r -> new Attempt(
                                            r.getInteger("attempt"),
                                            Sql.instant(r, "started_at"),
                                            r.getString("outcome"),
                                            r.getInteger("status_code"),
                                            r.getString("response"),
                                            r.getString("error"),
                                            r.getInteger("latency_ms"),
                                            Sql.instant(r, "next_attempt_at")),
                                    "SELECT * FROM sink_attempts WHERE delivery_id = $1 ORDER BY attempt",
                                    deliveryId)
                            .map(log -> d.with(d.payload(), log));
                });
    }

    private static Delivery toDelivery(Row r) {
        UUID id = r.getUUID("id");
        return new Delivery(
                id,
                "msg_" + id.toString().replace("-", ""),
                r.getString("kind"),
                r.getString("status"),
                r.getInteger("point_count"),
                r.getInteger("attempts"),
                Sql.instant(r, "created_at"),
                Sql.instant(r, "next_attempt_at"),
                Sql.instant(r, "last_attempt_at"),
                r.getInteger("last_status_code"),
                r.getString("last_response"),
                r.getString("last_error"),
                r.getInteger("last_latency_ms"),
                Sql.instant(r, "delivered_at"),
                null,
                null);
    }
}
