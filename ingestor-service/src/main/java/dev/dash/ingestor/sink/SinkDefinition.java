package dev.dash.ingestor.sink;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * A sink as the ingestor delivers to it.
 *
 * @param id the sink
 * @param pipelineId its pipeline
 * @param teamId the pipeline's team
 * @param type webhook, Slack or e-mail
 * @param config the decrypted config (URL, headers, secrets, recipients)
 * @param mode what it sends
 * @param enabled whether it is switched on
 * @param insertedAt when it was created: it gets points committed from then on
 */
public record SinkDefinition(
        UUID id,
        UUID pipelineId,
        UUID teamId,
        Type type,
        JsonNode config,
        DeliveryMode mode,
        boolean enabled,
        Instant insertedAt) {

    /** The sink types, as stored in {@code pipeline_sinks.sink_type}. */
    public enum Type {
        WEBHOOK,
        SLACK,
        EMAIL;

        static Type of(String db) {
            return valueOf(db.toUpperCase(java.util.Locale.ROOT));
        }
    }
}
