package dev.dash.web.sink.repository;

import dev.dash.model.sink.DeliveryStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.DynamicUpdate;

/**
 * The columns of a {@code sink_deliveries} row (migration V50) that the API changes: a manual retry makes one
 * delivery due again. The ingestor's delivery workers own the rest of the row (payload, attempts, responses),
 * which is why only these columns are mapped, none is inserted from here, and an update writes only what
 * changed ({@link DynamicUpdate}). The delivery log is read by {@link SinkDeliveryReads}.
 */
@Entity
@Table(name = "sink_deliveries")
@DynamicUpdate
public class SinkDeliveryEntity {
    @Id
    public UUID id;

    @Column(name = "sink_id", nullable = false, insertable = false, updatable = false)
    public UUID sinkId;

    @Convert(converter = DeliveryStatusConverter.class)
    @Column(nullable = false, insertable = false)
    public DeliveryStatus status;

    @Column(name = "next_attempt_at", insertable = false)
    public Instant nextAttemptAt;

    /** Until when a delivery worker holds it; null: free to take. */
    @Column(name = "lease_until", insertable = false)
    public Instant leaseUntil;
}
