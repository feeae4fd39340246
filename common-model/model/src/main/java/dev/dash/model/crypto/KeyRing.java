package dev.dash.model.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption at rest of pipeline secrets, source and sink configs: AES-256-GCM with a fresh 96-bit nonce
 * per message, under one of several named keys. The key id travels inside the ciphertext, so old
 * ciphertexts stay readable after a new key becomes active (master-key rotation), and
 * {@link #needsReencryption} tells which rows to rewrite.
 *
 * <p>Every ciphertext is bound to a context (e.g. {@code "pipeline_secret:<id>"}) as GCM associated data:
 * a ciphertext copied to another row does not open there.
 *
 * <p>Format: {@code 0x01 | key id length (1 byte) | key id (ASCII) | nonce (12) | ciphertext and tag (16)}.
 */
public final class KeyRing {
    private static final byte FORMAT = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, SecretKey> keys;
    private final String activeKeyId;

    private KeyRing(Map<String, SecretKey> keys, String activeKeyId) {
        this.keys = Map.copyOf(keys);
        this.activeKeyId = activeKeyId;
    }

    /**
     * Parses a key ring: {@code id:base64key[,id:base64key...]}, each key 32 bytes.
     *
     * @param spec the ring, as in {@code DASH_CRYPTO_KEYS}
     * @param activeKeyId the key new ciphertexts use; null or blank for the last key listed
     * @throws CryptoException naming the malformed entry (never echoing key material)
     */
    public static KeyRing parse(String spec, String activeKeyId) {
        if (spec == null || spec.isBlank()) {
            throw new CryptoException("the key ring is empty: set id:base64key[,id:base64key...]", null);
        }
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        String last = null;
        int index = 0;
        for (String entry : spec.split(",")) {
            index++;
            String e = entry.strip();
            int colon = e.indexOf(':');
            if (colon <= 0) {
                throw new CryptoException("key ring entry " + index + " is not of the form id:base64key", null);
            }
            String id = e.substring(0, colon);
            if (!id.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new CryptoException("key ring entry " + index + ": key id must be 1-64 of [A-Za-z0-9_.-]", null);
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(e.substring(colon + 1));
            } catch (IllegalArgumentException ex) {
                throw new CryptoException("key ring entry " + index + " (" + id + "): key is not base64", null);
            }
            if (key.length != 32) {
                throw new CryptoException(
                        "key ring entry " + index + " (" + id + "): key must be 32 bytes, got " + key.length, null);
            }
            if (keys.put(id, new SecretKeySpec(key, "AES")) != null) {
                throw new CryptoException("key ring entry " + index + ": duplicate key id " + id, null);
            }
            last = id;
        }
        String active = activeKeyId == null || activeKeyId.isBlank() ? last : activeKeyId;
        if (!keys.containsKey(active)) {
            throw new CryptoException("the active key " + active + " is not in the key ring", null);
        }
        return new KeyRing(keys, active);
    }

    /** A new random 256-bit key, base64, for {@code DASH_CRYPTO_KEYS}. */
    public static String generateKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** The id of the key new ciphertexts use. */
    public String activeKeyId() {
        return activeKeyId;
    }

    /** Encrypts under the active key, bound to {@code context}. */
    public byte[] encrypt(byte[] plaintext, String context) {
        byte[] id = activeKeyId.getBytes(StandardCharsets.US_ASCII);
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(activeKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(2 + id.length + NONCE_BYTES + sealed.length)
                    .put(FORMAT)
                    .put((byte) id.length)
                    .put(id)
                    .put(nonce)
                    .put(sealed)
                    .array();
        } catch (GeneralSecurityException e) {
            throw new CryptoException("encryption failed: " + e.getMessage(), e);
        }
    }

    /** Encrypts a UTF-8 string. */
    public byte[] encryptString(String plaintext, String context) {
        return encrypt(plaintext.getBytes(StandardCharsets.UTF_8), context);
    }

    /**
     * Opens a ciphertext made by {@link #encrypt} with the same context.
     *
     * @throws CryptoException when the format is unknown, the key is not in the ring, or the ciphertext or
     *     context does not authenticate
     */
    public byte[] decrypt(byte[] ciphertext, String context) {
        ByteBuffer in = ByteBuffer.wrap(ciphertext);
        if (ciphertext.length < 2 || in.get() != FORMAT) {
            throw new CryptoException("unknown ciphertext format", null);
        }
        int idLength = in.get() & 0xff;
        if (in.remaining() < idLength + NONCE_BYTES + TAG_BITS / 8) {
            throw new CryptoException("ciphertext is truncated", null);
        }
        byte[] id = new byte[idLength];
        in.get(id);
        String keyId = new String(id, StandardCharsets.US_ASCII);
        SecretKey key = keys.get(keyId);
        if (key == null) {
            throw new CryptoException("ciphertext key " + keyId + " is not in the key ring", null);
        }
        byte[] nonce = new byte[NONCE_BYTES];
        in.get(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(ciphertext, in.position(), in.remaining());
        } catch (GeneralSecurityException e) {
            throw new CryptoException("ciphertext does not authenticate (tampered, or another context)", e);
        }
    }

    /** Opens a ciphertext of a UTF-8 string. */
    public String decryptString(byte[] ciphertext, String context) {
        return new String(decrypt(ciphertext, context), StandardCharsets.UTF_8);
    }

    /** True when the ciphertext was made under another key than the active one (rewrite it on rotation). */
    public boolean needsReencryption(byte[] ciphertext) {
        if (ciphertext.length < 2) {
            return true;
        }
        int idLength = ciphertext[1] & 0xff;
        return ciphertext.length < 2 + idLength
                || !new String(ciphertext, 2, idLength, StandardCharsets.US_ASCII).equals(activeKeyId);
    }
}
