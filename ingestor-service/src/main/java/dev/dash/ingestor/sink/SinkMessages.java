package dev.dash.ingestor.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.json.Json;
import dev.dash.model.kafka.PointsBatch;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What deliveries say: the stored payload of each kind, the webhook body (Standard Webhooks' {@code type},
 * {@code timestamp}, {@code data}), the Slack message and the e-mail (docs/sinks.md has examples).
 */
public final class SinkMessages {
    private static final int SLACK_LINES = 20;

    private SinkMessages() {}

    /** The event type of a delivery kind, as in the webhook body's {@code type}. */
    public static String type(String kind) {
        return switch (kind) {
            case "alert_firing" -> "dash.alert.firing";
            case "alert_resolved" -> "dash.alert.resolved";
            default -> "dash.points";
        };
    }

    /** One point as sinks see it. */
    public static ObjectNode point(PointsBatch.Point p) {
        ObjectNode o = Json.nodes().objectNode();
        o.put("time", p.time().toString());
        o.put("metric", p.metric());
        ObjectNode l = o.putObject("labels");
        new TreeMap<>(p.labels()).forEach(l::put);
        o.put("value", p.value());
        o.put("event_id", p.eventId().toString());
        return o;
    }

    /** The payload of a points or batch delivery. */
    public static ObjectNode points(UUID pipelineId, ArrayNode points) {
        ObjectNode o = Json.nodes().objectNode();
        o.put("pipeline_id", pipelineId.toString());
        o.set("points", points);
        return o;
    }

    /** The series key of a point: metric and sorted labels, e.g. {@code cpu{host=a}}. */
    public static String series(String metric, Map<String, String> labels) {
        StringBuilder b = new StringBuilder(metric).append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            b.append(e.getKey()).append('=').append(e.getValue());
        }
        return b.append('}').toString();
    }

    /** The payload of an alert delivery. */
    public static ObjectNode alert(
            UUID pipelineId, UUID sinkId, AlertRule rule, boolean firing, PointsBatch.Point p, Instant firedAt) {
        ObjectNode o = Json.nodes().objectNode();
        o.put("pipeline_id", pipelineId.toString());
        ObjectNode a = o.putObject("alert");
        a.put("sink_id", sinkId.toString());
        a.put("state", firing ? "firing" : "resolved");
        a.put("metric", p.metric());
        ObjectNode l = a.putObject("labels");
        new TreeMap<>(p.labels()).forEach(l::put);
        a.put("series", series(p.metric(), p.labels()));
        a.put("value", p.value());
        a.put("operator", rule.operator().name().toLowerCase(java.util.Locale.ROOT));
        if (rule.operator() == AlertRule.Operator.OUTSIDE) {
            a.put("low", rule.low());
            a.put("high", rule.high());
        } else {
            a.put("threshold", rule.low());
        }
        a.put("hold_seconds", rule.hold().toMillis() / 1000.0);
        a.put("fired_at", firedAt.toString());
        if (!firing) {
            a.put("resolved_at", p.time().toString());
        }
        a.put("point_time", p.time().toString());
        return o;
    }

    /** The webhook body: {@code {"type", "timestamp", "data"}}; the same bytes on every attempt. */
    public static byte[] webhookBody(String kind, Instant createdAt, JsonNode payload) {
        ObjectNode o = Json.nodes().objectNode();
        o.put("type", type(kind));
        o.put("timestamp", createdAt.toString());
        o.set("data", payload);
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A one-line summary (Slack fallback text, e-mail subject). */
    public static String summary(String kind, JsonNode payload) {
        JsonNode a = payload.path("alert");
        return switch (kind) {
            case "alert_firing" ->
                "Alert firing: " + a.path("series").asText() + " " + condition(a) + " (value " + number(a.path("value"))
                        + ")";
            case "alert_resolved" ->
                "Resolved: " + a.path("series").asText() + " (value " + number(a.path("value")) + ")";
            default ->
                payload.path("points").size() + " point(s) from pipeline "
                        + payload.path("pipeline_id").asText();
        };
    }

    /** The lines of a message body: the alert's details, or one line per point (the first 20 for Slack). */
    public static java.util.List<String> lines(String kind, JsonNode payload, int max) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (kind.startsWith("alert")) {
            JsonNode a = payload.path("alert");
            out.add("Series: " + a.path("series").asText());
            out.add("Condition: " + condition(a) + " for " + number(a.path("hold_seconds")) + " s");
            out.add("Value: " + number(a.path("value")) + " at "
                    + a.path("point_time").asText());
            out.add("Fired at: " + a.path("fired_at").asText());
            if (a.has("resolved_at")) {
                out.add("Resolved at: " + a.path("resolved_at").asText());
            }
            out.add("Pipeline: " + payload.path("pipeline_id").asText());
            return out;
        }
        JsonNode points = payload.path("points");
        for (int i = 0; i < points.size() && i < max; i++) {
            JsonNode p = points.get(i);
            Map<String, String> labels = new TreeMap<>();
            p.path("labels")
                    .fields()
                    .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            out.add(series(p.path("metric").asText(), labels) + " = " + number(p.path("value")) + " at "
                    + p.path("time").asText());
        }
        if (points.size() > max) {
            out.add("… and " + (points.size() - max) + " more");
        }
        return out;
    }

    /** A Slack incoming-webhook message: fallback {@code text} and Block Kit {@code blocks}. */
    public static byte[] slack(String kind, JsonNode payload) {
        String icon = switch (kind) {
            case "alert_firing" -> ":rotating_light: ";
            case "alert_resolved" -> ":white_check_mark: ";
            default -> ":bar_chart: ";
        };
        ObjectNode o = Json.nodes().objectNode();
        String summary = icon + summary(kind, payload);
        o.put("text", summary);
        ArrayNode blocks = o.putArray("blocks");
        ObjectNode header = blocks.addObject();
        header.put("type", "section");
        header.putObject("text").put("type", "mrkdwn").put("text", "*" + escapeSlack(summary) + "*");
        ObjectNode body = blocks.addObject();
        body.put("type", "section");
        body.putObject("text")
                .put("type", "mrkdwn")
                .put("text", escapeSlack(String.join("\n", lines(kind, payload, SLACK_LINES))));
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The HTML part of an e-mail. */
    public static String html(String kind, JsonNode payload) {
        StringBuilder b = new StringBuilder("<html><body><h2>")
                .append(escapeHtml(summary(kind, payload)))
                .append("</h2><ul>");
        for (String line : lines(kind, payload, 1000)) {
            b.append("<li>").append(escapeHtml(line)).append("</li>");
        }
        return b.append("</ul><p>Sent by Dash.</p></body></html>").toString();
    }

    /** The plain-text part of an e-mail. */
    public static String text(String kind, JsonNode payload) {
        return summary(kind, payload) + "\n\n" + String.join("\n", lines(kind, payload, 1000)) + "\n\nSent by Dash.\n";
    }

    private static String condition(JsonNode a) {
        return switch (a.path("operator").asText()) {
            case "outside" -> "outside [" + number(a.path("low")) + ", " + number(a.path("high")) + "]";
            case "below" -> "below " + number(a.path("threshold"));
            default -> "above " + number(a.path("threshold"));
        };
    }

    private static String number(JsonNode n) {
        double d = n.asDouble();
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }

    static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String escapeSlack(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
