package dev.dash.model.signature;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.dash.model.json.Json;
import dev.dash.model.signature.VerificationResult.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The shared flow of every HMAC preset: parse the headers into signed content around the body plus the
 * candidate signatures, check the timestamp, then compare an HMAC per active secret in constant time.
 */
abstract class HmacScheme implements SignatureVerifier, SignatureSigner {
    private static final byte[] EMPTY = new byte[0];
    static final HexFormat HEX = HexFormat.of();

    private final Preset preset;
    private final Duration tolerance;
    private final String jcaAlgorithm;

    HmacScheme(Preset preset, Duration tolerance, String jcaAlgorithm) {
        this.preset = preset;
        this.tolerance = tolerance;
        this.jcaAlgorithm = jcaAlgorithm;
    }

    static HmacScheme create(PresetConfig config) {
        Objects.requireNonNull(config, "config");
        Duration t = config.tolerance();
        return switch (config.preset()) {
            case STANDARD_WEBHOOKS -> new StandardWebhooksScheme(Preset.STANDARD_WEBHOOKS, "webhook-", t);
            case SVIX -> new StandardWebhooksScheme(Preset.SVIX, "svix-", t);
            case GITHUB -> new GitHubScheme(t);
            case STRIPE -> new StripeScheme(t);
            case SLACK -> new SlackScheme(t);
            case SHOPIFY -> new ShopifyScheme(t);
            case GENERIC_HMAC -> new GenericHmacScheme(config.generic(), t);
        };
    }

    /**
     * What the headers say: the signed bytes before and after the body, the signed timestamp if the scheme
     * has one, and every candidate signature.
     */
    record Signed(Long timestamp, byte[] before, byte[] after, List<byte[]> signatures) {}

    /** A verification failure raised while parsing headers; cheap, as it carries no stack trace. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Reason reason;

        Failure(Reason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    abstract Signed parse(Headers headers) throws Failure;

    /** The HMAC key for a secret, or null if the secret cannot be used with this scheme. */
    abstract byte[] key(SecretMaterial secret);

    /** The delivery id carried in headers, or null. */
    String headerDeliveryId(Headers headers) {
        return null;
    }

    /** The delivery id carried in the body, read only once the signature is verified; or null. */
    String bodyDeliveryId(byte[] body) {
        return null;
    }

    @Override
    public final Preset preset() {
        return preset;
    }

    @Override
    public final VerificationResult verify(Headers headers, byte[] body, List<SecretMaterial> secrets, Instant now) {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(secrets, "secrets");
        Objects.requireNonNull(now, "now");
        String deliveryId = headerDeliveryId(headers);
        Signed signed;
        try {
            signed = parse(headers);
        } catch (Failure f) {
            return VerificationResult.failed(preset, f.reason, f.getMessage(), deliveryId);
        }
        if (signed.timestamp() != null) {
            long ts = signed.timestamp();
            long nowSeconds = now.getEpochSecond();
            long tol = tolerance.getSeconds();
            if (ts < nowSeconds - tol || ts > nowSeconds + tol) {
                return VerificationResult.failed(
                        preset,
                        Reason.TIMESTAMP_OUT_OF_TOLERANCE,
                        "signed timestamp " + ts + " is " + Math.abs(nowSeconds - ts) + " s from now; tolerance is "
                                + tol + " s",
                        deliveryId);
            }
        }
        boolean anyActive = false;
        boolean anyUsable = false;
        String matched = null;
        for (SecretMaterial secret : secrets) {
            if (!secret.activeAt(now)) {
                continue;
            }
            anyActive = true;
            byte[] key = key(secret);
            if (key == null || key.length == 0) {
                continue;
            }
            anyUsable = true;
            byte[] expected = mac(key, signed.before(), body, signed.after());
            for (byte[] candidate : signed.signatures()) {
                // MessageDigest.isEqual takes time independent of where the arrays differ.
                if (MessageDigest.isEqual(expected, candidate)) {
                    matched = secret.id();
                }
            }
            if (matched != null) {
                break;
            }
        }
        if (!anyActive) {
            return VerificationResult.failed(
                    preset, Reason.NO_ACTIVE_SECRET, "the pipeline has no unexpired secret", deliveryId);
        }
        if (!anyUsable) {
            return VerificationResult.failed(
                    preset,
                    Reason.NO_ACTIVE_SECRET,
                    "no active secret is usable with preset " + preset.jsonName(),
                    deliveryId);
        }
        if (matched == null) {
            return VerificationResult.failed(
                    preset, Reason.BAD_SIGNATURE, "no signature matches an active secret", deliveryId);
        }
        return VerificationResult.verified(preset, matched, deliveryId != null ? deliveryId : bodyDeliveryId(body));
    }

    final byte[] mac(byte[] key, byte[] before, byte[] body, byte[] after) {
        Mac mac = Macs.get(jcaAlgorithm, key);
        mac.update(before);
        mac.update(body);
        mac.update(after);
        return mac.doFinal();
    }

    /**
     * A {@link Mac} per thread and algorithm, kept keyed by the key it was last initialised with: {@code
     * Mac.getInstance} looks the provider up and builds a new engine and digest each time, a few KB and microseconds
     * per request, where one request's HMAC over a single event is a few microseconds.
     */
    private static final class Macs {
        private static final ThreadLocal<Map<String, Macs>> BY_ALGORITHM =
                ThreadLocal.withInitial(() -> new HashMap<>(4));

        private final Mac mac;
        private byte[] key;

        private Macs(Mac mac) {
            this.mac = mac;
        }

        /** The thread's Mac for {@code algorithm}, initialised with {@code key} and reset, ready for updates. */
        static Mac get(String algorithm, byte[] key) {
            Macs m = BY_ALGORITHM.get().get(algorithm);
            try {
                if (m == null) {
                    m = new Macs(Mac.getInstance(algorithm));
                    BY_ALGORITHM.get().put(algorithm, m);
                }
                if (m.key != null && Arrays.equals(m.key, key)) {
                    // The state init left (doFinal returns to it; reset too, should an earlier call have stopped
                    // half-way).
                    m.mac.reset();
                } else {
                    // Forget the key first: should init fail, the next call initialises again.
                    m.key = null;
                    m.mac.init(new SecretKeySpec(key, algorithm));
                    m.key = key.clone();
                }
                return m.mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JVM lacks " + algorithm, e);
            }
        }
    }

    final byte[] signWith(SecretMaterial secret, byte[] before, byte[] body, byte[] after) {
        byte[] key = key(secret);
        if (key == null || key.length == 0) {
            throw new SignatureConfigException(
                    "secret '" + secret.id() + "' is not usable with preset " + preset.jsonName());
        }
        return mac(key, before, body, after);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] empty() {
        return EMPTY;
    }

    static String randomId() {
        return UUID.randomUUID().toString();
    }

    /** The one value of a header the scheme needs. */
    static String single(Headers headers, String name) throws Failure {
        List<String> values = headers.all(name);
        if (values.isEmpty()) {
            throw new Failure(Reason.MISSING_HEADER, "missing header " + name);
        }
        if (values.size() > 1) {
            throw new Failure(Reason.MALFORMED_HEADER, "header " + name + " appears " + values.size() + " times");
        }
        String value = values.get(0).trim();
        if (value.isEmpty()) {
            throw new Failure(Reason.MALFORMED_HEADER, "header " + name + " is empty");
        }
        return value;
    }

    static long unixSeconds(String value, String what) throws Failure {
        if (value.isEmpty() || value.length() > 15) {
            throw new Failure(Reason.MALFORMED_HEADER, what + " must be Unix seconds");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new Failure(Reason.MALFORMED_HEADER, what + " must be Unix seconds");
            }
        }
        return Long.parseLong(value);
    }

    static byte[] hex(String value, String what) throws Failure {
        try {
            if (value.isEmpty() || value.length() % 2 != 0) {
                throw new IllegalArgumentException("odd length");
            }
            return HEX.parseHex(value);
        } catch (IllegalArgumentException e) {
            throw new Failure(Reason.MALFORMED_HEADER, what + " is not hexadecimal");
        }
    }

    static byte[] base64(String value, String what) throws Failure {
        try {
            if (value.isEmpty()) {
                throw new IllegalArgumentException("empty");
            }
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new Failure(Reason.MALFORMED_HEADER, what + " is not base64");
        }
    }

    /** Decodes a base64 secret, with or without the {@code whsec_} prefix; null if it is not base64. */
    static byte[] whsecKey(SecretMaterial secret) {
        String text = secret.text().trim();
        if (text.startsWith("whsec_")) {
            text = text.substring("whsec_".length());
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * A top-level string (or integer) property of a JSON body, read with a streaming parser that stops as
     * soon as it is found; null if the body is not a JSON object or lacks it.
     */
    static String topLevelField(byte[] body, String field) {
        try (JsonParser p = Json.factory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals(name)) {
                    return value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NUMBER_INT ? p.getText() : null;
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException | RuntimeException e) {
            // The body is parsed, and rejected with its own reason, later in the ingest path.
            return null;
        }
    }

    static List<byte[]> one(byte[] signature) {
        List<byte[]> list = new ArrayList<>(1);
        list.add(signature);
        return list;
    }

    static Map<String, String> headers(String... namesAndValues) {
        LinkedHashMap<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
