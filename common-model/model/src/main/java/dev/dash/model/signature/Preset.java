package dev.dash.model.signature;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;

/**
 * The signature schemes a pipeline can require of its producers. Each knows the headers it reads, so the
 * ingestor can keep exactly those (plus the provider's event-type header) in the raw envelope.
 */
public enum Preset {
    /** Standard Webhooks: {@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}. */
    STANDARD_WEBHOOKS(
            "standard_webhooks",
            List.of("webhook-id", "webhook-timestamp", "webhook-signature"),
            List.of("webhook-id", "webhook-timestamp", "webhook-signature")),
    /** The Standard Webhooks scheme under Svix's header names. */
    SVIX(
            "svix",
            List.of("svix-id", "svix-timestamp", "svix-signature"),
            List.of("svix-id", "svix-timestamp", "svix-signature")),
    /** GitHub: {@code X-Hub-Signature-256: sha256=<hex>} over the body. */
    GITHUB(
            "github",
            List.of("x-hub-signature-256", "x-github-delivery", "x-github-event", "x-github-hook-id"),
            List.of("x-hub-signature-256")),
    /** Stripe: {@code Stripe-Signature: t=...,v1=...} over {@code t.body}. */
    STRIPE("stripe", List.of("stripe-signature"), List.of("stripe-signature")),
    /** Slack: {@code X-Slack-Signature: v0=<hex>} over {@code v0:timestamp:body}. */
    SLACK(
            "slack",
            List.of("x-slack-signature", "x-slack-request-timestamp", "x-slack-retry-num", "x-slack-retry-reason"),
            List.of("x-slack-signature", "x-slack-request-timestamp")),
    /** Shopify: {@code X-Shopify-Hmac-Sha256} (base64) over the body. */
    SHOPIFY(
            "shopify",
            List.of(
                    "x-shopify-hmac-sha256",
                    "x-shopify-event-id",
                    "x-shopify-webhook-id",
                    "x-shopify-topic",
                    "x-shopify-shop-domain",
                    "x-shopify-triggered-at"),
            List.of("x-shopify-hmac-sha256")),
    /** A recipe the pipeline owner describes with a {@link GenericHmacRecipe}. */
    GENERIC_HMAC("generic_hmac", List.of(), List.of());

    private final String jsonName;
    private final List<String> headers;
    private final List<String> requiredHeaders;

    Preset(String jsonName, List<String> headers, List<String> requiredHeaders) {
        this.jsonName = jsonName;
        this.headers = headers;
        this.requiredHeaders = requiredHeaders;
    }

    /**
     * The name used in JSON and in the API.
     *
     * @return the snake_case name
     */
    @JsonValue
    public String jsonName() {
        return jsonName;
    }

    /**
     * Lower-case names of the headers this preset reads or that identify the provider's event; for
     * {@link #GENERIC_HMAC} see {@link GenericHmacRecipe#headers()}.
     *
     * @return header names
     */
    public List<String> headers() {
        return headers;
    }

    /**
     * Lower-case names of the headers a delivery must carry to be verified (a 401 {@code missing_header}
     * without one); for {@link #GENERIC_HMAC} the recipe names them. Documented in the APIs' OpenAPI.
     *
     * @return header names, a subset of {@link #headers()}
     */
    public List<String> requiredHeaders() {
        return requiredHeaders;
    }

    /**
     * Looks a preset up by its JSON name.
     *
     * @param name the snake_case name, case-insensitive
     * @return the preset
     * @throws SignatureConfigException if no preset has that name
     */
    @JsonCreator
    public static Preset fromJsonName(String name) {
        if (name != null) {
            String lower = name.toLowerCase(Locale.ROOT);
            for (Preset p : values()) {
                if (p.jsonName.equals(lower)) {
                    return p;
                }
            }
        }
        throw new SignatureConfigException("unknown signature preset '" + name + "'");
    }
}
