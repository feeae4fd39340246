package dev.dash.model.signature;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The HMAC engine kept per thread and algorithm ({@code HmacScheme.Macs}) and {@link Headers.Builder}'s map handed
 * over on build: each call gives what a fresh engine and a fresh copy gave, whatever came before on the thread.
 */
class HmacReuseTest {
    static final Instant NOW = Instant.parse("2026-12-07T08:00:00Z");

    static byte[] fresh(String algorithm, byte[] key, byte[] body) throws Exception {
        Mac mac = Mac.getInstance(algorithm);
        mac.init(new SecretKeySpec(key, algorithm));
        return mac.doFinal(body);
    }

    @Test
    void eachMacIsAFreshEnginesWhateverKeysAndAlgorithmsCameBefore() throws Exception {
        HmacScheme github = (HmacScheme) SignatureVerifier.forPreset(PresetConfig.of(Preset.GITHUB));
        byte[][] keys = {
            "k1".getBytes(StandardCharsets.UTF_8),
            "k2-longer-key".getBytes(StandardCharsets.UTF_8),
            new byte[200], // longer than SHA-256's block: hashed first
        };
        for (int round = 0; round < 3; round++) {
            for (byte[] key : keys) {
                for (String text : List.of("", "{}", "{\"n\":" + round + "}")) {
                    byte[] body = text.getBytes(StandardCharsets.UTF_8);
                    byte[] empty = new byte[0];
                    assertThat(github.mac(key, empty, body, empty))
                            .as("round %d key %d body %s", round, key.length, text)
                            .isEqualTo(fresh("HmacSHA256", key, body));
                    // The same key again: the engine is reused as doFinal left it.
                    assertThat(github.mac(key, empty, body, empty)).isEqualTo(fresh("HmacSHA256", key, body));
                }
            }
        }
    }

    @Test
    void aKeyChangedInPlaceIsNotTakenForTheOldOne() throws Exception {
        HmacScheme github = (HmacScheme) SignatureVerifier.forPreset(PresetConfig.of(Preset.GITHUB));
        byte[] key = "secret-a".getBytes(StandardCharsets.UTF_8);
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        byte[] empty = new byte[0];
        byte[] a = github.mac(key, empty, body, empty);
        key[7] = 'b';
        assertThat(github.mac(key, empty, body, empty))
                .isEqualTo(fresh("HmacSHA256", key, body))
                .isNotEqualTo(a);
    }

    @Test
    void secretsOfEveryPresetVerifyInTurnOnOneThread() {
        // Signing and verifying alternate between presets (and so algorithms and keys) on one thread.
        byte[] body = "{\"id\":\"evt_1\"}".getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < 3; round++) {
            for (Preset preset : List.of(Preset.GITHUB, Preset.STRIPE, Preset.SLACK, Preset.SHOPIFY)) {
                PresetConfig config = PresetConfig.of(preset);
                SecretMaterial right = SecretMaterial.of("s1", "right-" + preset + "-" + round);
                SecretMaterial wrong = SecretMaterial.of("s0", "wrong-" + preset);
                Map<String, String> signed = SignatureSigner.forPreset(config).sign(body, right, NOW, "d-1");
                VerificationResult r = SignatureVerifier.forPreset(config)
                        .verify(Headers.ofSingle(signed), body, List.of(wrong, right), NOW);
                assertThat(r.isVerified()).as("%s round %d", preset, round).isTrue();
                assertThat(r.secretId()).isEqualTo("s1");
                VerificationResult bad =
                        SignatureVerifier.forPreset(config).verify(Headers.ofSingle(signed), body, List.of(wrong), NOW);
                assertThat(bad.isFailed()).isTrue();
            }
        }
    }

    @Test
    void aBuilderAddedToAfterBuildLeavesTheBuiltHeadersAlone() {
        Headers.Builder b = Headers.builder().add("X-One", "1").add("x-one", "2");
        Headers first = b.build();
        b.add("X-Two", "a").add("X-ONE", "3");
        Headers second = b.build();
        assertThat(first.names()).containsExactlyInAnyOrder("x-one");
        assertThat(first.all("X-One")).containsExactly("1", "2");
        assertThat(second.all("x-one")).containsExactly("1", "2", "3");
        assertThat(second.first("x-two")).isEqualTo("a");
        assertThat(first).isEqualTo(Headers.of(Map.of("x-one", List.of("1", "2"))));
    }
}
