package dev.dash.model.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.envelope.RawEnvelope;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One event to map: either raw body bytes (parsed once by the engine) or an already parsed tree.
 *
 * @param eventId the event's id, or null for ad-hoc samples in a preview
 * @param receivedAt when the event was received: the time of its points when the mapping has no time
 * @param body the raw JSON body, or null if {@code json} is given
 * @param json the parsed body, or null if {@code body} is given
 */
public record EventInput(UUID eventId, Instant receivedAt, byte[] body, JsonNode json) {

    /** Requires the time and exactly one of body and json. */
    public EventInput {
        Objects.requireNonNull(receivedAt, "receivedAt");
        if ((body == null) == (json == null)) {
            throw new IllegalArgumentException("give exactly one of body and json");
        }
    }

    /**
     * An event from raw bytes.
     *
     * @param eventId the id, or null
     * @param receivedAt receipt time
     * @param body the raw body
     * @return the input
     */
    public static EventInput ofBytes(UUID eventId, Instant receivedAt, byte[] body) {
        return new EventInput(eventId, receivedAt, body, null);
    }

    /**
     * An event from a parsed tree.
     *
     * @param eventId the id, or null
     * @param receivedAt receipt time
     * @param json the body
     * @return the input
     */
    public static EventInput ofJson(UUID eventId, Instant receivedAt, JsonNode json) {
        return new EventInput(eventId, receivedAt, null, json);
    }

    /**
     * The event of a raw envelope: what live ingest and replay both call, so they map identically.
     *
     * @param envelope the envelope
     * @return the input
     */
    public static EventInput of(RawEnvelope envelope) {
        return new EventInput(envelope.eventId(), envelope.receivedAt(), envelope.body(), null);
    }
}
