package dev.dash.model.crypto;

/** A ciphertext cannot be opened (unknown key, tampered, wrong context) or a key ring is malformed. */
public class CryptoException extends RuntimeException {
    /**
     * @param message what went wrong; never contains key material or plaintext
     * @param cause the underlying failure, may be null
     */
    public CryptoException(String message, Throwable cause) {
        super(message, cause);
    }
}
