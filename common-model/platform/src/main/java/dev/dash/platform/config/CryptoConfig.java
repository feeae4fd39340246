package dev.dash.platform.config;

import java.util.Optional;

/**
 * The key ring that encrypts (web-service) and opens (the ingestor) secrets and source/sink configs at rest,
 * under {@code dash.crypto}: a group of the services' own mappings ({@code crypto()}), not a mapping of its own,
 * because replay-service has no key ring and must not be made to configure one.
 */
public interface CryptoConfig {
    /**
     * The key ring: {@code id:base64key[,id:base64key...]}, each key 32 random bytes (AES-256). Every key that
     * encrypted something still stored must stay listed until the re-encryption job has rewritten it.
     */
    String keys();

    /** The id of the key new ciphertexts use; empty for the last key of {@code keys}. */
    Optional<String> activeKey();
}
