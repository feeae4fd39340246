package dev.dash.ingestor.sink;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/** What a sink sends, from its {@code delivery} column (validated by web-service; docs/sinks.md). */
public sealed interface DeliveryMode {
    /** One delivery per point. */
    record Points() implements DeliveryMode {}

    /**
     * Points collected into one delivery of at most {@code maxPoints}, sent at the latest {@code maxWait} after
     * its first point.
     */
    record Batch(int maxPoints, Duration maxWait) implements DeliveryMode {}

    /** A delivery when {@code rule} starts or stops holding for a series. */
    record Alert(AlertRule rule) implements DeliveryMode {}

    /** Reads the {@code delivery} JSON; an unknown mode is every point. */
    static DeliveryMode parse(JsonNode d) {
        String mode = d == null ? "points" : d.path("mode").asText("points");
        return switch (mode) {
            case "batch" ->
                new Batch(
                        Math.max(1, d.path("max_points").asInt(100)),
                        Duration.ofMillis(Math.max(
                                0, Math.round(d.path("max_wait_seconds").asDouble(60) * 1000))));
            case "alert" -> {
                Map<String, String> labels = new TreeMap<>();
                d.path("labels")
                        .fields()
                        .forEachRemaining(
                                e -> labels.put(e.getKey(), e.getValue().asText()));
                AlertRule.Operator op = AlertRule.Operator.valueOf(
                        d.path("operator").asText("above").toUpperCase(java.util.Locale.ROOT));
                double hold = d.path("hold_seconds").asDouble(0);
                yield new Alert(new AlertRule(
                        d.path("metric").asText(),
                        labels,
                        op,
                        d.path("threshold").asDouble(d.path("low").asDouble(0)),
                        d.path("high").asDouble(d.path("threshold").asDouble(0)),
                        Duration.ofMillis(Math.round(hold * 1000)),
                        Duration.ofMillis(
                                Math.round(d.path("recovery_hold_seconds").asDouble(hold) * 1000))));
            }
            default -> new Points();
        };
    }
}
