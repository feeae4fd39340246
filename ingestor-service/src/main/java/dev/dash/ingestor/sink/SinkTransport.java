package dev.dash.ingestor.sink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.Mailer;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

/** Sends one attempt of a delivery to its sink: a signed webhook, a Slack message or an e-mail. */
@ApplicationScoped
public class SinkTransport {
    private final HttpSender http;
    private final Mailer mailer;
    private final SinksConfig config;

    public SinkTransport(SinksConfig config, Mailer mailer, io.vertx.core.Vertx vertx) {
        this.config = config;
        this.mailer = mailer;
        this.http = new HttpSender(
                vertx,
                new DestinationGuard(config.http().allowedDestinations().orElse(List.of())),
                config.http().connectTimeout(),
                config.http().requestTimeout(),
                (int) config.http().maxResponse().asLongValue(),
                (int) config.http().logResponse().asLongValue());
    }

    /** The {@code webhook-id} of a delivery: the same on every attempt, the receiver's idempotency key. */
    public static String webhookId(UUID deliveryId) {
        return "msg_" + deliveryId.toString().replace("-", "");
    }

    /** One attempt. */
    public AttemptResult send(SinkDefinition sink, SinkRepository.Claimed d) {
        JsonNode payload;
        try {
            payload = Json.parse(d.payload());
        } catch (IOException e) {
            return AttemptResult.failed("unreadable payload: " + e.getMessage(), 0);
        }
        return switch (sink.type()) {
            case WEBHOOK -> webhook(sink, d, payload);
            case SLACK ->
                http.post(
                        URI.create(sink.config().path("webhook_url").asText()),
                        Map.of(),
                        SinkMessages.slack(d.kind(), payload));
            case EMAIL -> email(sink, d, payload);
        };
    }

    private AttemptResult webhook(SinkDefinition sink, SinkRepository.Claimed d, JsonNode payload) {
        byte[] body = SinkMessages.webhookBody(d.kind(), d.createdAt(), payload);
        String id = webhookId(d.id());
        long timestamp = Instant.now().getEpochSecond();
        Map<String, String> headers = new LinkedHashMap<>();
        sink.config()
                .path("headers")
                .fields()
                .forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
        headers.put("webhook-id", id);
        headers.put("webhook-timestamp", String.valueOf(timestamp));
        List<byte[]> keys = activeKeys(sink.config(), Instant.now());
        if (!keys.isEmpty()) {
            headers.put("webhook-signature", WebhookSigner.signature(id, timestamp, body, keys));
        }
        return http.post(URI.create(sink.config().path("url").asText()), headers, body);
    }

    /** The current secret and every previous one whose overlap has not ended. */
    static List<byte[]> activeKeys(JsonNode config, Instant now) {
        List<byte[]> keys = new ArrayList<>();
        if (config.hasNonNull("secret")) {
            keys.add(WebhookSigner.key(config.get("secret").asText()));
        }
        for (JsonNode p : config.path("previous_secrets")) {
            String expires = p.path("expires_at").asText(null);
            if (expires == null || Instant.parse(expires).isAfter(now)) {
                keys.add(WebhookSigner.key(p.path("secret").asText()));
            }
        }
        return keys;
    }

    private AttemptResult email(SinkDefinition sink, SinkRepository.Claimed d, JsonNode payload) {
        List<String> to = new ArrayList<>();
        sink.config().path("to").forEach(a -> to.add(a.asText()));
        long start = System.nanoTime();
        try {
            Mail mail = new Mail()
                    .setTo(to)
                    .setFrom(config.email().from())
                    .setSubject("[Dash] " + SinkMessages.summary(d.kind(), payload))
                    .setText(SinkMessages.text(d.kind(), payload))
                    .setHtml(SinkMessages.html(d.kind(), payload))
                    .addHeader("Message-ID", "<" + webhookId(d.id()) + "@dash>")
                    .addHeader("X-Dash-Delivery", webhookId(d.id()));
            mailer.send(mail);
            return new AttemptResult(
                    AttemptResult.Outcome.DELIVERED,
                    null,
                    null,
                    null,
                    (System.nanoTime() - start) / 1_000_000,
                    OptionalLong.empty());
        } catch (RuntimeException e) {
            return AttemptResult.failed("SMTP: " + e.getMessage(), (System.nanoTime() - start) / 1_000_000);
        }
    }

    /** Sends a notice to people (the team's admins); failures are only logged. */
    public void notice(List<String> to, String subject, String text) {
        if (to.isEmpty()) {
            return;
        }
        try {
            mailer.send(Mail.withText(to.get(0), subject, text)
                    .setTo(to)
                    .setFrom(config.email().from())
                    .setHtml("<html><body><pre>" + SinkMessages.escapeHtml(text) + "</pre></body></html>"));
        } catch (RuntimeException e) {
            io.quarkus.logging.Log.warnf("Notice '%s' to %s not sent: %s", subject, to, e.getMessage());
        }
    }
}
