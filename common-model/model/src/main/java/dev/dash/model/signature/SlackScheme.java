package dev.dash.model.signature;

import dev.dash.model.signature.VerificationResult.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Slack: {@code X-Slack-Signature: v0=<hex>}, HMAC-SHA256 of {@code v0:timestamp:body} with the timestamp
 * from {@code X-Slack-Request-Timestamp}, keyed by the signing secret text. The delivery id is the Events
 * API {@code event_id}, read from the body once verified.
 */
final class SlackScheme extends HmacScheme {
    private static final String SIGNATURE = "X-Slack-Signature";
    private static final String TIMESTAMP = "X-Slack-Request-Timestamp";

    SlackScheme(Duration tolerance) {
        super(Preset.SLACK, tolerance, "HmacSHA256");
    }

    @Override
    Signed parse(Headers headers) throws Failure {
        long timestamp = unixSeconds(single(headers, TIMESTAMP), "header " + TIMESTAMP);
        String value = single(headers, SIGNATURE);
        if (!value.startsWith("v0=")) {
            throw new Failure(Reason.MALFORMED_HEADER, "header " + SIGNATURE + " must start with v0=");
        }
        byte[] signature = hex(value.substring(3), "header " + SIGNATURE);
        return new Signed(timestamp, ascii("v0:" + timestamp + ":"), empty(), one(signature));
    }

    @Override
    byte[] key(SecretMaterial secret) {
        return secret.raw();
    }

    @Override
    String bodyDeliveryId(byte[] body) {
        return topLevelField(body, "event_id");
    }

    @Override
    public Map<String, String> sign(byte[] body, SecretMaterial secret, Instant timestamp, String deliveryId) {
        long ts = timestamp.getEpochSecond();
        byte[] mac = signWith(secret, ascii("v0:" + ts + ":"), body, empty());
        return headers(TIMESTAMP, Long.toString(ts), SIGNATURE, "v0=" + HEX.formatHex(mac));
    }
}
