package dev.dash.web.sink;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.sink.DeliveryStatus;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/** The delivery log of a sink as the API shows it (docs/sinks.md). */
public final class SinkDeliveries {
    /** Statuses of a delivery, as the API names them ({@link DeliveryStatus#dbName}). */
    public static final List<String> STATUSES =
            Stream.of(DeliveryStatus.values()).map(DeliveryStatus::dbName).toList();

    /** The statuses a resend may be limited to (a batch still collecting is never sent early). */
    public static final List<String> RESEND_STATUSES = Stream.of(
                    DeliveryStatus.PENDING, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)
            .map(DeliveryStatus::dbName)
            .toList();

    private SinkDeliveries() {}

    /**
     * One delivery.
     *
     * @param webhookId the idempotency key the receiver sees ({@code webhook-id}), the same on every attempt
     * @param kind points, batch, alert_firing or alert_resolved
     * @param status collecting, pending (due at {@code nextAttemptAt}), delivered or failed (retries spent)
     * @param lastResponse the first bytes of the last response body
     * @param payload what is sent (the webhook body's {@code data}), only when one delivery is asked for
     * @param attemptLog every attempt, only when one delivery is asked for
     */
    public record Delivery(
            UUID id,
            String webhookId,
            String kind,
            DeliveryStatus status,
            int pointCount,
            int attempts,
            Instant createdAt,
            Instant nextAttemptAt,
            Instant lastAttemptAt,
            Integer lastStatusCode,
            String lastResponse,
            String lastError,
            Integer lastLatencyMs,
            Instant deliveredAt,
            @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode payload,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Attempt> attemptLog) {

        /** The delivery with its payload and attempts. */
        public Delivery with(JsonNode p, List<Attempt> log) {
            return new Delivery(
                    id,
                    webhookId,
                    kind,
                    status,
                    pointCount,
                    attempts,
                    createdAt,
                    nextAttemptAt,
                    lastAttemptAt,
                    lastStatusCode,
                    lastResponse,
                    lastError,
                    lastLatencyMs,
                    deliveredAt,
                    p,
                    log);
        }
    }

    /**
     * One attempt.
     *
     * @param outcome delivered, failed, gone (410: the sink was switched off) or refused (destination not allowed)
     * @param nextAttemptAt when the next attempt was scheduled, or null
     */
    public record Attempt(
            int attempt,
            Instant startedAt,
            String outcome,
            Integer statusCode,
            String response,
            String error,
            int latencyMs,
            Instant nextAttemptAt) {}

    /**
     * Resend every delivery of the sink created at or after {@code since} (same {@code webhook-id}s).
     *
     * @param status only deliveries in this status ({@code failed}, {@code delivered}, {@code pending}); all when absent
     */
    public record ResendInput(Instant since, String status) {}

    /** How many deliveries a resend made due again. */
    public record Resent(int requeued) {}
}
