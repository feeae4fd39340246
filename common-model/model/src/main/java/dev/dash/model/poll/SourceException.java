package dev.dash.model.poll;

import java.time.Duration;

/** A poll request that failed, and how: the kind decides whether it is retried and whether it counts against the source. */
public class SourceException extends RuntimeException {
    /** How a request failed. */
    public enum Kind {
        /** No answer within the timeout. */
        TIMEOUT,
        /** The connection failed or broke. */
        CONNECTION,
        /** An HTTP status other than 2xx (and 429). */
        HTTP_STATUS,
        /** {@code 429 Too Many Requests}; {@link #retryAfter()} tells how long to wait. */
        RATE_LIMITED,
        /** The response exceeds the size cap. */
        TOO_LARGE,
        /** The response is not what the configuration expects (not JSON, GraphQL errors). */
        BAD_RESPONSE,
        /** The destination is not allowed (server-side request forgery guard). */
        REFUSED,
        /** The OAuth token endpoint refused or failed. */
        AUTH
    }

    private final Kind kind;
    private final int status;
    private final Duration retryAfter;

    /**
     * @param kind the kind
     * @param message what happened
     */
    public SourceException(Kind kind, String message) {
        this(kind, message, 0, null);
    }

    /**
     * @param kind the kind
     * @param message what happened
     * @param status the HTTP status, 0 when none
     * @param retryAfter the server's {@code Retry-After}, or null
     */
    public SourceException(Kind kind, String message, int status, Duration retryAfter) {
        super(message);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /** The kind. */
    public Kind kind() {
        return kind;
    }

    /** The HTTP status, 0 when none. */
    public int status() {
        return status;
    }

    /** The server's {@code Retry-After}, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Whether trying again may help (timeouts, connection failures, 5xx, 408). */
    public boolean retryable() {
        return kind == Kind.TIMEOUT
                || kind == Kind.CONNECTION
                || (kind == Kind.HTTP_STATUS && (status >= 500 || status == 408));
    }
}
