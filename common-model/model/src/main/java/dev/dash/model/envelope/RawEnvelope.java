package dev.dash.model.envelope;

import dev.dash.model.signature.VerificationResult;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One raw event exactly as Dash received it: the value of every {@code dash.raw} Kafka record and every
 * line of a Bronze object. Live ingest and replay both map from this, so it keeps everything a mapping or
 * an audit may need: the exact body bytes, the headers worth keeping, and how the signature was checked.
 *
 * <p>The body array is not copied, to keep the hot path free of copies of large bodies: callers must not
 * modify an array after handing it over or after reading it from {@link #body()}.
 *
 * @param eventId Dash's id for the event, a time-ordered {@link UuidV7}
 * @param pipelineId the pipeline the event belongs to
 * @param teamId the team owning the pipeline
 * @param receivedAt when Dash received the event
 * @param source how the event arrived
 * @param deliveryId the provider's delivery id used for dedupe, or null
 * @param contentType the request's content type, or null
 * @param headers selected request headers, lower-case names, sorted (see
 *     {@link dev.dash.model.signature.PresetConfig#headers()}); several values are joined with {@code ", "}
 * @param body the exact raw body bytes
 * @param verification how the signature was checked
 */
public record RawEnvelope(
        UUID eventId,
        UUID pipelineId,
        UUID teamId,
        Instant receivedAt,
        Source source,
        String deliveryId,
        String contentType,
        Map<String, String> headers,
        byte[] body,
        VerificationResult verification) {

    /** Validates the components and normalises the headers to an immutable sorted map. */
    public RawEnvelope {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(pipelineId, "pipelineId");
        Objects.requireNonNull(teamId, "teamId");
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(verification, "verification");
        headers = normalise(headers);
    }

    private static Map<String, String> normalise(Map<String, String> headers) {
        if (headers == null || headers.isEmpty()) {
            return Collections.emptySortedMap();
        }
        SortedMap<String, String> sorted = new TreeMap<>();
        headers.forEach((k, v) -> sorted.put(
                Objects.requireNonNull(k, "header name").toLowerCase(Locale.ROOT),
                Objects.requireNonNull(v, "header value")));
        return Collections.unmodifiableSortedMap(sorted);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawEnvelope e
                && eventId.equals(e.eventId)
                && pipelineId.equals(e.pipelineId)
                && teamId.equals(e.teamId)
                && receivedAt.equals(e.receivedAt)
                && source == e.source
                && Objects.equals(deliveryId, e.deliveryId)
                && Objects.equals(contentType, e.contentType)
                && headers.equals(e.headers)
                && Arrays.equals(body, e.body)
                && verification.equals(e.verification);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                eventId,
                pipelineId,
                teamId,
                receivedAt,
                source,
                deliveryId,
                contentType,
                headers,
                Arrays.hashCode(body),
                verification);
    }

    @Override
    public String toString() {
        return "RawEnvelope[eventId=" + eventId + ", pipelineId=" + pipelineId + ", receivedAt=" + receivedAt
                + ", source=" + source + ", deliveryId=" + deliveryId + ", body=" + body.length
                + " bytes, verification="
                + verification.status() + "]";
    }
}
