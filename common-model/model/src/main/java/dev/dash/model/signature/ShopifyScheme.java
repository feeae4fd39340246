package dev.dash.model.signature;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * Shopify: {@code X-Shopify-Hmac-Sha256: <base64>}, HMAC-SHA256 of the body keyed by the app's secret
 * text. No timestamp is signed. The delivery id is {@code X-Shopify-Event-Id}, or
 * {@code X-Shopify-Webhook-Id} from shops that do not send it.
 */
final class ShopifyScheme extends HmacScheme {
    private static final String SIGNATURE = "X-Shopify-Hmac-Sha256";
    private static final String EVENT_ID = "X-Shopify-Event-Id";
    private static final String WEBHOOK_ID = "X-Shopify-Webhook-Id";

    ShopifyScheme(Duration tolerance) {
        super(Preset.SHOPIFY, tolerance, "HmacSHA256");
    }

    @Override
    Signed parse(Headers headers) throws Failure {
        byte[] signature = base64(single(headers, SIGNATURE), "header " + SIGNATURE);
        return new Signed(null, empty(), empty(), one(signature));
    }

    @Override
    byte[] key(SecretMaterial secret) {
        return secret.raw();
    }

    @Override
    String headerDeliveryId(Headers headers) {
        String eventId = headers.first(EVENT_ID);
        return eventId != null ? eventId : headers.first(WEBHOOK_ID);
    }

    @Override
    public Map<String, String> sign(byte[] body, SecretMaterial secret, Instant timestamp, String deliveryId) {
        byte[] mac = signWith(secret, empty(), body, empty());
        return headers(
                EVENT_ID,
                deliveryId != null ? deliveryId : randomId(),
                SIGNATURE,
                Base64.getEncoder().encodeToString(mac));
    }
}
