package dev.dash.web.sink.repository;

import dev.dash.model.sink.DeliveryStatus;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.UUID;

/**
 * Changes to a sink's deliveries from the API, through Hibernate Reactive Panache; run inside a Panache
 * session. One delivery is an entity; a resend of many is one bulk statement.
 */
@ApplicationScoped
public class SinkDeliveryRepository implements PanacheRepositoryBase<SinkDeliveryEntity, UUID> {

    /** One delivery of the sink locked for a change ({@code FOR UPDATE}), or null. */
    public Uni<SinkDeliveryEntity> lock(UUID sinkId, UUID deliveryId) {
        return find("id = ?1 and sinkId = ?2", deliveryId, sinkId)
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResult();
    }

    /**
     * Makes every delivery of the sink created at or after {@code since} (only those in {@code status}, when
     * given; never a batch still collecting) due now, in one statement; answers how many.
     */
    public Uni<Integer> requeue(UUID sinkId, Instant since, DeliveryStatus status) {
        // Two statements rather than a null parameter: a null the driver cannot type is an error on some paths.
        String sql = """
                UPDATE sink_deliveries SET status = 'pending', next_attempt_at = now(), lease_until = NULL
                WHERE sink_id = ?1 AND created_at >= ?2 AND status <> 'collecting'
                """ + (status == null ? "" : " AND status = ?3");
        return getSession().flatMap(s -> {
            var update = s.createNativeQuery(sql).setParameter(1, sinkId).setParameter(2, since);
            return (status == null ? update : update.setParameter(3, status.dbName())).executeUpdate();
        });
    }
}
