package dev.dash.model.signature;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * One decrypted pipeline secret, as the producer was given it (for example {@code whsec_...} or a GitHub
 * webhook secret). Each preset derives its HMAC key from these bytes. Several may be active at once while
 * a secret is rotated; a secret is active while {@code now} is before {@code notAfter}.
 *
 * <p>{@link #toString()} never prints the secret.
 *
 * @param id the secret's id, reported back when its signature matches
 * @param value the secret as the producer holds it, usually its UTF-8 text
 * @param notAfter the instant from which the secret is no longer accepted; null for no expiry
 */
public record SecretMaterial(String id, byte[] value, Instant notAfter) {

    /** Validates and copies the value, so later changes to the caller's array cannot alter the secret. */
    public SecretMaterial {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(value, "value");
        if (value.length == 0) {
            throw new SignatureConfigException("secret '" + id + "' is empty");
        }
        value = value.clone();
    }

    /**
     * A secret given as text.
     *
     * @param id the secret's id
     * @param secret the secret text
     * @param notAfter expiry, or null
     * @return the secret
     */
    public static SecretMaterial of(String id, String secret, Instant notAfter) {
        return new SecretMaterial(id, secret.getBytes(StandardCharsets.UTF_8), notAfter);
    }

    /**
     * A secret with no expiry, given as text.
     *
     * @param id the secret's id
     * @param secret the secret text
     * @return the secret
     */
    public static SecretMaterial of(String id, String secret) {
        return of(id, secret, null);
    }

    /**
     * A copy of the secret bytes.
     *
     * @return the bytes
     */
    @Override
    public byte[] value() {
        return value.clone();
    }

    /**
     * Whether the secret is accepted at an instant.
     *
     * @param now the instant
     * @return true if unexpired
     */
    public boolean activeAt(Instant now) {
        return notAfter == null || now.isBefore(notAfter);
    }

    /** The secret bytes without a copy, for key derivation inside this package. */
    byte[] raw() {
        return value;
    }

    /** The secret as UTF-8 text, for schemes whose secrets are text. */
    String text() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretMaterial s
                && id.equals(s.id)
                && Arrays.equals(value, s.value)
                && Objects.equals(notAfter, s.notAfter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(value), notAfter);
    }

    @Override
    public String toString() {
        return "SecretMaterial[id=" + id + ", notAfter=" + notAfter + "]";
    }
}
