package dev.dash.web.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.json.Json;
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
    private static final Set<String> WEBHOOK_FIELDS = Set.of("url", "headers", "secret");
    private static final Set<String> SLACK_FIELDS = Set.of("webhook_url");
    private static final Set<String> EMAIL_FIELDS = Set.of("to");

    private Sinks() {}

    /** A sink as the API shows it: the config masked. */
    public record Sink(
            UUID id,
            UUID pipelineId,
            String type,
            boolean enabled,
            JsonNode config,
            Instant insertedAt,
            Instant updatedAt) {}

    /**
     * A sink to create, or the fields to change (PATCH: a given config replaces the whole config).
     *
     * @param type {@code webhook} ({@code url}, optional {@code headers}, optional {@code secret} for signing),
     *     {@code slack} ({@code webhook_url}) or {@code email} ({@code to}: addresses)
     */
    public record SinkInput(String type, JsonNode config, Boolean enabled) {}

    /** Checks {@code config} for {@code type} into {@code c}; returns the normalised config, or null if invalid. */
    static ObjectNode validate(Checks c, String type, JsonNode config) {
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
                url(c, "config.url", config.get("url"), out, "url");
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
            case "slack" -> url(c, "config.webhook_url", config.get("webhook_url"), out, "webhook_url");
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

    private static void url(Checks c, String field, JsonNode value, ObjectNode out, String key) {
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
            out.put(key, uri.toString());
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
