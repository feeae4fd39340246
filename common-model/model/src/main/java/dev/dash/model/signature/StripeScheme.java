package dev.dash.model.signature;

import dev.dash.model.signature.VerificationResult.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Stripe: {@code Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]}, HMAC-SHA256 of {@code t.body} keyed by
 * the {@code whsec_...} secret text used as it is. Other schemes in the header ({@code v0}) are ignored. The
 * delivery id is the event's top-level {@code id}, read from the body once verified.
 */
final class StripeScheme extends HmacScheme {
    private static final String SIGNATURE = "Stripe-Signature";

    StripeScheme(Duration tolerance) {
        super(Preset.STRIPE, tolerance, "HmacSHA256");
    }

    @Override
    Signed parse(Headers headers) throws Failure {
        String value = single(headers, SIGNATURE);
        String t = null;
        List<byte[]> signatures = new ArrayList<>(2);
        boolean sawV1 = false;
        for (String item : value.split(",")) {
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new Failure(Reason.MALFORMED_HEADER, "header " + SIGNATURE + " has an item without key=value");
            }
            String key = item.substring(0, eq).trim();
            String v = item.substring(eq + 1).trim();
            if (key.equals("t")) {
                if (t != null) {
                    throw new Failure(Reason.MALFORMED_HEADER, "header " + SIGNATURE + " has more than one t");
                }
                t = v;
            } else if (key.equals("v1")) {
                sawV1 = true;
                try {
                    signatures.add(hex(v, "v1"));
                } catch (Failure ignored) {
                    // A garbled v1 must not hide a valid one sent alongside it during a rotation.
                }
            }
        }
        if (t == null) {
            throw new Failure(Reason.MALFORMED_HEADER, "header " + SIGNATURE + " has no timestamp t");
        }
        long timestamp = unixSeconds(t, "t in header " + SIGNATURE);
        if (signatures.isEmpty()) {
            throw new Failure(
                    Reason.MALFORMED_HEADER,
                    sawV1
                            ? "header " + SIGNATURE + " has no hexadecimal v1 signature"
                            : "header " + SIGNATURE + " has no v1 signature");
        }
        return new Signed(timestamp, ascii(timestamp + "."), empty(), signatures);
    }

    @Override
    byte[] key(SecretMaterial secret) {
        return secret.raw();
    }

    @Override
    String bodyDeliveryId(byte[] body) {
        return topLevelField(body, "id");
    }

    @Override
    public Map<String, String> sign(byte[] body, SecretMaterial secret, Instant timestamp, String deliveryId) {
        long ts = timestamp.getEpochSecond();
        byte[] mac = signWith(secret, ascii(ts + "."), body, empty());
        return headers(SIGNATURE, "t=" + ts + ",v1=" + HEX.formatHex(mac));
    }
}
