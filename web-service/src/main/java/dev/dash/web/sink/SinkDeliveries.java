package dev.dash.web.sink;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The delivery log of a sink as the API shows it (docs/sinks.md). */
public final class SinkDeliveries {
    /** Statuses of a delivery. */
    public static final List<String> STATUSES = List.of("collecting", "pending", "delivered", "failed");

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
            String status,
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

        Delivery with(JsonNode p, List<Attempt> log) {
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
