package dev.dash.ingestor.ingest;

import dev.dash.model.signature.Handshake;
import java.util.UUID;

/**
 * What {@link IngestService#ingest} decided for one request (docs/ingest.md, "Answers"): exactly one of these, so
 * {@link IngestResource} maps every case to its status and body and the compiler knows there is no other.
 */
public sealed interface IngestResult {

    /**
     * 202: Kafka acknowledged every event.
     *
     * @param eventIds the new events' ids, in the body's order
     */
    record Accepted(UUID[] eventIds) implements IngestResult {}

    /**
     * 200: the provider's delivery was published before; nothing was stored again.
     *
     * @param eventIds the ids the delivery was published under
     */
    record Duplicate(UUID[] eventIds) implements IngestResult {}

    /**
     * 200: a provider's handshake (Slack's {@code url_verification}), answered; nothing was stored.
     *
     * @param response the body and content type to answer with
     */
    record Challenge(Handshake.Response response) implements IngestResult {}

    /**
     * Refused (4xx or 503): nothing reached Kafka.
     *
     * @param rejection the status, error code, field at fault, reason and headers
     */
    record Refused(IngestRejection rejection) implements IngestResult {}
}
