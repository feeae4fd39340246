package dev.dash.web.live.cache;

import dev.dash.model.kafka.PointsBatch;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What a widget reads, as far as its buckets go: one hot-cache entry serves every widget (of any dashboard, range
 * or aggregation) with the same pipeline, metric, label filter and bucket width, since a bucket's state holds
 * every aggregation at once.
 *
 * @param labels the label filter (points must carry these values; others may be present), sorted
 */
public record WidgetQuery(UUID pipelineId, String metric, Map<String, String> labels, long bucketSeconds) {
    public WidgetQuery {
        labels = Map.copyOf(new TreeMap<>(labels));
    }

    /** Whether a point of the pipeline is one this query reads (any mapping version). */
    public boolean matches(PointsBatch.Point p) {
        if (!metric.equals(p.metric())) {
            return false;
        }
        for (Map.Entry<String, String> l : labels.entrySet()) {
            if (p.labels() == null || !l.getValue().equals(p.labels().get(l.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** The label filter as the JSON object text the Silver statement takes, or null. */
    String labelFilterJson() {
        if (labels.isEmpty()) {
            return null;
        }
        com.fasterxml.jackson.databind.node.ObjectNode o =
                dev.dash.model.json.Json.nodes().objectNode();
        new TreeMap<>(labels).forEach(o::put);
        return o.toString();
    }
}
