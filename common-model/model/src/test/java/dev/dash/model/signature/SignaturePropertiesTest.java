package dev.dash.model.signature;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.signature.VerificationResult.Status;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/** Sign then verify round-trips for any body and secret; any single-bit change is caught; garbage never throws. */
class SignaturePropertiesTest {
    static final Instant NOW = Instant.parse("2026-11-21T10:15:30Z");

    @Provide
    Arbitrary<SignaturePresetsTest.Case> presets() {
        return Arbitraries.of(SignaturePresetsTest.cases().toList());
    }

    @Property(tries = 300)
    void signedRequestsVerifyAndAnyFlippedBitIsRejected(
            @ForAll("presets") SignaturePresetsTest.Case c,
            @ForAll @Size(max = 2048) byte[] body,
            @ForAll @StringLength(min = 1, max = 64) String secretSuffix,
            @ForAll int flip) {
        String secret = c.secret().startsWith("whsec_") ? c.secret() : c.secret() + secretSuffix;
        SecretMaterial s = SecretMaterial.of("k", secret);
        Map<String, String> headers = SignatureSigner.forPreset(c.config()).sign(body, s, NOW, null);
        SignatureVerifier verifier = SignatureVerifier.forPreset(c.config());

        assertThat(verifier.verify(Headers.ofSingle(headers), body, List.of(s), NOW)
                        .status())
                .isEqualTo(Status.VERIFIED);

        if (body.length > 0) {
            byte[] tampered = body.clone();
            int bit = Math.floorMod(flip, body.length * 8);
            tampered[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThat(verifier.verify(Headers.ofSingle(headers), tampered, List.of(s), NOW)
                            .status())
                    .isEqualTo(Status.FAILED);
        }
    }

    @Property(tries = 500)
    void garbageHeadersNeverThrowAndNeverVerify(
            @ForAll("presets") SignaturePresetsTest.Case c,
            @ForAll @StringLength(max = 200) String signatureValue,
            @ForAll @StringLength(max = 30) String timestampValue,
            @ForAll @Size(max = 64) byte[] body) {
        Map<String, String> headers =
                new LinkedHashMap<>(SignatureSigner.forPreset(c.config()).sign(body, c.secret("k"), NOW, "d"));
        headers.put(c.signatureHeader(), signatureValue);
        if (c.timestampHeader() != null) {
            headers.put(c.timestampHeader(), timestampValue);
        }

        VerificationResult r = SignatureVerifier.forPreset(c.config())
                .verify(Headers.ofSingle(headers), body, List.of(c.secret("k")), NOW);

        assertThat(r.status()).isEqualTo(Status.FAILED);
        assertThat(r.reason()).isNotNull();
    }
}
