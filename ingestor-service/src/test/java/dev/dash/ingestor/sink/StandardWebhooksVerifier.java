package dev.dash.ingestor.sink;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A receiver's verification of a Standard Webhooks message, written from the specification
 * (standardwebhooks.com, "Verifying webhook authenticity") independently of Dash's signer: the key is the
 * base64 after {@code whsec_}; the signed content is {@code id.timestamp.body}; the header holds
 * space-separated {@code v1,<base64>} signatures, any of which may match; the timestamp must be within five
 * minutes. Checked against the specification's published test vector in {@code WebhookSignerTest}.
 */
final class StandardWebhooksVerifier {
    private StandardWebhooksVerifier() {}

    static boolean verify(String secret, String id, String timestamp, String signatureHeader, byte[] body) {
        if (id == null || timestamp == null || signatureHeader == null) {
            return false;
        }
        long ts = Long.parseLong(timestamp);
        if (Math.abs(System.currentTimeMillis() / 1000 - ts) > 300) {
            return false;
        }
        try {
            byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] content = (id + "." + timestamp + "." + new String(body, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8);
            byte[] expected = mac.doFinal(content);
            for (String part : signatureHeader.split(" ")) {
                String[] vs = part.split(",", 2);
                if (vs.length == 2
                        && vs[0].equals("v1")
                        && MessageDigest.isEqual(expected, Base64.getDecoder().decode(vs[1]))) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }
}
