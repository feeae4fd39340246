package dev.dash.web.live;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a client draws for one widget, built from live frames as docs/live.md says a client must. */
final class WidgetModel {
    final Map<String, TreeMap<Instant, Double>> series = new TreeMap<>();
    Integer version;

    static WidgetModel of(List<JsonNode> frames, String widgetId) {
        WidgetModel m = new WidgetModel();
        for (JsonNode f : frames) {
            if (widgetId.equals(f.path("widget_id").asText())) {
                m.apply(f);
            }
        }
        return m;
    }

    /** The data endpoint's answer (a SeriesResult) as a model. */
    static WidgetModel ofResult(JsonNode result) {
        WidgetModel m = new WidgetModel();
        m.replace(result);
        return m;
    }

    void apply(JsonNode f) {
        switch (f.path("type").asText()) {
            case "snapshot" -> replace(f.path("data"));
            case "delta" -> {
                version = f.path("mapping_version").asInt();
                merge(f.path("series"));
                // A slide folded into the delta: applied after its buckets are merged.
                if (f.hasNonNull("drop_before")) {
                    dropBefore(Instant.parse(f.path("drop_before").asText()));
                }
            }
            case "drop_before" -> dropBefore(Instant.parse(f.path("t").asText()));
            default -> {}
        }
    }

    /** Where the frame says a relative range slid to (a drop_before frame, or one folded into a delta), or null. */
    static Instant slide(JsonNode f) {
        return switch (f.path("type").asText()) {
            case "drop_before" -> Instant.parse(f.path("t").asText());
            case "delta" ->
                f.hasNonNull("drop_before")
                        ? Instant.parse(f.path("drop_before").asText())
                        : null;
            default -> null;
        };
    }

    private void dropBefore(Instant t) {
        series.values().forEach(s -> s.headMap(t).clear());
        series.values().removeIf(java.util.TreeMap::isEmpty);
    }

    private void replace(JsonNode data) {
        series.clear();
        version = data.hasNonNull("mapping_version")
                ? data.path("mapping_version").asInt()
                : null;
        merge(data.path("series"));
    }

    private void merge(JsonNode list) {
        for (JsonNode s : list) {
            TreeMap<Instant, Double> points = series.computeIfAbsent(labels(s.path("labels")), k -> new TreeMap<>());
            for (JsonNode p : s.path("points")) {
                points.put(Instant.parse(p.path("t").asText()), p.path("v").asDouble());
            }
        }
    }

    private static String labels(JsonNode labels) {
        TreeMap<String, String> sorted = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            sorted.put(e.getKey(), e.getValue().asText());
        }
        return sorted.toString();
    }

    @Override
    public String toString() {
        return "v" + version + " " + series;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WidgetModel m && m.series.equals(series) && java.util.Objects.equals(m.version, version);
    }

    @Override
    public int hashCode() {
        return series.hashCode();
    }
}
