package dev.dash.ingestor.sink;

import java.util.OptionalLong;

/**
 * What one attempt at a delivery came to.
 *
 * @param outcome delivered, failed (retry), gone (410: the sink is switched off) or refused (destination not allowed)
 * @param statusCode the HTTP status, or null (no response, SMTP)
 * @param response the first bytes of the response body, or null
 * @param error why it failed (timeout, connection refused, SMTP reply), or null
 * @param latencyMillis time from sending to the end of the response
 * @param retryAfterMillis the receiver's {@code Retry-After}, if any
 */
public record AttemptResult(
        Outcome outcome,
        Integer statusCode,
        String response,
        String error,
        long latencyMillis,
        OptionalLong retryAfterMillis) {

    /** The outcomes, as stored in {@code sink_attempts.outcome}. */
    public enum Outcome {
        DELIVERED,
        FAILED,
        GONE,
        REFUSED;

        public String db() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public boolean delivered() {
        return outcome == Outcome.DELIVERED;
    }

    static AttemptResult failed(String error, long latencyMillis) {
        return new AttemptResult(Outcome.FAILED, null, null, error, latencyMillis, OptionalLong.empty());
    }
}
