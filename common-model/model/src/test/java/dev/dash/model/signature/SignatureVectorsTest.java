package dev.dash.model.signature;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import dev.dash.model.signature.VerificationResult.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The providers' published examples (and openssl-computed ones where none is published) verify and re-sign. */
class SignatureVectorsTest {

    record Vector(
            String name,
            PresetConfig config,
            String secret,
            byte[] body,
            Instant now,
            Map<String, String> headers,
            String deliveryId) {
        @Override
        public String toString() {
            return name;
        }
    }

    static JsonNode file() throws IOException {
        try (InputStream in = SignatureVectorsTest.class.getResourceAsStream("/signature-vectors.json")) {
            return Json.reader().readTree(in);
        }
    }

    static Stream<Vector> vectors() throws IOException {
        List<Vector> out = new ArrayList<>();
        for (JsonNode v : file().get("vectors")) {
            Preset preset = Preset.fromJsonName(v.get("preset").asText());
            PresetConfig config = preset == Preset.GENERIC_HMAC
                    ? PresetConfig.generic(GenericHmacRecipe.fromJson(v.get("generic")))
                    : PresetConfig.of(preset);
            Map<String, String> headers = new LinkedHashMap<>();
            v.get("headers")
                    .fields()
                    .forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
            out.add(new Vector(
                    v.get("preset").asText() + " (" + v.get("origin").asText() + ")",
                    config,
                    v.get("secret").asText(),
                    v.get("body").asText().getBytes(StandardCharsets.UTF_8),
                    Instant.ofEpochSecond(v.get("now").asLong()),
                    headers,
                    v.get("delivery_id").isNull() ? null : v.get("delivery_id").asText()));
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("vectors")
    void verifiesTheVector(Vector v) {
        VerificationResult r = SignatureVerifier.forPreset(v.config())
                .verify(
                        Headers.ofSingle(v.headers()),
                        v.body(),
                        List.of(SecretMaterial.of("doc", v.secret())),
                        v.now());

        assertThat(r.status()).as(r.toString()).isEqualTo(VerificationResult.Status.VERIFIED);
        assertThat(r.secretId()).isEqualTo("doc");
        assertThat(r.deliveryId()).isEqualTo(v.deliveryId());
    }

    @ParameterizedTest
    @MethodSource("vectors")
    void signerReproducesTheVectorSignature(Vector v) {
        Map<String, String> signed = SignatureSigner.forPreset(v.config())
                .sign(v.body(), SecretMaterial.of("doc", v.secret()), v.now(), v.deliveryId());

        for (Map.Entry<String, String> expected : v.headers().entrySet()) {
            String actual = signed.get(expected.getKey());
            if (actual == null) {
                continue;
            }
            if (expected.getKey().equals("Stripe-Signature")) {
                // The signer sends v1 only; the vector also carries a v0 from Stripe's documentation.
                assertThat(expected.getValue()).startsWith(actual);
            } else {
                assertThat(actual).as(expected.getKey()).isEqualTo(expected.getValue());
            }
        }
    }

    @Test
    void stripeDocumentedHeaderParsesAndFailsOnlyOnTheSignature() throws IOException {
        String header = file().get("stripe_documented_header").asText();
        VerificationResult r = SignatureVerifier.forPreset(PresetConfig.of(Preset.STRIPE))
                .verify(
                        Headers.ofSingle(Map.of("Stripe-Signature", header)),
                        "{}".getBytes(StandardCharsets.UTF_8),
                        List.of(SecretMaterial.of("s", "whsec_unknown")),
                        Instant.ofEpochSecond(1492774577));

        assertThat(r.reason()).isEqualTo(Reason.BAD_SIGNATURE);
    }
}
