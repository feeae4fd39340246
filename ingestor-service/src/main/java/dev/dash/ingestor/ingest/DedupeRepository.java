package dev.dash.ingestor.ingest;

import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowIterator;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Provider delivery ids in {@code ingest_dedupe} (migration V20), shared by every ingestor node. A delivery
 * is claimed as {@code pending} before its publish and marked {@code committed} after Kafka acknowledged
 * it; only a committed claim makes a later delivery a duplicate. A pending claim whose lease ran out (the
 * publish failed, or its node died) is taken over by the next delivery, which keeps the original event ids,
 * so a publish that did reach Kafka after all is deduplicated downstream by event id.
 */
@ApplicationScoped
public class DedupeRepository {
    private static final String CLAIM = """
            WITH claimed AS (
                INSERT INTO ingest_dedupe AS d (pipeline_id, delivery_id, state, event_ids, received_at, lease_until, expires_at)
                VALUES ($1, $2, 'pending', $3, $4, $5, $6)
                ON CONFLICT (pipeline_id, delivery_id) DO UPDATE
                    SET state = 'pending',
                        event_ids = CASE WHEN d.expires_at > $4 AND cardinality(d.event_ids) = cardinality(excluded.event_ids)
                                         THEN d.event_ids ELSE excluded.event_ids END,
                        received_at = CASE WHEN d.expires_at > $4 THEN d.received_at ELSE excluded.received_at END,
                        lease_until = excluded.lease_until,
                        expires_at = excluded.expires_at
                    WHERE d.expires_at <= $4 OR (d.state = 'pending' AND d.lease_until <= $4)
                RETURNING d.state, d.event_ids, d.received_at, d.lease_until, true AS claimed
            )
            SELECT state, event_ids, received_at, lease_until, claimed FROM claimed
            UNION ALL
            SELECT state, event_ids, received_at, lease_until, false FROM ingest_dedupe
            WHERE pipeline_id = $1 AND delivery_id = $2 AND NOT EXISTS (SELECT 1 FROM claimed)
            """;

    private final Pool pool;
    private final AgroalDataSource dataSource;

    public DedupeRepository(Pool pool, AgroalDataSource dataSource) {
        this.pool = pool;
        this.dataSource = dataSource;
    }

    /**
     * The outcome of a claim.
     *
     * @param claimed true when this request owns the delivery and must publish it
     * @param committed true when the delivery was already published: a duplicate
     * @param eventIds the event ids to publish under (claimed) or to answer with (duplicate)
     * @param receivedAt the received time to publish under
     * @param leaseUntil for a delivery in progress elsewhere, until when its owner holds it
     */
    public record Claim(boolean claimed, boolean committed, UUID[] eventIds, Instant receivedAt, Instant leaseUntil) {}

    /** Claims a delivery for publishing, or reports it as a duplicate or as in progress elsewhere. */
    public Uni<Claim> claim(
            UUID pipelineId,
            String deliveryId,
            UUID[] eventIds,
            Instant now,
            java.time.Duration lease,
            java.time.Duration window) {
        Tuple t = Tuple.tuple()
                .addUUID(pipelineId)
                .addString(deliveryId)
                .addArrayOfUUID(eventIds)
                .addOffsetDateTime(odt(now))
                .addOffsetDateTime(odt(now.plus(lease)))
                .addOffsetDateTime(odt(now.plus(window)));
        return pool.preparedQuery(CLAIM).execute(t).map(rows -> {
            RowIterator<Row> it = rows.iterator();
            if (!it.hasNext()) {
                // Another node claimed it concurrently and committed after this statement's snapshot.
                return new Claim(false, false, null, null, now.plus(lease));
            }
            Row r = it.next();
            boolean claimed = r.getBoolean("claimed");
            return new Claim(
                    claimed,
                    !claimed && "committed".equals(r.getString("state")),
                    r.getArrayOfUUIDs("event_ids"),
                    r.getOffsetDateTime("received_at").toInstant(),
                    r.getOffsetDateTime("lease_until").toInstant());
        });
    }

    /** Marks a claimed delivery as published; failures are logged (the lease then lets a retry republish). */
    public void commit(UUID pipelineId, String deliveryId) {
        pool.preparedQuery("UPDATE ingest_dedupe SET state = 'committed' WHERE pipeline_id = $1 AND delivery_id = $2")
                .execute(Tuple.of(pipelineId, deliveryId))
                .subscribe()
                .with(
                        r -> {},
                        e -> Log.warnf(
                                "Dedupe record %s/%s not marked committed: %s",
                                pipelineId, deliveryId, e.getMessage()));
    }

    /** Releases the claim of a failed publish at once, so the producer's retry is not told to wait. */
    public void release(UUID pipelineId, String deliveryId) {
        pool.preparedQuery(
                        "UPDATE ingest_dedupe SET lease_until = '-infinity' WHERE pipeline_id = $1 AND delivery_id = $2 AND state = 'pending'")
                .execute(Tuple.of(pipelineId, deliveryId))
                .subscribe()
                .with(
                        r -> {},
                        e -> Log.debugf("Dedupe claim %s/%s not released: %s", pipelineId, deliveryId, e.getMessage()));
    }

    /** Deletes expired records in batches; returns how many. Blocking. */
    public long deleteExpired() throws SQLException {
        long total = 0;
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            int n;
            do {
                n = st.executeUpdate("DELETE FROM ingest_dedupe WHERE ctid IN (SELECT ctid FROM ingest_dedupe "
                        + "WHERE expires_at < now() LIMIT 10000)");
                total += n;
            } while (n == 10000);
        }
        return total;
    }

    private static OffsetDateTime odt(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}
