package dev.dash.ingestor.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.dash.model.api.ApiError;
import dev.dash.model.api.FieldError;
import java.util.List;
import java.util.Map;

/**
 * Why a request is refused: the HTTP status, a stable error code, the field at fault and a reason, plus
 * response headers (Retry-After, X-RateLimit-*). Thrown inside the ingest checks, handed out by {@link
 * IngestService} as {@link IngestResult.Refused}, and written by {@link IngestResource} as {@link #body()}: the
 * {@link ApiError} every Dash endpoint answers with. It carries no stack trace, since it is an answer, not a
 * failure.
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

    /** The JSON error body: {@link ApiError}'s fields, then {@code line} for a refused NDJSON batch. */
    public Body body() {
        List<FieldError> fields = field == null ? List.of() : List.of(new FieldError(field, getMessage()));
        return new Body(new ApiError(status, error, getMessage(), fields), line);
    }

    /**
     * A refusal's body as written: the {@link ApiError} shape unchanged (its fields at the top level, in its
     * order), plus the 1-based NDJSON line at fault when there is one.
     *
     * @param error the error as every Dash endpoint gives it
     * @param line the NDJSON line at fault, or null (then absent)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Body(@JsonUnwrapped ApiError error, Integer line) {}
}
