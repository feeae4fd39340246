package dev.dash.web.sink.repository;

import dev.dash.model.sink.DeliveryStatus;
import dev.dash.web.api.Sql;
import dev.dash.web.sink.SinkDeliveries.Attempt;
import dev.dash.web.sink.SinkDeliveries.Delivery;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The delivery log of a sink as the API shows it, in plain SQL on the reactive client: the list is a page of
 * newest-first rows by creation time (the index {@code sink_deliveries_sink_idx}) without the payloads, which
 * can be large and are only shown for one delivery; attempts are a child table read in order. Neither needs
 * an entity: nothing here is changed, and a projection says which columns a page costs.
 */
@ApplicationScoped
public class SinkDeliveryReads {
    private static final String COLUMNS = """
            d.id, d.kind, d.status, d.point_count, d.attempts, d.created_at, d.next_attempt_at, d.last_attempt_at,
            d.last_status_code, d.last_response, d.last_error, d.last_latency_ms, d.delivered_at
            """;

    private final Pool pool;

    public SinkDeliveryReads(Pool pool) {
        this.pool = pool;
    }

    /** At most {@code limit} deliveries of the sink, newest first, created before {@code before} when given. */
    public Uni<List<Delivery>> page(UUID sinkId, DeliveryStatus status, Instant before, int limit) {
        return Sql.list(
                pool,
                SinkDeliveryReads::toDelivery,
                "SELECT " + COLUMNS + """
                        FROM sink_deliveries d
                        WHERE d.sink_id = $1 AND ($2::text IS NULL OR d.status = $2)
                            AND ($3::timestamptz IS NULL OR d.created_at < $3)
                        ORDER BY d.created_at DESC, d.id LIMIT $4
                        """,
                sinkId,
                status == null ? null : status.dbName(),
                before,
                limit);
    }

    /** One delivery of the sink with its payload and every attempt, or null. */
    public Uni<Delivery> one(UUID sinkId, UUID deliveryId) {
        return Sql.one(
                        pool,
                        r -> toDelivery(r).with(Sql.json(r, "payload"), null),
                        "SELECT " + COLUMNS + ", d.payload::text AS payload FROM sink_deliveries d"
                                + " WHERE d.id = $1 AND d.sink_id = $2",
                        deliveryId,
                        sinkId)
                .flatMap(d -> d == null
                        ? Uni.createFrom().nullItem()
                        : Sql.list(
                                        pool,
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
                                .map(log -> d.with(d.payload(), log)));
    }

    private static Delivery toDelivery(Row r) {
        UUID id = r.getUUID("id");
        return new Delivery(
                id,
                "msg_" + id.toString().replace("-", ""),
                r.getString("kind"),
                DeliveryStatus.of(r.getString("status")),
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
