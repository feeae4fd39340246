package dev.dash.ingestor.p2p;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.kafka.PointsBatch;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A p2p pipeline fed by another pipeline's points, with its optional filter.
 *
 * @param pipelineId the p2p pipeline
 * @param teamId its team
 * @param sourcePipelineId the pipeline whose points feed it
 * @param metrics the metrics taken, empty for all
 * @param labels label values a point must have, empty for any
 * @param dedupeWindowSeconds the p2p pipeline's dedupe window
 */
public record P2pRoute(
        UUID pipelineId,
        UUID teamId,
        UUID sourcePipelineId,
        Set<String> metrics,
        Map<String, String> labels,
        int dedupeWindowSeconds) {

    /** Whether a point passes the filter. */
    public boolean accepts(PointsBatch.Point p) {
        if (!metrics.isEmpty() && !metrics.contains(p.metric())) {
            return false;
        }
        for (Map.Entry<String, String> l : labels.entrySet()) {
            if (p.labels() == null || !l.getValue().equals(p.labels().get(l.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads the filter of a p2p pipeline's {@code source_config}: {@code {"metrics": [...], "labels": {...}}}.
     *
     * @param config the decrypted configuration, or null for none
     * @return metrics and labels
     */
    public static Filter filter(JsonNode config) {
        Set<String> metrics = new java.util.LinkedHashSet<>();
        Map<String, String> labels = new LinkedHashMap<>();
        if (config != null) {
            config.path("metrics").forEach(m -> metrics.add(m.asText()));
            config.path("labels")
                    .fields()
                    .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        }
        return new Filter(Set.copyOf(metrics), Map.copyOf(labels));
    }

    /**
     * A filter.
     *
     * @param metrics metric names, empty for all
     * @param labels required label values
     */
    public record Filter(Set<String> metrics, Map<String, String> labels) {}
}
