package dev.dash.model.signature;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.signature.GenericHmacRecipe.Algorithm;
import dev.dash.model.signature.GenericHmacRecipe.Encoding;
import dev.dash.model.signature.GenericHmacRecipe.SecretFormat;
import dev.dash.model.signature.VerificationResult.Reason;
import dev.dash.model.signature.VerificationResult.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every preset accepts what its signer produces and rejects each kind of bad request with the precise reason. */
class SignaturePresetsTest {
    static final Instant NOW = Instant.parse("2026-11-21T10:15:30Z");
    static final byte[] BODY =
            "{\"id\":\"evt_1\",\"event_id\":\"Ev1\",\"amount\":4200}".getBytes(StandardCharsets.UTF_8);

    /** A preset under test, with the header that carries its signature and the one carrying its timestamp. */
    record Case(String name, PresetConfig config, String secret, String signatureHeader, String timestampHeader) {
        @Override
        public String toString() {
            return name;
        }

        SecretMaterial secret(String id) {
            return SecretMaterial.of(id, secret);
        }

        String otherSecret() {
            return secret.startsWith("whsec_") ? "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=" : secret + "-other";
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case(
                        "standard_webhooks",
                        PresetConfig.of(Preset.STANDARD_WEBHOOKS),
                        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                        "webhook-signature",
                        "webhook-timestamp"),
                new Case(
                        "svix",
                        PresetConfig.of(Preset.SVIX),
                        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                        "svix-signature",
                        "svix-timestamp"),
                new Case(
                        "github",
                        PresetConfig.of(Preset.GITHUB),
                        "It's a Secret to Everybody",
                        "X-Hub-Signature-256",
                        null),
                new Case("stripe", PresetConfig.of(Preset.STRIPE), "whsec_test_secret", "Stripe-Signature", null),
                new Case(
                        "slack",
                        PresetConfig.of(Preset.SLACK),
                        "8f742231b10e8888abcd99yyyzzz85a5",
                        "X-Slack-Signature",
                        "X-Slack-Request-Timestamp"),
                new Case(
                        "shopify",
                        PresetConfig.of(Preset.SHOPIFY),
                        "shpss_0123456789abcdef",
                        "X-Shopify-Hmac-Sha256",
                        null),
                new Case(
                        "generic hex sha512 with timestamp",
                        PresetConfig.generic(new GenericHmacRecipe(
                                "X-Signature",
                                "sha512=",
                                Encoding.HEX,
                                Algorithm.SHA512,
                                "{timestamp}.{body}",
                                "X-Delivery",
                                "X-Timestamp",
                                SecretFormat.RAW)),
                        "generic-secret",
                        "X-Signature",
                        "X-Timestamp"),
                new Case(
                        "generic base64 sha256 over id and body",
                        PresetConfig.generic(new GenericHmacRecipe(
                                "X-Sig",
                                "",
                                Encoding.BASE64,
                                Algorithm.SHA256,
                                "{id}:{body}:end",
                                "X-Id",
                                null,
                                SecretFormat.BASE64)),
                        "whsec_c2VjcmV0LWJ5dGVzLWZvci1nZW5lcmljLWhtYWM=",
                        "X-Sig",
                        null));
    }

    static Stream<Arguments> casesWithTimestamp() {
        return cases().filter(c -> c.timestampHeader() != null || c.name().equals("stripe"))
                .map(Arguments::of);
    }

    static Map<String, String> sign(Case c, SecretMaterial secret, Instant at) {
        return SignatureSigner.forPreset(c.config()).sign(BODY, secret, at, "delivery-1");
    }

    static VerificationResult verify(Case c, Map<String, String> headers, byte[] body, List<SecretMaterial> secrets) {
        return SignatureVerifier.forPreset(c.config()).verify(Headers.ofSingle(headers), body, secrets, NOW);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void acceptsAValidRequest(Case c) {
        VerificationResult r = verify(c, sign(c, c.secret("s1"), NOW), BODY, List.of(c.secret("s1")));

        assertThat(r.status()).as(String.valueOf(r)).isEqualTo(Status.VERIFIED);
        assertThat(r.secretId()).isEqualTo("s1");
        assertThat(r.preset()).isEqualTo(c.config().preset());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void headerNamesAreCaseInsensitive(Case c) {
        Map<String, String> upper = new HashMap<>();
        sign(c, c.secret("s1"), NOW).forEach((k, v) -> upper.put(k.toUpperCase(Locale.ROOT), v));

        assertThat(verify(c, upper, BODY, List.of(c.secret("s1"))).isVerified()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rejectsATamperedBody(Case c) {
        byte[] tampered = BODY.clone();
        tampered[tampered.length - 2] ^= 1;

        VerificationResult r = verify(c, sign(c, c.secret("s1"), NOW), tampered, List.of(c.secret("s1")));

        assertThat(r.reason()).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(r.secretId()).isNull();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rejectsAWrongSecret(Case c) {
        VerificationResult r =
                verify(c, sign(c, c.secret("s1"), NOW), BODY, List.of(SecretMaterial.of("s2", c.otherSecret())));

        assertThat(r.reason()).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @ParameterizedTest
    @MethodSource("casesWithTimestamp")
    void rejectsAStaleOrFutureTimestamp(Case c) {
        Instant stale = NOW.minus(Duration.ofSeconds(301));
        Instant future = NOW.plus(Duration.ofSeconds(301));

        assertThat(verify(c, sign(c, c.secret("s1"), stale), BODY, List.of(c.secret("s1")))
                        .reason())
                .isEqualTo(Reason.TIMESTAMP_OUT_OF_TOLERANCE);
        assertThat(verify(c, sign(c, c.secret("s1"), future), BODY, List.of(c.secret("s1")))
                        .reason())
                .isEqualTo(Reason.TIMESTAMP_OUT_OF_TOLERANCE);
        assertThat(verify(c, sign(c, c.secret("s1"), NOW.minusSeconds(299)), BODY, List.of(c.secret("s1")))
                        .isVerified())
                .isTrue();
    }

    @ParameterizedTest
    @MethodSource("casesWithTimestamp")
    void toleranceIsPerPipeline(Case c) {
        Case strict = new Case(
                c.name(),
                c.config().withTolerance(Duration.ofSeconds(10)),
                c.secret(),
                c.signatureHeader(),
                c.timestampHeader());

        assertThat(verify(strict, sign(c, c.secret("s1"), NOW.minusSeconds(11)), BODY, List.of(c.secret("s1")))
                        .reason())
                .isEqualTo(Reason.TIMESTAMP_OUT_OF_TOLERANCE);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rejectsAMissingSignatureHeader(Case c) {
        Map<String, String> headers = new LinkedHashMap<>(sign(c, c.secret("s1"), NOW));
        headers.remove(c.signatureHeader());

        VerificationResult r = verify(c, headers, BODY, List.of(c.secret("s1")));

        assertThat(r.reason()).isEqualTo(Reason.MISSING_HEADER);
        assertThat(r.detail()).containsIgnoringCase(c.signatureHeader());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rejectsMalformedSignatureHeaders(Case c) {
        for (String garbage : List.of("%%%", "v1 v2", "sha256=zz", "v0=", "t=,v1=", "   ")) {
            Map<String, String> headers = new LinkedHashMap<>(sign(c, c.secret("s1"), NOW));
            headers.put(c.signatureHeader(), garbage);

            VerificationResult r = verify(c, headers, BODY, List.of(c.secret("s1")));

            assertThat(r.reason()).as(garbage).isEqualTo(Reason.MALFORMED_HEADER);
        }
    }

    @ParameterizedTest
    @MethodSource("casesWithTimestamp")
    void rejectsAMalformedTimestamp(Case c) {
        Map<String, String> headers = new LinkedHashMap<>(sign(c, c.secret("s1"), NOW));
        if (c.timestampHeader() != null) {
            headers.put(c.timestampHeader(), "yesterday");
        } else {
            headers.put(c.signatureHeader(), headers.get(c.signatureHeader()).replaceFirst("t=\\d+", "t=yesterday"));
        }

        assertThat(verify(c, headers, BODY, List.of(c.secret("s1"))).reason()).isEqualTo(Reason.MALFORMED_HEADER);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rejectsADuplicatedSignatureHeader(Case c) {
        Map<String, String> signed = sign(c, c.secret("s1"), NOW);
        Headers.Builder b = Headers.builder();
        signed.forEach(b::add);
        b.add(c.signatureHeader(), signed.get(c.signatureHeader()));

        VerificationResult r =
                SignatureVerifier.forPreset(c.config()).verify(b.build(), BODY, List.of(c.secret("s1")), NOW);

        assertThat(r.reason()).isEqualTo(Reason.MALFORMED_HEADER);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rejectsWhenNoSecretIsActive(Case c) {
        Map<String, String> headers = sign(c, c.secret("s1"), NOW);
        SecretMaterial expired = new SecretMaterial("s1", c.secret("s1").value(), NOW);

        assertThat(verify(c, headers, BODY, List.of(expired)).reason()).isEqualTo(Reason.NO_ACTIVE_SECRET);
        assertThat(verify(c, headers, BODY, List.of()).reason()).isEqualTo(Reason.NO_ACTIVE_SECRET);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rotationAcceptsEitherActiveSecretAndNamesTheOneThatMatched(Case c) {
        SecretMaterial old = new SecretMaterial("old", c.secret("old").value(), NOW.plusSeconds(60));
        SecretMaterial next = SecretMaterial.of("new", c.otherSecret());
        List<SecretMaterial> both = List.of(old, next);

        assertThat(verify(c, sign(c, old, NOW), BODY, both).secretId()).isEqualTo("old");
        assertThat(verify(c, sign(c, next, NOW), BODY, both).secretId()).isEqualTo("new");

        SecretMaterial oldExpired = new SecretMaterial("old", c.secret("old").value(), NOW);
        assertThat(verify(c, sign(c, old, NOW), BODY, List.of(oldExpired, next)).reason())
                .isEqualTo(Reason.BAD_SIGNATURE);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void reportsTheDeliveryId(Case c) {
        VerificationResult r = verify(c, sign(c, c.secret("s1"), NOW), BODY, List.of(c.secret("s1")));

        String expected = switch (c.config().preset()) {
            case STRIPE -> "evt_1";
            case SLACK -> "Ev1";
            case GENERIC_HMAC -> c.config().generic().idHeader() == null ? null : "delivery-1";
            default -> "delivery-1";
        };
        assertThat(r.deliveryId()).isEqualTo(expected);
    }
}
