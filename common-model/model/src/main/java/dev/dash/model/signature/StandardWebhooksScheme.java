package dev.dash.model.signature;

import dev.dash.model.signature.VerificationResult.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Standard Webhooks (standardwebhooks.com), under the {@code webhook-} or Svix's {@code svix-} header
 * names: HMAC-SHA256 over {@code id.timestamp.body}, key = base64 after {@code whsec_}, header value = one or
 * more space-separated {@code v1,<base64>}; other versions (such as {@code v1a}) are ignored.
 */
final class StandardWebhooksScheme extends HmacScheme {
    private final String idHeader;
    private final String timestampHeader;
    private final String signatureHeader;

    StandardWebhooksScheme(Preset preset, String headerPrefix, Duration tolerance) {
        super(preset, tolerance, "HmacSHA256");
        this.idHeader = headerPrefix + "id";
        this.timestampHeader = headerPrefix + "timestamp";
        this.signatureHeader = headerPrefix + "signature";
    }

    @Override
    Signed parse(Headers headers) throws Failure {
        String id = single(headers, idHeader);
        long timestamp = unixSeconds(single(headers, timestampHeader), "header " + timestampHeader);
        String value = single(headers, signatureHeader);
        List<byte[]> signatures = new ArrayList<>(2);
        boolean sawV1 = false;
        for (String entry : value.split(" ")) {
            if (!entry.startsWith("v1,")) {
                continue;
            }
            sawV1 = true;
            try {
                signatures.add(Base64.getDecoder().decode(entry.substring(3)));
            } catch (IllegalArgumentException e) {
                // One garbled entry must not hide a valid one sent alongside it during a rotation.
            }
        }
        if (signatures.isEmpty()) {
            throw new Failure(
                    Reason.MALFORMED_HEADER,
                    sawV1
                            ? "header " + signatureHeader + " has no base64 v1 signature"
                            : "header " + signatureHeader + " has no v1 signature");
        }
        return new Signed(timestamp, ascii(id + "." + timestamp + "."), empty(), signatures);
    }

    @Override
    byte[] key(SecretMaterial secret) {
        return whsecKey(secret);
    }

    @Override
    String headerDeliveryId(Headers headers) {
        return headers.first(idHeader);
    }

    @Override
    public Map<String, String> sign(byte[] body, SecretMaterial secret, Instant timestamp, String deliveryId) {
        String id = deliveryId != null ? deliveryId : "msg_" + randomId().replace("-", "");
        long ts = timestamp.getEpochSecond();
        byte[] mac = signWith(secret, ascii(id + "." + ts + "."), body, empty());
        return headers(
                idHeader,
                id,
                timestampHeader,
                Long.toString(ts),
                signatureHeader,
                "v1," + Base64.getEncoder().encodeToString(mac));
    }
}
