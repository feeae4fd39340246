package dev.dash.model.signature;

/**
 * The one error type of the signature feature: a preset configuration or secret that cannot be used
 * (unknown preset, invalid generic recipe, unusable tolerance). Request failures are never thrown; they
 * are {@link VerificationResult}s.
 */
public class SignatureConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong with the configuration
     */
    public SignatureConfigException(String message) {
        super(message);
    }
}
