package dev.dash.model.signature;

import java.time.Instant;
import java.util.List;

/**
 * Checks a request's signature over its exact raw body bytes, in constant time, for one pipeline's
 * {@link PresetConfig}. Instances are immutable and thread-safe; build one per configuration and reuse it.
 *
 * <pre>{@code
 * SignatureVerifier verifier = SignatureVerifier.forPreset(PresetConfig.of(Preset.GITHUB));
 * VerificationResult r = verifier.verify(headers, body, secrets, Instant.now());
 * if (r.isFailed()) -> 401 with r.reason()
 * }</pre>
 */
public interface SignatureVerifier {

    /**
     * The verifier for a configuration.
     *
     * @param config the pipeline's signature configuration
     * @return the verifier
     */
    static SignatureVerifier forPreset(PresetConfig config) {
        return HmacScheme.create(config);
    }

    /**
     * The preset this verifier checks.
     *
     * @return the preset
     */
    Preset preset();

    /**
     * Verifies one request. Never throws for anything the request contains: every failure is a result with
     * a precise {@link VerificationResult.Reason}. Checks run in this order: required headers present and
     * well-formed, signed timestamp within tolerance, an unexpired usable secret, a matching signature.
     *
     * @param headers the request headers
     * @param body the exact raw body bytes as received
     * @param secrets the pipeline's decrypted secrets, expired ones included (they are skipped)
     * @param now the current time, for tolerance and expiry
     * @return the result, with the provider's delivery id when the request carries one
     */
    VerificationResult verify(Headers headers, byte[] body, List<SecretMaterial> secrets, Instant now);
}
