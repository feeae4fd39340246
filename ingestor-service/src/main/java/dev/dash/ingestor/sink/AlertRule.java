package dev.dash.ingestor.sink;

import java.time.Duration;
import java.util.Map;

/**
 * An alert condition: points of {@code metric} whose labels include {@code labels} breach it when their value
 * is above {@code low}, below it, or outside [{@code low}, {@code high}]; a series must breach for {@code hold}
 * before the alert fires and be clear for {@code recoveryHold} before it recovers.
 */
public record AlertRule(
        String metric,
        Map<String, String> labels,
        Operator operator,
        double low,
        double high,
        Duration hold,
        Duration recoveryHold) {

    /** How the value is compared. */
    public enum Operator {
        ABOVE,
        BELOW,
        OUTSIDE
    }

    /** Whether a point of this metric and labels is watched by the rule. */
    public boolean matches(String pointMetric, Map<String, String> pointLabels) {
        if (!metric.equals(pointMetric)) {
            return false;
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!e.getValue().equals(pointLabels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Whether the value breaches the threshold. */
    public boolean breaches(double value) {
        return switch (operator) {
            case ABOVE -> value > low;
            case BELOW -> value < low;
            case OUTSIDE -> value < low || value > high;
        };
    }
}
