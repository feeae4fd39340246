package dev.dash.model.bronze;

import java.io.IOException;

/**
 * The one error type of the Bronze reader for bad content (as opposed to a failing source stream, which
 * surfaces as its own {@link IOException}): a line that is not an envelope, a line over the size limit, or
 * a gzip stream that is corrupt or truncated. Replay quarantines or reports these with the object key and
 * line number.
 */
public class BronzeFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long lineNumber;
    private final boolean recoverable;

    /**
     * Creates the exception.
     *
     * @param lineNumber 1-based line number where the problem was found (0 before the first line)
     * @param recoverable true if the reader can continue with the next line
     * @param message what is wrong
     * @param cause the underlying error, or null
     */
    public BronzeFormatException(long lineNumber, boolean recoverable, String message, Throwable cause) {
        super("line " + lineNumber + ": " + message, cause);
        this.lineNumber = lineNumber;
        this.recoverable = recoverable;
    }

    /**
     * Where the problem was found.
     *
     * @return the 1-based line number, or 0 before the first line
     */
    public long lineNumber() {
        return lineNumber;
    }

    /**
     * Whether reading can go on: true for one bad line, false for a broken gzip stream.
     *
     * @return true if the next call to {@link BronzeReader#next()} may return more envelopes
     */
    public boolean recoverable() {
        return recoverable;
    }
}
