package dev.dash.model.signature;

import java.time.Instant;
import java.util.Map;

/**
 * Signs a request the way a provider would, for tests, the load generator and the ready-to-paste curl
 * examples shown when a pipeline is created. Instances are immutable and thread-safe.
 */
public interface SignatureSigner {

    /**
     * The signer for a configuration.
     *
     * @param config the pipeline's signature configuration
     * @return the signer
     */
    static SignatureSigner forPreset(PresetConfig config) {
        return HmacScheme.create(config);
    }

    /**
     * The headers to send with a body.
     *
     * @param body the exact body bytes that will be sent
     * @param secret the secret to sign with
     * @param timestamp the signing time (used by schemes that sign a timestamp)
     * @param deliveryId the delivery id to send in a header, for schemes that carry one in a header
     *     (Standard Webhooks, Svix, GitHub, Shopify, a generic recipe with an id header); a random one is
     *     generated when null. Stripe and Slack carry their ids inside the body, so it is ignored there.
     * @return header names (as providers spell them) to values, in a stable order
     */
    Map<String, String> sign(byte[] body, SecretMaterial secret, Instant timestamp, String deliveryId);
}
