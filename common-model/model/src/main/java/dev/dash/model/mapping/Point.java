package dev.dash.model.mapping;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One sample of one series: what the Silver writer stores as a {@code metrics} row and web nodes push to
 * charts.
 *
 * @param time the event time chosen by the mapping
 * @param metric the metric name (the mapping field's name)
 * @param labels label names to values, immutable, iterated in sorted order
 * @param value the finite value
 */
public record Point(Instant time, String metric, Map<String, String> labels, double value) {

    /** Validates the point and makes the labels an immutable sorted map (without copying {@link Labels}). */
    public Point {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(metric, "metric");
        labels = Labels.of(Objects.requireNonNull(labels, "labels"));
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("a point's value must be finite, got " + value);
        }
    }
}
