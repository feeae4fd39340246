package dev.dash.web.sink;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.json.Json;
import dev.dash.model.poll.SourceConfigException;
import dev.dash.model.poll.UrlGuard;
import dev.dash.web.api.Checks;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The sinks of a pipeline (where its data or alerts go) and their configs: validation of each type, and the
 * masked view the API answers with. The config itself is stored encrypted; URLs can carry tokens in their
 * path or query (a Slack webhook is nothing but one), so responses show only their scheme, host and port.
 */
public final class Sinks {
    public static final List<String> TYPES = List.of("webhook", "slack", "email");
    static final String MASK = "****";
    private static final int MAX_URL = 2048;
    private static final int MAX_HEADERS = 32;
    private static final int MAX_RECIPIENTS = 20;
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
    private static final Set<String> RESERVED_HEADERS = Set.of(
            "host",
            "content-length",
            "content-type",
            "transfer-encoding",
            "connection",
            "keep-alive",
            "upgrade",
            "te",
            "trailer",
            "expect",
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature");
    private static final Set<String> WEBHOOK_FIELDS = Set.of("url", "headers", "secret");
    private static final Set<String> SLACK_FIELDS = Set.of("webhook_url");
    private static final Set<String> EMAIL_FIELDS = Set.of("to");

    private Sinks() {}

    /**
     * A sink as the API shows it: the config masked.
     *
     * @param delivery what it sends: {@code {"mode": "points"}}, a batch or an alert condition (docs/sinks.md)
     * @param disabledReason why delivery switched it off (410 Gone, a long failure streak), or null
     * @param failureStreak consecutive failed attempts
     * @param secret a webhook's new signing secret, only in the answer that created it (create, rotation)
     */
    public record Sink(
            UUID id,
            UUID pipelineId,
            String type,
            boolean enabled,
            JsonNode config,
            JsonNode delivery,
            String disabledReason,
            Instant disabledAt,
            int failureStreak,
            Instant insertedAt,
            Instant updatedAt,
            @JsonInclude(JsonInclude.Include.NON_NULL) String secret) {

        Sink withSecret(String s) {
            return new Sink(
                    id,
                    pipelineId,
                    type,
                    enabled,
                    config,
                    delivery,
                    disabledReason,
                    disabledAt,
                    failureStreak,
                    insertedAt,
                    updatedAt,
                    s);
        }
    }

    /**
     * A sink to create, or the fields to change (PATCH: a given config replaces the whole config).
     *
     * @param type {@code webhook} ({@code url}, optional {@code headers}, optional {@code secret} for signing),
     *     {@code slack} ({@code webhook_url}) or {@code email} ({@code to}: addresses)
     */
    public record SinkInput(String type, JsonNode config, Boolean enabled, JsonNode delivery) {}

    /** A rotation: how long the previous secret keeps signing beside the new one (default a day, at most 7). */
    public record RotateInput(Long overlapSeconds) {}

    /** A new webhook signing secret: {@code whsec_} and 32 random bytes in base64 (Standard Webhooks). */
    static String newSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return "whsec_" + java.util.Base64.getEncoder().encodeToString(key);
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    static final List<String> MODES = List.of("points", "batch", "alert");
    static final List<String> OPERATORS = List.of("above", "below", "outside");
    private static final Set<String> BATCH_FIELDS = Set.of("mode", "max_points", "max_wait_seconds");
    private static final Set<String> ALERT_FIELDS = Set.of(
            "mode",
            "metric",
            "labels",
            "operator",
            "threshold",
            "low",
            "high",
            "hold_seconds",
            "recovery_hold_seconds");

    /**
     * Checks what a sink sends into {@code c}; returns it normalised with its defaults, or null if invalid.
     * Absent: every point, except for e-mail (a batch of at most 100 points every 5 minutes).
     */
    static ObjectNode delivery(Checks c, String type, JsonNode d) {
        ObjectNode out = Json.nodes().objectNode();
        if (d == null || d.isNull()) {
            if ("email".equals(type)) {
                return out.put("mode", "batch").put("max_points", 100).put("max_wait_seconds", 300);
            }
            return out.put("mode", "points");
        }
        if (!d.isObject()) {
            c.fail("delivery", "must be a JSON object");
            return null;
        }
        int before = c.errorCount();
        JsonNode modeNode = d.get("mode");
        String mode = modeNode == null || !modeNode.isTextual() ? null : modeNode.asText();
        if (modeNode != null && !modeNode.isTextual()) {
            c.fail("delivery.mode", "must be one of " + String.join(", ", MODES));
            return null;
        }
        c.oneOf("delivery.mode", mode, MODES, true);
        if (c.errorCount() > before) {
            return null;
        }
        Set<String> known = switch (mode) {
            case "batch" -> BATCH_FIELDS;
            case "alert" -> ALERT_FIELDS;
            default -> Set.of("mode");
        };
        for (Iterator<String> it = d.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                c.fail("delivery." + name, "unknown field for mode " + mode);
            }
        }
        out.put("mode", mode);
        switch (mode) {
            case "points" -> {
                if ("email".equals(type)) {
                    c.fail("delivery.mode", "e-mail sinks send batches or alerts, not every point");
                }
            }
            case "batch" -> {
                out.put("max_points", (int) number(c, d, "max_points", 100, 1, 10_000, true));
                out.put("max_wait_seconds", number(c, d, "max_wait_seconds", 60, 1, 86_400, false));
            }
            default -> {
                JsonNode metric = d.get("metric");
                if (metric == null || metric.isNull()) {
                    c.fail("delivery.metric", "is required");
                } else if (!metric.isTextual()
                        || metric.asText().isBlank()
                        || metric.asText().length() > 200) {
                    c.fail("delivery.metric", "must be a metric name of 1 to 200 characters");
                } else {
                    out.put("metric", metric.asText());
                }
                JsonNode labels = d.get("labels");
                ObjectNode l = out.putObject("labels");
                if (labels != null && !labels.isNull()) {
                    if (!labels.isObject() || labels.size() > 20) {
                        c.fail("delivery.labels", "must be a JSON object of at most 20 label names to values");
                    } else {
                        labels.fields().forEachRemaining(e -> {
                            if (!e.getValue().isTextual() || e.getKey().isEmpty()) {
                                c.fail("delivery.labels." + e.getKey(), "must be a string");
                            } else {
                                l.put(e.getKey(), e.getValue().asText());
                            }
                        });
                    }
                }
                JsonNode op = d.get("operator");
                String operator = op == null || op.isNull() ? null : op.asText();
                if (op != null && !op.isNull() && !op.isTextual()) {
                    operator = "";
                }
                c.oneOf("delivery.operator", operator, OPERATORS, true);
                if (operator != null && OPERATORS.contains(operator)) {
                    out.put("operator", operator);
                    if (operator.equals("outside")) {
                        double low = number(c, d, "low", Double.NaN, -Double.MAX_VALUE, Double.MAX_VALUE, false);
                        double high = number(c, d, "high", Double.NaN, -Double.MAX_VALUE, Double.MAX_VALUE, false);
                        if (d.has("threshold")) {
                            c.fail("delivery.threshold", "is not used by outside: give low and high");
                        }
                        if (!Double.isNaN(low) && !Double.isNaN(high) && low >= high) {
                            c.fail("delivery.high", "must be greater than low");
                        }
                        out.put("low", low);
                        out.put("high", high);
                    } else {
                        if (d.has("low") || d.has("high")) {
                            c.fail(
                                    d.has("low") ? "delivery.low" : "delivery.high",
                                    "is only used by outside: give threshold");
                        }
                        out.put(
                                "threshold",
                                number(c, d, "threshold", Double.NaN, -Double.MAX_VALUE, Double.MAX_VALUE, false));
                    }
                }
                double hold = number(c, d, "hold_seconds", 0, 0, 86_400, false);
                out.put("hold_seconds", hold);
                out.put("recovery_hold_seconds", number(c, d, "recovery_hold_seconds", hold, 0, 86_400, false));
            }
        }
        return c.errorCount() == before ? out : null;
    }

    /** A number field of the delivery: its default when absent (NaN: required), checked against its range. */
    private static double number(
            Checks c, JsonNode d, String name, double dflt, double min, double max, boolean integer) {
        JsonNode n = d.get(name);
        String field = "delivery." + name;
        if (n == null || n.isNull()) {
            if (Double.isNaN(dflt)) {
                c.fail(field, "is required");
            }
            return Double.isNaN(dflt) ? 0 : dflt;
        }
        if (!n.isNumber()
                || (integer && (!n.canConvertToLong() || n.asDouble() != Math.rint(n.asDouble())))
                || Double.isNaN(n.asDouble())
                || Double.isInfinite(n.asDouble())) {
            c.fail(field, integer ? "must be a whole number" : "must be a number");
            return 0;
        }
        double v = n.asDouble();
        if (v < min || v > max) {
            c.fail(field, "must be between " + fmt(min) + " and " + fmt(max));
        }
        return v;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** Checks {@code config} for {@code type} into {@code c}; returns the normalised config, or null if invalid. */
    static ObjectNode validate(Checks c, String type, JsonNode config, UrlGuard guard) {
        if (config == null) {
            c.fail("config", "is required");
            return null;
        }
        if (!config.isObject()) {
            c.fail("config", "must be a JSON object");
            return null;
        }
        if (type == null || !TYPES.contains(type)) {
            return null;
        }
        int before = errors(c);
        ObjectNode out = Json.nodes().objectNode();
        Set<String> known = switch (type) {
            case "webhook" -> WEBHOOK_FIELDS;
            case "slack" -> SLACK_FIELDS;
            default -> EMAIL_FIELDS;
        };
        for (Iterator<String> it = config.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                c.fail("config." + name, "unknown field for a " + type + " sink");
            }
        }
        switch (type) {
            case "webhook" -> {
                url(c, "config.url", config.get("url"), out, "url", guard);
                JsonNode headers = config.get("headers");
                if (headers != null && !headers.isNull()) {
                    if (!headers.isObject()) {
                        c.fail("config.headers", "must be a JSON object of header names to values");
                    } else if (headers.size() > MAX_HEADERS) {
                        c.fail("config.headers", "must have at most " + MAX_HEADERS + " headers");
                    } else {
                        ObjectNode h = out.putObject("headers");
                        headers.fields().forEachRemaining(e -> {
                            String field = "config.headers." + e.getKey();
                            if (!HEADER_NAME.matcher(e.getKey()).matches()) {
                                c.fail(field, "is not a valid header name");
                            } else if (RESERVED_HEADERS.contains(e.getKey().toLowerCase(Locale.ROOT))
                                    || e.getKey().toLowerCase(Locale.ROOT).startsWith("proxy-")) {
                                // Host would send the request to another virtual host than the checked URL;
                                // the others are the transport's or Dash's own signature.
                                c.fail(field, "is set by Dash and cannot be configured");
                            } else if (!e.getValue().isTextual()) {
                                c.fail(field, "must be a string");
                            } else if (e.getValue().asText().length() > 1024
                                    || e.getValue().asText().matches("(?s).*[\\r\\n\\x00].*")) {
                                c.fail(field, "must be at most 1024 characters, without line breaks");
                            } else {
                                h.put(e.getKey(), e.getValue().asText());
                            }
                        });
                    }
                }
                JsonNode secret = config.get("secret");
                if (secret != null && !secret.isNull()) {
                    if (!secret.isTextual()
                            || secret.asText().length() < 16
                            || secret.asText().length() > 256) {
                        c.fail("config.secret", "must be a string of 16 to 256 characters");
                    } else {
                        out.put("secret", secret.asText());
                    }
                }
            }
            case "slack" -> url(c, "config.webhook_url", config.get("webhook_url"), out, "webhook_url", guard);
            default -> {
                JsonNode to = config.get("to");
                if (to == null || to.isNull()) {
                    c.fail("config.to", "is required");
                } else if (!to.isArray() || to.isEmpty() || to.size() > MAX_RECIPIENTS) {
                    c.fail("config.to", "must be a list of 1 to " + MAX_RECIPIENTS + " e-mail addresses");
                } else {
                    var list = out.putArray("to");
                    for (int i = 0; i < to.size(); i++) {
                        JsonNode a = to.get(i);
                        String field = "config.to[" + i + "]";
                        if (!a.isTextual()) {
                            c.fail(field, "must be an e-mail address");
                        } else {
                            int n = errors(c);
                            c.email(field, a.asText().strip());
                            if (errors(c) == n) {
                                list.add(a.asText().strip().toLowerCase(Locale.ROOT));
                            }
                        }
                    }
                }
            }
        }
        return errors(c) == before ? out : null;
    }

    private static void url(Checks c, String field, JsonNode value, ObjectNode out, String key, UrlGuard guard) {
        if (value == null || value.isNull()) {
            c.fail(field, "is required");
            return;
        }
        if (!value.isTextual() || value.asText().length() > MAX_URL) {
            c.fail(field, "must be an http or https URL of at most " + MAX_URL + " characters");
            return;
        }
        try {
            URI uri = new URI(value.asText().strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                c.fail(field, "must be an http or https URL");
                return;
            }
            // What can be told without resolving (user info, loopback and metadata names, non-canonical or
            // private IP literals); the ingestors check the resolved address of every delivery as well.
            guard.checkSyntax(field, uri);
            out.put(key, uri.toString());
        } catch (SourceConfigException e) {
            c.fail(field, e.reason());
        } catch (URISyntaxException e) {
            c.fail(field, "must be an http or https URL");
        }
    }

    private static int errors(Checks c) {
        return c.errorCount();
    }

    /** The config as the API may show it: URLs cut to scheme, host and port; header values and secret masked. */
    static JsonNode masked(String type, JsonNode config) {
        ObjectNode out = Json.nodes().objectNode();
        switch (type) {
            case "webhook" -> {
                out.put("url", maskUrl(config.path("url").asText()));
                if (config.has("headers")) {
                    ObjectNode h = out.putObject("headers");
                    config.get("headers").fieldNames().forEachRemaining(n -> h.put(n, MASK));
                }
                if (config.has("secret")) {
                    out.put("secret", MASK);
                }
                if (config.has("previous_secrets")) {
                    var p = out.putArray("previous_secrets_expire_at");
                    config.get("previous_secrets")
                            .forEach(x -> p.add(x.path("expires_at").asText()));
                }
            }
            case "slack" ->
                out.put("webhook_url", maskUrl(config.path("webhook_url").asText()));
            default -> out.set("to", config.get("to"));
        }
        return out;
    }

    static String maskUrl(String url) {
        try {
            URI uri = new URI(url);
            String base = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
            boolean more = (uri.getRawPath() != null
                            && !uri.getRawPath().isEmpty()
                            && !uri.getRawPath().equals("/"))
                    || uri.getRawQuery() != null
                    || uri.getRawFragment() != null;
            return more ? base + "/" + MASK : base;
        } catch (URISyntaxException e) {
            return MASK;
        }
    }
}
