package dev.dash.ingestor.sink;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs outgoing webhooks per Standard Webhooks: {@code webhook-signature} is {@code v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">}, once per active secret, space-separated, so a receiver that still knows only the
 * previous secret accepts a message during a rotation.
 */
public final class WebhookSigner {
    private static final String PREFIX = "whsec_";

    private WebhookSigner() {}

    /** The key of a secret: the base64 after {@code whsec_}, or the UTF-8 bytes of any other secret. */
    public static byte[] key(String secret) {
        if (secret.startsWith(PREFIX)) {
            return Base64.getDecoder().decode(secret.substring(PREFIX.length()));
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    /** The {@code webhook-signature} value for the message under every key. */
    public static String signature(String id, long timestampSeconds, byte[] body, List<byte[]> keys) {
        List<String> parts = new ArrayList<>(keys.size());
        byte[] prefix = (id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
        for (byte[] k : keys) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(k, "HmacSHA256"));
                mac.update(prefix);
                parts.add("v1," + Base64.getEncoder().encodeToString(mac.doFinal(body)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
            }
        }
        return String.join(" ", parts);
    }
}
