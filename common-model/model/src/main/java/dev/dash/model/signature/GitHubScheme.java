package dev.dash.model.signature;

import dev.dash.model.signature.VerificationResult.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * GitHub webhooks: {@code X-Hub-Signature-256: sha256=<hex>}, HMAC-SHA256 of the body keyed by the secret
 * text. GitHub signs no timestamp, so there is no tolerance check; the delivery id is
 * {@code X-GitHub-Delivery}.
 */
final class GitHubScheme extends HmacScheme {
    private static final String SIGNATURE = "X-Hub-Signature-256";
    private static final String DELIVERY = "X-GitHub-Delivery";

    GitHubScheme(Duration tolerance) {
        super(Preset.GITHUB, tolerance, "HmacSHA256");
    }

    @Override
    Signed parse(Headers headers) throws Failure {
        String value = single(headers, SIGNATURE);
        if (!value.startsWith("sha256=")) {
            throw new Failure(Reason.MALFORMED_HEADER, "header " + SIGNATURE + " must start with sha256=");
        }
        byte[] signature = hex(value.substring("sha256=".length()), "header " + SIGNATURE);
        return new Signed(null, empty(), empty(), one(signature));
    }

    @Override
    byte[] key(SecretMaterial secret) {
        return secret.raw();
    }

    @Override
    String headerDeliveryId(Headers headers) {
        return headers.first(DELIVERY);
    }

    @Override
    public Map<String, String> sign(byte[] body, SecretMaterial secret, Instant timestamp, String deliveryId) {
        byte[] mac = signWith(secret, empty(), body, empty());
        return headers(
                DELIVERY, deliveryId != null ? deliveryId : randomId(), SIGNATURE, "sha256=" + HEX.formatHex(mac));
    }
}
