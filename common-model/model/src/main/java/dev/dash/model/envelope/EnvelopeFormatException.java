package dev.dash.model.envelope;

/**
 * The one error type of the envelope codec: bytes that are not a raw event envelope (not JSON, a missing or
 * invalid field, an unknown version). A consumer that meets one sends the record to quarantine instead of
 * failing.
 */
public class EnvelopeFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong
     * @param cause the underlying error, or null
     */
    public EnvelopeFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
