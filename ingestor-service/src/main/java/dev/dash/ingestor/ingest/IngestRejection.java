package dev.dash.ingestor.ingest;

import java.util.Map;

/**
 * Why a request is refused: the HTTP status, a stable error code, the field at fault and a reason, plus
 * response headers (Retry-After, X-RateLimit-*). Thrown inside the ingest flow, turned into the JSON error
 * body by {@link IngestResource}; it carries no stack trace, since it is an answer, not a failure.
 */
public final class IngestRejection extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;
    private final String field;
    private final Integer line;
    private final transient Map<String, String> headers;

    public IngestRejection(
            int status, String error, String field, String reason, Integer line, Map<String, String> headers) {
        super(reason, null, false, false);
        this.status = status;
        this.error = error;
        this.field = field;
        this.line = line;
        this.headers = headers == null ? Map.of() : headers;
    }

    public IngestRejection(int status, String error, String field, String reason) {
        this(status, error, field, reason, null, null);
    }

    /** HTTP status. */
    public int status() {
        return status;
    }

    /** Stable machine-readable code, also the metrics tag. */
    public String error() {
        return error;
    }

    /** The input at fault (a header name, {@code body}, {@code pipelineId}), or null. */
    public String field() {
        return field;
    }

    /** For NDJSON: the 1-based line at fault, or null. */
    public Integer line() {
        return line;
    }

    /** Extra response headers. */
    public Map<String, String> headers() {
        return headers;
    }
}
